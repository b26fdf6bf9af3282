"""The server's version and the number of messages waiting in the outbox."""

from homeassistant.components.sensor import SensorEntity, SensorStateClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .data import GotifyConfigEntry
from .entity import GotifyServerEntity

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: GotifyConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    async_add_entities([GotifyVersionSensor(entry), GotifyQueueSensor(entry)])


class GotifyVersionSensor(GotifyServerEntity, SensorEntity):
    """The Gotify server's version, as ``/version`` reported it at setup."""

    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def __init__(self, entry: GotifyConfigEntry) -> None:
        super().__init__(entry, "server_version")

    @property
    def available(self) -> bool:
        return self.entry.runtime_data.listener.status.connected

    @property
    def native_value(self) -> str:
        return self.entry.runtime_data.version.version


class GotifyQueueSensor(GotifyServerEntity, SensorEntity):
    """Messages waiting for the server to answer again (always available: it matters most when not)."""

    _attr_state_class = SensorStateClass.MEASUREMENT
    _attr_native_unit_of_measurement = "messages"

    def __init__(self, entry: GotifyConfigEntry) -> None:
        super().__init__(entry, "queued_messages")

    @property
    def native_value(self) -> int:
        return len(self.entry.runtime_data.outbox)
