"""The one path every way of sending takes: legacy service, notify entity and entity actions."""

import asyncio
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.network import NoURLAvailableError, get_url

from .account import Delivery, GotifyAccount
from .actions import ACTION_STORE
from .attachments import ATTACHMENT_STORE, async_resolve
from .autodelete import AutoDelete
from .client import (
    GotifyAuthenticationError,
    GotifyCertificateError,
    GotifyConnectionError,
    GotifyError,
    GotifyMessage,
    GotifyNotFoundError,
    GotifyPayloadTooLargeError,
    GotifyResponseError,
    GotifyValidationError,
    maybe_delivered,
)
from .const import (
    CLICK_TARGET_BROWSER,
    CONF_APP_ID,
    CONF_APP_TOKEN,
    DOMAIN,
    LOGGER,
)
from .escalation import ACKNOWLEDGE, BY_SERVICE, Escalations, new_escalation_id
from .message import (
    CLEAR_NOTIFICATION,
    MAX_TITLE_LENGTH,
    AttachmentRef,
    Escalation,
    MessageDefaults,
    MessageError,
    NotificationAction,
    OutgoingMessage,
    actions_of,
    attachments_of,
    build_message,
    check_text,
    escalation_of,
    phone_command,
    shown,
    tag_of,
    timeout_of,
)
from .options import AccountOptions
from .outbox import Outbox, is_transient


@dataclass(frozen=True, slots=True)
class Destination:
    """An application of the account to publish to; without a token the client token publishes (v3)."""

    app_id: int
    name: str
    token: str | None


MAX_TARGETS = 50
_APP_ID = re.compile(r"[0-9]{1,18}")


def _targets(target: Any) -> list[str]:
    """``target`` as a list of names or ids (text); ``MessageError`` says what is allowed."""
    items = [target] if isinstance(target, (str, int)) else target
    if not isinstance(items, (list, tuple)) or len(items) > MAX_TARGETS:
        raise MessageError("invalid_target", value=shown(target), limit=str(MAX_TARGETS))
    wanted = []
    for item in items:
        if isinstance(item, int) and not isinstance(item, bool) and 0 <= item < 10**18:
            wanted.append(str(item))
        elif isinstance(item, str) and item.strip():
            wanted.append(check_text(item.strip(), "target", max_length=MAX_TITLE_LENGTH))
        else:
            raise MessageError("invalid_target", value=shown(item), limit=str(MAX_TARGETS))
    return wanted


@dataclass(frozen=True, slots=True)
class Prepared:
    """A call mapped for one destination: the message, its buttons' ids, and its escalation's id."""

    message: OutgoingMessage
    actions: list[str]
    escalation_id: str | None = None


@dataclass(frozen=True, slots=True)
class QueuedReceipt:
    """What a call gets back for a message the outbox will deliver when the server answers again."""

    app_id: int
    application: str


def _validation(err: MessageError) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=err.key, translation_placeholders=err.placeholders
    )


class GotifySender:
    """Sends for one application subentry: to its application, or to the targets a call names."""

    def __init__(
        self,
        hass: HomeAssistant,
        subentry: ConfigSubentry,
        *,
        entry_id: str,
        account: GotifyAccount,
        outbox: Outbox,
        autodelete: AutoDelete,
        options: AccountOptions,
        escalations: Escalations | None = None,
        app_tokens: Mapping[int, str | None],
    ) -> None:
        """Set up the sender of ``subentry``, with the tokens of the entry's applications."""
        self.hass = hass
        self.entry_id = entry_id
        self.account = account
        self.outbox = outbox
        self.autodelete = autodelete
        # None where nothing can repeat (configuration.yaml's publish-only senders).
        self.escalations = escalations
        self.options = options
        self.subentry = subentry
        self.app_id: int = subentry.data[CONF_APP_ID]
        # The tokens of the account's applications that are set up here (v2 publishes with them).
        self._app_tokens = app_tokens
        self._warned_no_url = False
        # The subentry never changes under a sender (a changed one reloads the entry): nor does this.
        self._destination = Destination(self.app_id, subentry.title, subentry.data.get(CONF_APP_TOKEN))
        # How long attachments and buttons stay valid for the phone.
        self._expiry = timedelta(hours=options.attachment_expiry_hours)
        # The options never change either; only Home Assistant's URL may, so the defaults are kept
        # unless tapping opens the browser at that URL.
        self._defaults = None if options.click_target == CLICK_TARGET_BROWSER else self._make_defaults()

    @property
    def name(self) -> str:
        """The application's name, as its subentry is titled."""
        return self.subentry.title

    @property
    def destination(self) -> Destination:
        """The sender's own application."""
        return self._destination

    def defaults(self) -> MessageDefaults:
        """Return what the options decide when a call does not."""
        return self._defaults if self._defaults is not None else self._make_defaults()

    def _make_defaults(self) -> MessageDefaults:
        home_assistant_url = None
        if self.options.click_target == CLICK_TARGET_BROWSER:
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
            priority=self.options.priority,
            markdown=self.options.markdown,
            click_target=self.options.click_target,
            home_assistant_url=home_assistant_url,
        )

    def build(
        self,
        message: Any,
        title: Any = None,
        data: Mapping[str, Any] | None = None,
        *,
        attachments: Sequence[AttachmentRef] = (),
        action_links: Sequence[str] | None = None,
        extra_actions: Sequence[NotificationAction] = (),
    ) -> OutgoingMessage:
        """Map a call onto a Gotify message, raising a translated error for bad input."""
        try:
            return build_message(
                message,
                title,
                data,
                self.defaults(),
                attachments=attachments,
                action_links=action_links,
                extra_actions=extra_actions,
            )
        except MessageError as err:
            raise _validation(err) from err

    async def async_send(
        self, message: Any, title: Any = None, data: Mapping[str, Any] | None = None, target: Any = None
    ) -> list[GotifyMessage | QueuedReceipt]:
        """Send a notify call to this application, or to each application ``target`` names, at once."""
        if (command := phone_command(message)) is not None:
            await self._async_phone_command(command, data, target)
            return []
        outgoing = self.build(message, title, data)  # bad input (the tag too) fails before any I/O
        tag, timeout, actions = tag_of(data), timeout_of(data), actions_of(data)
        escalation = escalation_of(data)
        destinations = await self.async_destinations(target)
        expiry = self._expiry
        if escalation is not None:  # what the copies link to lasts as long as they are sent
            expiry = max(expiry, timedelta(seconds=escalation.expire))
        attachments = [
            await async_resolve(self.hass, self.hass.data[ATTACHMENT_STORE], value, expiry)
            for value in attachments_of(data)
        ]
        firing = [action for action in actions if action.uri is None]
        messages: list[Prepared]
        if firing or escalation is not None:
            # Each application's buttons are its own: the event names where it was pressed.
            store = self.hass.data[ACTION_STORE]

            def with_buttons(destination: Destination) -> Prepared:
                """Return the message for one destination with its buttons' links (and Acknowledge)."""
                app_id, application = destination.app_id, destination.name
                ids: list[str] = []
                links: list[str] = []
                if firing:
                    ids, links = store.create(
                        firing,
                        entry_id=self.entry_id,
                        app_id=app_id,
                        application=application,
                        tag=tag,
                        expiry=expiry,
                    )
                if escalation is None:
                    outgoing = self.build(message, title, data, attachments=attachments, action_links=links)
                    return Prepared(outgoing, ids)
                escalation_id = new_escalation_id()
                acknowledge_ids, acknowledge_links = store.create(
                    [ACKNOWLEDGE],
                    entry_id=self.entry_id,
                    app_id=app_id,
                    application=application,
                    tag=tag,
                    expiry=timedelta(seconds=escalation.expire),
                    escalation=escalation_id,
                )
                outgoing = self.build(
                    message,
                    title,
                    data,
                    attachments=attachments,
                    action_links=links + acknowledge_links,
                    extra_actions=[ACKNOWLEDGE],
                )
                return Prepared(outgoing, ids + acknowledge_ids, escalation_id)

            messages = [with_buttons(destination) for destination in destinations]
        else:
            if attachments or actions:
                outgoing = self.build(message, title, data, attachments=attachments, action_links=[])
            messages = [Prepared(outgoing, [])] * len(destinations)

        if len(destinations) == 1:
            # The common case: no task to schedule, so no extra turn of the event loop; an error is
            # raised as it is.
            return [await self._deliver(destinations[0], messages[0], tag, timeout, escalation)]
        results: list[GotifyMessage | QueuedReceipt | BaseException] = list(
            await asyncio.gather(
                *(
                    self._deliver(destination, prepared, tag, timeout, escalation)
                    for destination, prepared in zip(destinations, messages, strict=True)
                ),
                return_exceptions=True,
            )
        )
        outcomes = list(zip(destinations, results, strict=True))
        failed = [
            (destination, result) for destination, result in outcomes if isinstance(result, BaseException)
        ]
        for _, error in failed:
            if not isinstance(error, HomeAssistantError):
                raise error
        if failed:
            delivered = [
                destination.name for destination, result in outcomes if not isinstance(result, BaseException)
            ]
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="some_targets_failed",
                translation_placeholders={
                    "failed": "; ".join(f"{destination.name} ({error})" for destination, error in failed),
                    "delivered": ", ".join(delivered) or "none",
                },
            )
        return [result for result in results if not isinstance(result, BaseException)]

    async def async_destinations(self, target: Any) -> list[Destination]:
        """Find the applications a ``target`` names (names, case-insensitive, or ids); none means ours."""
        if target is None or target in ([], ""):
            return [self.destination]
        try:
            wanted = _targets(target)
        except MessageError as err:
            raise _validation(err) from err
        found = self._match(wanted)
        if any(item is None for item in found):
            # Someone may have added the application on the server since setup.
            try:
                await self.account.async_refresh_applications()
            except GotifyError as err:
                raise translate_error(self.account, err, application=self.name) from err
            found = self._match(wanted)
        unknown = [str(name) for name, match in zip(wanted, found, strict=True) if match is None]
        if unknown:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="unknown_target",
                translation_placeholders={
                    "target": ", ".join(unknown),
                    "known": ", ".join(sorted(app.name for app in self.account.applications.values())),
                },
            )
        unique: dict[int, Destination] = {}
        for destination in found:
            assert destination is not None
            unique.setdefault(destination.app_id, destination)
        return list(unique.values())

    def _match(self, wanted: list[str]) -> list[Destination | None]:
        applications = self.account.applications
        result: list[Destination | None] = []
        for text in wanted:
            app = applications.get(int(text)) if _APP_ID.fullmatch(text) else None
            if app is None:
                app = next((a for a in applications.values() if a.name.casefold() == text.casefold()), None)
            token = None if app is None else (app.token or self._app_tokens.get(app.id))
            result.append(None if app is None else Destination(app.id, app.name, token))
        return result

    async def _deliver(
        self,
        destination: Destination,
        prepared: Prepared,
        tag: str | None,
        delete_after: float | None,
        escalation: Escalation | None = None,
    ) -> GotifyMessage | QueuedReceipt:
        """Publish now, or queue when the server cannot take it (or older messages are still waiting)."""
        item = Delivery.of(
            destination.app_id,
            destination.name,
            destination.token,
            prepared.message,
            tag,
            actions=prepared.actions,
            timeout=delete_after,
        )
        if escalation is not None and prepared.escalation_id is not None:
            return await self._escalate(destination, item, escalation, prepared.escalation_id)
        if self.escalations is not None:
            self.escalations.end_for_tag(destination.app_id, tag)  # this message replaces its copy
        queueing = self.options.queue
        if queueing and len(self.outbox):
            return await self._queue(item, "older messages are still waiting")  # keeps the order
        newest_known = self.account.newest_known_id()
        try:
            return await self.account.async_publish(item)
        except GotifyAuthenticationError as err:
            raise self._refused(err, destination) from err
        except GotifyError as err:
            if maybe_delivered(err):
                item.check_after = newest_known
            if queueing and is_transient(err):
                return await self._queue(item, str(err))
            if item.check_after is not None:
                if (found := await self._stored_after_all(item)) is not None:
                    return found
                self.account.abandon(item)
            raise translate_error(self.account, err, application=destination.name) from err

    def _refused(self, err: GotifyAuthenticationError, destination: Destination) -> HomeAssistantError:
        """Return the error for a refused token: the client token's (reauthentication runs) or the app's."""
        if err.client_token:  # the client token itself was refused (the client started reauth)
            return translate_error(self.account, err, application=destination.name)
        # The application's token was rotated or the application deleted: the account is fine.
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="application_token_refused",
            translation_placeholders={"application": destination.name, "reason": err.description},
        )

    async def _escalate(
        self, destination: Destination, item: Delivery, escalation: Escalation, escalation_id: str
    ) -> GotifyMessage | QueuedReceipt:
        """Send the first copy of an alert that repeats until acknowledged (never through the outbox).

        With the queue on, an alert Gotify cannot take now goes out when it answers again.
        """
        assert self.escalations is not None, "a sender without escalations sends none"
        if item.tag is not None:  # an older message with its tag, still queued, would delete its copy
            await self.outbox.async_cancel(item.app_id, item.tag)
        try:
            sent = await self.escalations.async_start(
                item,
                escalation,
                escalation_id=escalation_id,
                origin=self.subentry.subentry_id,
                acknowledge_link=item.actions[-1],
                keep_on_failure=self.options.queue,
            )
        except GotifyAuthenticationError as err:
            raise self._refused(err, destination) from err
        except GotifyError as err:
            raise translate_error(self.account, err, application=destination.name) from err
        return sent if sent is not None else QueuedReceipt(item.app_id, item.application)

    async def async_acknowledge(self, message_id: int | None, tag: str | None, context_id: str) -> None:
        """End the escalations a tag or a copy's message id names (``gotify.acknowledge``).

        ``context_id``: the call's; one naming several entities acknowledges on the first what the
        others name too.
        """
        if message_id is None and tag is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="acknowledge_needs_id_or_tag"
            )
        assert self.escalations is not None, "only the entities' senders acknowledge"
        found = self.escalations.find(
            origin=self.subentry.subentry_id, app_id=self.app_id, tag=tag, message_id=message_id
        )
        if not found and not self.escalations.acknowledged_by(context_id, tag, message_id):
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="no_escalation_for_tag"
                if message_id is None
                else "no_escalation_for_message",
                translation_placeholders={
                    "tag": str(tag),
                    "message_id": str(message_id),
                    "application": self.name,
                },
            )
        for escalation_id in found:
            self.escalations.acknowledge(escalation_id, BY_SERVICE)
        if found:
            self.escalations.remember_acknowledged(context_id, tag, message_id)

    async def _stored_after_all(self, item: Delivery) -> GotifyMessage | None:
        """Return the message if Gotify stored it although its answer was lost (without the queue).

        The same check the outbox makes before sending again.
        """
        try:
            return await self.account.async_find_delivered(item)
        except GotifyError as err:
            LOGGER.debug("Could not check whether Gotify stored the message after all: %s", err)
            return None

    async def _queue(self, item: Delivery, reason: str) -> QueuedReceipt:
        was_empty = not len(self.outbox)
        await self.outbox.async_enqueue(item)
        if was_empty:
            LOGGER.warning(
                "Gotify at %s cannot take messages now (%s); queueing them until it answers",
                self.account.host,
                reason,
            )
        LOGGER.info("Queued the message for %s (%d waiting)", item.application, len(self.outbox))
        return QueuedReceipt(item.app_id, item.application)

    async def async_delete(self, message_id: int | None, tag: str | None) -> None:
        """Delete one message of this application, by id or by the tag it was sent with."""
        if message_id is None:
            if tag is None:
                raise ServiceValidationError(
                    translation_domain=DOMAIN, translation_key="delete_needs_id_or_tag"
                )
            message_id = self.account.tags.get(self.app_id, tag)
            if message_id is None:
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="unknown_tag",
                    translation_placeholders={"tag": tag, "application": self.name},
                )
        try:
            await self.account.client.delete_message(message_id)
        except GotifyError as err:
            raise translate_error(self.account, err, application=self.name) from err
        finally:
            if tag is not None:
                self.account.tags.forget(self.app_id, tag)

    async def _async_phone_command(self, command: str, data: Mapping[str, Any] | None, target: Any) -> None:
        """Carry out a companion app command: ``clear_notification`` deletes the tag's message.

        The others (``TTS``, ``command_*`` ...) do nothing here: they arrive through notify groups, meant
        for the phone, and none is text to show.
        """
        if command != CLEAR_NOTIFICATION:
            LOGGER.debug("Not posting %s to Gotify: it is a command for the companion app", command)
            return
        try:
            tag = tag_of(data)
        except MessageError as err:
            raise _validation(err) from err
        if tag is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="clear_notification_needs_tag"
            )
        for destination in await self.async_destinations(target):
            await self.outbox.async_cancel(destination.app_id, tag)  # not sent yet: it never will be
            message_id = self.account.tags.get(destination.app_id, tag)
            if message_id is None:
                LOGGER.debug("No message of %s was sent with the tag %s", destination.name, tag)
                continue
            self.account.tags.forget(destination.app_id, tag)  # deleted now, later, or refused
            try:
                await self.account.client.delete_message(message_id)
            except GotifyNotFoundError:
                LOGGER.debug("The message of %s tagged %s was deleted already", destination.name, tag)
            except GotifyError as err:
                if not is_transient(err):
                    raise translate_error(self.account, err, application=destination.name) from err
                # As a message is queued: the deletion waits (stored) until Gotify answers again.
                LOGGER.info("Gotify cannot delete message %s now (%s); deleting it later", message_id, err)
                self.autodelete.schedule(message_id, 0)

    async def async_clear(self) -> None:
        """Delete every message of this application."""
        try:
            await self.account.client.clear_application_messages(self.app_id)
        except GotifyError as err:
            raise translate_error(self.account, err, application=self.name) from err
        self.account.tags.forget(self.app_id)


# The most specific kind first: each error gets the first key whose class it is an instance of.
_ERROR_KEYS: tuple[tuple[type[GotifyError], str], ...] = (
    (GotifyAuthenticationError, "send_auth_failed"),
    (GotifyNotFoundError, "not_found"),
    (GotifyPayloadTooLargeError, "payload_too_large"),
    (GotifyValidationError, "message_rejected"),
    (GotifyResponseError, "server_error"),
    (GotifyCertificateError, "certificate_error"),
    (GotifyConnectionError, "cannot_connect"),
)


def translate_error(account: GotifyAccount, err: GotifyError, *, application: str) -> HomeAssistantError:
    """Return a translated error naming the server's reason."""
    key = next((key for kind, key in _ERROR_KEYS if isinstance(err, kind)), "invalid_response")
    response = err if isinstance(err, GotifyResponseError) else None
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={
            "host": account.host,
            "application": application,
            "reason": response.description if response else str(err),
            "status": str(response.status) if response else "",
        },
    )
