"""Receiving: the stream, catch-up after gaps, events, status entities, diagnostics and repairs."""

import asyncio
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.gotify import account, listener
from custom_components.gotify.const import DOMAIN, EVENT_MESSAGE_RECEIVED
from custom_components.gotify.diagnostics import async_get_config_entry_diagnostics

from .gotify_double import GotifyDouble
from .helpers import mock_entry, setup_entry, setup_with_deleted_application


@pytest.fixture(autouse=True)
def fast_reconnect(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(listener, "RECONNECT_MIN", 0.02)


async def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


def entity_id(hass: HomeAssistant, entry: MockConfigEntry, domain: str, key: str) -> str:
    return next(
        e.entity_id
        for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        if e.domain == domain and e.unique_id.endswith(key)
    )


@pytest.fixture
async def home(hass: HomeAssistant, gotify: GotifyDouble) -> MockConfigEntry:
    entry = await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))
    await wait_for(lambda: entry.runtime_data.listener.status.connected)  # socket open, catch-up done
    return entry


@pytest.fixture
def received(hass: HomeAssistant) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []

    @callback
    def listener(event: Event) -> None:
        events.append(dict(event.data))

    hass.bus.async_listen(EVENT_MESSAGE_RECEIVED, listener)
    return events


async def test_message_from_elsewhere(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, received: list[dict[str, Any]]
) -> None:
    application = gotify.application_named("Home Assistant")
    other = gotify.add_application("Backups")
    event_entity = entity_id(hass, home, "event", "_message")

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
        "date": message.date.isoformat().replace("+00:00", "+00:00"),
    }
    assert (received[1]["application"], received[1]["id"]) == ("Backups", backup.id)
    state = hass.states.get(event_entity)
    assert state is not None
    assert state.attributes["event_type"] == "message"
    assert (state.attributes["id"], state.attributes["message"], state.attributes["priority"]) == (
        message.id,
        "Disk almost full",
        8,
    )


async def test_own_messages_are_not_echoed(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, received: list[dict[str, Any]]
) -> None:
    for index in range(5):
        await hass.services.async_call(
            "notify", "gotify_home_assistant", {"message": f"own {index}"}, blocking=True
        )
    other = gotify.add_message(gotify.application_named("Home Assistant"), "someone else")
    await wait_for(lambda: len(received) >= 1)
    await asyncio.sleep(0.1)
    assert [event["id"] for event in received] == [other.id]


async def test_catch_up_after_the_stream_drops(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, received: list[dict[str, Any]]
) -> None:
    application = gotify.application_named("Home Assistant")
    before = gotify.add_message(application, "before")
    await wait_for(lambda: len(received) == 1)

    await gotify.stop()  # the server goes away; the listener keeps retrying
    missed = [gotify.add_message(application, f"while down {i}") for i in range(150)]  # more than a page
    await gotify.start()
    await wait_for(lambda: len(received) == 151)
    after = gotify.add_message(application, "after")
    await wait_for(lambda: len(received) == 152)
    await asyncio.sleep(0.1)

    assert [event["id"] for event in received] == [before.id, *(m.id for m in missed), after.id]


async def test_messages_around_a_dropped_socket_arrive_once(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, received: list[dict[str, Any]]
) -> None:
    application = gotify.application_named("Home Assistant")
    posted = []
    for round_ in range(5):
        await gotify.drop_streams()
        posted += [gotify.add_message(application, f"{round_}-{i}").id for i in range(3)]
        await wait_for(lambda: gotify.stream_count == 1)
        posted.append(gotify.add_message(application, f"{round_}-live").id)
    await wait_for(lambda: len(received) >= len(posted))
    await asyncio.sleep(0.1)
    assert [event["id"] for event in received] == posted


async def test_messages_pushed_out_of_order(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, received: list[dict[str, Any]]
) -> None:
    stored = gotify.add_messages_pushed_out_of_order(gotify.application_named("Home Assistant"), 5)
    await wait_for(lambda: len(received) == 5)
    await gotify.drop_streams()  # and a reconnect with catch-up must not repeat any of them
    await wait_for(lambda: gotify.stream_count == 1)
    await asyncio.sleep(0.1)
    assert [event["id"] for event in received] == [m.id for m in reversed(stored)]


async def test_connection_status(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    connection = entity_id(hass, home, "binary_sensor", "_connection")
    version = entity_id(hass, home, "sensor", "_server_version")
    event_entity = entity_id(hass, home, "event", "_message")
    await wait_for(lambda: hass.states.get(connection).state == STATE_ON)
    assert hass.states.get(version).state == gotify.version
    assert hass.states.get(event_entity).state != STATE_UNAVAILABLE

    await gotify.stop()
    await wait_for(lambda: hass.states.get(connection).state == STATE_OFF)
    assert hass.states.get(version).state == STATE_UNAVAILABLE
    assert hass.states.get(event_entity).state == STATE_UNAVAILABLE
    await asyncio.sleep(0.3)  # several retries

    await gotify.start()
    await wait_for(lambda: hass.states.get(connection).state == STATE_ON)
    assert hass.states.get(event_entity).state != STATE_UNAVAILABLE
    assert caplog.text.count("is unreachable") == 1
    assert caplog.text.count("is back") == 1


async def test_devices(hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry) -> None:
    devices = {
        identifier: device
        for device in dr.async_entries_for_config_entry(dr.async_get(hass), home.entry_id)
        for _, identifier in device.identifiers
    }
    server = devices.get(home.entry_id)
    application = devices.get(f"{home.entry_id}_{next(iter(home.subentries))}")
    assert server is not None
    assert application is not None
    assert (server.sw_version, server.name) == (gotify.version, home.title)
    assert application.via_device_id == server.id


async def test_stream_token_refused_starts_reauth(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    gotify.remove_client(gotify.client_token)
    await wait_for(lambda: bool(hass.config_entries.flow.async_progress_by_handler(DOMAIN)))
    assert [f["context"]["source"] for f in hass.config_entries.flow.async_progress_by_handler(DOMAIN)] == [
        "reauth"
    ]


async def test_diagnostics_redact_secrets(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    application = gotify.add_application("Home Assistant")
    entry = mock_entry(gotify, application)
    hass.config_entries.async_update_entry  # noqa: B018
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=entry.title,
        unique_id=entry.unique_id,
        data={**entry.data, "url": gotify.url.replace("http://", "http://proxyuser:proxysecret@")},
        options=entry.options,
        subentries_data=[dict(s.as_dict()) for s in entry.subentries.values()],  # type: ignore[misc]
    )
    await setup_entry(hass, entry)

    diagnostics = await async_get_config_entry_diagnostics(hass, entry)

    text = json.dumps(diagnostics)
    for secret in (gotify.client_token, application.token, "proxysecret", "proxyuser"):
        assert secret not in text
    assert diagnostics["entry"]["data"]["token"] == "**REDACTED**"
    assert diagnostics["entry"]["data"]["url"] == gotify.url
    assert diagnostics["applications_configured"][0]["data"]["app_token"] == "**REDACTED**"
    assert diagnostics["server"]["version"] == gotify.version
    assert diagnostics["outbox"] == {"queued": 0}


async def test_deleted_application_repair(
    hass: HomeAssistant, gotify: GotifyDouble, hass_client: ClientSessionGenerator
) -> None:
    entry, issue_id = await setup_with_deleted_application(hass, gotify, "Spare")
    subentry_id = next(iter(entry.subentries))
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert (issue.is_fixable, issue.translation_placeholders) == (
        True,
        {"application": "Home Assistant", "account": entry.title},
    )

    client = await hass_client()
    response = await client.post("/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id})
    result = await response.json()
    assert (result["type"], result["step_id"]) == ("menu", "init")
    url = f"/api/repairs/issues/fix/{result['flow_id']}"
    result = await (await client.post(url, json={"next_step_id": "create_application"})).json()
    assert result["step_id"] == "create_application"
    result = await (await client.post(url, json={"name": "Home Assistant", "default_priority": 4})).json()
    assert result["type"] == "create_entry"
    await hass.async_block_till_done()

    recreated = gotify.application_named("Home Assistant")
    assert entry.subentries[subentry_id].data["app_id"] == recreated.id
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    await hass.services.async_call("notify", "gotify_home_assistant", {"message": "back"}, blocking=True)
    assert gotify.messages[max(gotify.messages)].appid == recreated.id


async def test_repair_with_another_application(
    hass: HomeAssistant, gotify: GotifyDouble, hass_client: ClientSessionGenerator
) -> None:
    entry, issue_id = await setup_with_deleted_application(hass, gotify, "Spare")
    spare = gotify.application_named("Spare")

    client = await hass_client()
    result = await (
        await client.post("/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id})
    ).json()
    url = f"/api/repairs/issues/fix/{result['flow_id']}"
    result = await (await client.post(url, json={"next_step_id": "select_application"})).json()
    result = await (await client.post(url, json={"application": str(spare.id)})).json()
    assert result["type"] == "create_entry"
    await hass.async_block_till_done()
    assert next(iter(entry.subentries.values())).title == "Spare"
    assert hass.services.has_service("notify", "gotify_spare")


def test_recent_ids_forget_the_oldest() -> None:
    recent = account.RecentIds(3)
    for message_id in (1, 2, 3, 2, 4):
        recent.add(message_id)
    assert [message_id in recent for message_id in (1, 2, 3, 4)] == [False, True, True, True]


async def test_connectivity_follows_gotify_health(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    connection = entity_id(hass, home, "binary_sensor", "_connection")
    await wait_for(lambda: hass.states.get(connection).state == STATE_ON)

    # Asked every minute; the check itself is run here (time travel would also expire its request).
    coordinator = home.runtime_data.coordinator
    assert coordinator.update_interval == timedelta(minutes=1)
    gotify.health = {"health": "orange", "database": "red"}  # the database went away
    await coordinator.async_refresh()
    await wait_for(lambda: hass.states.get(connection).state == STATE_OFF)
    # The stream stayed open: what Gotify said of itself is on the health and database sensors.
    assert home.runtime_data.listener.status.connected
    health = entity_id(hass, home, "sensor", "_health")
    database = entity_id(hass, home, "sensor", "_database")
    assert (hass.states.get(health).state, hass.states.get(database).state) == ("orange", "red")
    assert "reports health orange, database red" in caplog.text

    gotify.health = {"health": "green", "database": "green"}
    await coordinator.async_refresh()
    await wait_for(lambda: hass.states.get(connection).state == STATE_ON)
    assert "is healthy again" in caplog.text
