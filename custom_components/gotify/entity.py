"""Base entity: one device per application, under the account's server device."""

from homeassistant.config_entries import ConfigSubentry
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity

from .compat import via_device
from .const import DOMAIN
from .data import GotifyConfigEntry
from .sender import GotifySender
from .stream import signal_status


class GotifyApplicationEntity(Entity):
    """An entity of one application subentry."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, entry: GotifyConfigEntry, subentry: ConfigSubentry, key: str) -> None:
        data = entry.runtime_data
        self.sender: GotifySender = data.senders[subentry.subentry_id]
        self._attr_unique_id = f"{entry.entry_id}_{subentry.subentry_id}_{key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, f"{entry.entry_id}_{subentry.subentry_id}")},
            entry_type=DeviceEntryType.SERVICE,
            manufacturer="Gotify",
            model="Application",
            name=subentry.title,
            configuration_url=str(data.client.base_url.with_user(None).with_password(None)),
            **via_device(entry.entry_id, data.server_device_id),
        )


class GotifyServerEntity(Entity):
    """An entity of the account's server device, updated when the connection or the outbox changes."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, entry: GotifyConfigEntry, key: str) -> None:
        self.entry = entry
        self._attr_unique_id = f"{entry.entry_id}_{key}"
        self._attr_translation_key = key
        self._attr_device_info = DeviceInfo(identifiers={(DOMAIN, entry.entry_id)})

    async def async_added_to_hass(self) -> None:
        self.async_on_remove(
            async_dispatcher_connect(self.hass, signal_status(self.entry.entry_id), self.async_write_ha_state)
        )
