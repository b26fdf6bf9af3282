"""``platform: gotify`` in configuration.yaml, as the older custom components had it.

The action sends with the block's application token through the sender (checked by what the double
received); what needs a client token is refused; the repair issue and the discovered flow lead to a
config entry, and once one has the block's application the repair says the block can go.
"""

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from homeassistant.config_entries import SOURCE_INTEGRATION_DISCOVERY, ConfigEntryDisabler, ConfigEntryState
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator, WebSocketGenerator

from custom_components.gotify.const import DOMAIN

from .certificates import self_signed_context
from .gotify_double import V2, V3, Application, GotifyDouble
from .helpers import EXTERNAL_URL, form_field, last_sent, mock_entry, post_json, setup_entry

MARKDOWN = {"client::display": {"contentType": "text/markdown"}}
ISSUE = "legacy_yaml_gotify"


def click(url: str) -> dict[str, Any]:
    return {"client::notification": {"click": {"url": url}}}


async def setup_yaml(hass: HomeAssistant, url: str, token: str, **block: Any) -> None:
    """Home Assistant started with one ``platform: gotify`` block in configuration.yaml."""
    config = {"notify": [{"platform": "gotify", "url": url, "token": token} | block]}
    assert await async_setup_component(hass, "notify", config)
    await hass.async_block_till_done()


async def send(hass: HomeAssistant, service: str = "gotify", **call: Any) -> None:
    await hass.services.async_call("notify", service, {"message": "m"} | call, blocking=True)


def issue(hass: HomeAssistant, issue_id: str = ISSUE) -> ir.IssueEntry:
    found = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert found is not None
    return found


def discovered(hass: HomeAssistant) -> list[str]:
    """The ids of the discovery flows in progress."""
    return [
        flow["flow_id"]
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["source"] == SOURCE_INTEGRATION_DISCOVERY
    ]


@pytest.fixture
def legacy(gotify: GotifyDouble) -> Application:
    """The application whose token is in configuration.yaml."""
    return gotify.add_application("Legacy")


# --- sending -------------------------------------------------------------------------------------


async def test_sends_with_the_application_token(
    hass: HomeAssistant, gotify: GotifyDouble, legacy: Application
) -> None:
    await setup_yaml(hass, gotify.url, legacy.token)

    await send(
        hass,
        message="The front door is open",
        title="Front door",
        data={
            "priority": 8,
            "link": "lovelace/doors",
            "extras": {"client::notification": {"bigImageUrl": "https://example.com/door.jpg"}},
        },
    )
    request = gotify.requests_to("POST", "/message")[-1]
    assert request.headers["X-Gotify-Key"] == legacy.token
    assert request.json == {
        "message": "The front door is open",
        "title": "Front door",
        "priority": 8,
        "extras": {
            "client::notification": {
                "click": {"url": "homeassistant://navigate/lovelace/doors"},
                "bigImageUrl": "https://example.com/door.jpg",
            },
            **MARKDOWN,
        },
    }
    assert gotify.messages[max(gotify.messages)].appid == legacy.id

    # The account options' defaults: priority 4, markdown, tapping opens the companion app.
    await send(hass, message="Plain", data={"markdown": False})
    await send(hass, message="Defaults")
    assert [request.json for request in gotify.requests_to("POST", "/message")[1:]] == [
        {"message": "Plain", "priority": 4, "extras": click("homeassistant://navigate/")},
        {"message": "Defaults", "priority": 4, "extras": click("homeassistant://navigate/") | MARKDOWN},
    ]
    # An application token reads nothing: nothing but the messages reached Gotify.
    assert [(request.method, request.path) for request in gotify.requests] == [("POST", "/message")] * 3


async def test_name_names_the_action(hass: HomeAssistant, gotify: GotifyDouble, legacy: Application) -> None:
    await setup_yaml(hass, gotify.url, legacy.token, name="My Gotify")

    assert not hass.services.has_service("notify", "gotify")
    await send(hass, "my_gotify", message="named")
    assert last_sent(gotify)["message"] == "named"
    assert issue(hass, "legacy_yaml_my_gotify").translation_placeholders == {
        "service": "notify.my_gotify",
        "host": gotify.url,
    }


async def test_verify_ssl(
    hass: HomeAssistant, tmp_path: Path, socket_enabled: None, unused_tcp_port_factory: Callable[[], int]
) -> None:
    double = GotifyDouble(V3, ssl_context=self_signed_context(tmp_path))
    await double.start(unused_tcp_port_factory())
    try:
        application = double.add_application("Legacy")
        block = {"platform": "gotify", "url": double.url, "token": application.token}
        config = {"notify": [block | {"name": "checked"}, block | {"name": "unchecked", "verify_ssl": False}]}
        assert await async_setup_component(hass, "notify", config)
        await hass.async_block_till_done()

        with pytest.raises(HomeAssistantError) as caught:
            await send(hass, "checked")
        assert caught.value.translation_key == "certificate_error"
        await send(hass, "unchecked", message="self-signed")
        assert [message.message for message in double.messages.values()] == ["self-signed"]
    finally:
        await double.stop()


async def test_a_refused_token_is_a_translated_error(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    wrong = "Awrong000000000" if gotify.version == V2 else "gtfya.wrong"
    await setup_yaml(hass, gotify.url, wrong)

    with pytest.raises(HomeAssistantError) as caught:
        await send(hass)
    assert caught.value.translation_key == "yaml_token_refused"
    assert str(caught.value).startswith(
        f"Gotify at {gotify.url} refused the application token of notify.gotify in configuration.yaml ("
    )
    assert wrong not in str(caught.value)
    assert gotify.messages == {}


@pytest.mark.parametrize("target", ["Other", ["Legacy", 1]])
async def test_a_target_is_refused(
    hass: HomeAssistant, gotify: GotifyDouble, legacy: Application, target: Any
) -> None:
    await setup_yaml(hass, gotify.url, legacy.token)

    with pytest.raises(ServiceValidationError) as caught:
        await send(hass, target=target)
    assert caught.value.translation_key == "yaml_needs_client_token"
    assert caught.value.translation_placeholders == {"field": "target", "service": "notify.gotify"}
    assert str(caught.value).startswith(
        "target needs a client token, and notify.gotify comes from configuration.yaml"
    )
    assert gotify.requests == []


async def test_what_would_delete_messages_is_left_out_with_a_warning_once(
    hass: HomeAssistant, gotify: GotifyDouble, legacy: Application, caplog: pytest.LogCaptureFixture
) -> None:
    await setup_yaml(hass, gotify.url, legacy.token)

    for _ in range(2):
        await send(hass, message="Door", data={"tag": "door", "timeout": 60, "retry": 30, "expire": 600})
    bodies = [dict(request.json) for request in gotify.requests_to("POST", "/message")]
    assert [body["message"] for body in bodies] == ["Door", "Door"]  # the tag replaced nothing
    assert len(gotify.messages) == 2
    await send(hass, message="clear_notification", data={"tag": "door"})  # deletes nothing, posts nothing
    assert len(gotify.requests_to("POST", "/message")) == 2
    assert gotify.requests_to("DELETE", "/message/1") == []
    warnings = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    left_out = [text for text in warnings if "is left out of its messages" in text]
    assert [text.split(" so ")[1].split(" is left")[0] for text in left_out] == [
        "data.tag",
        "data.timeout",
        "data.retry",
        "data.expire",
        "clear_notification",
    ]
    assert left_out[0].startswith("notify.gotify comes from configuration.yaml with an application token")


async def test_bad_input_is_refused_as_for_the_ui_actions(
    hass: HomeAssistant, gotify: GotifyDouble, legacy: Application
) -> None:
    await setup_yaml(hass, gotify.url, legacy.token)

    with pytest.raises(ServiceValidationError) as caught:
        await send(hass, data={"priority": "loudest"})
    assert caught.value.translation_key == "invalid_priority"
    assert gotify.requests == []


async def test_companion_app_commands_and_blacklisted_texts_post_nothing(
    hass: HomeAssistant, gotify: GotifyDouble, legacy: Application
) -> None:
    await setup_yaml(hass, gotify.url, legacy.token, msg_blacklist=["TTS", "ping"])

    await send(hass, message="ping")
    await send(hass, message="TTS", data={"tts_text": "hello"})
    await send(hass, message="command_dnd", data={"command": "off"})
    assert gotify.requests == []
    await send(hass, message="pong")
    assert last_sent(gotify)["message"] == "pong"


async def test_no_queue_an_unreachable_server_fails_the_call(
    hass: HomeAssistant, gotify: GotifyDouble, legacy: Application
) -> None:
    await setup_yaml(hass, gotify.url, legacy.token)
    await gotify.stop()

    with pytest.raises(HomeAssistantError) as caught:
        await send(hass, message="lost")
    assert caught.value.translation_key == "cannot_connect"
    assert str(caught.value).startswith("Cannot reach Gotify to send to gotify: ")

    await gotify.start()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=5))
    await hass.async_block_till_done()
    assert gotify.messages == {}  # nothing was kept to send later


async def test_a_lost_answer_is_not_looked_up_with_the_application_token(
    hass: HomeAssistant, gotify: GotifyDouble, legacy: Application
) -> None:
    await setup_yaml(hass, gotify.url, legacy.token)
    gotify.fail_next("store_then_drop", path="/message", method="POST")

    with pytest.raises(HomeAssistantError):
        await send(hass, message="stored, answer lost")
    # Gotify stored it; looking for it (GET /message) needs a client token, so nothing else was asked.
    assert [(request.method, request.path) for request in gotify.requests] == [("POST", "/message")]


async def test_attachments_and_buttons(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    legacy: Application,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    await hass.config.async_update(external_url=EXTERNAL_URL)
    await setup_yaml(hass, gotify.url, legacy.token)
    pressed: list[dict[str, Any]] = []

    @callback
    def listener(event: Event) -> None:
        pressed.append(dict(event.data))

    hass.bus.async_listen("gotify_notification_action", listener)

    await send(
        hass,
        message="Someone is at the gate",
        data={
            "image": "https://example.com/gate.jpg",
            "actions": [
                {"action": "OPEN_GATE", "title": "Open"},
                {"action": "URI", "title": "Cameras", "uri": "/lovelace/cameras"},
            ],
        },
    )
    sent = last_sent(gotify)
    assert sent["extras"]["client::notification"]["bigImageUrl"] == "https://example.com/gate.jpg"
    text, buttons = sent["message"].split("\n\n", 1)[0], sent["message"].rsplit("\n\n", 1)[1]
    assert text == "Someone is at the gate"
    assert buttons.startswith(f"[Open]({EXTERNAL_URL}/api/gotify/action/")
    assert buttons.endswith(" · [Cameras](homeassistant://navigate/lovelace/cameras)")
    link = buttons.removeprefix(f"[Open]({EXTERNAL_URL}").split(")", 1)[0]

    client = await hass_client_no_auth()
    assert (await client.post(link)).status == 200
    await hass.async_block_till_done()
    # The block is no config entry and Home Assistant does not know its application's id.
    assert pressed == [
        {
            "action": "OPEN_GATE",
            "title": "Open",
            "message_id": max(gotify.messages),
            "tag": None,
            "application": "gotify",
            "application_id": 0,
            "entry_id": "",
        }
    ]


async def test_invalid_configuration_sets_up_nothing(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    config = {"notify": [{"platform": "gotify", "url": "ftp://gotify.example.com", "token": "Atoken"}]}
    await async_setup_component(hass, "notify", config)
    await hass.async_block_till_done()

    assert not hass.services.has_service("notify", "gotify")
    assert ir.async_get(hass).async_get_issue(DOMAIN, ISSUE) is None


# --- the repair and the way to a config entry ----------------------------------------------------


async def test_repair_and_discovery_with_the_server_filled_in(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    legacy: Application,
    hass_client: ClientSessionGenerator,
) -> None:
    gotify.add_application("Other")
    assert await async_setup_component(hass, "config", {})  # the frontend's API, before the client starts
    await setup_yaml(hass, f"{gotify.url}/", legacy.token, verify_ssl=False)

    found = issue(hass)
    assert (found.translation_key, found.is_fixable, found.is_persistent, found.severity) == (
        "legacy_yaml",
        False,
        False,
        ir.IssueSeverity.WARNING,
    )
    assert found.translation_placeholders == {"service": "notify.gotify", "host": gotify.url}

    # Settings → Devices & services shows it discovered; its form, as the frontend gets it.
    [flow_id] = discovered(hass)
    [progress] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert progress["context"]["title_placeholders"] == {"host": gotify.url}
    client = await hass_client()
    response = await client.get(f"/api/config/config_entries/flow/{flow_id}")
    result = await response.json()
    assert (result["type"], result["step_id"]) == ("form", "discovery_confirm")
    assert result["description_placeholders"] == {"host": gotify.url, "reason": ""}
    assert form_field(result, "url")["description"] == {"suggested_value": gotify.url}
    assert form_field(result, "verify_ssl")["description"] == {"suggested_value": False}
    assert "suggested_value" not in (form_field(result, "token").get("description") or {})

    # A wrong token: the user step's error, on this form.
    path = f"/api/config/config_entries/flow/{flow_id}"
    wrong = {"url": gotify.url, "token": legacy.token, "verify_ssl": False}
    result = await post_json(client, path, wrong)
    assert (result["step_id"], result["errors"]) == ("discovery_confirm", {"token": "application_token"})

    # On v2 the account lists the block's token; on v3 only a message of the block tells its application.
    if gotify.version == V3:
        await send(hass, message="which application am I?")
    result = await post_json(client, path, wrong | {"token": gotify.client_token})
    await hass.async_block_till_done()
    assert result["type"] == "create_entry"
    [entry] = hass.config_entries.async_entries(DOMAIN)
    assert [subentry.title for subentry in entry.subentries.values()] == ["Legacy"]
    assert entry.data["verify_ssl"] is False
    assert entry.state is ConfigEntryState.LOADED

    found = issue(hass)
    assert (found.translation_key, found.translation_placeholders) == (
        "legacy_yaml_migrated",
        {"service": "notify.gotify", "account": entry.title, "application": "Legacy"},
    )
    # Both actions work until the block is removed.
    await send(hass, message="yaml")
    await send(hass, "gotify_legacy", message="ui")
    assert [message.message for message in gotify.messages.values()][-2:] == ["yaml", "ui"]


async def test_v3_without_a_message_the_application_is_chosen(
    hass: HomeAssistant, gotify: GotifyDouble, legacy: Application
) -> None:
    gotify.add_application("Other")
    await setup_yaml(hass, gotify.url, legacy.token)
    [flow_id] = discovered(hass)

    result = await hass.config_entries.flow.async_configure(
        flow_id, {"url": gotify.url, "token": gotify.client_token, "verify_ssl": True}
    )
    if gotify.version == V2:
        assert result["type"] == "create_entry"  # the token is listed: no question asked
    else:
        assert (result["type"], result["step_id"]) == ("menu", "application")
        result = await hass.config_entries.flow.async_configure(
            flow_id, {"next_step_id": "select_application"}
        )
        result = await hass.config_entries.flow.async_configure(flow_id, {"application": str(legacy.id)})
        assert result["type"] == "create_entry"
    await hass.async_block_till_done()

    # v3 lists no tokens, so until the block's first message names its application the repair waits.
    expected = {V2: "legacy_yaml_migrated", V3: "legacy_yaml"}[gotify.version]
    assert issue(hass).translation_key == expected
    await send(hass)
    assert issue(hass).translation_key == "legacy_yaml_migrated"


async def test_an_entry_with_the_application_says_the_yaml_can_go(
    hass: HomeAssistant, gotify: GotifyDouble
) -> None:
    # Home Assistant starts with the block and an entry that has the block's application.
    application = gotify.add_application("Home Assistant")
    entry = mock_entry(gotify, application)
    entry.add_to_hass(hass)
    await setup_yaml(hass, gotify.url, application.token)
    assert entry.state is ConfigEntryState.LOADED

    assert issue(hass).translation_key == "legacy_yaml_migrated"
    assert issue(hass).translation_placeholders == {
        "service": "notify.gotify",
        "account": entry.title,
        "application": "Home Assistant",
    }
    assert discovered(hass) == []


async def test_v3_an_entry_without_the_token_waits_for_a_message(
    hass: HomeAssistant, gotify: GotifyDouble
) -> None:
    # As a v3 entry stores an existing application chosen in the flow: without its token.
    application = gotify.add_application("Home Assistant")
    entry = mock_entry(gotify, application, with_token=False)
    entry.add_to_hass(hass)
    await setup_yaml(hass, gotify.url, application.token)

    assert issue(hass).translation_key == "legacy_yaml"
    assert discovered(hass) == []  # the server is set up: the application is there already
    await send(hass)
    assert issue(hass).translation_key == "legacy_yaml_migrated"


async def test_an_entry_added_later_ends_the_discovery(
    hass: HomeAssistant, gotify: GotifyDouble, legacy: Application
) -> None:
    await setup_yaml(hass, gotify.url, legacy.token)
    assert len(discovered(hass)) == 1

    # Set up through "Add integration" instead, with another application: the server is set up, so the
    # discovery goes; the block's application is added to that entry ("Add application").
    other = gotify.add_application("Other")
    entry = await setup_entry(hass, mock_entry(gotify, other, with_token=False))
    assert discovered(hass) == []
    assert issue(hass).translation_key == "legacy_yaml"

    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "application"), context={"source": "user"}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"next_step_id": "select_application"}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"application": str(legacy.id)}
    )
    await hass.async_block_till_done()
    await send(hass)  # on v3, what names the application
    assert issue(hass).translation_key == "legacy_yaml_migrated"

    # Removing the entry brings the repair's first text, and the discovery, back.
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert issue(hass).translation_key == "legacy_yaml"
    assert len(discovered(hass)) == 1


async def test_a_disabled_entry_does_not_replace_the_yaml(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    application = gotify.add_application("Home Assistant")
    entry = mock_entry(gotify, application)
    entry.add_to_hass(hass)
    await setup_yaml(hass, gotify.url, application.token)
    assert issue(hass).translation_key == "legacy_yaml_migrated"

    await hass.config_entries.async_set_disabled_by(entry.entry_id, ConfigEntryDisabler.USER)
    await hass.async_block_till_done()

    assert issue(hass).translation_key == "legacy_yaml"
    assert discovered(hass) == []  # the server is set up: the application goes there


async def test_ignored_discovery_is_not_shown_again(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    legacy: Application,
    hass_ws_client: WebSocketGenerator,
) -> None:
    assert await async_setup_component(hass, "config", {})
    await setup_yaml(hass, gotify.url, legacy.token)
    [flow_id] = discovered(hass)

    client = await hass_ws_client(hass)
    await client.send_json({"id": 1, "type": "config_entries/ignore_flow", "flow_id": flow_id, "title": "G"})
    assert (await client.receive_json())["success"]
    await hass.async_block_till_done()
    assert discovered(hass) == []
    await send(hass)  # the repair is updated: the discovery still stays away
    await hass.async_block_till_done()
    assert discovered(hass) == []
    assert issue(hass).translation_key == "legacy_yaml"


async def test_restart_without_the_yaml_ends_the_repair(
    hass: HomeAssistant, gotify: GotifyDouble, legacy: Application, hass_storage: dict[str, Any]
) -> None:
    await setup_yaml(hass, gotify.url, legacy.token)
    assert issue(hass).active

    # The issue registry is written, then read by a Home Assistant started without the block.
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=11))
    await hass.async_block_till_done()
    assert any(item["issue_id"] == ISSUE for item in hass_storage["repairs.issue_registry"]["data"]["issues"])
    restarted = ir.IssueRegistry(hass)
    await restarted.async_load()
    found = restarted.async_get_issue(DOMAIN, ISSUE)
    assert found is None or not found.active


async def test_the_discovered_server_with_a_username_and_password(
    hass: HomeAssistant, gotify: GotifyDouble, legacy: Application
) -> None:
    await setup_yaml(hass, gotify.url, legacy.token)
    [flow_id] = discovered(hass)
    if gotify.version == V3:
        await send(hass, message="which application am I?")
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        {"url": gotify.url, "verify_ssl": True, "sign_in": {"username": "admin", "password": "admin"}},
    )
    await hass.async_block_till_done()
    assert result["type"] == "create_entry"
    [entry] = hass.config_entries.async_entries(DOMAIN)
    [client] = [client for client in gotify.clients.values() if client.name == "Home Assistant"]
    assert entry.data["token"] == client.token
    assert "admin" not in {str(value) for key, value in entry.data.items() if key != "username"}
    assert [subentry.title for subentry in entry.subentries.values()] == ["Legacy"]
    assert issue(hass).translation_key == "legacy_yaml_migrated"
