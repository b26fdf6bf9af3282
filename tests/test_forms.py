"""What the forms give the frontend: a free name to start with, whole numbers with translated errors, and
an attachment field that picks a file whatever the action's target.

Driven over Home Assistant's HTTP API, as the frontend drives them.
"""

import json
from pathlib import Path
from typing import Any

import pytest
from homeassistant.const import MAJOR_VERSION
from homeassistant.core import HomeAssistant
from homeassistant.helpers.service import async_get_all_descriptions
from homeassistant.setup import async_setup_component
from homeassistant.util.yaml import load_yaml_dict
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.gotify.compat import MEDIA_SELECTOR_ACCEPTS_FILES
from custom_components.gotify.const import DOMAIN

from .gotify_double import GotifyDouble
from .helpers import mock_entry, setup_entry, setup_with_deleted_application

COMPONENT = Path(__file__).resolve().parent.parent / "custom_components" / "gotify"
STRINGS = json.loads((COMPONENT / "strings.json").read_text())


async def _post(client: Any, path: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    response = await client.post(path, json=body)
    assert response.status == status, await response.text()
    return dict(await response.json())


def _field(result: dict[str, Any], name: str) -> dict[str, Any]:
    return next(field for field in result["data_schema"] if field["name"] == name)


async def _subentry_create_form(client: Any, entry_id: str) -> tuple[str, dict[str, Any]]:
    result = await _post(
        client, "/api/config/config_entries/subentries/flow", {"handler": [entry_id, "application"]}
    )
    path = f"/api/config/config_entries/subentries/flow/{result['flow_id']}"
    if result["type"] == "menu":
        result = await _post(client, path, {"next_step_id": "create_application"})
    assert result["step_id"] == "create_application"
    return path, result


async def test_add_application_starts_with_a_free_name(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, gotify: GotifyDouble
) -> None:
    entry = await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))
    gotify.add_application("Backups")
    assert await async_setup_component(hass, "config", {})
    client = await hass_client()

    path, result = await _subentry_create_form(client, entry.entry_id)
    # "Home Assistant" is set up already: the name starts empty instead of with a name that cannot work.
    assert "default" not in _field(result, "name")

    # A name of an application that is set up already: the only way out is another name.
    result = await _post(client, path, {"name": "home assistant", "default_priority": 4})
    assert result["errors"] == {"name": "application_set_up"}
    assert "Use an existing" not in STRINGS["config_subentries"]["application"]["error"]["application_set_up"]
    # One that is not set up yet can be added instead, and the error says how.
    result = await _post(client, path, {"name": "Backups", "default_priority": 4})
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
    result = await _post(client, "/api/config/config_entries/flow", {"handler": DOMAIN})
    flow = f"/api/config/config_entries/flow/{result['flow_id']}"
    result = await _post(client, flow, {"url": gotify.url, "token": gotify.client_token, "verify_ssl": True})
    assert result["step_id"] == "create_application"
    assert _field(result, "name")["default"] == "Home Assistant"


@pytest.mark.parametrize("value", [11, -1, 7.5, "loud"])
async def test_default_priority_is_a_whole_number_from_0_to_10(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, gotify: GotifyDouble, value: Any
) -> None:
    entry = await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))
    assert await async_setup_component(hass, "config", {})
    client = await hass_client()
    path, result = await _subentry_create_form(client, entry.entry_id)
    assert _field(result, "default_priority")["selector"]["number"]["step"] == 1

    result = await _post(client, path, {"name": "Garage", "default_priority": value}, status=400)
    assert result["errors"] == {"default_priority": "invalid_priority"}
    assert STRINGS["config_subentries"]["application"]["error"]["invalid_priority"] == (
        "Enter a whole number from 0 to 10."
    )
    assert not gotify.requests_to("POST", "/application")

    result = await _post(client, path, {"name": "Garage", "default_priority": 7.0})
    assert result["type"] == "create_entry"
    assert gotify.requests_to("POST", "/application")[-1].json == {
        "name": "Garage",
        "description": "Notifications from Home Assistant",
        "defaultPriority": 7,
    }


async def test_every_priority_field_refuses_what_gotify_cannot_take(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, gotify: GotifyDouble
) -> None:
    """The config flow, the application's settings and the options say what is allowed, translated."""
    entry = await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))
    assert await async_setup_component(hass, "config", {})
    client = await hass_client()

    result = await _post(client, "/api/config/config_entries/flow", {"handler": DOMAIN})
    flow = f"/api/config/config_entries/flow/{result['flow_id']}"
    other = gotify.add_client(gotify.add_user("other"))
    result = await _post(client, flow, {"url": gotify.url, "token": other.token, "verify_ssl": True})
    result = await _post(client, flow, {"name": "Home Assistant", "default_priority": 10.5}, status=400)
    assert result["errors"] == {"default_priority": "invalid_priority"}
    assert "invalid_priority" in STRINGS["config"]["error"]

    subentry_id = next(iter(entry.subentries))
    result = await _post(
        client,
        "/api/config/config_entries/subentries/flow",
        {"handler": [entry.entry_id, "application"], "subentry_id": subentry_id, "source": "reconfigure"},
    )
    path = f"/api/config/config_entries/subentries/flow/{result['flow_id']}"
    result = await _post(client, path, {"name": "Home Assistant", "default_priority": 11}, status=400)
    assert result["errors"] == {"default_priority": "invalid_priority"}

    result = await _post(client, "/api/config/config_entries/options/flow", {"handler": entry.entry_id})
    options = f"/api/config/config_entries/options/flow/{result['flow_id']}"
    valid = {"priority": 4, "markdown": True, "click_target": "app", "queue": True, "attachment_expiry": 24}
    for changed, error in (
        ({"priority": 12}, {"priority": "invalid_priority"}),
        ({"attachment_expiry": 0}, {"attachment_expiry": "invalid_expiry"}),
        ({"attachment_expiry": 721}, {"attachment_expiry": "invalid_expiry"}),
        ({"attachment_expiry": 1.5}, {"attachment_expiry": "invalid_expiry"}),
    ):
        result = await _post(client, options, valid | changed, status=400)
        assert result["errors"] == error
    assert set(STRINGS["options"]["error"]) == {"invalid_priority", "invalid_expiry"}
    result = await _post(client, options, valid | {"priority": 6.0, "attachment_expiry": 48.0})
    assert result["type"] == "create_entry"
    assert (entry.options["priority"], entry.options["attachment_expiry"]) == (6, 48)
    assert all(type(entry.options[key]) is int for key in ("priority", "attachment_expiry"))


async def test_repair_priority_is_checked_too(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, gotify: GotifyDouble
) -> None:
    _, issue_id = await setup_with_deleted_application(hass, gotify)
    client = await hass_client()
    result = await _post(client, "/api/repairs/issues/fix", {"handler": DOMAIN, "issue_id": issue_id})
    url = f"/api/repairs/issues/fix/{result['flow_id']}"
    assert result["step_id"] == "create_application"
    # The deleted application's name is free again, so the form starts with it.
    assert _field(result, "name")["default"] == "Home Assistant"
    result = await _post(client, url, {"name": "Home Assistant", "default_priority": 11}, status=400)
    assert result["errors"] == {"default_priority": "invalid_priority"}
    assert "invalid_priority" in STRINGS["issues"]["application_deleted"]["fix_flow"]["error"]


async def test_attachment_field_picks_media_whatever_the_target(
    hass: HomeAssistant, gotify: GotifyDouble
) -> None:
    """The media selector that follows the target turns into a media player's form once one is picked."""
    await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))
    descriptions = (await async_get_all_descriptions(hass))[DOMAIN]
    declared = load_yaml_dict(str(COMPONENT / "services.yaml"))

    assert declared["send"]["fields"]["attachment"]["selector"] == {"media": {"accept": ["*"]}}
    attachment = descriptions["send"]["fields"]["attachment"]["selector"]
    # Home Assistant 2025.4's media selector has no form independent of the target: a text field there.
    # Not by the shim's own flag: by the release, so that a wrong detection fails here.
    assert MEDIA_SELECTOR_ACCEPTS_FILES is (MAJOR_VERSION >= 2026)
    if MAJOR_VERSION >= 2026:
        assert attachment["media"]["accept"] == ["*"]
    else:
        assert attachment == {"text": {}}
    assert set(descriptions) >= {"send", "delete_message", "clear_messages"}
    for name, service in declared.items():
        assert set(descriptions[name].get("fields", {})) == set(service.get("fields", {}))
        assert "target" in descriptions[name]
    assert descriptions["send"]["response"] == {"optional": True}
