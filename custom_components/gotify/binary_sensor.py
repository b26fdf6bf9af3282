"""Whether the account's server is reachable: the stream is open and Gotify reports itself healthy."""

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
    """Set up the connectivity sensor of an account from a config entry."""
    async_add_entities([GotifyConnectivity(entry)])


class GotifyConnectivity(GotifyServerEntity, BinarySensorEntity):
    """On while the websocket to Gotify is open and Gotify answers and reports itself healthy."""

    _attr_device_class = BinarySensorDeviceClass.CONNECTIVITY
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def __init__(self, entry: GotifyConfigEntry) -> None:
        """Set up the connectivity sensor."""
        super().__init__(entry, "connection")

    @property
    def available(self) -> bool:
        """Return True always: when the server does not answer, this sensor says so by being off."""
        return True

    @property
    def is_on(self) -> bool:
        """Return whether the stream is open and the last check of the server found it healthy."""
        data = self.entry.runtime_data
        coordinator = data.coordinator
        return data.listener.status.connected and coordinator.last_update_success and coordinator.data.healthy
