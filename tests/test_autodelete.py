"""``data.timeout``: the message is deleted from Gotify that many seconds after delivery, also across a
restart of Home Assistant and an outage of Gotify; one that is gone already is simply dropped."""

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.gotify.const import DOMAIN

from .gotify_double import GotifyDouble
from .helpers import notify, wait_for

type Travel = Callable[[float], Awaitable[None]]


@pytest.fixture
def travel(hass: HomeAssistant) -> Travel:
    """Fire the timers due ``seconds`` from now (the clock itself does not move)."""

    async def fire(seconds: float) -> None:
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))
        await hass.async_block_till_done()

    return fire


def deletes(gotify: GotifyDouble, message_id: int) -> int:
    return len(gotify.requests_to("DELETE", f"/message/{message_id}"))


async def test_timeout_deletes_after_that_time(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, travel: Travel
) -> None:
    await notify(hass, "The door is open", timeout=60)
    await notify(hass, "Stays")
    door, stays = sorted(gotify.messages)

    await travel(59)
    assert deletes(gotify, door) == 0
    await travel(61)
    assert deletes(gotify, door) == 1
    assert sorted(gotify.messages) == [stays]
    assert len(home.runtime_data.autodelete) == 0


async def test_timeout_survives_a_restart(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    hass_storage: dict[str, Any],
    travel: Travel,
) -> None:
    await notify(hass, "The door is open", timeout=60)
    door = max(gotify.messages)
    assert await hass.config_entries.async_unload(home.entry_id)
    stored = hass_storage[f"{DOMAIN}.{home.entry_id}.autodelete"]["data"]["due"]
    assert list(stored) == [str(door)]

    assert await hass.config_entries.async_setup(home.entry_id)
    await hass.async_block_till_done()
    await travel(61)
    assert deletes(gotify, door) == 1
    assert gotify.messages == {}


async def test_timeout_due_while_home_assistant_was_off(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    hass_storage: dict[str, Any],
    travel: Travel,
) -> None:
    await notify(hass, "The door is open", timeout=1)
    door = max(gotify.messages)
    assert await hass.config_entries.async_unload(home.entry_id)
    key = f"{DOMAIN}.{home.entry_id}.autodelete"
    hass_storage[key]["data"]["due"][str(door)] -= 3600  # it fell due an hour ago, while off

    assert await hass.config_entries.async_setup(home.entry_id)
    await wait_for(lambda: door not in gotify.messages)
    assert deletes(gotify, door) == 1


async def test_timeout_waits_out_an_outage(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, travel: Travel
) -> None:
    await notify(hass, "The door is open", timeout=60)
    door = max(gotify.messages)
    await gotify.stop()
    await travel(61)
    assert len(home.runtime_data.autodelete) == 1  # Gotify did not answer: still to do

    await gotify.start()  # the stream reconnects, and what is due is done at once
    await wait_for(lambda: len(home.runtime_data.autodelete) == 0)
    assert door not in gotify.messages
    assert deletes(gotify, door) == 1


async def test_timeout_of_a_message_gone_already(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    travel: Travel,
) -> None:
    await notify(hass, "The door is open", timeout=60, tag="door")
    door = max(gotify.messages)
    await notify(hass, "The door is open again", tag="door")  # replaces (deletes) it
    assert door not in gotify.messages

    await travel(61)
    assert deletes(gotify, door) == 2  # the tag's, then the timeout's, which Gotify answers with 404
    assert len(home.runtime_data.autodelete) == 0
    assert "WARNING" not in caplog.text
    assert "ERROR" not in caplog.text


async def test_timeout_of_a_queued_message_starts_at_delivery(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, travel: Travel
) -> None:
    await gotify.stop()
    await notify(hass, "The door is open", timeout=60)  # queued
    assert len(home.runtime_data.autodelete) == 0
    await gotify.start()
    await wait_for(lambda: len(home.runtime_data.outbox) == 0)
    door = max(gotify.messages)
    assert len(home.runtime_data.autodelete) == 1

    await travel(61)
    assert door not in gotify.messages


async def test_gotify_send_takes_a_timeout(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, travel: Travel
) -> None:
    await hass.services.async_call(
        DOMAIN,
        "send",
        {"entity_id": "notify.home_assistant", "message": "Door", "timeout": 30},
        blocking=True,
    )
    door = max(gotify.messages)
    await travel(31)
    assert door not in gotify.messages


async def test_a_bad_timeout_is_refused(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as caught:
        await notify(hass, "Door", timeout="soon")
    assert str(caught.value) == 'Invalid timeout "soon"; use a number of seconds from 1 to 2592000'
    assert gotify.requests_to("POST", "/message") == []


async def test_removing_the_entry_forgets_its_timeouts(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    hass_storage: dict[str, Any],
    travel: Travel,
) -> None:
    await notify(hass, "The door is open", timeout=60)
    key = f"{DOMAIN}.{home.entry_id}.autodelete"
    assert await hass.config_entries.async_remove(home.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage
    await travel(61)
    assert key not in hass_storage


async def test_unloaded_during_a_deletion(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    travel: Travel,
    hass_storage: dict[str, Any],
) -> None:
    """Unloading while Gotify has not answered a deletion leaves nothing running; the next setup does it."""
    await notify(hass, "The door is open", timeout=60)
    door = max(gotify.messages)
    gotify.fail_next("hang", path=f"/message/{door}", method="DELETE")
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=61))
    await wait_for(lambda: deletes(gotify, door) == 1)  # asked, and hanging

    old = home.runtime_data.autodelete
    assert await hass.config_entries.async_unload(home.entry_id)
    await hass.async_block_till_done()
    assert old._timer is None  # the old setup neither retries nor waits any more
    assert len(gotify.requests_to("DELETE", f"/message/{door}")) == 1
    assert list(hass_storage[f"{DOMAIN}.{home.entry_id}.autodelete"]["data"]["due"]) == [str(door)]
    assert door in gotify.messages

    assert await hass.config_entries.async_setup(home.entry_id)
    await wait_for(lambda: home.runtime_data.listener.status.connected)
    await travel(61)  # the clock stood still in this test: the timeout falls due again
    await wait_for(lambda: door not in gotify.messages)
    assert len(home.runtime_data.autodelete) == 0
