"""An event entity per application: a message arrived in it from elsewhere."""

from homeassistant.components.event import EventEntity
from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import GotifyMessage
from .const import SUBENTRY_APPLICATION, signal_message, signal_status
from .data import GotifyConfigEntry
from .entity import GotifyApplicationEntity
from .listener import message_event_data

PARALLEL_UPDATES = 0
EVENT_TYPE_MESSAGE = "message"


async def async_setup_entry(
    hass: HomeAssistant, entry: GotifyConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Set up a message event entity per application from a config entry."""
    for subentry_id, subentry in entry.subentries.items():
        if subentry.subentry_type == SUBENTRY_APPLICATION:
            async_add_entities([GotifyMessageEvent(entry, subentry)], config_subentry_id=subentry_id)


class GotifyMessageEvent(GotifyApplicationEntity, EventEntity):
    """Fires ``message`` with the message's id, title, text, priority, extras and date."""

    _attr_event_types = [EVENT_TYPE_MESSAGE]  # noqa: RUF012 - Home Assistant's attribute
    _attr_translation_key = "message"

    def __init__(self, entry: GotifyConfigEntry, subentry: ConfigSubentry) -> None:
        """Set up the message event of ``subentry``."""
        super().__init__(entry, subentry, "message")
        self.entry = entry

    @property
    def available(self) -> bool:
        """Return whether the stream is open: only then can messages arrive."""
        return self.entry.runtime_data.listener.status.connected

    async def async_added_to_hass(self) -> None:
        """Follow the account's messages and its connection."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(self.hass, signal_message(self.entry.entry_id), self._message)
        )
        self.async_on_remove(
            async_dispatcher_connect(self.hass, signal_status(self.entry.entry_id), self.async_write_ha_state)
        )

    @callback
    def _message(self, message: GotifyMessage) -> None:
        if message.appid == self.sender.app_id:
            self._trigger_event(EVENT_TYPE_MESSAGE, message_event_data(message))
            self.async_write_ha_state()
