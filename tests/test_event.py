"""The event entity of each application, and the event on the bus, for messages from elsewhere."""

from typing import Any

import pytest
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from .gotify_double import GotifyDouble
from .helpers import entity_of, wait_for


@pytest.mark.parametrize("platforms", [[Platform.EVENT]], ids=["event"])
async def test_entities(
    hass: HomeAssistant,
    home: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    await snapshot_platform(hass, entity_registry, snapshot, home.entry_id)


async def test_message_from_elsewhere(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, received: list[dict[str, Any]]
) -> None:
    application = gotify.application_named("Home Assistant")
    other = gotify.add_application("Backups")
    event_entity = entity_of(hass, home, "event", "_message")

    message = gotify.add_message(
        application, "Disk almost full", title="NAS", priority=8, extras={"a::b": {"c": 1}}
    )
    backup = gotify.add_message(other, "Backup done")
    await wait_for(lambda: len(received) == 2)

    assert received[0] == {
        "entry_id": home.entry_id,
        "application": "Home Assistant",
        "application_id": application.id,
        "id": message.id,
        "title": "NAS",
        "message": "Disk almost full",
        "priority": 8,
        "extras": {"a::b": {"c": 1}},
        # Gotify's "...Z" (nanoseconds), as Home Assistant writes a time in UTC (microseconds).
        "date": message.date.isoformat(),
    }
    assert received[0]["date"].endswith("+00:00")
    assert (received[1]["application"], received[1]["id"]) == ("Backups", backup.id)
    state = hass.states.get(event_entity)
    assert state is not None
    assert state.attributes["event_type"] == "message"
    assert (state.attributes["id"], state.attributes["message"], state.attributes["priority"]) == (
        message.id,
        "Disk almost full",
        8,
    )
