"""Setting up, unloading, reloading and removing an entry; a server that is down or refuses the token."""

from datetime import timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.gotify.const import DOMAIN

from .gotify_double import GotifyDouble
from .helpers import mock_entry, notify, refused_reports, setup_entry, wait_for


async def test_unload_and_reload(hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry) -> None:
    assert hass.services.has_service("notify", "gotify_home_assistant")

    await hass.config_entries.async_unload(home.entry_id)
    assert (unloaded := home.state) is ConfigEntryState.NOT_LOADED, unloaded
    assert not hass.services.has_service("notify", "gotify_home_assistant")

    await hass.config_entries.async_setup(home.entry_id)
    await hass.config_entries.async_reload(home.entry_id)
    await hass.async_block_till_done()
    assert home.state is ConfigEntryState.LOADED
    await hass.services.async_call("notify", "gotify_home_assistant", {"message": "again"}, blocking=True)
    assert gotify.requests_to("POST", "/message")[-1].json["message"] == "again"


async def test_setup_retries_when_server_is_down(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    entry = mock_entry(gotify, gotify.add_application("Home Assistant"))
    await gotify.stop()
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert "cannot connect" in (entry.reason or "")


async def test_setup_retries_on_an_answer_that_is_not_gotifys(
    hass: HomeAssistant, gotify: GotifyDouble
) -> None:
    gotify.fail_next("other_json", path="/current/user")
    entry = await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_setup_with_revoked_token_starts_reauth(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    entry = mock_entry(gotify, gotify.add_application("Home Assistant"))
    gotify.remove_client(gotify.client_token)
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert entry.reason == f"Gotify at {gotify.url} no longer accepts the client token"
    assert [f["context"]["source"] for f in hass.config_entries.flow.async_progress_by_handler(DOMAIN)] == [
        "reauth"
    ]


async def test_devices(hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry) -> None:
    devices = {
        identifier: device
        for device in dr.async_entries_for_config_entry(dr.async_get(hass), home.entry_id)
        for _, identifier in device.identifiers
    }
    server = devices.get(home.entry_id)
    application = devices.get(f"{home.entry_id}_{next(iter(home.subentries))}")
    assert server is not None
    assert application is not None
    assert (server.sw_version, server.name) == (gotify.version, home.title)
    assert application.via_device_id == server.id


async def test_removing_the_entry_forgets_its_queue_and_tags(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    """As the README promises: removing the entry forgets its queue and its tags."""
    outbox_file, tags_file = f"{DOMAIN}.{home.entry_id}.outbox", f"{DOMAIN}.{home.entry_id}.tags"
    await notify(hass, "washer running", tag="washer")
    washer = max(gotify.messages)
    await gotify.stop()
    await notify(hass, "waiting")  # queued
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=5))  # the tags' delayed save
    await hass.async_block_till_done()
    assert [item["message"] for item in hass_storage[outbox_file]["data"]["queue"]] == ["waiting"]
    assert hass_storage[tags_file]["data"] == {
        str(gotify.application_named("Home Assistant").id): {"washer": washer}
    }

    assert await hass.config_entries.async_remove(home.entry_id) == {"require_restart": False}
    await hass.async_block_till_done()

    assert outbox_file not in hass_storage
    assert tags_file not in hass_storage
    # Nothing written later brings either back.
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=5))
    await hass.async_block_till_done()
    assert outbox_file not in hass_storage
    assert tags_file not in hass_storage


async def test_removing_the_entry_forgets_its_refused_message_repairs(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    await gotify.stop()
    await hass.services.async_call("notify", "gotify_home_assistant", {"message": "doomed"}, blocking=True)
    gotify.application_named("Home Assistant").token = "Arotated0000000"
    await gotify.start()
    await wait_for(lambda: len(home.runtime_data.outbox) == 0)
    assert len(refused_reports(hass)) == 1

    await hass.config_entries.async_remove(home.entry_id)
    await hass.async_block_till_done()
    assert refused_reports(hass) == []
