"""Home Assistant's URL as a phone reaches it, for what a notification links to (attachments, buttons)."""

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.network import NoURLAvailableError, get_url

from .const import DOMAIN, LOGGER


class PhoneUrl:
    """The external URL, else the internal one with a warning (once): phones away from home need the first."""

    def __init__(self, hass: HomeAssistant, what: str) -> None:
        """Give URLs for ``what`` (named in the warning: "attachments are served on ...")."""
        self.hass = hass
        self._what = what
        self._warned_internal = False

    def base(self) -> str:
        """Return the base URL; ``HomeAssistantError`` (translated) when Home Assistant has none."""
        try:
            return get_url(self.hass, allow_internal=False, allow_ip=True)
        except NoURLAvailableError:
            pass
        try:
            url = get_url(self.hass, allow_external=False)
        except NoURLAvailableError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="no_home_assistant_url"
            ) from err
        if not self._warned_internal:
            self._warned_internal = True
            LOGGER.warning(
                "Home Assistant has no external URL; %s are served on %s, "
                "which phones outside the home network cannot reach",
                self._what,
                url,
            )
        return url
