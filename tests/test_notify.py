"""Sending through notify.gotify_* and notify.send_message, checked by what the double received: the
fields, targets, tags, bad input and a server that fails."""

from typing import Any

import pytest
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.gotify.const import DOMAIN

from .gotify_double import V2, V3, GotifyDouble
from .helpers import (
    last_sent,
    mock_entry,
    notify,
    notify_entity,
    setup_entry,
)

MARKDOWN = {"client::display": {"contentType": "text/markdown"}}


@pytest.mark.parametrize("platforms", [[Platform.NOTIFY]], ids=["notify"])
async def test_entities(
    hass: HomeAssistant,
    home: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    await snapshot_platform(hass, entity_registry, snapshot, home.entry_id)


def click(url: str) -> dict[str, Any]:
    return {"client::notification": {"click": {"url": url}}}


async def test_seed_example_started(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    application = gotify.add_application("Home Assistant")
    await setup_entry(hass, mock_entry(gotify, application))

    await hass.services.async_call(
        "notify",
        "gotify_home_assistant",
        {"message": "Home Assistant has started successfully."},
        blocking=True,
    )

    request = gotify.requests_to("POST", "/message")[-1]
    assert request.headers["X-Gotify-Key"] == application.token
    assert request.json == {
        "message": "Home Assistant has started successfully.",
        "priority": 4,
        "extras": click("homeassistant://navigate/") | MARKDOWN,
    }
    stored = gotify.messages[max(gotify.messages)]
    assert (stored.title, stored.priority) == ("Home Assistant", 4)


async def test_seed_example_motion(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    application = gotify.add_application("Home Assistant")
    await setup_entry(hass, mock_entry(gotify, application))

    await hass.services.async_call(
        "notify",
        "gotify_home_assistant",
        {
            "message": "Backyard motion detected.",
            "title": "Alert!",
            "data": {"priority": 9, "link": "lovelace/cameras"},
        },
        blocking=True,
    )

    assert gotify.requests_to("POST", "/message")[-1].json == {
        "message": "Backyard motion detected.",
        "title": "Alert!",
        "priority": 9,
        "extras": click("homeassistant://navigate/lovelace/cameras") | MARKDOWN,
    }


async def test_v3_application_without_token_publishes_with_appid(
    hass: HomeAssistant, gotify: GotifyDouble
) -> None:
    if not gotify.is_v3:
        pytest.skip("only v3 servers accept a client token with appid")
    application = gotify.add_application("Home Assistant")
    await setup_entry(hass, mock_entry(gotify, application, with_token=False))

    await hass.services.async_call("notify", "gotify_home_assistant", {"message": "hi"}, blocking=True)

    request = gotify.requests_to("POST", "/message")[-1]
    assert request.headers["X-Gotify-Key"] == gotify.client_token
    assert request.json["appid"] == application.id
    assert gotify.messages[max(gotify.messages)].appid == application.id


async def test_notify_entity_uses_the_same_sender(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    application = gotify.add_application("Home Assistant")
    entry = await setup_entry(hass, mock_entry(gotify, application))
    entity_id = notify_entity(hass, entry)
    assert entity_id == "notify.home_assistant"

    await hass.services.async_call(
        "notify",
        "send_message",
        {"entity_id": entity_id, "message": "door open", "title": "Door"},
        blocking=True,
    )

    assert gotify.requests_to("POST", "/message")[-1].json == {
        "message": "door open",
        "title": "Door",
        "priority": 4,
        "extras": click("homeassistant://navigate/") | MARKDOWN,
    }


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"priority": "7"}, {"priority": 7}),
        ({"priority": "high"}, {"priority": 8}),
        ({"priority": "MIN"}, {"priority": 0}),
        ({"markdown": False}, {"extras": click("homeassistant://navigate/")}),
        ({"link": "https://example.com/x"}, {"extras": click("https://example.com/x") | MARKDOWN}),
        # Keys meant for the mobile app that Gotify has no use for are ignored, not sent on to Gotify.
        (
            {
                "push": {"sound": "default"},
                "channel": "alarm",
                "vibrationPattern": "100, 1000",
                "priority": 5,
            },
            {"priority": 5},
        ),
        (
            {"extras": {"android::action": {"onReceive": {"intentUrl": "https://x"}}}},
            {
                "extras": click("homeassistant://navigate/")
                | MARKDOWN
                | {"android::action": {"onReceive": {"intentUrl": "https://x"}}}
            },
        ),
    ],
)
async def test_data_fields(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    data: dict[str, Any],
    expected: dict[str, Any],
) -> None:

    await hass.services.async_call(
        "notify", "gotify_home_assistant", {"message": "m", "data": data}, blocking=True
    )

    sent = gotify.requests_to("POST", "/message")[-1].json
    base = {"message": "m", "priority": 4, "extras": click("homeassistant://navigate/") | MARKDOWN}
    assert sent == base | expected


async def test_pushover_url_and_intent(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    await notify(hass, url="lovelace/energy", url_title="Energy", intent_url="https://example.com/x")
    sent = last_sent(gotify)
    assert (
        sent["extras"]["client::notification"]["click"]["url"] == "homeassistant://navigate/lovelace/energy"
    )
    assert sent["extras"]["android::action"] == {"onReceive": {"intentUrl": "https://example.com/x"}}
    assert sent["message"] == "m\n\n[Energy](homeassistant://navigate/lovelace/energy)"


async def test_options_decide_defaults(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    await hass.config.async_update(external_url="https://ha.example.com")
    application = gotify.add_application("Home Assistant")
    await setup_entry(
        hass, mock_entry(gotify, application, priority=2, markdown=False, click_target="browser")
    )

    await hass.services.async_call(
        "notify",
        "gotify_home_assistant",
        {"message": "m", "data": {"link": "/lovelace/cameras"}},
        blocking=True,
    )

    assert gotify.requests_to("POST", "/message")[-1].json == {
        "message": "m",
        "priority": 2,
        "extras": click("https://ha.example.com/lovelace/cameras"),
    }


async def test_two_servers_side_by_side(
    hass: HomeAssistant, gotify: GotifyDouble, unused_tcp_port_factory: Any
) -> None:
    other = GotifyDouble(gotify.version)
    await other.start(unused_tcp_port_factory())
    try:
        first, second = gotify.add_application("Home Assistant"), other.add_application("Home Assistant")
        await setup_entry(hass, mock_entry(gotify, first))
        await setup_entry(hass, mock_entry(other, second))

        await hass.services.async_call("notify", "gotify_home_assistant", {"message": "one"}, blocking=True)
        await hass.services.async_call("notify", "gotify_home_assistant_2", {"message": "two"}, blocking=True)

        assert [m.message for m in gotify.messages.values()] == ["one"]
        assert [m.message for m in other.messages.values()] == ["two"]
    finally:
        await other.stop()


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "key", "text"),
    [
        ({"message": ""}, "empty_message", "The message is empty"),
        ({"message": "m", "data": {"priority": "loud"}}, "invalid_priority", 'Invalid priority "loud"'),
        ({"message": "m", "data": {"priority": 11}}, "invalid_priority", "min, low, normal, high, emergency"),
        ({"message": "m", "data": {"extras": "x"}}, "invalid_extras", "`data.extras` must be a mapping"),
        (
            {"message": "m", "data": {"markdown": "maybe"}},
            "invalid_boolean",
            "`markdown` must be true or false",
        ),
        ({"message": "m", "data": {"link": "two words"}}, "invalid_link", 'Invalid link "two words"'),
        ({"message": "m", "data": {"tag": " "}}, "invalid_tag", 'Invalid tag " "'),
        ({"message": "m", "data": {"intent_url": "example.com"}}, "invalid_intent_url", "use a full URL"),
    ],
)
async def test_bad_input(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    call: dict[str, Any],
    key: str,
    text: str,
) -> None:

    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call("notify", "gotify_home_assistant", call, blocking=True)

    assert (caught.value.translation_domain, caught.value.translation_key) == (DOMAIN, key)
    assert text in str(caught.value)
    assert gotify.requests_to("POST", "/message") == []


async def _send(hass: HomeAssistant, entry: MockConfigEntry, way: str, fields: dict[str, Any]) -> None:
    if way == "legacy":
        data = {key: value for key, value in fields.items() if key not in ("message", "title", "target")}
        call: dict[str, Any] = {key: fields[key] for key in ("message", "title", "target") if key in fields}
        await hass.services.async_call(
            "notify", "gotify_home_assistant", {"message": "m", **call, "data": data}, blocking=True
        )
    else:
        await hass.services.async_call(
            DOMAIN, "send", {"entity_id": notify_entity(hass, entry), "message": "m", **fields}, blocking=True
        )


def _nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize("way", ["legacy", "send"])
@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"target": "²"}, "unknown_target"),
        ({"target": "9" * 5000}, "too_long"),
        ({"priority": "9" * 5000}, "invalid_priority"),
        ({"priority": 7.5}, "invalid_priority"),
        ({"priority": True}, "invalid_priority"),
        ({"extras": _nested(300)}, "invalid_extras"),
        ({"extras": {"x::y": 2**70}}, "invalid_extras"),
        ({"extras": {"x::y": float("nan")}}, "invalid_extras"),
        ({"message": "lone \ud800 surrogate"}, "invalid_text"),
        ({"title": "lone \udfff"}, "invalid_text"),
        ({"message": "é" * 30_001}, "too_long"),
        ({"title": "t" * 1001}, "too_long"),
        ({"tag": "t" * 257}, "too_long"),
        ({"link": "https://example.com/a b"}, "invalid_link"),
        ({"link": "lovelace/a\nb"}, "invalid_link"),
        ({"intent_url": "https://example.com/\x00"}, "invalid_intent_url"),
    ],
)
async def test_bad_input_is_a_validation_error_naming_the_field(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    way: str,
    fields: dict[str, Any],
    key: str,
) -> None:
    with pytest.raises(ServiceValidationError) as caught:
        await _send(hass, home, way, fields)
    assert caught.value.translation_key == key
    assert gotify.requests_to("POST", "/message") == []


# --- a server that fails or refuses -----------------------------------------------------------


@pytest.mark.parametrize(
    ("failure", "key", "text"),
    [
        ("500", "server_error", "HTTP 500, database is locked"),
        ("502_html", "server_error", "HTTP 502, 502 Bad Gateway"),
        ("413_html", "payload_too_large", "413 Request Entity Too Large"),
        ("drop", "cannot_connect", "Cannot reach Gotify to send to Home Assistant"),
        ("not_gotify", "invalid_response", "gave an unexpected answer for Home Assistant"),
    ],
)
async def test_server_failures(
    hass: HomeAssistant, gotify: GotifyDouble, failure: Any, key: str, text: str
) -> None:
    # With the outbox turned off a failing server fails the action (with it on, the message queues).
    await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant"), queue=False))
    gotify.fail_next(failure, path="/message", method="POST")

    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call("notify", "gotify_home_assistant", {"message": "m"}, blocking=True)

    assert caught.value.translation_key == key
    assert text in str(caught.value)


async def test_server_down(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant"), queue=False))
    await gotify.stop()

    # The first call may still find a kept-alive connection and see it drop ("Server disconnected");
    # after that, every call finds nothing listening.
    for _ in range(2):
        with pytest.raises(HomeAssistantError) as caught:
            await hass.services.async_call("notify", "gotify_home_assistant", {"message": "m"}, blocking=True)
        assert caught.value.translation_key == "cannot_connect"
        assert str(caught.value).startswith("Cannot reach Gotify to send to Home Assistant: ")
    assert "cannot connect (Connect call failed" in str(caught.value)


async def test_refused_application_token_is_not_a_reauth(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    application = gotify.add_application("Home Assistant")
    await setup_entry(hass, mock_entry(gotify, application))
    application.token = "Arotated0000000"  # the application's token changed on the server

    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call("notify", "gotify_home_assistant", {"message": "m"}, blocking=True)
    await hass.async_block_till_done()

    assert caught.value.translation_key == "application_token_refused"
    assert str(caught.value).startswith("Gotify refused the token of the application Home Assistant (")
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []


async def test_deleted_application(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    application = gotify.add_application("Home Assistant")
    await setup_entry(hass, mock_entry(gotify, application, with_token=False))
    gotify.remove_application(application.id)

    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call("notify", "gotify_home_assistant", {"message": "m"}, blocking=True)
    await hass.async_block_till_done()
    # v3: the appid is gone (400). v2: without a token the client token cannot publish at all (401), which
    # is what a refused client token looks like, so reauthentication starts.
    expected = {V3: ("message_rejected", []), V2: ("send_auth_failed", ["reauth"])}[gotify.version]
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert (caught.value.translation_key, [flow["context"]["source"] for flow in flows]) == expected


# --- targets ----------------------------------------------------------------------------------


async def test_targets_receive_concurrently(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    own = gotify.application_named("Home Assistant")
    garage, cameras = gotify.add_application("Garage"), gotify.add_application("Cameras")
    gotify.delay = 0.2

    await hass.services.async_call(
        "notify",
        "gotify_home_assistant",
        {"message": "to all", "target": ["garage", "CAMERAS", str(own.id), "Garage"]},
        blocking=True,
    )

    assert sorted(m.appid for m in gotify.messages.values()) == sorted([own.id, garage.id, cameras.id])
    assert gotify.max_in_flight >= 2  # the sends overlapped at the server
    # Applications found after setup publish with their token (v2) or the client token and appid (v3).
    to_garage = next(
        r
        for r in gotify.requests_to("POST", "/message")
        if r.json.get("appid") == garage.id or r.headers["X-Gotify-Key"] == garage.token
    )
    assert to_garage.headers["X-Gotify-Key"] == (gotify.client_token if gotify.is_v3 else garage.token)


async def test_single_target_by_name(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    garage = gotify.add_application("Garage")
    await hass.services.async_call(
        "notify", "gotify_home_assistant", {"message": "door", "target": "Garage"}, blocking=True
    )
    assert [m.appid for m in gotify.messages.values()] == [garage.id]


async def test_unknown_target(hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry) -> None:
    gotify.add_application("Garage")
    with pytest.raises(ServiceValidationError) as caught:
        await notify(hass, target=["Garage", "Attic", "999"])
    assert caught.value.translation_key == "unknown_target"
    assert str(caught.value) == (
        'Unknown target "Attic, 999"; the applications of this Gotify account are: Garage, Home Assistant'
    )
    assert gotify.messages == {}


async def test_some_targets_fail(hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry) -> None:
    garage, cameras = gotify.add_application("Garage"), gotify.add_application("Cameras")
    await notify(hass, target=["Garage", "Cameras"])  # the integration now knows both
    # Then Garage changes on the server: its token is rotated (v2), or it is deleted (v3).
    if gotify.is_v3:
        gotify.remove_application(garage.id)
    else:
        garage.token = "Arotated0000000"
    gotify.messages.clear()

    with pytest.raises(HomeAssistantError) as caught:
        await notify(hass, target=["Home Assistant", "Garage", "Cameras"])

    assert caught.value.translation_key == "some_targets_failed"
    reason = "appid not found" if gotify.is_v3 else "you need to provide a valid access token"
    assert str(caught.value).startswith("Not delivered to Garage (")
    assert reason in str(caught.value)
    assert str(caught.value).endswith("delivered to: Home Assistant, Cameras")
    assert sorted(m.appid for m in gotify.messages.values()) == sorted(
        [gotify.application_named("Home Assistant").id, cameras.id]
    )


async def test_target_listing_fails(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant"), queue=False))
    gotify.fail_next("500", path="/application")
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            "notify", "gotify_home_assistant", {"message": "m", "target": "Added later"}, blocking=True
        )
    assert caught.value.translation_key == "server_error"


async def test_target_lookup_with_an_answer_that_is_not_gotifys(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    gotify.fail_next("other_json", path="/application")
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            "notify", "gotify_home_assistant", {"message": "m", "target": ["Added since"]}, blocking=True
        )
    assert caught.value.translation_key == "invalid_response"
    assert caught.value.translation_placeholders is not None
    assert "not Gotify's" in caught.value.translation_placeholders["reason"]


# --- tags -------------------------------------------------------------------------------------


async def test_tag_replaces_across_restart(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    await notify(hass, tag="washer")
    first = max(gotify.messages)
    await notify(hass, tag="dryer")
    await notify(hass, tag="washer")
    second = max(gotify.messages)
    assert first not in gotify.messages
    assert gotify.requests_to("DELETE", f"/message/{first}")

    # A restart of the entry: the tag -> message mapping comes back from storage.
    assert await hass.config_entries.async_reload(home.entry_id)
    await hass.async_block_till_done()
    await notify(hass, tag="washer")
    assert second not in gotify.messages
    assert len(gotify.messages) == 2  # the dryer's and the newest washer's


async def test_tag_from_a_previous_run(
    hass: HomeAssistant, gotify: GotifyDouble, hass_storage: dict[str, Any]
) -> None:
    application = gotify.add_application("Home Assistant")
    old = gotify.add_message(application, "washer done")
    entry = mock_entry(gotify, application)
    hass_storage[f"{DOMAIN}.{entry.entry_id}.tags"] = {
        "version": 1,
        "key": f"{DOMAIN}.{entry.entry_id}.tags",
        "data": {str(application.id): {"washer": old.id}},
    }
    await setup_entry(hass, entry)

    await notify(hass, tag="washer")

    assert old.id not in gotify.messages
    assert len(gotify.messages) == 1


async def test_tag_of_a_message_deleted_in_gotify(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    await notify(hass, tag="washer")
    gotify.messages.clear()  # the user cleared it in the app
    await notify(hass, tag="washer")
    assert len(gotify.messages) == 1
