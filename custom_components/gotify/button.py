"""A "Send test notification" button per application: a short message through the application's sender."""

from datetime import datetime

from homeassistant.components.button import ButtonEntity
from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .const import DOMAIN, SUBENTRY_APPLICATION
from .data import GotifyConfigEntry
from .entity import GotifyApplicationEntity
from .sender import QueuedReceipt

PARALLEL_UPDATES = 0
# A message's content cannot be translated (Home Assistant translates only what it shows itself), so the
# test message is plain English.
TEST_TITLE = "Home Assistant"


def message_at(when: datetime) -> str:
    """Return the test notification's text, naming ``when`` (local time) to the minute."""
    return f"Test notification from Home Assistant at {when:%H:%M}"


async def async_setup_entry(
    hass: HomeAssistant, entry: GotifyConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Set up a test notification button per application from a config entry."""
    for subentry_id, subentry in entry.subentries.items():
        if subentry.subentry_type == SUBENTRY_APPLICATION:
            async_add_entities([GotifyTestButton(entry, subentry)], config_subentry_id=subentry_id)


class GotifyTestButton(GotifyApplicationEntity, ButtonEntity):
    """Sends a test notification to the application, as every other notification to it is sent."""

    _attr_entity_category = EntityCategory.CONFIG
    _attr_translation_key = "test_notification"

    def __init__(self, entry: GotifyConfigEntry, subentry: ConfigSubentry) -> None:
        """Set up the test button of ``subentry``."""
        super().__init__(entry, subentry, "test_notification")

    async def async_press(self) -> None:
        """Send the test notification; what goes wrong is the sender's translated error.

        A queued message has not reached Gotify yet: the press says so rather than report a success.
        """
        sent = await self.sender.async_send(message_at(dt_util.as_local(dt_util.utcnow())), TEST_TITLE)
        if any(isinstance(item, QueuedReceipt) for item in sent):
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="test_notification_queued",
                translation_placeholders={"application": self.sender.name, "host": self.sender.account.host},
            )
