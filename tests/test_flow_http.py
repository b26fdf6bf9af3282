"""The flows over Home Assistant's HTTP API, exactly as the frontend drives them.

This also proves that every form serializes for the frontend on both ends of the matrix (Home Assistant
2026 serializes forms with probatio, 2025.4 with voluptuous_serialize).
"""

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.gotify.const import DOMAIN

from .gotify_double import GotifyDouble
from .helpers import mock_entry, setup_entry


async def _post(client: Any, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body)
    assert response.status == 200, await response.text()
    return dict(await response.json())


def _fields(result: dict[str, Any]) -> list[str]:
    return [field["name"] for field in result["data_schema"]]


async def test_config_flow_over_http(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, gotify: GotifyDouble
) -> None:
    gotify.add_application("Existing")
    # In tests the HTTP app freezes once the client starts (Home Assistant itself keeps it open for
    # integrations set up later), so the integration's view must be registered first.
    for integration in (DOMAIN, "notify", "config"):
        assert await async_setup_component(hass, integration, {})
    client = await hass_client()

    result = await _post(client, "/api/config/config_entries/flow", {"handler": DOMAIN})
    assert (result["step_id"], _fields(result)) == ("user", ["url", "token", "verify_ssl"])
    assert "text" in result["data_schema"][0]["selector"]

    flow = f"/api/config/config_entries/flow/{result['flow_id']}"
    result = await _post(client, flow, {"url": gotify.url, "token": gotify.client_token, "verify_ssl": True})
    assert (result["type"], result["step_id"]) == ("menu", "application")
    result = await _post(client, flow, {"next_step_id": "create_application"})
    assert _fields(result) == ["name", "description", "default_priority"]
    result = await _post(client, flow, {"name": "Home Assistant", "description": "", "default_priority": 4})
    await hass.async_block_till_done()
    assert result["type"] == "create_entry"

    await hass.services.async_call(
        "notify", "gotify_home_assistant", {"message": "from the UI"}, blocking=True
    )
    assert gotify.messages[max(gotify.messages)].message == "from the UI"


async def test_options_and_subentry_flows_over_http(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, gotify: GotifyDouble
) -> None:
    entry = await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))
    gotify.add_application("Garage")
    assert await async_setup_component(hass, "config", {})
    client = await hass_client()

    result = await _post(client, "/api/config/config_entries/options/flow", {"handler": entry.entry_id})
    assert _fields(result) == ["priority", "markdown", "click_target", "queue", "attachment_expiry"]
    result = await _post(
        client,
        f"/api/config/config_entries/options/flow/{result['flow_id']}",
        {"priority": 7, "markdown": True, "click_target": "app", "attachment_expiry": 24, "queue": True},
    )
    assert result["type"] == "create_entry"
    await hass.async_block_till_done()
    assert entry.options["priority"] == 7

    result = await _post(
        client, "/api/config/config_entries/subentries/flow", {"handler": [entry.entry_id, "application"]}
    )
    assert result["type"] == "menu"
    path = f"/api/config/config_entries/subentries/flow/{result['flow_id']}"
    result = await _post(client, path, {"next_step_id": "select_application"})
    assert _fields(result) == ["application"]
    garage = gotify.application_named("Garage")
    result = await _post(client, path, {"application": str(garage.id)})
    await hass.async_block_till_done()
    assert result["type"] == "create_entry"
    assert hass.services.has_service("notify", "gotify_garage")
