"""The server's state through the coordinator, and the repair for a queued message Gotify refused."""

from typing import Any

import pytest
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.gotify import listener, outbox
from custom_components.gotify.const import DOMAIN

from .gotify_double import GotifyDouble
from .helpers import mock_entry, refused_reports, setup_entry, wait_for


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outbox, "RETRY_MIN", 0.02)
    monkeypatch.setattr(outbox, "RETRY_MAX", 0.2)
    monkeypatch.setattr(listener, "RECONNECT_MIN", 0.02)


@pytest.fixture
async def home(hass: HomeAssistant, gotify: GotifyDouble) -> MockConfigEntry:
    entry = await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))
    await wait_for(lambda: entry.runtime_data.listener.status.connected)
    return entry


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
    assert device is not None
    assert (hass.states.get(version).state, device.sw_version) == (gotify.version, gotify.version)

    upgraded = gotify.version.rsplit(".", 1)[0] + ".99"
    gotify.version = upgraded
    await home.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()

    assert hass.states.get(version).state == upgraded
    device = dr.async_get(hass).async_get(home.runtime_data.server_device_id)
    assert device is not None
    assert device.sw_version == upgraded
    assert home.runtime_data.coordinator.data.version.version == upgraded


async def test_health_sensors_and_an_unreachable_server(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    health = _entity(hass, home, "sensor", "health")
    database = _entity(hass, home, "sensor", "database")
    queued = _entity(hass, home, "sensor", "queued_messages")
    await wait_for(lambda: hass.states.get(health).state == "green")  # asked when the stream opened
    assert hass.states.get(database).state == "green"

    await gotify.stop()
    await wait_for(lambda: hass.states.get(health).state == STATE_UNAVAILABLE)
    assert hass.states.get(database).state == STATE_UNAVAILABLE
    assert hass.states.get(queued).state == "0"  # ours, known without the server


async def test_refused_queued_message_repair_is_dismissed_by_submitting(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    assert await async_setup_component(hass, "repairs", {})
    await gotify.stop()
    await hass.services.async_call("notify", "gotify_home_assistant", {"message": "doomed"}, blocking=True)
    gotify.application_named("Home Assistant").token = "Arotated0000000"
    await gotify.start()
    await wait_for(lambda: len(home.runtime_data.outbox) == 0)
    (issue_id,) = [
        issue_id
        for domain, issue_id in ir.async_get(hass).issues
        if domain == DOMAIN and issue_id.startswith("queued_message_refused_")
    ]
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert (issue.is_fixable, issue.severity) == (True, ir.IssueSeverity.ERROR)

    client = await hass_client()
    response = await client.post("/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id})
    result: dict[str, Any] = await response.json()
    assert (result["type"], result["step_id"]) == ("form", "confirm")
    assert result["description_placeholders"]["message"] == "doomed"
    result = await (await client.post(f"/api/repairs/issues/fix/{result['flow_id']}", json={})).json()
    assert result["type"] == "create_entry"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_removing_the_entry_forgets_its_refused_message_repairs(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    await gotify.stop()
    await hass.services.async_call("notify", "gotify_home_assistant", {"message": "doomed"}, blocking=True)
    gotify.application_named("Home Assistant").token = "Arotated0000000"
    await gotify.start()
    await wait_for(lambda: len(home.runtime_data.outbox) == 0)
    assert len(refused_reports(hass)) == 1

    await hass.config_entries.async_remove(home.entry_id)
    await hass.async_block_till_done()
    assert refused_reports(hass) == []
