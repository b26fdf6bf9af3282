"""The server's version and health, the messages waiting in the outbox, and the running escalations."""

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.sensor import SensorEntity, SensorEntityDescription, SensorStateClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .data import GotifyConfigEntry, GotifyData
from .entity import GotifyServerEntity

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class GotifySensorDescription(SensorEntityDescription):
    """A server sensor: where its value comes from, and whether it needs the server to answer."""

    value_fn: Callable[[GotifyData], str | int | None]
    # Whether the value comes from the server (unavailable when it does not answer), or is ours.
    from_server: bool = True


SENSORS: tuple[GotifySensorDescription, ...] = (
    GotifySensorDescription(
        key="server_version",
        translation_key="server_version",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data: data.coordinator.data.version.version,
    ),
    GotifySensorDescription(
        key="health",
        translation_key="health",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data: health.health if (health := data.coordinator.data.health) else None,
    ),
    GotifySensorDescription(
        key="database",
        translation_key="database",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data: health.database if (health := data.coordinator.data.health) else None,
    ),
    # Always available: it matters most when the server does not answer.
    GotifySensorDescription(
        key="queued_messages",
        translation_key="queued_messages",
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement="messages",
        value_fn=lambda data: len(data.outbox),
        from_server=False,
    ),
    # Alerts that repeat until someone acknowledges them (``data.retry`` / ``data.expire``).
    GotifySensorDescription(
        key="active_escalations",
        translation_key="active_escalations",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: len(data.escalations),
        from_server=False,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant, entry: GotifyConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Set up the server sensors of an account from a config entry."""
    async_add_entities(GotifySensor(entry, description) for description in SENSORS)


class GotifySensor(GotifyServerEntity, SensorEntity):
    """One sensor of the account's server device."""

    entity_description: GotifySensorDescription

    def __init__(self, entry: GotifyConfigEntry, description: GotifySensorDescription) -> None:
        """Set up the sensor ``description`` describes."""
        super().__init__(entry, description.key)
        self.entity_description = description

    @property
    def available(self) -> bool:
        """Return whether the value is known.

        Server values need the server to answer (its stream open, its last check passed); the queue
        length and the escalations are always known.
        """
        if not self.entity_description.from_server:
            return True
        return super().available and self.entry.runtime_data.listener.status.connected

    @property
    def native_value(self) -> str | int | None:
        """Return the value, as its description reads it."""
        return self.entity_description.value_fn(self.entry.runtime_data)
