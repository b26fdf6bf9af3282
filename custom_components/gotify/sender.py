"""The one path every way of sending takes: legacy service, notify entity and entity actions."""

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.network import NoURLAvailableError, get_url

from .api import (
    GotifyAuthenticationError,
    GotifyCertificateError,
    GotifyConnectionError,
    GotifyError,
    GotifyMessage,
    GotifyNotFoundError,
    GotifyPayloadTooLargeError,
    GotifyResponseError,
    GotifyValidationError,
)
from .const import (
    CLICK_TARGET_BROWSER,
    CONF_APP_ID,
    CONF_APP_TOKEN,
    CONF_CLICK_TARGET,
    CONF_MARKDOWN,
    CONF_PRIORITY,
    DEFAULT_CLICK_TARGET,
    DEFAULT_MARKDOWN,
    DEFAULT_PRIORITY,
    DOMAIN,
    LOGGER,
)
from .data import GotifyConfigEntry
from .message import MessageDefaults, MessageError, OutgoingMessage, build_message


class GotifySender:
    """Sends to one application of one account."""

    def __init__(self, hass: HomeAssistant, entry: GotifyConfigEntry, subentry: ConfigSubentry) -> None:
        self.hass = hass
        self.entry = entry
        self.subentry = subentry
        self.app_id: int = subentry.data[CONF_APP_ID]
        self._app_token: str | None = subentry.data.get(CONF_APP_TOKEN)
        self._warned_no_url = False

    @property
    def name(self) -> str:
        return self.subentry.title

    def defaults(self) -> MessageDefaults:
        options = self.entry.options
        click_target = options.get(CONF_CLICK_TARGET, DEFAULT_CLICK_TARGET)
        home_assistant_url = None
        if click_target == CLICK_TARGET_BROWSER:
            try:
                home_assistant_url = get_url(self.hass, prefer_external=True)
            except NoURLAvailableError:
                if not self._warned_no_url:
                    self._warned_no_url = True
                    LOGGER.warning(
                        "Home Assistant has no URL configured; "
                        "tapped notifications open the companion app instead"
                    )
        return MessageDefaults(
            priority=int(options.get(CONF_PRIORITY, DEFAULT_PRIORITY)),
            markdown=bool(options.get(CONF_MARKDOWN, DEFAULT_MARKDOWN)),
            click_target=click_target,
            home_assistant_url=home_assistant_url,
        )

    def build(
        self, message: Any, title: Any = None, data: Mapping[str, Any] | None = None
    ) -> OutgoingMessage:
        """Map a call onto a Gotify message, raising a translated error for bad input."""
        try:
            return build_message(message, title, data, self.defaults())
        except MessageError as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key=err.key, translation_placeholders=err.placeholders
            ) from err

    async def async_send(
        self, message: Any, title: Any = None, data: Mapping[str, Any] | None = None
    ) -> GotifyMessage:
        """Send a notify call's message to this application."""
        return await self.async_publish(self.build(message, title, data))

    async def async_publish(self, outgoing: OutgoingMessage) -> GotifyMessage:
        client = self.entry.runtime_data.client
        try:
            sent = await client.send_message(
                outgoing.message,
                title=outgoing.title,
                priority=outgoing.priority,
                extras=outgoing.extras,
                app_token=self._app_token,
                appid=None if self._app_token else self.app_id,
            )
        except GotifyError as err:
            raise translate_error(self.hass, self.entry, err, application=self.name) from err
        LOGGER.debug("Sent message %s to %s", sent.id, self.name)
        return sent


def translate_error(
    hass: HomeAssistant, entry: GotifyConfigEntry, err: GotifyError, *, application: str
) -> HomeAssistantError:
    """A translated error naming the server's reason; a refused token also starts reauthentication."""
    host = entry.runtime_data.client.host
    placeholders = {"host": host, "application": application}
    if isinstance(err, GotifyAuthenticationError):
        entry.async_start_reauth(hass)
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="send_auth_failed",
            translation_placeholders={**placeholders, "reason": err.description},
        )
    if isinstance(err, GotifyNotFoundError):
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="application_not_found",
            translation_placeholders=placeholders,
        )
    if isinstance(err, GotifyPayloadTooLargeError):
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="payload_too_large",
            translation_placeholders={**placeholders, "reason": err.description},
        )
    if isinstance(err, GotifyValidationError):
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="message_rejected",
            translation_placeholders={**placeholders, "reason": err.description},
        )
    if isinstance(err, GotifyResponseError):
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="server_error",
            translation_placeholders={**placeholders, "status": str(err.status), "reason": err.description},
        )
    if isinstance(err, GotifyCertificateError):
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="certificate_error",
            translation_placeholders=placeholders,
        )
    if isinstance(err, GotifyConnectionError):
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="cannot_connect",
            translation_placeholders={**placeholders, "reason": str(err)},
        )
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="invalid_response",
        translation_placeholders={**placeholders, "reason": str(err)},
    )
