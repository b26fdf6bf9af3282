"""The server version and queued messages sensors."""

import pytest
from homeassistant.const import STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from .gotify_double import GotifyDouble
from .helpers import entity_of, notify, queue_state, state_of, wait_for


@pytest.mark.parametrize("platforms", [[Platform.SENSOR]], ids=["sensor"])
async def test_entities(
    hass: HomeAssistant,
    home: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    await snapshot_platform(hass, entity_registry, snapshot, home.entry_id)


@pytest.mark.parametrize("platforms", [[Platform.SENSOR]], ids=["sensor"])
async def test_queued_messages_while_gotify_is_down(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    version = entity_of(hass, home, "sensor", "_server_version")
    assert (queue_state(hass), state_of(hass, version)) == ("0", gotify.version)

    await gotify.stop()
    await notify(hass, "first")
    await notify(hass, "second")
    assert queue_state(hass) == "2"  # available while Gotify is not: that is when it matters
    await wait_for(lambda: state_of(hass, version) == STATE_UNAVAILABLE)

    await gotify.start()
    await wait_for(lambda: queue_state(hass) == "0")
    await wait_for(lambda: state_of(hass, version) == gotify.version)  # once the stream is back
