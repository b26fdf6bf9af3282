"""The repair for an application deleted in Gotify: recreate it, or pick another."""

import json
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.gotify.const import DOMAIN

from .gotify_double import GotifyDouble
from .helpers import form_field, post_json, setup_with_deleted_application, wait_for

COMPONENT = Path(__file__).resolve().parent.parent / "custom_components" / "gotify"
STRINGS = json.loads((COMPONENT / "strings.json").read_text())


async def test_deleted_application_repair(
    hass: HomeAssistant, gotify: GotifyDouble, hass_client: ClientSessionGenerator
) -> None:
    entry, issue_id = await setup_with_deleted_application(hass, gotify, "Spare")
    subentry_id = next(iter(entry.subentries))
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert (issue.is_fixable, issue.translation_placeholders) == (
        True,
        {"application": "Home Assistant", "account": entry.title},
    )

    client = await hass_client()
    response = await client.post("/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id})
    result = await response.json()
    assert (result["type"], result["step_id"]) == ("menu", "init")
    url = f"/api/repairs/issues/fix/{result['flow_id']}"
    result = await (await client.post(url, json={"next_step_id": "create_application"})).json()
    assert result["step_id"] == "create_application"
    result = await (await client.post(url, json={"name": "Home Assistant", "default_priority": 4})).json()
    assert result["type"] == "create_entry"
    await hass.async_block_till_done()

    recreated = gotify.application_named("Home Assistant")
    assert entry.subentries[subentry_id].data["app_id"] == recreated.id
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    await hass.services.async_call("notify", "gotify_home_assistant", {"message": "back"}, blocking=True)
    assert gotify.messages[max(gotify.messages)].appid == recreated.id


async def test_repair_with_another_application(
    hass: HomeAssistant, gotify: GotifyDouble, hass_client: ClientSessionGenerator
) -> None:
    entry, issue_id = await setup_with_deleted_application(hass, gotify, "Spare")
    spare = gotify.application_named("Spare")

    client = await hass_client()
    result = await (
        await client.post("/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id})
    ).json()
    url = f"/api/repairs/issues/fix/{result['flow_id']}"
    result = await (await client.post(url, json={"next_step_id": "select_application"})).json()
    result = await (await client.post(url, json={"application": str(spare.id)})).json()
    assert result["type"] == "create_entry"
    await hass.async_block_till_done()
    assert next(iter(entry.subentries.values())).title == "Spare"
    assert hass.services.has_service("notify", "gotify_spare")


async def test_repair_while_the_server_is_down(
    hass: HomeAssistant, gotify: GotifyDouble, hass_client: ClientSessionGenerator
) -> None:
    _, issue_id = await setup_with_deleted_application(hass, gotify)
    client = await hass_client()

    gotify.fail_next("500", path="/application")
    response = await client.post("/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id})
    result = await response.json()
    assert (result["type"], result["reason"]) == ("abort", "cannot_connect")

    # With no other application to pick, the repair goes straight to recreating it.
    response = await client.post("/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id})
    result = await response.json()
    assert (result["type"], result["step_id"]) == ("form", "create_application")


async def test_repair_priority_is_checked_too(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, gotify: GotifyDouble
) -> None:
    _, issue_id = await setup_with_deleted_application(hass, gotify)
    client = await hass_client()
    result = await post_json(client, "/api/repairs/issues/fix", {"handler": DOMAIN, "issue_id": issue_id})
    url = f"/api/repairs/issues/fix/{result['flow_id']}"
    assert result["step_id"] == "create_application"
    # The deleted application's name is free again, so the form starts with it.
    assert form_field(result, "name")["default"] == "Home Assistant"
    result = await post_json(client, url, {"name": "Home Assistant", "default_priority": 11}, status=400)
    assert result["errors"] == {"default_priority": "invalid_priority"}
    assert "invalid_priority" in STRINGS["issues"]["application_deleted"]["fix_flow"]["error"]


async def test_refused_queued_message_repair_is_dismissed_by_submitting(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    assert await async_setup_component(hass, "repairs", {})
    await gotify.stop()
    await hass.services.async_call("notify", "gotify_home_assistant", {"message": "doomed"}, blocking=True)
    gotify.application_named("Home Assistant").token = "Arotated0000000"
    await gotify.start()
    await wait_for(lambda: len(home.runtime_data.outbox) == 0)
    (issue_id,) = [
        issue_id
        for domain, issue_id in ir.async_get(hass).issues
        if domain == DOMAIN and issue_id.startswith("queued_message_refused_")
    ]
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert (issue.is_fixable, issue.severity) == (True, ir.IssueSeverity.ERROR)

    client = await hass_client()
    response = await client.post("/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id})
    result: dict[str, Any] = await response.json()
    assert (result["type"], result["step_id"]) == ("form", "confirm")
    assert result["description_placeholders"]["message"] == "doomed"
    result = await (await client.post(f"/api/repairs/issues/fix/{result['flow_id']}", json={})).json()
    assert result["type"] == "create_entry"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
