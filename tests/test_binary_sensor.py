"""The connection binary sensor: on while the stream is open and Gotify reports itself healthy."""

import asyncio
from datetime import timedelta

import pytest
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.gotify.const import DOMAIN

from .gotify_double import GotifyDouble
from .helpers import Backoff, entity_of, state_of, wait_for


@pytest.mark.parametrize("platforms", [[Platform.BINARY_SENSOR]], ids=["binary_sensor"])
async def test_entities(
    hass: HomeAssistant,
    home: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    await snapshot_platform(hass, entity_registry, snapshot, home.entry_id)


async def test_connection_status(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    reconnects: list[Backoff],
    caplog: pytest.LogCaptureFixture,
) -> None:
    connection = entity_of(hass, home, "binary_sensor", "_connection")
    version = entity_of(hass, home, "sensor", "_server_version")
    event_entity = entity_of(hass, home, "event", "_message")
    await wait_for(lambda: state_of(hass, connection) == STATE_ON)
    assert state_of(hass, version) == gotify.version
    assert state_of(hass, event_entity) != STATE_UNAVAILABLE

    tries = len(reconnects)
    await gotify.stop()
    await wait_for(lambda: state_of(hass, connection) == STATE_OFF)
    assert state_of(hass, version) == STATE_UNAVAILABLE
    assert state_of(hass, event_entity) == STATE_UNAVAILABLE
    await wait_for(lambda: len(reconnects) >= tries + 4)  # several retries, refused

    await gotify.start()
    await wait_for(lambda: state_of(hass, connection) == STATE_ON)
    assert state_of(hass, event_entity) != STATE_UNAVAILABLE
    assert caplog.text.count("is unreachable") == 1
    assert caplog.text.count("is back") == 1


async def test_connectivity_follows_gotify_health(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    connection = entity_of(hass, home, "binary_sensor", "_connection")
    await wait_for(lambda: state_of(hass, connection) == STATE_ON)

    # Asked every minute; the check itself is run here (time travel would also expire its request).
    coordinator = home.runtime_data.coordinator
    assert coordinator.update_interval == timedelta(minutes=1)
    gotify.health = {"health": "orange", "database": "red"}  # the database went away
    await coordinator.async_refresh()
    await wait_for(lambda: state_of(hass, connection) == STATE_OFF)
    # The stream stayed open: what Gotify said of itself is on the health and database sensors.
    assert home.runtime_data.listener.status.connected
    health = entity_of(hass, home, "sensor", "_health")
    database = entity_of(hass, home, "sensor", "_database")
    assert (state_of(hass, health), state_of(hass, database)) == ("orange", "red")
    assert "reports health orange, database red" in caplog.text

    gotify.health = {"health": "green", "database": "green"}
    await coordinator.async_refresh()
    await wait_for(lambda: state_of(hass, connection) == STATE_ON)
    assert "is healthy again" in caplog.text


async def test_a_stopped_listener_never_leaves_connectivity_on(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    [task] = [t for t in asyncio.all_tasks() if t.get_name() == f"{DOMAIN} stream {home.title}"]
    task.cancel()
    await wait_for(task.done)
    await hass.async_block_till_done()
    assert not home.runtime_data.listener.status.connected
    [sensor] = [
        state for state in hass.states.async_all("binary_sensor") if state.entity_id.endswith("_connection")
    ]
    assert sensor.state == "off"
