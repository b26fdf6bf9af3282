"""Whether the account's server is reachable: the stream is open."""

from typing import Any

from homeassistant.components.binary_sensor import BinarySensorDeviceClass, BinarySensorEntity
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .data import GotifyConfigEntry
from .entity import GotifyServerEntity

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: GotifyConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    async_add_entities([GotifyConnectivity(entry)])


class GotifyConnectivity(GotifyServerEntity, BinarySensorEntity):
    """On while the websocket to Gotify is open and Gotify reports itself healthy."""

    _attr_device_class = BinarySensorDeviceClass.CONNECTIVITY
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def __init__(self, entry: GotifyConfigEntry) -> None:
        super().__init__(entry, "connection")

    @property
    def is_on(self) -> bool:
        status = self.entry.runtime_data.listener.status
        return status.connected and status.healthy

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        status = self.entry.runtime_data.listener.status
        return {"stream": status.connected, "health": status.health, "database": status.database}
