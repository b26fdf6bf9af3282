"""The config flow through Home Assistant's flow manager, against the server double."""

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.config_entries import SOURCE_RECONFIGURE, SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gotify.client import GotifyError
from custom_components.gotify.const import DOMAIN, SUBENTRY_APPLICATION

from .certificates import self_signed_context
from .gotify_double import V3, Client, GotifyDouble
from .helpers import mock_entry, setup_entry

PNG = b"\x89PNG\r\n\x1a\n" + b"home assistant icon"


@pytest.fixture
def frontend_icon(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """A stand-in for the installed frontend package, which ships Home Assistant's icon."""
    icons = tmp_path / "frontend" / "hass_frontend" / "static" / "icons"
    icons.mkdir(parents=True)
    (icons.parent.parent / "__init__.py").write_text("")
    (icons / "favicon-512x512.png").write_bytes(PNG)
    monkeypatch.syspath_prepend(str(tmp_path / "frontend"))
    importlib.invalidate_caches()
    return PNG


async def _start(hass: HomeAssistant, gotify: GotifyDouble, **overrides: Any) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert (result["type"], result["step_id"]) == (FlowResultType.FORM, "user")
    user_input = {"url": gotify.url, "token": gotify.client_token, "verify_ssl": True} | overrides
    return dict(await hass.config_entries.flow.async_configure(result["flow_id"], user_input))


async def test_create_default_application(
    hass: HomeAssistant, gotify: GotifyDouble, frontend_icon: bytes
) -> None:
    result = await _start(hass, gotify)
    # No application yet: straight to creating one, with Home Assistant's defaults.
    assert (result["type"], result["step_id"]) == (FlowResultType.FORM, "create_application")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"name": "Home Assistant", "description": "Notifications from Home Assistant", "default_priority": 4},
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    application = gotify.application_named("Home Assistant")
    assert (application.description, application.default_priority) == ("Notifications from Home Assistant", 4)
    assert gotify.images[application.image.removeprefix("image/")] == frontend_icon
    host = gotify.url.removeprefix("http://")
    entry = result["result"]
    assert entry.title == f"admin@{host}"
    assert entry.unique_id == f"{gotify.url}#{gotify.admin.id}"
    assert entry.data == {
        "url": gotify.url,
        "token": gotify.client_token,
        "verify_ssl": True,
        "user_id": gotify.admin.id,
        "username": "admin",
    }
    assert entry.options == {
        "priority": 4,
        "markdown": True,
        "click_target": "app",
        "attachment_expiry": 24,
        "queue": True,
    }
    [subentry] = entry.subentries.values()
    assert (subentry.subentry_type, subentry.title, subentry.unique_id) == (
        SUBENTRY_APPLICATION,
        "Home Assistant",
        str(application.id),
    )
    assert subentry.data == {"app_id": application.id, "app_token": application.token}
    assert entry.state is ConfigEntryState.LOADED
    assert hass.services.has_service("notify", "gotify_home_assistant")


async def test_default_form_values(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    result = await _start(hass, gotify)
    schema = {str(key): key for key in result["data_schema"].schema}
    assert schema["name"].default() == "Home Assistant"
    assert schema["description"].default() == "Notifications from Home Assistant"
    assert schema["default_priority"].default() == 4


async def test_icon_upload_failure_does_not_fail_the_flow(
    hass: HomeAssistant, gotify: GotifyDouble, frontend_icon: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    result = await _start(hass, gotify)
    gotify.fail_next("500", path=f"/application/{gotify._ids['application'] + 1}/image")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "Home Assistant", "default_priority": 4}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert gotify.application_named("Home Assistant").image == "static/defaultapp.png"
    assert "Could not set the image of the Gotify application Home Assistant" in caplog.text


async def test_no_frontend_icon_keeps_the_default_image(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    with patch("importlib.util.find_spec", return_value=None):
        result = await _start(hass, gotify)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"name": "Home Assistant", "default_priority": 4}
        )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert (
        gotify.requests_to("POST", f"/application/{gotify.application_named('Home Assistant').id}/image")
        == []
    )


async def test_select_existing_application(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    gotify.add_application("Other")
    chosen = gotify.add_application("Alerts")
    result = await _start(hass, gotify)
    assert (result["type"], result["step_id"]) == (FlowResultType.MENU, "application")
    assert result["menu_options"] == ["create_application", "select_application"]

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "select_application"}
    )
    assert result["step_id"] == "select_application"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"application": str(chosen.id)}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    [subentry] = result["result"].subentries.values()
    # v2 lists application tokens; v3 does not, and the client token publishes with the id instead.
    assert subentry.data == {"app_id": chosen.id, "app_token": None if gotify.is_v3 else chosen.token}
    await hass.services.async_call("notify", "gotify_alerts", {"message": "hi"}, blocking=True)
    assert gotify.messages[max(gotify.messages)].appid == chosen.id if gotify.is_v3 else True


async def test_create_when_applications_exist(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    gotify.add_application("Home Assistant")
    result = await _start(hass, gotify)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "create_application"}
    )

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "home assistant", "default_priority": 4}
    )
    assert result["errors"] == {"name": "application_exists"}
    assert result["description_placeholders"]["name"] == "home assistant"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "  ", "default_priority": 4}
    )
    assert result["errors"] == {"name": "name_required"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "Garage", "description": "", "default_priority": 7}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert gotify.application_named("Garage").default_priority == 7


async def test_application_refused_by_gotify(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    result = await _start(hass, gotify)
    gotify.fail_next("500", path="/application")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "HA", "default_priority": 4}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    assert "database is locked" in result["description_placeholders"]["reason"]

    gotify.remove_client(gotify.client_token)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "HA", "default_priority": 4}
    )
    assert result["errors"] == {"base": "invalid_token"}


async def test_application_validation_error(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    result = await _start(hass, gotify)
    with patch(
        "custom_components.gotify.client.GotifyClient.create_application",
        side_effect=__import__("custom_components.gotify.client", fromlist=["x"]).GotifyValidationError(
            400, "Bad Request", "name too long", method="POST", path="application"
        ),
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"name": "HA", "default_priority": 4}
        )
    assert result["errors"] == {"base": "application_rejected"}
    assert result["description_placeholders"]["reason"] == "name too long"


@pytest.mark.parametrize(
    ("prepare", "field", "error"),
    [
        (lambda g: {"url": "ftp://nowhere"}, "url", "invalid_url"),
        (lambda g: {"token": "Cwrongtoken0000"}, "token", "invalid_token"),
        (lambda g: {"token": g.add_application("x").token}, "token", "application_token"),
        (lambda g: g.fail_next("not_gotify") or {}, "url", "not_gotify"),
        (lambda g: g.fail_next("502_html") or {}, "url", "not_gotify"),
    ],
)
async def test_user_step_errors(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    prepare: Callable[[GotifyDouble], dict[str, Any]],
    field: str,
    error: str,
) -> None:
    result = await _start(hass, gotify, **prepare(gotify))
    assert (result["type"], result["errors"]) == (FlowResultType.FORM, {field: error})

    # The user corrects it and goes on.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"url": gotify.url, "token": gotify.client_token, "verify_ssl": True}
    )
    assert result["step_id"] in ("create_application", "application")


async def test_cannot_connect(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    await gotify.stop()
    result = await _start(hass, gotify)
    assert result["errors"] == {"url": "cannot_connect"}
    assert "cannot connect" in result["description_placeholders"]["reason"]
    await gotify.start()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"url": gotify.url, "token": gotify.client_token, "verify_ssl": True}
    )
    assert result["step_id"] == "create_application"


async def test_unexpected_error(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    with patch("custom_components.gotify.client.GotifyClient.current_user", side_effect=GotifyError("odd")):
        result = await _start(hass, gotify)
    assert result["errors"] == {"base": "unknown"}


async def test_applications_list_fails(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    gotify.fail_next("500", path="/application")
    result = await _start(hass, gotify)
    assert result["errors"] == {"base": "cannot_connect"}


async def test_self_signed_certificate(
    hass: HomeAssistant, tmp_path: Path, socket_enabled: None, unused_tcp_port_factory: Callable[[], int]
) -> None:
    double = GotifyDouble(V3, ssl_context=self_signed_context(tmp_path))
    await double.start(unused_tcp_port_factory())
    try:
        result = await _start(hass, double)
        assert result["errors"] == {"url": "certificate_error"}
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"url": double.url, "token": double.client_token, "verify_ssl": False}
        )
        assert result["step_id"] == "create_application"
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"name": "HA", "default_priority": 4}
        )
        await hass.async_block_till_done()
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["result"].data["verify_ssl"] is False
        await hass.services.async_call("notify", "gotify_ha", {"message": "over TLS"}, blocking=True)
        assert [m.message for m in double.messages.values()] == ["over TLS"]
        await hass.config_entries.async_unload(result["result"].entry_id)
    finally:
        await double.stop()


async def test_reverse_proxy_sub_path_is_normalised(
    hass: HomeAssistant, socket_enabled: None, unused_tcp_port_factory: Callable[[], int]
) -> None:
    double = GotifyDouble(base_path="/gotify")
    await double.start(unused_tcp_port_factory())
    try:
        result = await _start(hass, double, url=f"  {double.url}/message  ")
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"name": "HA", "default_priority": 4}
        )
        await hass.async_block_till_done()
        assert result["result"].data["url"] == double.url
        await hass.config_entries.async_unload(result["result"].entry_id)
    finally:
        await double.stop()


async def test_same_account_twice_aborts(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))
    other_client = gotify.add_client(gotify.admin, "second").token

    result = await _start(hass, gotify, token=other_client)

    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "already_configured")


async def test_another_user_of_the_same_server_is_a_new_entry(
    hass: HomeAssistant, gotify: GotifyDouble
) -> None:
    await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))
    guest = gotify.add_user("guest")
    result = await _start(hass, gotify, token=gotify.add_client(guest).token)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "HA", "default_priority": 4}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"].startswith("guest@")


# --- reauth -------------------------------------------------------------------------------------


async def test_reauth(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    application = gotify.add_application("Home Assistant")
    entry = mock_entry(gotify, application)
    gotify.remove_client(gotify.client_token)
    await setup_entry(hass, entry)
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["step_id"] == "reauth_confirm"

    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {"token": application.token})
    assert result["errors"] == {"token": "application_token"}
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {"token": "Cnope"})
    assert result["errors"] == {"token": "invalid_token"}

    new_token = gotify.add_client(gotify.admin, "new").token
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {"token": f" {new_token} "})
    await hass.async_block_till_done()

    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "reauth_successful")
    assert entry.data["token"] == new_token
    assert entry.state is ConfigEntryState.LOADED


async def test_reauth_with_another_account_aborts(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    entry = await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"

    guest_token = gotify.add_client(gotify.add_user("guest")).token
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"token": guest_token})

    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "account_mismatch")
    assert entry.data["token"] == gotify.client_token


async def test_reauth_server_unreachable(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    entry = await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))
    result = await entry.start_reauth_flow(hass)
    gotify.fail_next("hang")
    gotify.hang_seconds = 0.1
    await gotify.stop()
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"token": gotify.client_token})
    assert result["errors"] == {"base": "cannot_connect"}


# --- reconfigure --------------------------------------------------------------------------------


async def _reconfigure(
    hass: HomeAssistant, entry: MockConfigEntry, url: str, verify_ssl: bool = True
) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    assert result["step_id"] == "reconfigure"
    return dict(
        await hass.config_entries.flow.async_configure(
            result["flow_id"], {"url": url, "verify_ssl": verify_ssl}
        )
    )


async def test_reconfigure_moves_to_a_new_address(
    hass: HomeAssistant, gotify: GotifyDouble, unused_tcp_port_factory: Callable[[], int]
) -> None:
    entry = await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))
    # The same server, now also reachable behind a reverse proxy on a sub-path.
    await gotify.stop()
    gotify.base_path = "/gotify"
    await gotify.start(unused_tcp_port_factory())

    result = await _reconfigure(hass, entry, gotify.url + "/")
    await hass.async_block_till_done()

    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "reconfigure_successful")
    assert entry.data["url"] == gotify.url
    assert entry.unique_id == f"{gotify.url}#{gotify.admin.id}"
    assert entry.title == f"admin@{gotify.url.removeprefix('http://').removesuffix('/gotify')}"
    assert entry.state is ConfigEntryState.LOADED


async def test_reconfigure_errors(
    hass: HomeAssistant, gotify: GotifyDouble, unused_tcp_port_factory: Callable[[], int]
) -> None:
    entry = await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))
    other = GotifyDouble(gotify.version)
    await other.start(unused_tcp_port_factory())
    try:
        result = await _reconfigure(hass, entry, "not a url at all://")
        assert result["errors"] == {"url": "invalid_url"}

        # Another server, where this token means nothing.
        result = await _reconfigure(hass, entry, other.url)
        assert result["errors"] == {"base": "token_not_valid_here"}

        # Another server where the same token belongs to someone else.
        guest = other.add_user("guest")
        other.clients[gotify.client_token] = Client(99, gotify.client_token, guest.id, "copy")
        result = await _reconfigure(hass, entry, other.url)
        assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "account_mismatch")
    finally:
        await other.stop()


async def test_reconfigure_onto_another_entry_aborts(
    hass: HomeAssistant, gotify: GotifyDouble, unused_tcp_port_factory: Callable[[], int]
) -> None:
    first = await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))
    second_url = gotify.url.replace("127.0.0.1", "localhost")
    second = mock_entry(gotify, gotify.application_named("Home Assistant"))
    second.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        second, unique_id=f"{second_url}#{gotify.admin.id}", data={**second.data, "url": second_url}
    )

    result = await _reconfigure(hass, second, gotify.url)

    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "already_configured")
    assert first.state is ConfigEntryState.LOADED


# --- options ------------------------------------------------------------------------------------


async def test_options(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    await hass.config.async_update(external_url="https://ha.example.com")
    entry = await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))

    result = await hass.config_entries.options.async_init(entry.entry_id)
    schema = {str(key): key.default() for key in result["data_schema"].schema}
    assert schema == {
        "priority": 4,
        "markdown": True,
        "click_target": "app",
        "attachment_expiry": 24,
        "queue": True,
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "priority": 6.0,
            "markdown": False,
            "click_target": "browser",
            "queue": False,
            "attachment_expiry": 2.0,
        },
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        "priority": 6,
        "markdown": False,
        "click_target": "browser",
        "queue": False,
        "attachment_expiry": 2,
    }
    await hass.services.async_call("notify", "gotify_home_assistant", {"message": "m"}, blocking=True)
    assert gotify.requests_to("POST", "/message")[-1].json == {
        "message": "m",
        "priority": 6,
        "extras": {"client::notification": {"click": {"url": "https://ha.example.com/"}}},
    }


async def test_browser_target_without_a_url_falls_back_to_the_app(
    hass: HomeAssistant, gotify: GotifyDouble, caplog: pytest.LogCaptureFixture
) -> None:
    await setup_entry(
        hass, mock_entry(gotify, gotify.add_application("Home Assistant"), click_target="browser")
    )
    with patch(
        "custom_components.gotify.sender.get_url",
        side_effect=__import__("homeassistant.helpers.network", fromlist=["x"]).NoURLAvailableError,
    ):
        await hass.services.async_call("notify", "gotify_home_assistant", {"message": "m"}, blocking=True)
    extras = gotify.requests_to("POST", "/message")[-1].json["extras"]
    assert extras["client::notification"]["click"]["url"] == "homeassistant://navigate/"
    assert "Home Assistant has no URL configured" in caplog.text


# --- application subentries ---------------------------------------------------------------------


async def _add_application(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, Any]:
    return dict(
        await hass.config_entries.subentries.async_init(
            (entry.entry_id, SUBENTRY_APPLICATION), context={"source": SOURCE_USER}
        )
    )


async def test_add_existing_application(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    first = gotify.add_application("Home Assistant")
    garage = gotify.add_application("Garage")
    entry = await setup_entry(hass, mock_entry(gotify, first))

    result = await _add_application(hass, entry)
    assert (result["type"], result["step_id"]) == (FlowResultType.MENU, "user")
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"next_step_id": "select_application"}
    )
    options = result["data_schema"].schema["application"].config["options"]
    assert options == [{"value": str(garage.id), "label": "Garage"}]  # the one already added is not offered
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"application": str(garage.id)}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert {s.title for s in entry.subentries.values()} == {"Home Assistant", "Garage"}
    await hass.services.async_call("notify", "gotify_garage", {"message": "door"}, blocking=True)
    assert gotify.messages[max(gotify.messages)].appid == garage.id


async def test_add_new_application_when_all_are_taken(
    hass: HomeAssistant, gotify: GotifyDouble, frontend_icon: bytes
) -> None:
    entry = await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))

    result = await _add_application(hass, entry)
    assert result["step_id"] == "create_application"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"name": "Home Assistant", "default_priority": 4}
    )
    # Set up already, so not offered by "Use an existing application": the error says to pick a name.
    assert result["errors"] == {"name": "application_set_up"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"name": "Cameras", "description": "Snapshots", "default_priority": 8}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    cameras = gotify.application_named("Cameras")
    assert gotify.images[cameras.image.removeprefix("image/")] == frontend_icon
    assert hass.services.has_service("notify", "gotify_cameras")


async def test_add_application_server_unreachable(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    entry = await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))
    gotify.fail_next("500", path="/application")
    result = await _add_application(hass, entry)
    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "cannot_connect")


async def _reconfigure_application(
    hass: HomeAssistant, entry: MockConfigEntry, subentry_id: str
) -> dict[str, Any]:
    return dict(
        await hass.config_entries.subentries.async_init(
            (entry.entry_id, SUBENTRY_APPLICATION),
            context={"source": SOURCE_RECONFIGURE, "subentry_id": subentry_id},
        )
    )


async def test_reconfigure_application(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    application = gotify.add_application("Home Assistant", description="old", default_priority=3)
    entry = await setup_entry(hass, mock_entry(gotify, application))
    [subentry_id] = entry.subentries

    result = await _reconfigure_application(hass, entry, subentry_id)
    assert result["step_id"] == "reconfigure"
    suggested = {str(k): k.description["suggested_value"] for k in result["data_schema"].schema}
    assert suggested == {"name": "Home Assistant", "description": "old", "default_priority": 3}

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"name": "", "default_priority": 3}
    )
    assert result["errors"] == {"name": "name_required"}
    gotify.fail_next("500", path=f"/application/{application.id}")
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"name": "X", "default_priority": 3}
    )
    assert result["errors"] == {"base": "cannot_connect"}

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"name": "House", "description": "new", "default_priority": 5}
    )
    await hass.async_block_till_done()

    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "reconfigure_successful")
    assert (application.name, application.description, application.default_priority) == ("House", "new", 5)
    assert entry.subentries[subentry_id].title == "House"
    assert hass.services.has_service("notify", "gotify_house")
    assert not hass.services.has_service("notify", "gotify_home_assistant")


async def test_reconfigure_deleted_application(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    application = gotify.add_application("Home Assistant")
    entry = await setup_entry(hass, mock_entry(gotify, application))
    gotify.remove_application(application.id)
    result = await _reconfigure_application(hass, entry, next(iter(entry.subentries)))
    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "application_not_found")

    gotify.fail_next("500", path="/application")
    result = await _reconfigure_application(hass, entry, next(iter(entry.subentries)))
    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "cannot_connect")


def test_account_title_without_a_port() -> None:
    from yarl import URL

    from custom_components.gotify.client import GotifyUser
    from custom_components.gotify.config_flow import Account

    account = Account(None, None, GotifyUser(1, "admin", True), URL("https://gotify.example.com/"), "C", True)  # type: ignore[arg-type]
    assert (account.title, account.url_text, account.unique_id) == (
        "admin@gotify.example.com",
        "https://gotify.example.com",
        "https://gotify.example.com#1",
    )


@pytest.mark.parametrize(("files", "expected"), [(["favicon-192x192.png"], PNG), ([], None)])
def test_frontend_icon_lookup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: list[str], expected: bytes | None
) -> None:
    from custom_components.gotify.config_flow import _home_assistant_icon

    icons = tmp_path / "hass_frontend" / "static" / "icons"
    icons.mkdir(parents=True)
    (tmp_path / "hass_frontend" / "__init__.py").write_text("")
    for name in files:
        (icons / name).write_bytes(PNG)
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    assert _home_assistant_icon() == expected


async def test_reconfigure_same_address_changes_verify_ssl(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    entry = await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))
    unique_id = entry.unique_id
    result = await _reconfigure(hass, entry, gotify.url, verify_ssl=False)
    await hass.async_block_till_done()
    assert result["reason"] == "reconfigure_successful"
    assert (entry.unique_id, entry.data["verify_ssl"]) == (unique_id, False)


async def test_reconfigure_application_refused(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    from custom_components.gotify.client import GotifyValidationError

    entry = await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))
    result = await _reconfigure_application(hass, entry, next(iter(entry.subentries)))
    refusal = GotifyValidationError(400, "Bad Request", "name too long", method="PUT", path="application/1")
    with patch("custom_components.gotify.client.GotifyClient.update_application", side_effect=refusal):
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"], {"name": "x" * 300, "default_priority": 4}
        )
    assert result["errors"] == {"base": "application_rejected"}
    assert result["description_placeholders"]["reason"] == "name too long"
