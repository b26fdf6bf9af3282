"""Sending through notify.gotify_* and notify.send_message, checked by what the double received."""

from typing import Any

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from custom_components.gotify.const import DOMAIN

from .gotify_double import GotifyDouble
from .helpers import mock_entry, notify_entity, setup_entry

MARKDOWN = {"client::display": {"contentType": "text/markdown"}}


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
        # Keys meant for the mobile app are ignored, not sent on to Gotify.
        ({"push": {"sound": "default"}, "actions": [{"action": "OPEN"}], "priority": 5}, {"priority": 5}),
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
    hass: HomeAssistant, gotify: GotifyDouble, data: dict[str, Any], expected: dict[str, Any]
) -> None:
    await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))

    await hass.services.async_call(
        "notify", "gotify_home_assistant", {"message": "m", "data": data}, blocking=True
    )

    sent = gotify.requests_to("POST", "/message")[-1].json
    base = {"message": "m", "priority": 4, "extras": click("homeassistant://navigate/") | MARKDOWN}
    assert sent == base | expected


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
    hass: HomeAssistant, gotify: GotifyDouble, call: dict[str, Any], key: str, text: str
) -> None:
    await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))

    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call("notify", "gotify_home_assistant", call, blocking=True)

    assert (caught.value.translation_domain, caught.value.translation_key) == (DOMAIN, key)
    assert text in str(caught.value)
    assert gotify.requests_to("POST", "/message") == []


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


async def test_refused_client_token_starts_reauth(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    application = gotify.add_application("Home Assistant")
    entry = await setup_entry(hass, mock_entry(gotify, application))
    entity_id = notify_entity(hass, entry)
    token = gotify.client_token
    gotify.remove_client(token)  # the client was deleted in the Gotify web UI

    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(DOMAIN, "clear_messages", {"entity_id": entity_id}, blocking=True)
    await hass.async_block_till_done()

    assert caught.value.translation_key == "send_auth_failed"
    assert token not in str(caught.value)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    assert flows[0]["context"]["entry_id"] == entry.entry_id


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
    # v3: the appid is gone (400); v2: without a token the client token cannot publish at all (401).
    assert caught.value.translation_key in ("message_rejected", "send_auth_failed")


async def test_unload_and_reload(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    entry = await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))
    assert hass.services.has_service("notify", "gotify_home_assistant")

    await hass.config_entries.async_unload(entry.entry_id)
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert not hass.services.has_service("notify", "gotify_home_assistant")

    await hass.config_entries.async_setup(entry.entry_id)
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    await hass.services.async_call("notify", "gotify_home_assistant", {"message": "again"}, blocking=True)
    assert gotify.requests_to("POST", "/message")[-1].json["message"] == "again"


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


async def test_setup_retries_when_server_is_down(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    entry = mock_entry(gotify, gotify.add_application("Home Assistant"))
    await gotify.stop()
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert "cannot connect" in (entry.reason or "")


async def test_setup_with_revoked_token_starts_reauth(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    entry = mock_entry(gotify, gotify.add_application("Home Assistant"))
    gotify.remove_client(gotify.client_token)
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert entry.reason == f"Gotify at {gotify.url} no longer accepts the client token"
    assert [f["context"]["source"] for f in hass.config_entries.flow.async_progress_by_handler(DOMAIN)] == [
        "reauth"
    ]
