"""Base entities: one device per application, under the account's server device."""

from homeassistant.config_entries import ConfigSubentry
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .client import display_url
from .compat import via_device
from .const import DOMAIN, signal_status
from .coordinator import GotifyServerCoordinator
from .data import GotifyConfigEntry
from .sender import GotifySender


class GotifyApplicationEntity(Entity):
    """An entity of one application subentry."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, entry: GotifyConfigEntry, subentry: ConfigSubentry, key: str) -> None:
        """Set up the entity of ``subentry`` with the unique id suffix ``key``."""
        data = entry.runtime_data
        self.sender: GotifySender = data.senders[subentry.subentry_id]
        self._attr_unique_id = f"{entry.entry_id}_{subentry.subentry_id}_{key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, f"{entry.entry_id}_{subentry.subentry_id}")},
            entry_type=DeviceEntryType.SERVICE,
            manufacturer="Gotify",
            model="Application",
            name=subentry.title,
            configuration_url=display_url(data.account.client.base_url),
            **via_device(entry.entry_id, data.server_device_id),
        )


class GotifyServerEntity(CoordinatorEntity[GotifyServerCoordinator]):
    """An entity of the account's server device.

    It is updated with the server's state (the coordinator), the connection and the outbox.
    """

    _attr_has_entity_name = True

    def __init__(self, entry: GotifyConfigEntry, key: str) -> None:
        """Set up the server entity with the translation key and unique id suffix ``key``."""
        super().__init__(entry.runtime_data.coordinator)
        self.entry = entry
        self._attr_unique_id = f"{entry.entry_id}_{key}"
        self._attr_translation_key = key
        self._attr_device_info = DeviceInfo(identifiers={(DOMAIN, entry.entry_id)})

    async def async_added_to_hass(self) -> None:
        """Follow the connection and the outbox as well as the coordinator."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(self.hass, signal_status(self.entry.entry_id), self.async_write_ha_state)
        )
