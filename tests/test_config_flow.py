"""The config flow, reauth, reconfigure, the options and the application subentries.

Through Home Assistant's flow manager, and over its HTTP API exactly as the frontend drives them (which
also proves that every form serializes for the frontend on both ends of the matrix: Home Assistant 2026
serializes forms with probatio, 2025.4 with voluptuous_serialize).
"""

import base64
import importlib
import json
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntryState,
    ConfigFlowResult,
    SubentryFlowResult,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, section
from homeassistant.helpers.network import NoURLAvailableError
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from custom_components.gotify.client import GotifyError, GotifyUser, GotifyValidationError
from custom_components.gotify.compat import vol
from custom_components.gotify.config_flow import Account, WholeNumberSelector, _home_assistant_icon
from custom_components.gotify.const import DOMAIN, SUBENTRY_APPLICATION
from custom_components.gotify.diagnostics import async_get_config_entry_diagnostics

from .certificates import self_signed_context
from .gotify_double import V3, Client, Failure, GotifyDouble
from .helpers import Elsewhere, form_field, form_fields, mock_entry, notify, post_json, setup_entry

COMPONENT = Path(__file__).resolve().parent.parent / "custom_components" / "gotify"
STRINGS = json.loads((COMPONENT / "strings.json").read_text())

PNG = b"\x89PNG\r\n\x1a\n" + b"home assistant icon"


def _placeholders(result: ConfigFlowResult | SubentryFlowResult) -> Mapping[str, str]:
    placeholders = result["description_placeholders"]
    assert placeholders is not None
    return placeholders


def _schema(result: ConfigFlowResult | SubentryFlowResult) -> vol.Schema:
    schema = result["data_schema"]
    assert schema is not None
    return schema


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


async def _start(hass: HomeAssistant, gotify: GotifyDouble, **overrides: Any) -> ConfigFlowResult:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert (result["type"], result["step_id"]) == (FlowResultType.FORM, "user")
    user_input = {"url": gotify.url, "token": gotify.client_token, "verify_ssl": True} | overrides
    return await hass.config_entries.flow.async_configure(result["flow_id"], user_input)


# --- user step ------------------------------------------------------------------------------------


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
        "companion_app_events": True,
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
    schema = {str(key): key for key in _schema(result).schema}
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
    request = gotify.requests_to("POST", "/message")[-1]
    key, appid = (gotify.client_token, chosen.id) if gotify.is_v3 else (chosen.token, None)
    assert (request.headers["X-Gotify-Key"], request.json.get("appid")) == (key, appid)
    assert gotify.messages[max(gotify.messages)].appid == chosen.id


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
    assert _placeholders(result)["name"] == "home assistant"

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
    assert "database is locked" in _placeholders(result)["reason"]

    gotify.remove_client(gotify.client_token)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "HA", "default_priority": 4}
    )
    assert result["errors"] == {"base": "invalid_token"}


async def test_application_validation_error(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    result = await _start(hass, gotify)
    with patch(
        "custom_components.gotify.client.GotifyClient.create_application",
        side_effect=GotifyValidationError(
            400, "Bad Request", "name too long", method="POST", path="application"
        ),
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"name": "HA", "default_priority": 4}
        )
    assert result["errors"] == {"base": "application_rejected"}
    assert _placeholders(result)["reason"] == "name too long"


def _refuse_next(failure: Failure) -> Callable[[GotifyDouble], dict[str, Any]]:
    def prepare(gotify: GotifyDouble) -> dict[str, Any]:
        gotify.fail_next(failure)
        return {}

    return prepare


# After the correction: no application yet means creating one; one (the "x" whose token was pasted)
# means the menu.
@pytest.mark.parametrize(
    ("prepare", "field", "error", "next_step"),
    [
        (lambda g: {"url": "ftp://nowhere"}, "url", "invalid_url", "create_application"),
        (lambda g: {"token": "Cwrongtoken0000"}, "token", "invalid_token", "create_application"),
        (lambda g: {"token": g.add_application("x").token}, "token", "application_token", "application"),
        (_refuse_next("not_gotify"), "url", "not_gotify", "create_application"),
        (_refuse_next("502_html"), "url", "not_gotify", "create_application"),
    ],
)
async def test_user_step_errors(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    prepare: Callable[[GotifyDouble], dict[str, Any]],
    field: str,
    error: str,
    next_step: str,
) -> None:
    result = await _start(hass, gotify, **prepare(gotify))
    assert (result["type"], result["errors"]) == (FlowResultType.FORM, {field: error})

    # The user corrects it and goes on.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"url": gotify.url, "token": gotify.client_token, "verify_ssl": True}
    )
    assert result["step_id"] == next_step


async def test_cannot_connect(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    await gotify.stop()
    result = await _start(hass, gotify)
    assert result["errors"] == {"url": "cannot_connect"}
    assert "cannot connect" in _placeholders(result)["reason"]
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


async def test_same_account_twice_aborts(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    other_client = gotify.add_client(gotify.admin, "second").token

    result = await _start(hass, gotify, token=other_client)

    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "already_configured")


async def test_config_flow_names_where_the_server_redirects(
    hass: HomeAssistant, gotify: GotifyDouble, elsewhere: Elsewhere
) -> None:
    gotify.redirect_to = elsewhere.url
    gotify.fail_next("redirect", path="/version")
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"url": gotify.url, "token": gotify.client_token, "verify_ssl": True}
    )
    assert result["errors"] == {"url": "redirected"}
    assert _placeholders(result)["target"] == elsewhere.url
    assert elsewhere.seen == []


@pytest.mark.parametrize("bad", ["CabcDEF\nghi", "Cabc\rDEF", "Cabc\x00DEF", "C abc"])
async def test_token_with_invalid_characters(hass: HomeAssistant, gotify: GotifyDouble, bad: str) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"url": gotify.url, "token": bad, "verify_ssl": True}
    )
    assert result["errors"] == {"token": "invalid_token_characters"}
    # Around the token, a pasted line break is harmless and dropped.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"url": gotify.url, "token": f" {gotify.client_token}\r\n", "verify_ssl": True}
    )
    assert result["step_id"] == "create_application"


async def test_another_user_of_the_same_server_is_a_new_entry(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    guest = gotify.add_user("guest")
    result = await _start(hass, gotify, token=gotify.add_client(guest).token)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "HA", "default_priority": 4}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"].startswith("guest@")


# --- signing in with a username and password ----------------------------------------------------

PASSWORD = "correct horse battery staple"


@pytest.fixture
def password(gotify: GotifyDouble) -> str:
    """The admin's password on the double: one that could not turn up anywhere by chance."""
    gotify.admin.password = PASSWORD
    return PASSWORD


def _basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def _shown(result: ConfigFlowResult) -> str:
    """Everything a flow result carries, with each form field's filled-in value (sections' too)."""
    parts = [repr({key: value for key, value in result.items() if key != "data_schema"})]

    def walk(schema: vol.Schema) -> None:
        for key, value in schema.schema.items():
            parts.append(repr(getattr(key, "description", None)))
            if isinstance(value, section):
                walk(value.schema)

    if result.get("data_schema") is not None:
        walk(_schema(result))
    return "\n".join(parts)


def _sign_in_form(result: ConfigFlowResult) -> tuple[section, dict[str, Any]]:
    """The sign-in section of a form, and what its fields are filled in with."""
    value = next(value for key, value in _schema(result).schema.items() if str(key) == "sign_in")
    assert isinstance(value, section)
    filled = {str(key): (key.description or {}).get("suggested_value") for key in value.schema.schema}
    return value, filled


def _home_assistant_clients(gotify: GotifyDouble) -> list[Client]:
    return [client for client in gotify.clients.values() if client.name == "Home Assistant"]


async def _sign_in(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    username: str = "admin",
    password: str = PASSWORD,
    **overrides: Any,
) -> ConfigFlowResult:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    user_input = {
        "url": gotify.url,
        "verify_ssl": True,
        "sign_in": {"username": username, "password": password},
    } | overrides
    return await hass.config_entries.flow.async_configure(result["flow_id"], user_input)


async def test_sign_in_creates_one_client_and_keeps_only_its_token(
    hass: HomeAssistant, gotify: GotifyDouble, password: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    results = [await _sign_in(hass, gotify)]
    assert (results[0]["type"], results[0]["step_id"]) == (FlowResultType.FORM, "create_application")
    # Nothing is created before the entry is.
    assert gotify.requests_to("POST", "/client") == []

    results.append(
        await hass.config_entries.flow.async_configure(
            results[0]["flow_id"], {"name": "Home Assistant", "default_priority": 4}
        )
    )
    await hass.async_block_till_done()

    result = results[-1]
    assert result["type"] is FlowResultType.CREATE_ENTRY
    [request] = gotify.requests_to("POST", "/client")
    assert request.headers["Authorization"] == _basic("admin", password)
    assert "X-Gotify-Key" not in request.headers
    # Gotify 3.x: a client that never expires for inactivity; v2 has no such field.
    assert request.json == (
        {"name": "Home Assistant", "expiresAfterInactivitySeconds": 0}
        if gotify.is_v3
        else {"name": "Home Assistant"}
    )
    [created] = _home_assistant_clients(gotify)
    assert created.expires_after_inactivity == 0
    assert len(gotify.clients_of(gotify.admin)) == 2  # the one the double starts with, and this one
    entry = result["result"]
    assert entry.data == {
        "url": gotify.url,
        "token": created.token,
        "verify_ssl": True,
        "user_id": gotify.admin.id,
        "username": "admin",
    }
    assert entry.unique_id == f"{gotify.url}#{gotify.admin.id}"
    # From there on the new client token does everything, as with a pasted one.
    [create] = gotify.requests_to("POST", "/application")
    assert (create.headers["X-Gotify-Key"], "Authorization" in create.headers) == (created.token, False)
    assert entry.state is ConfigEntryState.LOADED
    await notify(hass, "signed in")
    assert [m.message for m in gotify.messages.values()] == ["signed in"]

    diagnostics = json.dumps(await async_get_config_entry_diagnostics(hass, entry))
    for text in (
        *map(_shown, results),
        repr(dict(entry.data)),
        repr(dict(entry.options)),
        diagnostics,
        caplog.text,
    ):
        assert password not in text
        assert _basic("admin", password).removeprefix("Basic ") not in text
    assert created.token not in diagnostics


async def test_sign_in_then_an_existing_application(
    hass: HomeAssistant, gotify: GotifyDouble, password: str
) -> None:
    alerts = gotify.add_application("Alerts")
    result = await _sign_in(hass, gotify)
    assert result["step_id"] == "application"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "select_application"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"application": str(alerts.id)}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    [created] = _home_assistant_clients(gotify)
    assert result["result"].data["token"] == created.token
    await hass.services.async_call("notify", "gotify_alerts", {"message": "hi"}, blocking=True)
    request = gotify.requests_to("POST", "/message")[-1]
    # v3 publishes with the new client token and the application's id; v2 with the listed app token.
    assert request.headers["X-Gotify-Key"] == (created.token if gotify.is_v3 else alerts.token)


async def test_wrong_password(hass: HomeAssistant, gotify: GotifyDouble, password: str) -> None:
    result = await _sign_in(hass, gotify, password="wrong")

    assert (result["type"], result["errors"]) == (FlowResultType.FORM, {"base": "invalid_auth"})
    # The section stays open with the username filled in again; the password never is.
    sign_in, filled = _sign_in_form(result)
    assert sign_in.options["collapsed"] is False
    assert filled == {"username": "admin", "password": None}
    assert "wrong" not in _shown(result)
    assert gotify.requests_to("POST", "/client") == []

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"url": gotify.url, "verify_ssl": True, "sign_in": {"username": "admin", "password": password}},
    )
    assert result["step_id"] == "create_application"


async def test_sign_in_server_unreachable(hass: HomeAssistant, gotify: GotifyDouble, password: str) -> None:
    await gotify.stop()
    result = await _sign_in(hass, gotify)
    assert result["errors"] == {"url": "cannot_connect"}
    assert "cannot connect" in _placeholders(result)["reason"]
    assert password not in _shown(result)
    await gotify.start()
    assert gotify.requests_to("POST", "/client") == []
    assert _home_assistant_clients(gotify) == []


async def test_sign_in_to_an_account_set_up_already(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, password: str
) -> None:
    clients = dict(gotify.clients)

    result = await _sign_in(hass, gotify)

    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "already_configured")
    assert gotify.requests_to("POST", "/client") == []
    assert gotify.clients == clients


@pytest.mark.parametrize(
    ("user_input", "field", "error"),
    [
        (
            {"token": "Cabc", "sign_in": {"username": "admin", "password": PASSWORD}},
            "base",
            "token_or_password",
        ),
        ({}, "base", "credentials_required"),
        ({"sign_in": {"username": "admin"}}, "base", "credentials_required"),
        ({"sign_in": {"password": PASSWORD}}, "base", "username_required"),
        (
            {
                "url": "http://proxy:secret@127.0.0.1:9",
                "sign_in": {"username": "admin", "password": PASSWORD},
            },
            "url",
            "sign_in_with_url_credentials",
        ),
    ],
)
async def test_sign_in_form_errors(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    password: str,
    user_input: dict[str, Any],
    field: str,
    error: str,
) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"url": gotify.url, "verify_ssl": True} | user_input
    )
    assert (result["type"], result["errors"]) == (FlowResultType.FORM, {field: error})
    assert PASSWORD not in _shown(result)
    assert gotify.requests_to("POST", "/client") == []


async def test_client_deleted_again_when_the_application_fails(
    hass: HomeAssistant, gotify: GotifyDouble, password: str
) -> None:
    result = await _sign_in(hass, gotify)
    gotify.fail_next("500", path="/application", method="POST")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "HA", "default_priority": 4}
    )

    assert result["errors"] == {"base": "cannot_connect"}
    assert "database is locked" in _placeholders(result)["reason"]
    assert len(gotify.requests_to("POST", "/client")) == 1
    created_id = gotify._ids["client"]  # the double's newest client: the one the flow made
    [deleted] = gotify.requests_to("DELETE", f"/client/{created_id}")
    # With the password: on v3 only an elevated session may delete a client.
    assert deleted.headers["Authorization"] == _basic("admin", password)
    assert _home_assistant_clients(gotify) == []

    # Tried again, it makes one client, and the entry.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "HA", "default_priority": 4}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    [created] = _home_assistant_clients(gotify)
    assert result["result"].data["token"] == created.token
    assert len(gotify.requests_to("POST", "/client")) == 2


async def test_a_name_gotify_would_refuse_creates_no_client(
    hass: HomeAssistant, gotify: GotifyDouble, password: str
) -> None:
    gotify.add_application("Home Assistant")
    result = await _sign_in(hass, gotify)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "create_application"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "home assistant", "default_priority": 4}
    )
    assert result["errors"] == {"name": "application_exists"}
    assert gotify.requests_to("POST", "/client") == []


async def test_client_deleted_again_when_its_token_is_refused(
    hass: HomeAssistant, gotify: GotifyDouble, password: str
) -> None:
    """A reverse proxy that drops the X-Gotify-Key header lets basic authentication through."""
    result = await _sign_in(hass, gotify)
    gotify.fail_next("401", path="/current/user")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "HA", "default_priority": 4}
    )

    assert result["errors"] == {"base": "new_token_refused"}
    assert "valid access token" in _placeholders(result)["reason"]
    assert len(gotify.requests_to("POST", "/client")) == 1
    assert _home_assistant_clients(gotify) == []
    assert gotify.requests_to("POST", "/application") == []


@pytest.mark.parametrize(
    ("failure", "error", "reason"),
    [("500", "cannot_connect", "database is locked"), ("400", "client_refused", "the message was refused")],
)
async def test_client_creation_fails(
    hass: HomeAssistant, gotify: GotifyDouble, password: str, failure: Failure, error: str, reason: str
) -> None:
    result = await _sign_in(hass, gotify)
    gotify.fail_next(failure, path="/client", method="POST")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "HA", "default_priority": 4}
    )
    assert result["errors"] == {"base": error}
    assert reason in _placeholders(result)["reason"]
    assert _home_assistant_clients(gotify) == []
    assert gotify.requests_to("POST", "/application") == []


async def test_a_lost_answer_to_the_client_creation_is_logged(
    hass: HomeAssistant, gotify: GotifyDouble, password: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Gotify may have made the client; which one it is, the flow cannot know: it says so."""
    result = await _sign_in(hass, gotify)
    gotify.fail_next("store_then_drop", path="/client", method="POST")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "HA", "default_priority": 4}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    assert "may have created the client Home Assistant although its answer was lost" in caplog.text
    assert "delete it there" in caplog.text


async def test_a_client_that_cannot_be_deleted_is_logged(
    hass: HomeAssistant, gotify: GotifyDouble, password: str, caplog: pytest.LogCaptureFixture
) -> None:
    result = await _sign_in(hass, gotify)
    gotify.fail_next("500", path="/application", method="POST")
    gotify.fail_next("500", method="DELETE")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "HA", "default_priority": 4}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    [left] = _home_assistant_clients(gotify)
    assert f"Could not delete the client Home Assistant (id {left.id})" in caplog.text
    assert "delete it in Gotify's web UI under Clients" in caplog.text


async def test_a_flow_left_before_the_end_leaves_no_client(
    hass: HomeAssistant, gotify: GotifyDouble, password: str
) -> None:
    result = await _sign_in(hass, gotify)
    assert result["step_id"] == "create_application"
    hass.config_entries.flow.async_abort(result["flow_id"])
    assert hass.config_entries.flow.async_progress() == []
    assert gotify.requests_to("POST", "/client") == []


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


async def test_reauth_with_another_account_aborts(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    result = await home.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"

    guest_token = gotify.add_client(gotify.add_user("guest")).token
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"token": guest_token})

    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "account_mismatch")
    assert home.data["token"] == gotify.client_token


async def test_reauth_server_unreachable(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    result = await home.start_reauth_flow(hass)
    gotify.fail_next("hang")
    gotify.hang_seconds = 0.1
    await gotify.stop()
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"token": gotify.client_token})
    assert result["errors"] == {"base": "cannot_connect"}


async def test_reauth_token_with_invalid_characters(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    entry = mock_entry(gotify, gotify.add_application("Home Assistant"))
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"token": "Cab\ncd"})
    assert result["errors"] == {"token": "invalid_token_characters"}


async def test_reauth_with_the_password(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    password: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    gotify.remove_client(gotify.client_token)
    result = await home.start_reauth_flow(hass)
    # The account's username is filled in; the section opens on a click.
    sign_in, filled = _sign_in_form(result)
    assert (sign_in.options["collapsed"], filled) == (True, {"username": "admin", "password": None})

    wrong = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"sign_in": {"username": "admin", "password": "wrong"}}
    )
    assert wrong["errors"] == {"base": "invalid_auth"}
    assert _sign_in_form(wrong)[0].options["collapsed"] is False
    assert gotify.requests_to("POST", "/client") == []

    done = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"sign_in": {"username": "admin", "password": password}}
    )
    await hass.async_block_till_done()

    assert (done["type"], done["reason"]) == (FlowResultType.ABORT, "reauth_successful")
    [request] = gotify.requests_to("POST", "/client")
    assert request.json == (
        {"name": "Home Assistant", "expiresAfterInactivitySeconds": 0}
        if gotify.is_v3
        else {"name": "Home Assistant"}
    )
    [created] = _home_assistant_clients(gotify)
    assert dict(home.data) == {
        "url": gotify.url,
        "token": created.token,
        "verify_ssl": True,
        "user_id": gotify.admin.id,
        "username": "admin",
    }
    assert home.state is ConfigEntryState.LOADED
    for text in (_shown(result), _shown(wrong), _shown(done), caplog.text):
        assert password not in text


async def test_reauth_with_another_users_password_aborts(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    gotify.add_user("guest", "guest's password")
    result = await home.start_reauth_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"sign_in": {"username": "guest", "password": "guest's password"}}
    )

    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "account_mismatch")
    assert _placeholders(result)["other"].startswith("guest@")
    # Refused before anything is created.
    assert gotify.requests_to("POST", "/client") == []
    assert home.data["token"] == gotify.client_token


async def test_reauth_token_and_password_at_once(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, password: str
) -> None:
    result = await home.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"token": gotify.client_token, "sign_in": {"username": "admin", "password": password}},
    )
    assert result["errors"] == {"base": "token_or_password"}
    # The username filled in goes with a token without a word: only a password is a choice.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"token": gotify.client_token, "sign_in": {"username": "admin"}}
    )
    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "reauth_successful")


# --- reconfigure --------------------------------------------------------------------------------


async def _reconfigure(
    hass: HomeAssistant, entry: MockConfigEntry, url: str, verify_ssl: bool = True
) -> ConfigFlowResult:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    assert result["step_id"] == "reconfigure"
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"url": url, "verify_ssl": verify_ssl}
    )


async def test_reconfigure_moves_to_a_new_address(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    unused_tcp_port_factory: Callable[[], int],
) -> None:
    # The same server, now also reachable behind a reverse proxy on a sub-path.
    await gotify.stop()
    gotify.base_path = "/gotify"
    await gotify.start(unused_tcp_port_factory())

    result = await _reconfigure(hass, home, gotify.url + "/")
    await hass.async_block_till_done()

    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "reconfigure_successful")
    assert home.data["url"] == gotify.url
    assert home.unique_id == f"{gotify.url}#{gotify.admin.id}"
    assert home.title == f"admin@{gotify.url.removeprefix('http://').removesuffix('/gotify')}"
    assert home.state is ConfigEntryState.LOADED


async def test_reconfigure_errors(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    unused_tcp_port_factory: Callable[[], int],
) -> None:
    other = GotifyDouble(gotify.version)
    await other.start(unused_tcp_port_factory())
    try:
        result = await _reconfigure(hass, home, "not a url at all://")
        assert result["errors"] == {"url": "invalid_url"}

        # Another server, where this token means nothing.
        result = await _reconfigure(hass, home, other.url)
        assert result["errors"] == {"base": "token_not_valid_here"}

        # Another server where the same token belongs to someone else.
        guest = other.add_user("guest")
        other.clients[gotify.client_token] = Client(99, gotify.client_token, guest.id, "copy")
        result = await _reconfigure(hass, home, other.url)
        assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "account_mismatch")
    finally:
        await other.stop()


async def test_reconfigure_onto_another_entry_aborts(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    unused_tcp_port_factory: Callable[[], int],
) -> None:
    second_url = gotify.url.replace("127.0.0.1", "localhost")
    second = mock_entry(gotify, gotify.application_named("Home Assistant"))
    second.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        second, unique_id=f"{second_url}#{gotify.admin.id}", data={**second.data, "url": second_url}
    )

    result = await _reconfigure(hass, second, gotify.url)

    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "already_configured")
    assert home.state is ConfigEntryState.LOADED


async def test_reconfigure_same_address_changes_verify_ssl(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    unique_id = home.unique_id
    result = await _reconfigure(hass, home, gotify.url, verify_ssl=False)
    await hass.async_block_till_done()
    assert result["reason"] == "reconfigure_successful"
    assert (home.unique_id, home.data["verify_ssl"]) == (unique_id, False)


# --- options ------------------------------------------------------------------------------------


async def test_options(hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry) -> None:
    await hass.config.async_update(external_url="https://ha.example.com")

    result = await hass.config_entries.options.async_init(home.entry_id)
    schema = {str(key): key.default() for key in _schema(result).schema}
    assert schema == {
        "priority": 4,
        "markdown": True,
        "click_target": "app",
        "attachment_expiry": 24,
        "queue": True,
        "companion_app_events": True,
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "priority": 6.0,
            "markdown": False,
            "click_target": "browser",
            "queue": False,
            "attachment_expiry": 2.0,
            "companion_app_events": False,
        },
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert home.options == {
        "priority": 6,
        "markdown": False,
        "click_target": "browser",
        "queue": False,
        "attachment_expiry": 2,
        "companion_app_events": False,
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
        side_effect=NoURLAvailableError,
    ):
        await hass.services.async_call("notify", "gotify_home_assistant", {"message": "m"}, blocking=True)
    extras = gotify.requests_to("POST", "/message")[-1].json["extras"]
    assert extras["client::notification"]["click"]["url"] == "homeassistant://navigate/"
    assert "Home Assistant has no URL configured" in caplog.text


# --- application subentries ---------------------------------------------------------------------


async def _add_application(hass: HomeAssistant, entry: MockConfigEntry) -> SubentryFlowResult:
    return await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_APPLICATION), context={"source": SOURCE_USER}
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
    options = _schema(result).schema["application"].config["options"]
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
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, frontend_icon: bytes
) -> None:

    result = await _add_application(hass, home)
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


async def test_add_application_server_unreachable(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    gotify.fail_next("500", path="/application")
    result = await _add_application(hass, home)
    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "cannot_connect")


async def _reconfigure_application(
    hass: HomeAssistant, entry: MockConfigEntry, subentry_id: str
) -> SubentryFlowResult:
    return await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_APPLICATION),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": subentry_id},
    )


async def test_reconfigure_application(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    application = gotify.add_application("Home Assistant", description="old", default_priority=3)
    entry = await setup_entry(hass, mock_entry(gotify, application))
    [subentry_id] = entry.subentries

    result = await _reconfigure_application(hass, entry, subentry_id)
    assert result["step_id"] == "reconfigure"
    suggested = {str(k): k.description["suggested_value"] for k in _schema(result).schema if k.description}
    assert suggested == {"name": "Home Assistant", "description": "old", "default_priority": 3}
    # The application's own settings start out following the account's options.
    assert _setting_choices(result) == {
        "priority": "account_4",
        "markdown": "account_on",
        "click_target": "account_app",
    }

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
    # Settings left out of the form keep what they were: the account's.
    assert dict(entry.subentries[subentry_id].data) == {
        "app_id": application.id,
        "app_token": application.token,
    }
    assert hass.services.has_service("notify", "gotify_house")
    assert not hass.services.has_service("notify", "gotify_home_assistant")


SETTINGS = ("priority", "markdown", "click_target")


def _setting_choices(result: SubentryFlowResult) -> dict[str, Any]:
    """What the application's settings form shows for each setting."""
    return {str(key): key.default() for key in _schema(result).schema if str(key) in SETTINGS}


async def _change_application(
    hass: HomeAssistant, entry: MockConfigEntry, subentry_id: str, **settings: str
) -> SubentryFlowResult:
    """Save the application's settings form with ``settings`` and what the form showed for the rest."""
    result = await _reconfigure_application(hass, entry, subentry_id)
    shown = {
        str(key): key.description["suggested_value"] for key in _schema(result).schema if key.description
    }
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**shown, **_setting_choices(result), **settings}
    )
    await hass.async_block_till_done()
    return result


async def test_application_settings_are_stored_and_reload_the_entry(
    hass: HomeAssistant, gotify: GotifyDouble
) -> None:
    await hass.config.async_update(external_url="https://ha.example.com")
    application = gotify.add_application("Home Assistant", default_priority=3)
    entry = await setup_entry(hass, mock_entry(gotify, application, priority=2))
    [subentry_id] = entry.subentries

    result = await _reconfigure_application(hass, entry, subentry_id)
    schema = _schema(result).schema
    selects = {name: schema[name].config for name in SETTINGS}
    assert selects["priority"]["options"] == ["account_2", *(str(n) for n in range(11))]
    assert selects["markdown"]["options"] == ["account_on", "on", "off"]
    assert selects["click_target"]["options"] == ["account_app", "app", "browser"]
    assert {name: config["translation_key"] for name, config in selects.items()} == {
        "priority": "application_priority",
        "markdown": "application_markdown",
        "click_target": "application_click_target",
    }
    labels = STRINGS["selector"]["application_priority"]["options"]
    assert (labels["account_2"], labels["8"]) == ("Account default (2)", "8 (pop-up)")
    loaded = entry.runtime_data

    result = await _change_application(
        hass, entry, subentry_id, priority="8", markdown="off", click_target="browser"
    )

    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "reconfigure_successful")
    assert dict(entry.subentries[subentry_id].data) == {
        "app_id": application.id,
        "app_token": application.token,
        "priority": 8,
        "markdown": False,
        "click_target": "browser",
    }
    assert entry.runtime_data is not loaded  # reloaded by the update listener
    assert entry.state is ConfigEntryState.LOADED
    # Gotify's own default priority is the application's, apart from these.
    assert (application.name, application.default_priority) == ("Home Assistant", 3)
    await hass.services.async_call("notify", "gotify_home_assistant", {"message": "m"}, blocking=True)
    assert gotify.requests_to("POST", "/message")[-1].json == {
        "message": "m",
        "priority": 8,
        "extras": {"client::notification": {"click": {"url": "https://ha.example.com/"}}},
    }

    # The form shows what is stored; following the account again removes the application's own.
    result = await _reconfigure_application(hass, entry, subentry_id)
    assert _setting_choices(result) == {"priority": "8", "markdown": "off", "click_target": "browser"}
    loaded = entry.runtime_data
    result = await _change_application(
        hass, entry, subentry_id, priority="account_2", markdown="account_on", click_target="account_app"
    )
    assert result["reason"] == "reconfigure_successful"
    assert dict(entry.subentries[subentry_id].data) == {
        "app_id": application.id,
        "app_token": application.token,
    }
    assert entry.runtime_data is not loaded
    await hass.services.async_call("notify", "gotify_home_assistant", {"message": "m"}, blocking=True)
    assert gotify.requests_to("POST", "/message")[-1].json["priority"] == 2


async def test_application_settings_follow_a_later_account_change(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    """Only what the application sets is its own: the rest follows the account's options as they change."""
    [subentry_id] = home.subentries
    await _change_application(hass, home, subentry_id, markdown="off")
    assert _setting_choices(await _reconfigure_application(hass, home, subentry_id)) == {
        "priority": "account_4",
        "markdown": "off",
        "click_target": "account_app",
    }

    hass.config_entries.async_update_entry(home, options={**home.options, "priority": 9, "markdown": True})
    await hass.async_block_till_done()

    assert _setting_choices(await _reconfigure_application(hass, home, subentry_id)) == {
        "priority": "account_9",
        "markdown": "off",
        "click_target": "account_app",
    }
    await hass.services.async_call("notify", "gotify_home_assistant", {"message": "m"}, blocking=True)
    assert gotify.requests_to("POST", "/message")[-1].json == {
        "message": "m",
        "priority": 9,
        "extras": {"client::notification": {"click": {"url": "homeassistant://navigate/"}}},
    }


async def test_application_settings_unchanged_do_not_reload(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    loaded = home.runtime_data
    result = await _change_application(hass, home, next(iter(home.subentries)))
    assert result["reason"] == "reconfigure_successful"
    assert home.runtime_data is loaded


async def test_reconfigure_deleted_application(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    application = gotify.add_application("Home Assistant")
    entry = await setup_entry(hass, mock_entry(gotify, application))
    gotify.remove_application(application.id)
    result = await _reconfigure_application(hass, entry, next(iter(entry.subentries)))
    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "application_not_found")

    gotify.fail_next("500", path="/application")
    result = await _reconfigure_application(hass, entry, next(iter(entry.subentries)))
    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "cannot_connect")


async def test_reconfigure_application_refused(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    result = await _reconfigure_application(hass, home, next(iter(home.subentries)))
    refusal = GotifyValidationError(400, "Bad Request", "name too long", method="PUT", path="application/1")
    with patch("custom_components.gotify.client.GotifyClient.update_application", side_effect=refusal):
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"], {"name": "x" * 300, "default_priority": 4}
        )
    assert result["errors"] == {"base": "application_rejected"}
    assert _placeholders(result)["reason"] == "name too long"


# --- the account and the icon -------------------------------------------------------------------


def test_account_title_without_a_port() -> None:
    account = Account(None, None, GotifyUser(1, "admin", True), URL("https://gotify.example.com/"), "C", True)  # type: ignore[arg-type]
    assert (account.title, account.url_text, account.unique_id) == (
        "admin@gotify.example.com",
        "https://gotify.example.com",
        "https://gotify.example.com#1",
    )


def test_ipv6_host_is_bracketed_in_the_title() -> None:
    account = Account(
        client=None,  # type: ignore[arg-type]
        version=None,  # type: ignore[arg-type]
        user=GotifyUser(1, "admin", True),
        url=URL("http://[::1]:8080/"),
        token="C",
        verify_ssl=True,
    )
    assert account.title == "admin@[::1]:8080"


@pytest.mark.parametrize(("files", "expected"), [(["favicon-192x192.png"], PNG), ([], None)])
def test_frontend_icon_lookup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: list[str], expected: bytes | None
) -> None:
    icons = tmp_path / "hass_frontend" / "static" / "icons"
    icons.mkdir(parents=True)
    (tmp_path / "hass_frontend" / "__init__.py").write_text("")
    for name in files:
        (icons / name).write_bytes(PNG)
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    assert _home_assistant_icon() == expected


# --- over HTTP, as the frontend drives the flows -----------------------------------------------


async def test_config_flow_over_http(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, gotify: GotifyDouble
) -> None:
    gotify.add_application("Existing")
    # In tests the HTTP app freezes once the client starts (Home Assistant itself keeps it open for
    # integrations set up later), so the integration's view must be registered first.
    for integration in (DOMAIN, "notify", "config"):
        assert await async_setup_component(hass, integration, {})
    client = await hass_client()

    result = await post_json(client, "/api/config/config_entries/flow", {"handler": DOMAIN})
    assert (result["step_id"], form_fields(result)) == ("user", ["url", "verify_ssl", "token", "sign_in"])
    assert "text" in result["data_schema"][0]["selector"]
    sign_in = form_field(result, "sign_in")
    assert (sign_in["type"], sign_in["expanded"]) == ("expandable", False)
    assert [field["name"] for field in sign_in["schema"]] == ["username", "password"]

    flow = f"/api/config/config_entries/flow/{result['flow_id']}"
    result = await post_json(
        client, flow, {"url": gotify.url, "token": gotify.client_token, "verify_ssl": True}
    )
    assert (result["type"], result["step_id"]) == ("menu", "application")
    result = await post_json(client, flow, {"next_step_id": "create_application"})
    assert form_fields(result) == ["name", "description", "default_priority"]
    result = await post_json(
        client, flow, {"name": "Home Assistant", "description": "", "default_priority": 4}
    )
    await hass.async_block_till_done()
    assert result["type"] == "create_entry"

    await hass.services.async_call(
        "notify", "gotify_home_assistant", {"message": "from the UI"}, blocking=True
    )
    assert gotify.messages[max(gotify.messages)].message == "from the UI"


async def test_sign_in_over_http(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, gotify: GotifyDouble, password: str
) -> None:
    for integration in (DOMAIN, "notify", "config"):
        assert await async_setup_component(hass, integration, {})
    client = await hass_client()
    result = await post_json(client, "/api/config/config_entries/flow", {"handler": DOMAIN})
    flow = f"/api/config/config_entries/flow/{result['flow_id']}"

    response = await client.post(
        flow,
        json={"url": gotify.url, "verify_ssl": True, "sign_in": {"username": "admin", "password": "wrong"}},
    )
    text = await response.text()
    assert json.loads(text)["errors"] == {"base": "invalid_auth"}
    assert "wrong" not in text  # what the frontend gets back holds no password
    sign_in = form_field(json.loads(text), "sign_in")
    assert sign_in["expanded"] is True
    assert sign_in["schema"][0]["description"] == {"suggested_value": "admin"}

    result = await post_json(
        client,
        flow,
        {"url": gotify.url, "verify_ssl": True, "sign_in": {"username": "admin", "password": password}},
    )
    assert result["step_id"] == "create_application"
    result = await post_json(
        client, flow, {"name": "Home Assistant", "description": "", "default_priority": 4}
    )
    await hass.async_block_till_done()
    assert result["type"] == "create_entry"
    assert password not in json.dumps(result)
    [created] = _home_assistant_clients(gotify)
    assert hass.config_entries.async_entries(DOMAIN)[0].data["token"] == created.token


async def test_options_and_subentry_flows_over_http(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    gotify.add_application("Garage")
    assert await async_setup_component(hass, "config", {})
    client = await hass_client()

    result = await post_json(client, "/api/config/config_entries/options/flow", {"handler": home.entry_id})
    assert form_fields(result) == [
        "priority",
        "markdown",
        "click_target",
        "queue",
        "attachment_expiry",
        "companion_app_events",
    ]
    result = await post_json(
        client,
        f"/api/config/config_entries/options/flow/{result['flow_id']}",
        {"priority": 7, "markdown": True, "click_target": "app", "attachment_expiry": 24, "queue": True},
    )
    assert result["type"] == "create_entry"
    await hass.async_block_till_done()
    assert home.options["priority"] == 7

    result = await post_json(
        client, "/api/config/config_entries/subentries/flow", {"handler": [home.entry_id, "application"]}
    )
    assert result["type"] == "menu"
    path = f"/api/config/config_entries/subentries/flow/{result['flow_id']}"
    result = await post_json(client, path, {"next_step_id": "select_application"})
    assert form_fields(result) == ["application"]
    garage = gotify.application_named("Garage")
    result = await post_json(client, path, {"application": str(garage.id)})
    await hass.async_block_till_done()
    assert result["type"] == "create_entry"
    assert hass.services.has_service("notify", "gotify_garage")

    subentry_id = next(s.subentry_id for s in home.subentries.values() if s.title == "Garage")
    result = await post_json(
        client,
        "/api/config/config_entries/subentries/flow",
        {"handler": [home.entry_id, "application"], "subentry_id": subentry_id, "source": "reconfigure"},
    )
    assert form_fields(result) == [
        "name",
        "description",
        "default_priority",
        "priority",
        "markdown",
        "click_target",
    ]
    priority = form_field(result, "priority")
    assert priority["default"] == "account_7"
    assert priority["selector"]["select"]["options"] == ["account_7", *(str(n) for n in range(11))]
    assert priority["selector"]["select"]["translation_key"] == "application_priority"
    assert form_field(result, "markdown")["selector"]["select"]["mode"] == "list"
    path = f"/api/config/config_entries/subentries/flow/{result['flow_id']}"
    garage_form = {"name": "Garage", "default_priority": 0, "markdown": "account_on", "click_target": "app"}
    result = await post_json(client, path, garage_form | {"priority": "11"}, status=400)
    assert set(result["errors"]) == {"priority"}
    result = await post_json(client, path, garage_form | {"priority": "0"})
    await hass.async_block_till_done()
    assert result["reason"] == "reconfigure_successful"
    data = dict(home.subentries[subentry_id].data)
    assert data.pop("app_token") == (None if gotify.is_v3 else garage.token)  # v3 shows no existing token
    assert data == {"app_id": garage.id, "priority": 0, "click_target": "app"}


async def _subentry_create_form(client: Any, entry_id: str) -> tuple[str, dict[str, Any]]:
    result = await post_json(
        client, "/api/config/config_entries/subentries/flow", {"handler": [entry_id, "application"]}
    )
    path = f"/api/config/config_entries/subentries/flow/{result['flow_id']}"
    if result["type"] == "menu":
        result = await post_json(client, path, {"next_step_id": "create_application"})
    assert result["step_id"] == "create_application"
    return path, result


async def test_add_application_starts_with_a_free_name(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    gotify.add_application("Backups")
    assert await async_setup_component(hass, "config", {})
    client = await hass_client()

    path, result = await _subentry_create_form(client, home.entry_id)
    # "Home Assistant" is set up already: the name starts empty instead of with a name that cannot work.
    assert "default" not in form_field(result, "name")

    # A name of an application that is set up already: the only way out is another name.
    result = await post_json(client, path, {"name": "home assistant", "default_priority": 4})
    assert result["errors"] == {"name": "application_set_up"}
    assert "Use an existing" not in STRINGS["config_subentries"]["application"]["error"]["application_set_up"]
    # One that is not set up yet can be added instead, and the error says how.
    result = await post_json(client, path, {"name": "Backups", "default_priority": 4})
    assert result["errors"] == {"name": "application_exists"}
    assert (
        "Use an existing application"
        in STRINGS["config_subentries"]["application"]["error"]["application_exists"]
    )


async def test_first_application_starts_with_home_assistant(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, gotify: GotifyDouble
) -> None:
    assert await async_setup_component(hass, "config", {})
    client = await hass_client()
    result = await post_json(client, "/api/config/config_entries/flow", {"handler": DOMAIN})
    flow = f"/api/config/config_entries/flow/{result['flow_id']}"
    result = await post_json(
        client, flow, {"url": gotify.url, "token": gotify.client_token, "verify_ssl": True}
    )
    assert result["step_id"] == "create_application"
    assert form_field(result, "name")["default"] == "Home Assistant"


@pytest.mark.parametrize("value", [11, -1, 7.5, "loud"])
async def test_default_priority_is_a_whole_number_from_0_to_10(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    value: Any,
) -> None:
    assert await async_setup_component(hass, "config", {})
    client = await hass_client()
    path, result = await _subentry_create_form(client, home.entry_id)
    assert form_field(result, "default_priority")["selector"]["number"]["step"] == 1

    result = await post_json(client, path, {"name": "Garage", "default_priority": value}, status=400)
    assert result["errors"] == {"default_priority": "invalid_priority"}
    assert STRINGS["config_subentries"]["application"]["error"]["invalid_priority"] == (
        "Enter a whole number from 0 to 10."
    )
    assert not gotify.requests_to("POST", "/application")

    result = await post_json(client, path, {"name": "Garage", "default_priority": 7.0})
    assert result["type"] == "create_entry"
    assert gotify.requests_to("POST", "/application")[-1].json == {
        "name": "Garage",
        "description": "Notifications from Home Assistant",
        "defaultPriority": 7,
    }


async def test_every_priority_field_refuses_what_gotify_cannot_take(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    """The config flow, the application's settings and the options say what is allowed, translated."""
    assert await async_setup_component(hass, "config", {})
    client = await hass_client()

    result = await post_json(client, "/api/config/config_entries/flow", {"handler": DOMAIN})
    flow = f"/api/config/config_entries/flow/{result['flow_id']}"
    other = gotify.add_client(gotify.add_user("other"))
    result = await post_json(client, flow, {"url": gotify.url, "token": other.token, "verify_ssl": True})
    result = await post_json(client, flow, {"name": "Home Assistant", "default_priority": 10.5}, status=400)
    assert result["errors"] == {"default_priority": "invalid_priority"}
    assert "invalid_priority" in STRINGS["config"]["error"]

    subentry_id = next(iter(home.subentries))
    result = await post_json(
        client,
        "/api/config/config_entries/subentries/flow",
        {"handler": [home.entry_id, "application"], "subentry_id": subentry_id, "source": "reconfigure"},
    )
    path = f"/api/config/config_entries/subentries/flow/{result['flow_id']}"
    result = await post_json(client, path, {"name": "Home Assistant", "default_priority": 11}, status=400)
    assert result["errors"] == {"default_priority": "invalid_priority"}

    result = await post_json(client, "/api/config/config_entries/options/flow", {"handler": home.entry_id})
    options = f"/api/config/config_entries/options/flow/{result['flow_id']}"
    valid = {"priority": 4, "markdown": True, "click_target": "app", "queue": True, "attachment_expiry": 24}
    for changed, error in (
        ({"priority": 12}, {"priority": "invalid_priority"}),
        ({"attachment_expiry": 0}, {"attachment_expiry": "invalid_expiry"}),
        ({"attachment_expiry": 721}, {"attachment_expiry": "invalid_expiry"}),
        ({"attachment_expiry": 1.5}, {"attachment_expiry": "invalid_expiry"}),
    ):
        result = await post_json(client, options, valid | changed, status=400)
        assert result["errors"] == error
    assert set(STRINGS["options"]["error"]) == {"invalid_priority", "invalid_expiry"}
    result = await post_json(client, options, valid | {"priority": 6.0, "attachment_expiry": 48.0})
    assert result["type"] == "create_entry"
    assert (home.options["priority"], home.options["attachment_expiry"]) == (6, 48)
    assert all(type(home.options[key]) is int for key in ("priority", "attachment_expiry"))


@pytest.mark.parametrize("value", [10**400, -(10**400), True, False, float("inf"), float("nan")])
def test_whole_number_field_refuses_what_is_no_whole_number(value: Any) -> None:
    selector = WholeNumberSelector(0, 10, "invalid_priority")
    with pytest.raises(Exception, match="invalid_priority") as caught:
        selector(value)
    assert type(caught.value).__name__ == "Invalid"
