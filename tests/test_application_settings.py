"""An application's own priority, markdown and tap target: every way of sending gets them, a call's own
``data`` still wins, and an application without them follows the account's options."""

from typing import Any

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gotify.const import DOMAIN
from custom_components.gotify.diagnostics import async_get_config_entry_diagnostics

from .gotify_double import GotifyDouble
from .helpers import EXTERNAL_URL, last_sent, mock_entry

MARKDOWN = {"client::display": {"contentType": "text/markdown"}}


def click(url: str) -> dict[str, Any]:
    return {"client::notification": {"click": {"url": url}}}


async def _set_up(
    hass: HomeAssistant, gotify: GotifyDouble, settings: dict[str, dict[str, Any]], **options: Any
) -> MockConfigEntry:
    """An entry with an application per name in ``settings``, each subentry with those settings stored."""
    await hass.config.async_update(external_url=EXTERNAL_URL)
    applications = [gotify.add_application(name) for name in settings]
    entry = mock_entry(gotify, *applications, **options)
    entry.add_to_hass(hass)
    for subentry in list(entry.subentries.values()):
        hass.config_entries.async_update_subentry(
            entry, subentry, data={**subentry.data, **settings[subentry.title]}
        )
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def _legacy(hass: HomeAssistant, service: str, message: str, **call: Any) -> None:
    await hass.services.async_call("notify", service, {"message": message, **call}, blocking=True)


async def _entity(hass: HomeAssistant, entity_id: str, message: str) -> None:
    await hass.services.async_call(
        "notify", "send_message", {"entity_id": entity_id, "message": message}, blocking=True
    )


async def _gotify_send(hass: HomeAssistant, entity_id: str, message: str, **fields: Any) -> None:
    await hass.services.async_call(
        DOMAIN, "send", {"entity_id": entity_id, "message": message, **fields}, blocking=True
    )


async def test_every_way_of_sending_gets_the_application_settings(
    hass: HomeAssistant, gotify: GotifyDouble
) -> None:
    # The account's options are the defaults: priority 4, markdown, the companion app.
    await _set_up(
        hass, gotify, {"Home Assistant": {"priority": 8, "markdown": False, "click_target": "browser"}}
    )

    await _legacy(hass, "gotify_home_assistant", "legacy")
    assert last_sent(gotify) == {"message": "legacy", "priority": 8, "extras": click(f"{EXTERNAL_URL}/")}
    await _entity(hass, "notify.home_assistant", "entity")
    assert last_sent(gotify) == {"message": "entity", "priority": 8, "extras": click(f"{EXTERNAL_URL}/")}
    await _gotify_send(hass, "notify.home_assistant", "send", link="lovelace/cameras")
    assert last_sent(gotify) == {
        "message": "send",
        "priority": 8,
        "extras": click(f"{EXTERNAL_URL}/lovelace/cameras"),
    }


async def test_a_call_s_own_data_still_wins(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    await _set_up(
        hass, gotify, {"Home Assistant": {"priority": 8, "markdown": False, "click_target": "browser"}}
    )

    await _legacy(
        hass,
        "gotify_home_assistant",
        "legacy",
        data={"priority": 2, "markdown": True, "link": "homeassistant://navigate/lovelace/garage"},
    )
    assert last_sent(gotify) == {
        "message": "legacy",
        "priority": 2,
        "extras": click("homeassistant://navigate/lovelace/garage") | MARKDOWN,
    }
    await _gotify_send(hass, "notify.home_assistant", "send", priority="low", markdown=True)
    assert last_sent(gotify) == {
        "message": "send",
        "priority": 2,
        "extras": click(f"{EXTERNAL_URL}/") | MARKDOWN,
    }


async def test_without_settings_an_application_follows_the_account(
    hass: HomeAssistant, gotify: GotifyDouble
) -> None:
    await _set_up(
        hass,
        gotify,
        {"Home Assistant": {}, "Garage": {"priority": 9}},
        priority=3,
        markdown=False,
        click_target="browser",
    )

    await _legacy(hass, "gotify_home_assistant", "house")
    assert last_sent(gotify) == {"message": "house", "priority": 3, "extras": click(f"{EXTERNAL_URL}/")}
    # Only the priority is the garage's own: markdown and the tap target are still the account's.
    await _entity(hass, "notify.garage", "garage")
    assert last_sent(gotify) == {"message": "garage", "priority": 9, "extras": click(f"{EXTERNAL_URL}/")}


async def test_tap_target_of_the_application(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    await _set_up(
        hass,
        gotify,
        {"Home Assistant": {"click_target": "app"}, "Garage": {"click_target": "browser"}, "Cameras": {}},
        click_target="browser",
    )
    link = {"link": "lovelace/cameras"}

    await _legacy(hass, "gotify_home_assistant", "house", data=link)
    assert last_sent(gotify)["extras"] == click("homeassistant://navigate/lovelace/cameras") | MARKDOWN
    await _legacy(hass, "gotify_garage", "garage", data=link)
    assert last_sent(gotify)["extras"] == click(f"{EXTERNAL_URL}/lovelace/cameras") | MARKDOWN
    await _legacy(hass, "gotify_cameras", "cameras", data=link)  # the account's: the browser
    assert last_sent(gotify)["extras"] == click(f"{EXTERNAL_URL}/lovelace/cameras") | MARKDOWN


async def test_a_call_to_other_applications_gets_the_settings_of_the_one_it_went_through(
    hass: HomeAssistant, gotify: GotifyDouble
) -> None:
    await _set_up(hass, gotify, {"Home Assistant": {}, "Garage": {"priority": 9}})
    house = gotify.application_named("Home Assistant")

    await _legacy(hass, "gotify_garage", "to the house", target="Home Assistant")

    [request] = gotify.requests_to("POST", "/message")
    assert request.json["priority"] == 9
    assert gotify.messages[max(gotify.messages)].appid == house.id


async def test_diagnostics_show_the_application_settings(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    entry = await _set_up(
        hass, gotify, {"Home Assistant": {}, "Garage": {"priority": 9, "markdown": False}}, priority=3
    )

    diagnostics = await async_get_config_entry_diagnostics(hass, entry)

    applications = {item["title"]: item for item in diagnostics["applications_configured"]}
    assert applications["Home Assistant"]["overrides"] == {}
    assert applications["Home Assistant"]["settings"] == {
        "priority": 3,
        "markdown": True,
        "click_target": "app",
    }
    assert applications["Garage"]["overrides"] == {"priority": 9, "markdown": False}
    assert applications["Garage"]["settings"] == {"priority": 9, "markdown": False, "click_target": "app"}
    assert applications["Garage"]["data"]["priority"] == 9
    assert applications["Garage"]["data"]["app_token"] == "**REDACTED**"
