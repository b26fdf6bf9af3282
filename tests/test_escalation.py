"""Alerts that repeat until acknowledged (``data.retry`` / ``data.expire``): the copies on schedule, each
replacing the last; the three ways to acknowledge; expiry; a restart and an outage of Gotify."""

import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.gotify.const import DOMAIN

from .gotify_double import GotifyDouble
from .helpers import (
    EXTERNAL_URL,
    HOME_ENTRY_ID,
    entity_of,
    mock_entry,
    notify,
    notify_entity,
    setup_entry,
    state_of,
    wait_for,
)

type Travel = Callable[[float], Awaitable[None]]

LINK = re.compile(
    re.escape(EXTERNAL_URL) + r"(/api/gotify/action/[A-Za-z0-9_-]{22}\.[0-9]{10}\.[A-Za-z0-9_-]{22})"
)


@pytest.fixture
def travel(hass: HomeAssistant) -> Travel:
    """Fire the timers due ``seconds`` from now (the clock itself does not move).

    A timer fires with the time it was set for; one set again for a later time that is still before
    ``seconds`` fires on the next round, as it would have by then.
    """

    async def fire(seconds: float) -> None:
        moment = dt_util.utcnow() + timedelta(seconds=seconds)
        for _ in range(3):
            async_fire_time_changed(hass, moment)
            await hass.async_block_till_done()

    return fire


@pytest.fixture
def events(hass: HomeAssistant) -> dict[str, list[dict[str, Any]]]:
    """The data of every acknowledged and expired event, in order."""
    seen: dict[str, list[dict[str, Any]]] = {"gotify_acknowledged": [], "gotify_escalation_expired": []}
    for event_type, items in seen.items():

        @callback
        def listener(event: Event, items: list[dict[str, Any]] = items) -> None:
            items.append(dict(event.data))

        hass.bus.async_listen(event_type, listener)
    return seen


def posts(gotify: GotifyDouble) -> list[dict[str, Any]]:
    """The bodies of every ``POST /message``, in order."""
    return [dict(request.json) for request in gotify.requests_to("POST", "/message")]


def acknowledge_link(message: str) -> str:
    """The path of the Acknowledge button (the last link of the message)."""
    found = re.search(r"\[Acknowledge\]\(([^)]+)\)$", message)
    assert found is not None, message
    match = LINK.fullmatch(found[1])
    assert match is not None, found[1]
    return match[1]


def repeating(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    return state_of(hass, entity_of(hass, entry, "sensor", "active_escalations"))


def event(how: str | None, gotify: GotifyDouble, message_id: int, tag: str | None = None) -> dict[str, Any]:
    """The data of an acknowledged (``how``) or expired (None) event for the Home Assistant application."""
    application = gotify.application_named("Home Assistant")
    data: dict[str, Any] = {"reason": "expired"} if how is None else {"how": how}
    return data | {
        "tag": tag,
        "message_id": message_id,
        "title": None,
        "application": "Home Assistant",
        "application_id": application.id,
        "entry_id": HOME_ENTRY_ID,
    }


async def test_copies_on_schedule_each_replacing_the_last(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, travel: Travel
) -> None:
    await notify(hass, "Water in the cellar", retry=60, expire=3600, priority=10)
    first = max(gotify.messages)
    sent = posts(gotify)
    assert len(sent) == 1
    assert sent[0]["priority"] == 10
    text = sent[0]["message"]
    assert text.startswith("Water in the cellar\n\n[Acknowledge](")
    link = acknowledge_link(text)
    # Tapping the notification opens the Acknowledge page, which asks before acknowledging.
    assert sent[0]["extras"]["client::notification"]["click"]["url"] == f"{EXTERNAL_URL}{link}#ask"
    assert repeating(hass, home) == "1"

    await travel(59)
    assert len(posts(gotify)) == 1
    await travel(60)
    assert len(posts(gotify)) == 2
    assert len(gotify.requests_to("DELETE", f"/message/{first}")) == 1  # deleted before the copy
    second = max(gotify.messages)
    assert list(gotify.messages) == [second]
    assert posts(gotify)[1] == sent[0]  # the same message, the same Acknowledge link

    await travel(120)
    assert len(posts(gotify)) == 3
    assert list(gotify.messages) == [max(gotify.messages)] != [second]
    assert len(home.runtime_data.escalations) == 1


async def test_the_acknowledge_button(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    travel: Travel,
    hass_client_no_auth: ClientSessionGenerator,
    events: dict[str, list[dict[str, Any]]],
) -> None:
    client = await hass_client_no_auth()
    await notify(hass, "Water in the cellar", retry=60, expire=3600, tag="water")
    await travel(60)
    copy = max(gotify.messages)
    link = acknowledge_link(posts(gotify)[-1]["message"])

    page = await client.get(link)  # a GET acknowledges nothing
    assert page.status == 200
    assert "<h1>Acknowledge</h1>" in await page.text()
    await hass.async_block_till_done()
    assert events["gotify_acknowledged"] == []

    response = await client.post(link)
    assert response.status == 200
    await hass.async_block_till_done()
    assert events["gotify_acknowledged"] == [event("action", gotify, copy, "water")]
    assert repeating(hass, home) == "0"
    await travel(300)
    assert len(posts(gotify)) == 2
    assert list(gotify.messages) == [copy]  # the last copy stays
    assert events["gotify_escalation_expired"] == []

    again = await client.post(link)
    assert again.status == 409
    assert "This alert was acknowledged already." in await again.text()


async def test_deleting_the_message_in_gotify_acknowledges(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    travel: Travel,
    events: dict[str, list[dict[str, Any]]],
) -> None:
    await notify(hass, "Water in the cellar", retry=60, expire=3600)
    first = max(gotify.messages)
    del gotify.messages[first]  # deleted in the web UI or the app

    await travel(60)  # noticed when the next copy is due
    assert events["gotify_acknowledged"] == [event("deleted", gotify, first)]
    assert len(posts(gotify)) == 1
    assert gotify.messages == {}
    assert repeating(hass, home) == "0"


async def test_the_acknowledge_action_by_tag_and_by_message_id(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    travel: Travel,
    events: dict[str, list[dict[str, Any]]],
) -> None:
    entity_id = notify_entity(hass, home)
    response = await hass.services.async_call(
        DOMAIN,
        "send",
        {"entity_id": entity_id, "message": "Smoke", "retry": 30, "expire": 600},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    first = response[entity_id]["messages"][0]["id"]  # type: ignore[index,call-overload]
    await notify(hass, "Water", retry=30, expire=600, tag="water")
    await travel(30)  # both repeat: the ids of their first copies are gone from Gotify
    assert first not in gotify.messages

    await hass.services.async_call(
        DOMAIN, "acknowledge", {"entity_id": entity_id, "tag": "water"}, blocking=True
    )
    water = max(m.id for m in gotify.messages.values() if m.message.startswith("Water"))
    assert events["gotify_acknowledged"] == [event("service", gotify, water, "water")]
    await hass.services.async_call(
        DOMAIN, "acknowledge", {"entity_id": entity_id, "message_id": first}, blocking=True
    )
    smoke = max(m.id for m in gotify.messages.values() if m.message.startswith("Smoke"))
    assert events["gotify_acknowledged"][1] == event("service", gotify, smoke)
    assert repeating(hass, home) == "0"
    await travel(60)
    assert len(posts(gotify)) == 4

    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "acknowledge", {"entity_id": entity_id, "tag": "water"}, blocking=True
        )
    assert str(err.value) == "No alert with the tag “water” is repeating for Home Assistant"
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "acknowledge", {"entity_id": entity_id, "message_id": 999}, blocking=True
        )
    assert str(err.value) == "No alert that repeats for Home Assistant sent message 999"
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "acknowledge", {"entity_id": entity_id}, blocking=True)
    assert err.value.translation_key == "acknowledge_needs_id_or_tag"


async def test_expires_unacknowledged(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    travel: Travel,
    events: dict[str, list[dict[str, Any]]],
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    await notify(hass, "Water in the cellar", retry=60, expire=150)
    link = acknowledge_link(posts(gotify)[0]["message"])
    for seconds in (60, 120):
        await travel(seconds)
    last = max(gotify.messages)
    await travel(150)
    assert events["gotify_escalation_expired"] == [event(None, gotify, last)]
    assert events["gotify_acknowledged"] == []
    await travel(600)
    assert len(posts(gotify)) == 3
    assert list(gotify.messages) == [last]
    assert repeating(hass, home) == "0"
    client = await hass_client_no_auth()
    assert (await client.post(link)).status in (409, 410)  # spent at expiry (and expired as a link)


async def test_a_new_message_with_the_tag_ends_it(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    travel: Travel,
    events: dict[str, list[dict[str, Any]]],
) -> None:
    await notify(hass, "Washing machine: water supply", retry=60, expire=3600, tag="washer")
    await notify(hass, "Washing machine: done", tag="washer")  # replaces the alert's copy
    await travel(120)
    assert [body["message"].split("\n")[0] for body in posts(gotify)] == [
        "Washing machine: water supply",
        "Washing machine: done",
    ]
    assert [m.message for m in gotify.messages.values()] == ["Washing machine: done"]
    assert events == {"gotify_acknowledged": [], "gotify_escalation_expired": []}
    assert repeating(hass, home) == "0"


async def test_survives_a_restart(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    hass_storage: dict[str, Any],
    travel: Travel,
) -> None:
    await notify(hass, "Water in the cellar", retry=60, expire=3600)
    first = max(gotify.messages)
    assert await hass.config_entries.async_unload(home.entry_id)
    stored = hass_storage[f"{DOMAIN}.{home.entry_id}.escalations"]["data"]["escalations"]
    assert [item["message_id"] for item in stored] == [first]

    assert await hass.config_entries.async_setup(home.entry_id)
    await hass.async_block_till_done()
    assert len(posts(gotify)) == 1
    await travel(60)
    assert len(posts(gotify)) == 2
    assert first not in gotify.messages


async def test_due_while_home_assistant_was_off_sends_one_copy(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    await notify(hass, "Water in the cellar", retry=30, expire=3600)
    assert await hass.config_entries.async_unload(home.entry_id)
    key = f"{DOMAIN}.{home.entry_id}.escalations"
    stored = hass_storage[key]["data"]["escalations"][0]
    stored["due"] -= 600  # Home Assistant was off for ten minutes: twenty copies fell due

    assert await hass.config_entries.async_setup(home.entry_id)
    await wait_for(lambda: len(posts(gotify)) == 2)
    await hass.async_block_till_done()
    assert len(posts(gotify)) == 2
    assert len(gotify.messages) == 1


async def test_an_outage_sends_one_copy_when_gotify_answers(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, travel: Travel
) -> None:
    await notify(hass, "Water in the cellar", retry=30, expire=3600)
    first = max(gotify.messages)
    await gotify.stop()
    for seconds in (30, 60, 90, 120):
        await travel(seconds)
    assert len(home.runtime_data.escalations) == 1

    await gotify.start()  # the stream reconnects: one copy, not four
    await wait_for(lambda: len(posts(gotify)) == 2)
    await hass.async_block_till_done()
    assert len(posts(gotify)) == 2
    assert first not in gotify.messages
    assert len(gotify.messages) == 1


async def test_sent_while_gotify_is_down_goes_out_when_it_answers(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, travel: Travel
) -> None:
    await gotify.stop()
    await notify(hass, "Water in the cellar", retry=30, expire=3600)  # no error: it waits for Gotify
    assert len(home.runtime_data.escalations) == 1
    await gotify.start()
    await wait_for(lambda: len(posts(gotify)) == 1)
    await hass.async_block_till_done()
    assert len(posts(gotify)) == 1
    assert len(home.runtime_data.outbox) == 0  # never through the queue


async def test_pressed_while_the_entry_was_not_loaded(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    events: dict[str, list[dict[str, Any]]],
    travel: Travel,
) -> None:
    await notify(hass, "Water in the cellar", retry=60, expire=3600)
    first = max(gotify.messages)
    link = acknowledge_link(posts(gotify)[0]["message"])
    assert await hass.config_entries.async_unload(home.entry_id)
    client = await hass_client_no_auth()
    assert (await client.post(link)).status == 200  # the links work while Gotify is down at startup

    assert await hass.config_entries.async_setup(home.entry_id)
    await hass.async_block_till_done()
    assert events["gotify_acknowledged"] == [event("action", gotify, first)]
    await travel(120)
    assert len(posts(gotify)) == 1


@pytest.mark.parametrize(
    ("data", "key", "text"),
    [
        (
            {"retry": 10, "expire": 600},
            "invalid_retry",
            'Invalid retry "10"; use a number of seconds from 30 to 10800',
        ),
        ({"retry": 60, "expire": 20000}, "invalid_expire", "from the retry (60) to 10800"),
        ({"retry": 60, "expire": 30}, "invalid_expire", "from the retry (60) to 10800"),
        ({"retry": 60}, "escalation_incomplete", "`data.expire` is missing"),
        ({"expire": 600}, "escalation_incomplete", "`data.retry` is missing"),
        ({"retry": "soon", "expire": 600}, "invalid_retry", 'Invalid retry "soon"'),
        ({"retry": 60, "expire": 600, "timeout": 30}, "escalation_with_timeout", "`data.timeout` cannot"),
    ],
)
async def test_bad_retry_and_expire(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    data: dict[str, Any],
    key: str,
    text: str,
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await notify(hass, "Water in the cellar", **data)
    assert err.value.translation_key == key
    assert text in str(err.value)
    assert posts(gotify) == []
    assert len(home.runtime_data.escalations) == 0


async def test_each_target_repeats_on_its_own(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    travel: Travel,
    hass_client_no_auth: ClientSessionGenerator,
    events: dict[str, list[dict[str, Any]]],
) -> None:
    garage = gotify.add_application("Garage")
    await notify(hass, "Water", target=["Home Assistant", "Garage"], retry=60, expire=600, tag="water")
    assert len(posts(gotify)) == 2
    links = {acknowledge_link(body["message"]) for body in posts(gotify)}
    assert len(links) == 2  # each application's button is its own
    assert len(home.runtime_data.escalations) == 2

    garage_copy = next(m for m in gotify.messages.values() if m.appid == garage.id)
    garage_link = acknowledge_link(garage_copy.message)
    client = await hass_client_no_auth()
    assert (await client.post(garage_link)).status == 200
    await hass.async_block_till_done()
    assert [(item["application"], item["how"]) for item in events["gotify_acknowledged"]] == [
        ("Garage", "action")
    ]
    await travel(60)
    assert len(posts(gotify)) == 3  # only Home Assistant's repeats
    assert repeating(hass, home) == "1"

    # The entity that sent them acknowledges by tag what still repeats, wherever it went.
    await hass.services.async_call(
        DOMAIN, "acknowledge", {"entity_id": notify_entity(hass, home), "tag": "water"}, blocking=True
    )
    assert [item["application"] for item in events["gotify_acknowledged"]] == ["Garage", "Home Assistant"]


async def test_a_refused_copy_ends_it_with_a_warning(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    travel: Travel,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await notify(hass, "Water in the cellar", retry=60, expire=600)
    gotify.fail_next("400", path="/message", method="POST")
    await travel(60)
    assert "Gotify refused the next copy of the alert for Home Assistant, which is no longer repeated" in (
        caplog.text
    )
    assert repeating(hass, home) == "0"
    await travel(120)
    assert len(posts(gotify)) == 2  # the refused one, and no more


async def test_without_the_queue_gotify_down_is_an_error(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    entry = await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant"), queue=False))
    await gotify.stop()
    with pytest.raises(HomeAssistantError, match="cannot connect"):
        await notify(hass, "Water in the cellar", retry=60, expire=600)
    assert len(entry.runtime_data.escalations) == 0


async def test_while_gotify_is_down_every_due_alert_waits(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, travel: Travel
) -> None:
    await notify(hass, "Water in the cellar", retry=30, expire=3600)
    await notify(hass, "Smoke in the kitchen", retry=30, expire=3600)
    await gotify.stop()
    moment = dt_util.utcnow().timestamp() + 31
    await travel(31)
    # One failed copy stops the round; the other due alert waits as long, so no timer is set in the past.
    records = home.runtime_data.escalations._records.values()
    assert len(records) == 2
    assert all(record.due > moment for record in records)

    await gotify.start()  # both go out once
    await wait_for(lambda: len(posts(gotify)) == 4)
    await hass.async_block_till_done()
    assert len(posts(gotify)) == 4
    assert len(gotify.messages) == 2


async def test_an_older_queued_message_with_the_tag_does_not_delete_the_alert(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    travel: Travel,
    events: dict[str, list[dict[str, Any]]],
) -> None:
    gotify.fail_next("500", path="/message", method="POST")
    await notify(hass, "Washer: running", tag="washer")  # queued: Gotify failed
    assert len(home.runtime_data.outbox) == 1
    await notify(hass, "Washer leaks!", tag="washer", retry=60, expire=3600)
    assert len(home.runtime_data.outbox) == 0  # the alert replaces it, as a tag does
    await travel(60)
    assert events["gotify_acknowledged"] == []
    assert [m.message.split("\n")[0] for m in gotify.messages.values()] == ["Washer leaks!"]
    assert repeating(hass, home) == "1"


async def test_a_refused_application_token_ends_it(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    travel: Travel,
    events: dict[str, list[dict[str, Any]]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    await notify(hass, "Water in the cellar", retry=60, expire=3600)
    gotify.application_named("Home Assistant").token = "Arotated0000000"  # changed on the server
    await travel(60)
    assert "Gotify refused the next copy of the alert for Home Assistant" in caplog.text
    assert [item["reason"] for item in events["gotify_escalation_expired"]] == ["refused"]
    assert repeating(hass, home) == "0"


async def test_acknowledge_on_several_entities_at_once(
    hass: HomeAssistant, gotify: GotifyDouble, events: dict[str, list[dict[str, Any]]]
) -> None:
    await hass.config.async_update(external_url=EXTERNAL_URL)
    home_app, garage = gotify.add_application("Home Assistant"), gotify.add_application("Garage")
    entry = await setup_entry(hass, mock_entry(gotify, home_app, garage))
    entities = sorted(
        e.entity_id
        for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        if e.domain == "notify"
    )
    assert len(entities) == 2
    await notify(hass, "Water", target=["Home Assistant", "Garage"], retry=60, expire=600, tag="water")

    # A message id names one alert whichever entity is asked: the first acknowledges it, the second finds
    # it gone, which in the same call is no error.
    garage_copy = next(m.id for m in gotify.messages.values() if m.appid == garage.id)
    call = {"entity_id": entities, "message_id": garage_copy}
    await hass.services.async_call(DOMAIN, "acknowledge", call, blocking=True)
    assert [item["application"] for item in events["gotify_acknowledged"]] == ["Garage"]
    with pytest.raises(ServiceValidationError):  # a later call finds nothing: that is an error
        await hass.services.async_call(DOMAIN, "acknowledge", call, blocking=True)
