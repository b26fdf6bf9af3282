"""One notify group for the companion app and Gotify: the companion app's ``data`` delivered as one
correct Gotify message, its commands (``clear_notification`` deletes, the rest post nothing), and its
delivery urgency never taken for a lifetime."""

import logging
import re
from datetime import timedelta
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    async_mock_service,
)

from .gotify_double import GotifyDouble
from .helpers import EXTERNAL_URL, last_sent, mock_entry, notify, setup_entry, wait_for

# What an automation written for the companion app sends (Android and iOS keys together).
COMPANION_DATA: dict[str, Any] = {
    "actions": [
        {"action": "OPEN_GARAGE", "title": "Open garage"},
        {"action": "URI", "title": "Cameras", "uri": "/lovelace/cameras"},
    ],
    "clickAction": "/lovelace/garage",
    "image": "https://cdn.example.com/gate.jpg",
    "importance": "high",
    "ttl": 0,
    "priority": "high",
    "channel": "Gate",
    "color": "#2DF56D",
    "sticky": "true",
    "push": {"interruption-level": "time-sensitive", "sound": "default"},
}


@pytest.fixture
async def family(hass: HomeAssistant, gotify: GotifyDouble) -> MockConfigEntry:
    """A notify group ``notify.family`` of a companion-app phone and Gotify, as users set it up."""
    await hass.config.async_update(external_url=EXTERNAL_URL)
    assert await async_setup_component(
        hass,
        "notify",
        {
            "notify": [
                {
                    "platform": "group",
                    "name": "family",
                    "services": [{"action": "mobile_app_pixel"}, {"action": "gotify_home_assistant"}],
                }
            ]
        },
    )
    entry = await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))
    await wait_for(lambda: entry.runtime_data.listener.status.connected)
    return entry


async def test_notify_group_delivers_one_correct_message(
    hass: HomeAssistant, gotify: GotifyDouble, family: MockConfigEntry
) -> None:
    phone = async_mock_service(hass, "notify", "mobile_app_pixel")

    await hass.services.async_call(
        "notify",
        "family",
        {"message": "Someone is at the gate", "title": "Gate", "data": COMPANION_DATA},
        blocking=True,
    )

    assert [call.data["data"] for call in phone] == [COMPANION_DATA]
    [request] = gotify.requests_to("POST", "/message")
    pattern = rf"\[Open garage\]\(({re.escape(EXTERNAL_URL)}/api/gotify/action/[^)]+)\)"
    link = re.search(pattern, request.json["message"])
    assert link is not None
    assert request.json == {
        "message": (
            "Someone is at the gate\n\n![gate.jpg](https://cdn.example.com/gate.jpg)\n\n"
            f"[Open garage]({link[1]}) · [Cameras](homeassistant://navigate/lovelace/cameras)"
        ),
        "title": "Gate",
        "priority": 8,  # importance high (and a time-sensitive interruption level): Android's loud channel
        "extras": {
            "client::notification": {
                "click": {"url": "homeassistant://navigate/lovelace/garage"},
                "bigImageUrl": "https://cdn.example.com/gate.jpg",
            },
            "client::display": {"contentType": "text/markdown"},
        },
    }

    # ttl 0 and priority high are the companion app's delivery urgency, not a lifetime: a day later,
    # the message is still there.
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(days=1))
    await hass.async_block_till_done()
    assert len(gotify.messages) == 1
    assert gotify.requests_to("DELETE", f"/message/{max(gotify.messages)}") == []
    assert len(family.runtime_data.autodelete) == 0


async def test_clear_notification_deletes_the_tagged_message(
    hass: HomeAssistant, gotify: GotifyDouble, family: MockConfigEntry
) -> None:
    async_mock_service(hass, "notify", "mobile_app_pixel")
    await notify(hass, "Washer done", tag="washer")
    await notify(hass, "Dryer done", tag="dryer")
    washer, dryer = sorted(gotify.messages)

    await hass.services.async_call(
        "notify", "family", {"message": "clear_notification", "data": {"tag": "washer"}}, blocking=True
    )

    assert len(gotify.requests_to("POST", "/message")) == 2  # nothing posted
    assert len(gotify.requests_to("DELETE", f"/message/{washer}")) == 1
    assert sorted(gotify.messages) == [dryer]
    # The tag is spent: clearing it again (or a tag Gotify never got) deletes nothing, and succeeds.
    for tag in ("washer", "never-sent"):
        await notify(hass, "clear_notification", tag=tag)
    assert len(gotify.requests_to("DELETE", f"/message/{washer}")) == 1
    assert sorted(gotify.messages) == [dryer]


async def test_clear_notification_of_a_message_deleted_in_gotify(
    hass: HomeAssistant, gotify: GotifyDouble, family: MockConfigEntry
) -> None:
    await notify(hass, "Washer done", tag="washer")
    washer = max(gotify.messages)
    await family.runtime_data.account.client.delete_message(washer)  # someone deleted it in the web UI

    await notify(hass, "clear_notification", tag="washer")
    assert len(gotify.requests_to("DELETE", f"/message/{washer}")) == 2
    assert gotify.messages == {}


async def test_clear_notification_needs_a_tag(
    hass: HomeAssistant, gotify: GotifyDouble, family: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as caught:
        await notify(hass, "clear_notification")
    assert caught.value.translation_key == "clear_notification_needs_tag"
    assert gotify.requests_to("POST", "/message") == []


@pytest.mark.parametrize(
    ("message", "data"),
    [
        ("TTS", {"tts_text": "The washer is done", "media_stream": "alarm_stream"}),
        ("command_dnd", {"command": "priority_only"}),
        ("command_volume_level", {"media_stream": "music_stream", "command": 10}),
        ("request_location_update", {}),
        ("remove_channel", {"channel": "Gate"}),
        ("update_widgets", {}),
    ],
)
async def test_phone_commands_post_nothing(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    family: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    message: str,
    data: dict[str, Any],
) -> None:
    phone = async_mock_service(hass, "notify", "mobile_app_pixel")
    caplog.set_level(logging.DEBUG, logger="custom_components.gotify")

    await hass.services.async_call("notify", "family", {"message": message, "data": data}, blocking=True)

    assert len(phone) == 1
    assert gotify.requests_to("POST", "/message") == []
    assert f"Not posting {message} to Gotify: it is a command for the companion app" in caplog.text


async def test_phone_command_through_gotify_send(
    hass: HomeAssistant, gotify: GotifyDouble, family: MockConfigEntry
) -> None:
    response = await hass.services.async_call(
        "gotify",
        "send",
        {"entity_id": "notify.home_assistant", "message": "TTS"},
        blocking=True,
        return_response=True,
    )
    assert response == {"notify.home_assistant": {"messages": []}}
    assert gotify.requests_to("POST", "/message") == []


async def test_click_action_and_url_are_tap_targets(
    hass: HomeAssistant, gotify: GotifyDouble, family: MockConfigEntry
) -> None:
    def tapped() -> str:
        return str(last_sent(gotify)["extras"]["client::notification"]["click"]["url"])

    await notify(hass, clickAction="lovelace/garage", url="https://example.com/u")
    assert tapped() == "homeassistant://navigate/lovelace/garage"
    await notify(hass, clickAction="lovelace/garage", link="lovelace/energy")
    assert tapped() == "homeassistant://navigate/lovelace/energy"
    await notify(hass, url="https://example.com/u")
    assert tapped() == "https://example.com/u"


@pytest.mark.parametrize(
    ("data", "priority"),
    [
        ({"importance": "min"}, 0),
        ({"importance": "low", "priority": "high"}, 2),
        ({"push": {"interruption-level": "passive"}}, 2),
        ({"push": {"interruption-level": "critical"}}, 10),
        ({"push": {"sound": {"name": "default", "critical": 1, "volume": 1.0}}}, 10),
        ({"priority": "high", "ttl": 0}, 8),
        ({"priority": 3, "importance": "max"}, 3),
    ],
)
async def test_companion_loudness_sets_the_priority(
    hass: HomeAssistant, gotify: GotifyDouble, family: MockConfigEntry, data: dict[str, Any], priority: int
) -> None:
    await notify(hass, **data)
    assert last_sent(gotify)["priority"] == priority


async def test_an_unknown_importance_is_refused(
    hass: HomeAssistant, gotify: GotifyDouble, family: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as caught:
        await notify(hass, importance="urgent")
    assert str(caught.value) == 'Invalid data.importance "urgent"; use one of: min, low, default, high, max'
    assert gotify.requests_to("POST", "/message") == []


async def test_clear_notification_while_gotify_is_down(
    hass: HomeAssistant, gotify: GotifyDouble, family: MockConfigEntry
) -> None:
    """Like a message, the deletion waits (stored) for Gotify to answer again; the call succeeds."""
    await notify(hass, "Washer done", tag="washer")
    washer = max(gotify.messages)
    await gotify.stop()

    await notify(hass, "clear_notification", tag="washer")

    assert family.runtime_data.autodelete.snapshot().keys() == {washer}
    await gotify.start()
    await wait_for(lambda: len(family.runtime_data.autodelete) == 0)
    assert washer not in gotify.messages


async def test_clear_notification_of_a_queued_message(
    hass: HomeAssistant, gotify: GotifyDouble, family: MockConfigEntry
) -> None:
    """Cleared before Gotify ever had it: it is never delivered; the other queued messages are."""
    await gotify.stop()
    await notify(hass, "Washer running", tag="washer")
    await notify(hass, "Door open")
    assert len(family.runtime_data.outbox) == 2

    await notify(hass, "clear_notification", tag="washer")

    assert len(family.runtime_data.outbox) == 1
    await gotify.start()
    await wait_for(lambda: len(family.runtime_data.outbox) == 0)
    assert [message.message for message in gotify.messages.values()] == ["Door open"]


async def test_clear_notification_of_a_queued_message_that_may_be_in_gotify(
    hass: HomeAssistant, gotify: GotifyDouble, family: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    """A queued message whose earlier attempt may have been stored stays queued, to be deleted at once."""
    await gotify.stop()
    await notify(hass, "Washer running", tag="washer")
    outbox = family.runtime_data.outbox
    outbox._queue[0].check_after = family.runtime_data.account.newest_known_id()  # an answer was lost

    await notify(hass, "clear_notification", tag="washer")

    assert len(outbox) == 1
    # Stored so, too: after a restart it would still be deleted at once.
    [stored] = hass_storage[f"gotify.{family.entry_id}.outbox"]["data"]["queue"]
    assert stored["timeout"] == 0
    await gotify.start()
    await wait_for(lambda: len(outbox) == 0 and len(family.runtime_data.autodelete) == 0)
    [posted] = gotify.requests_to("POST", "/message")
    assert posted.json["message"] == "Washer running"
    assert gotify.messages == {}  # delivered, and deleted as soon as it was
