"""The server version and queued messages sensors."""

import pytest
from homeassistant.const import STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
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


def _entity(hass: HomeAssistant, entry: MockConfigEntry, domain: str, key: str) -> str:
    return next(
        e.entity_id
        for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        if e.domain == domain and e.unique_id == f"{entry.entry_id}_{key}"
    )


async def test_version_follows_a_server_upgrade_without_a_reload(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    version = _entity(hass, home, "sensor", "server_version")
    device = dr.async_get(hass).async_get(home.runtime_data.server_device_id)
    assert isinstance(device, dr.DeviceEntry)
    assert (state_of(hass, version), device.sw_version) == (gotify.version, gotify.version)

    upgraded = gotify.version.rsplit(".", 1)[0] + ".99"
    gotify.version = upgraded
    await home.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()

    assert state_of(hass, version) == upgraded
    device = dr.async_get(hass).async_get(home.runtime_data.server_device_id)
    assert isinstance(device, dr.DeviceEntry)
    assert device.sw_version == upgraded
    assert home.runtime_data.coordinator.data.version.version == upgraded


async def test_health_sensors_and_an_unreachable_server(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    health = _entity(hass, home, "sensor", "health")
    database = _entity(hass, home, "sensor", "database")
    queued = _entity(hass, home, "sensor", "queued_messages")
    await wait_for(lambda: state_of(hass, health) == "green")  # asked when the stream opened
    assert state_of(hass, database) == "green"

    await gotify.stop()
    await wait_for(lambda: state_of(hass, health) == STATE_UNAVAILABLE)
    assert state_of(hass, database) == STATE_UNAVAILABLE
    assert state_of(hass, queued) == "0"  # ours, known without the server
