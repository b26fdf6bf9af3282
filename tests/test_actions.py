"""Buttons (``data.actions``): the links in the message, the page a GET shows, the events a POST fires
once, and links that are spent, tampered with, expired, unknown, or outlive a restart."""

import asyncio
import re
from datetime import timedelta
from typing import Any
from unittest.mock import patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.network import NoURLAvailableError
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    async_mock_service,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.gotify import async_load_actions
from custom_components.gotify.actions import ACTION_STORE
from custom_components.gotify.const import DOMAIN

from .gotify_double import GotifyDouble
from .helpers import EXTERNAL_URL, last_sent, mock_entry, notify, setup_entry, wait_for

LINK = re.compile(
    re.escape(EXTERNAL_URL) + r"(/api/gotify/action/[A-Za-z0-9_-]{22}\.[0-9]{10}\.[A-Za-z0-9_-]{22})"
)
GARAGE = [
    {"action": "OPEN_GARAGE", "title": "Open the garage"},
    {"action": "URI", "title": "Cameras", "uri": "/lovelace/cameras"},
    {"action": "IGNORE", "title": "Ignore"},
]


@pytest.fixture
def pressed(hass: HomeAssistant) -> dict[str, list[dict[str, Any]]]:
    """The data of every button event, ours and the companion app's, in order."""
    events: dict[str, list[dict[str, Any]]] = {
        "gotify_notification_action": [],
        "mobile_app_notification_action": [],
    }
    for event_type, seen in events.items():

        @callback
        def listener(event: Event, seen: list[dict[str, Any]] = seen) -> None:
            seen.append(dict(event.data))

        hass.bus.async_listen(event_type, listener)
    return events


def links(message: str) -> list[str]:
    """The paths of the button links in a message's text, in order."""
    return LINK.findall(message)


async def test_buttons_become_links_at_the_end(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    await notify(hass, "Someone is at the gate", actions=GARAGE)

    sent = last_sent(gotify)
    opened, ignored = links(sent["message"])
    assert sent["message"] == (
        "Someone is at the gate\n\n"
        f"[Open the garage]({EXTERNAL_URL}{opened})"
        " · [Cameras](homeassistant://navigate/lovelace/cameras)"
        f" · [Ignore]({EXTERNAL_URL}{ignored})"
    )
    # The first button is also the tap target, as the call names none: its page then asks first.
    assert sent["extras"]["client::notification"] == {"click": {"url": f"{EXTERNAL_URL}{opened}#ask"}}


async def test_without_markdown_one_line_each(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    await notify(hass, "Gate", actions=GARAGE, markdown=False, link="lovelace/gate")

    sent = last_sent(gotify)
    opened, ignored = links(sent["message"])
    assert sent["message"] == (
        f"Gate\n\nOpen the garage: {EXTERNAL_URL}{opened}\n"
        "Cameras: homeassistant://navigate/lovelace/cameras\n"
        f"Ignore: {EXTERNAL_URL}{ignored}"
    )
    assert sent["extras"] == {
        "client::notification": {"click": {"url": "homeassistant://navigate/lovelace/gate"}}
    }


async def test_get_shows_a_page_and_fires_nothing_post_fires_once(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    pressed: dict[str, list[dict[str, Any]]],
) -> None:
    client = await hass_client_no_auth()
    await notify(hass, "Gate", actions=GARAGE, tag="gate")
    message_id = max(gotify.messages)
    opened, _ = links(last_sent(gotify)["message"])

    # A GET, as a link preview or prefetcher makes it, presses nothing: twice, to be sure.
    for _ in range(2):
        response = await client.get(opened)
        page = await response.text()
        assert response.status == 200
        assert "<h1>Open the garage</h1>" in page
        assert '<form method="post" action="">' in page
        assert "form.submit()" in page
        assert 'if(location.hash==="#ask")' in page  # tapping the notification itself asks first
    await hass.async_block_till_done()
    assert pressed == {"gotify_notification_action": [], "mobile_app_notification_action": []}
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    policy = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce is not None
    assert f'<script nonce="{nonce[1]}">' in page
    assert "form-action 'self'" in policy
    assert "frame-ancestors 'none'" in policy

    response = await client.post(opened)
    assert response.status == 200
    assert "Home Assistant received “Open the garage”" in await response.text()
    await hass.async_block_till_done()
    application = gotify.application_named("Home Assistant")
    assert pressed == {
        "gotify_notification_action": [
            {
                "action": "OPEN_GARAGE",
                "title": "Open the garage",
                "message_id": message_id,
                "tag": "gate",
                "application": "Home Assistant",
                "application_id": application.id,
                "entry_id": home.entry_id,
            }
        ],
        "mobile_app_notification_action": [{"action": "OPEN_GARAGE", "tag": "gate"}],
    }

    # Spent: a second POST (and a GET) says so and fires nothing more.
    for method in (client.post, client.get):
        response = await method(opened)
        assert response.status == 409
        assert "This button was pressed already." in await response.text()
    await hass.async_block_till_done()
    assert [len(seen) for seen in pressed.values()] == [1, 1]


async def test_tampered_unknown_and_expired_links_fire_nothing(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    pressed: dict[str, list[dict[str, Any]]],
    freezer: FrozenDateTimeFactory,
) -> None:
    client = await hass_client_no_auth()
    await notify(hass, "Gate", actions=GARAGE)
    opened, ignored = links(last_sent(gotify)["message"])
    link_id, expires, signature = opened.rsplit("/", 1)[1].split(".")
    base = opened.rsplit("/", 1)[0]
    other_id = ignored.rsplit("/", 1)[1].split(".")[0]
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    for path in (
        f"{base}/{link_id}.{expires}.{flipped}",  # a changed signature
        f"{base}/{link_id}.{int(expires) + 3600}.{signature}",  # a later expiry
        f"{base}/{other_id}.{expires}.{signature}",  # another button's id
        f"{base}/{'x' * 22}.{expires}.{signature}",  # an id that never was
        f"{base}/{link_id}",
        f"{base}/{link_id}.{'9' * 5000}.{signature}",
        f"{base}/{link_id}.{expires}.",
        f"{base}/{link_id}.0{expires}.{signature}",  # the same expiry, spelt otherwise
        f"{base}/{link_id}.{expires.translate(str.maketrans('0123456789', '٠١٢٣٤٥٦٧٨٩'))}.{signature}",
    ):
        for method in (client.get, client.post):
            response = await method(path)
            assert response.status == 404, path
            assert "This button link is not valid." in await response.text()

    freezer.tick(timedelta(hours=25))  # past the default 24 h expiry (the attachment expiry option)
    response = await client.post(ignored)
    assert response.status == 410
    assert "This button link has expired." in await response.text()
    await hass.async_block_till_done()
    assert pressed == {"gotify_notification_action": [], "mobile_app_notification_action": []}
    # Forgotten at the hourly cleanup; the signed link still says it expired.
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(hours=1))
    await hass.async_block_till_done()
    assert hass.data[ACTION_STORE]._records == {}
    assert (await client.post(ignored)).status == 410


async def test_links_work_after_a_restart(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    pressed: dict[str, list[dict[str, Any]]],
    hass_storage: dict[str, Any],
) -> None:
    await notify(hass, "Gate", actions=GARAGE)
    message_id = max(gotify.messages)
    opened, ignored = links(last_sent(gotify)["message"])
    client = await hass_client_no_auth()
    assert (await client.post(ignored)).status == 200

    # Home Assistant stops (its final write stores what waits for the save delay), and starts again.
    assert await hass.config_entries.async_unload(home.entry_id)
    await hass.data[ACTION_STORE].async_flush()
    assert set(hass_storage[f"{DOMAIN}.actions"]["data"]) == {"key", "actions"}
    del hass.data[ACTION_STORE]
    await async_load_actions(hass)
    assert await hass.config_entries.async_setup(home.entry_id)
    await hass.async_block_till_done()

    assert (await client.post(opened)).status == 200
    assert (await client.post(ignored)).status == 409  # spent before the restart, spent after it
    await hass.async_block_till_done()
    assert [event["action"] for event in pressed["gotify_notification_action"]] == ["IGNORE", "OPEN_GARAGE"]
    assert pressed["gotify_notification_action"][1]["message_id"] == message_id


async def test_links_work_while_gotify_is_down(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    pressed: dict[str, list[dict[str, Any]]],
) -> None:
    await notify(hass, "Gate", actions=GARAGE)
    opened, _ = links(last_sent(gotify)["message"])
    await gotify.stop()
    client = await hass_client_no_auth()
    assert (await client.post(opened)).status == 200
    await hass.async_block_till_done()
    assert [event["action"] for event in pressed["gotify_notification_action"]] == ["OPEN_GARAGE"]


async def test_option_turns_the_companion_event_off(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    hass_client_no_auth: ClientSessionGenerator,
    pressed: dict[str, list[dict[str, Any]]],
) -> None:
    await hass.config.async_update(external_url=EXTERNAL_URL)
    entry = await setup_entry(
        hass, mock_entry(gotify, gotify.add_application("Home Assistant"), companion_app_events=False)
    )
    await wait_for(lambda: entry.runtime_data.listener.status.connected)
    await notify(hass, "Gate", actions=GARAGE)
    opened, _ = links(last_sent(gotify)["message"])

    client = await hass_client_no_auth()
    assert (await client.post(opened)).status == 200
    await hass.async_block_till_done()
    assert [event["action"] for event in pressed["gotify_notification_action"]] == ["OPEN_GARAGE"]
    assert pressed["mobile_app_notification_action"] == []


async def test_a_companion_app_automation_runs(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """An automation written for the companion app's buttons, unchanged, runs when the Gotify link is used."""
    calls = async_mock_service(hass, "test", "open_garage")
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "triggers": {
                    "trigger": "event",
                    "event_type": "mobile_app_notification_action",
                    "event_data": {"action": "OPEN_GARAGE"},
                },
                "actions": {"action": "test.open_garage"},
            }
        },
    )
    await notify(hass, "Gate", actions=GARAGE)
    opened, ignored = links(last_sent(gotify)["message"])
    client = await hass_client_no_auth()

    assert (await client.post(ignored)).status == 200
    await hass.async_block_till_done()
    assert calls == []
    assert (await client.post(opened)).status == 200
    await hass.async_block_till_done()
    assert len(calls) == 1


async def test_each_target_gets_its_own_links(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    pressed: dict[str, list[dict[str, Any]]],
) -> None:
    garage = gotify.add_application("Garage")
    await notify(hass, "Gate", target=["Home Assistant", "Garage"], actions=GARAGE[:1])
    stored = {message.appid: message for message in gotify.messages.values()}
    own = gotify.application_named("Home Assistant")
    assert set(stored) == {own.id, garage.id}
    own_link, garage_link = (links(stored[app].message)[0] for app in (own.id, garage.id))
    assert own_link != garage_link

    client = await hass_client_no_auth()
    assert (await client.post(garage_link)).status == 200
    assert (await client.post(own_link)).status == 200
    await hass.async_block_till_done()
    assert [
        (event["application"], event["application_id"], event["message_id"])
        for event in pressed["gotify_notification_action"]
    ] == [("Garage", garage.id, stored[garage.id].id), ("Home Assistant", own.id, stored[own.id].id)]


async def test_a_queued_message_learns_its_id_when_delivered(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    pressed: dict[str, list[dict[str, Any]]],
) -> None:
    await gotify.stop()
    await notify(hass, "Gate", actions=GARAGE[:1])  # queued
    assert len(home.runtime_data.outbox) == 1
    await gotify.start()
    await wait_for(lambda: len(home.runtime_data.outbox) == 0)
    message_id = max(gotify.messages)
    opened = links(gotify.messages[message_id].message)[0]

    client = await hass_client_no_auth()
    assert (await client.post(opened)).status == 200
    await hass.async_block_till_done()
    assert pressed["gotify_notification_action"][0]["message_id"] == message_id


async def test_removing_the_entry_forgets_its_buttons(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    pressed: dict[str, list[dict[str, Any]]],
) -> None:
    await notify(hass, "Gate", actions=GARAGE)
    opened, _ = links(last_sent(gotify)["message"])
    assert await hass.config_entries.async_remove(home.entry_id)
    await hass.async_block_till_done()

    client = await hass_client_no_auth()
    assert (await client.post(opened)).status == 404
    await hass.async_block_till_done()
    assert pressed["gotify_notification_action"] == []


async def test_gotify_send_takes_actions(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    response = await hass.services.async_call(
        DOMAIN,
        "send",
        {"entity_id": "notify.home_assistant", "message": "Gate", "actions": GARAGE},
        blocking=True,
        return_response=True,
    )
    assert response == {
        "notify.home_assistant": {
            "messages": [
                {
                    "id": max(gotify.messages),
                    "appid": gotify.application_named("Home Assistant").id,
                    "application": "Home Assistant",
                }
            ]
        }
    }
    assert len(links(last_sent(gotify)["message"])) == 2


async def test_bad_actions_are_refused_before_anything_is_sent(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as caught:
        await notify(hass, "Gate", actions=[*GARAGE, {"action": "OPEN"}])
    assert str(caught.value) == (
        "Button 4 of `data.actions` (\"{'action': 'OPEN'}\") is invalid: it needs an `action` (an id) and a "
        "`title`, both text; `uri`, if given, is a Home Assistant path or a URL (and `action: URI` needs one)"
    )
    with pytest.raises(ServiceValidationError, match="has 11 buttons; a message can have at most 10"):
        await notify(hass, "Gate", actions=[{"action": f"A{i}", "title": "a"} for i in range(11)])
    assert gotify.requests_to("POST", "/message") == []
    assert hass.data[ACTION_STORE]._records == {}


async def test_without_an_external_url_links_use_the_internal_one(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    await hass.config.async_update(external_url=None, internal_url="http://192.168.1.5:8123")
    await notify(hass, "Gate", actions=GARAGE[:1])
    await notify(hass, "Gate", actions=GARAGE[:1])
    assert "](http://192.168.1.5:8123/api/gotify/action/" in last_sent(gotify)["message"]
    assert caplog.text.count("Home Assistant has no external URL; action links are served on") == 1


async def test_without_any_url_the_call_fails_and_sends_nothing(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    with (
        patch("custom_components.gotify.phone_url.get_url", side_effect=NoURLAvailableError),
        pytest.raises(HomeAssistantError) as caught,
    ):
        await notify(hass, "Gate", actions=GARAGE[:1])
    assert caught.value.translation_key == "no_home_assistant_url"
    assert gotify.requests_to("POST", "/message") == []


async def test_two_presses_at_once_fire_once(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    pressed: dict[str, list[dict[str, Any]]],
) -> None:
    await notify(hass, "Gate", actions=GARAGE)
    opened, _ = links(last_sent(gotify)["message"])
    client = await hass_client_no_auth()
    responses = await asyncio.gather(*(client.post(opened) for _ in range(10)))
    assert sorted(response.status for response in responses) == [200] + [409] * 9
    await hass.async_block_till_done()
    assert [len(seen) for seen in pressed.values()] == [1, 1]


async def test_a_title_is_text_on_the_page(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    title = """</title><script>alert("x")</script><img src=x onerror='y'>{title}"""
    await notify(hass, "Gate", actions=[{"action": "X", "title": title}])
    [opened] = links(last_sent(gotify)["message"])
    client = await hass_client_no_auth()
    for method in (client.get, client.post):
        page = await (await method(opened)).text()
        assert "<script>alert" not in page
        assert "<img" not in page
        assert "&lt;/title&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


async def test_an_unreadable_store_is_not_fatal(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    hass_storage: dict[str, Any],
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    good = {"entry_id": "e", "app_id": 1, "application": "A", "action": "OK", "title": "OK", "tag": None}
    hass_storage[f"{DOMAIN}.actions"] = {
        "version": 1,
        "key": f"{DOMAIN}.actions",
        "data": {
            "key": "not hex",
            "actions": {
                "odd": {**good, "expires": 4_000_000_000, "colour": "red"},
                "kept": {**good, "expires": 4_000_000_000},
                "old": {**good, "expires": 1},
            },
        },
    }
    await hass.config.async_update(external_url=EXTERNAL_URL)
    entry = await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))
    assert entry.runtime_data is not None
    assert list(hass.data[ACTION_STORE]._records) == ["kept"]
    assert "The buttons' signing key was unreadable" in caplog.text
    assert "Skipped an unreadable stored button" in caplog.text
    await notify(hass, "Gate", actions=GARAGE[:1])  # a new key signs new links
    client = await hass_client_no_auth()
    assert (await client.post(links(last_sent(gotify)["message"])[0])).status == 200
