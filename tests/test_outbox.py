"""The durable outbox: nothing is lost when Gotify is down, nothing is delivered twice, order holds."""

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gotify import listener, outbox
from custom_components.gotify.const import DOMAIN

from .gotify_double import GotifyDouble
from .helpers import mock_entry, notify_entity, refused_reports, setup_entry


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outbox, "RETRY_MIN", 0.02)
    monkeypatch.setattr(outbox, "RETRY_MAX", 0.2)
    monkeypatch.setattr(listener, "RECONNECT_MIN", 0.02)


async def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


@pytest.fixture
async def home(hass: HomeAssistant, gotify: GotifyDouble) -> MockConfigEntry:
    entry = await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))
    await wait_for(lambda: entry.runtime_data.listener.status.connected)
    return entry


async def _notify(hass: HomeAssistant, message: str, **data: Any) -> None:
    await hass.services.async_call(
        "notify", "gotify_home_assistant", {"message": message, "data": data}, blocking=True
    )


def delivered(gotify: GotifyDouble) -> list[str]:
    return [gotify.messages[key].message for key in sorted(gotify.messages)]


def queue_state(hass: HomeAssistant) -> str:
    state = next(s for s in hass.states.async_all("sensor") if s.entity_id.endswith("_queued_messages"))
    return state.state


async def test_burst_of_100_across_a_server_restart(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    gotify.delay = 0.002  # requests take a moment, so that stopping catches some in flight
    burst = [f"alert {index:03d}" for index in range(100)]

    async def send_all() -> None:
        for text in burst:
            await _notify(hass, text)  # every call succeeds, delivered or queued

    sending = asyncio.create_task(send_all())
    await wait_for(lambda: len(gotify.messages) >= 30)
    await gotify.stop()  # mid-burst
    await sending
    assert len(home.runtime_data.outbox) > 0
    assert queue_state(hass) == str(len(home.runtime_data.outbox))
    assert "queueing them until it answers" in caplog.text

    await gotify.start()
    await wait_for(lambda: len(home.runtime_data.outbox) == 0)

    assert delivered(gotify) == burst  # all 100, exactly once, in order
    assert queue_state(hass) == "0"


async def test_burst_of_100_across_a_home_assistant_restart(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    gotify.delay = 0.002
    burst = [f"alert {index:03d}" for index in range(100)]

    async def send_all() -> None:
        for index, text in enumerate(burst):
            await _notify(hass, text, priority=index % 10)

    sending = asyncio.create_task(send_all())
    await wait_for(lambda: len(gotify.messages) >= 30)
    await gotify.stop()  # mid-burst
    await sending
    waiting = len(home.runtime_data.outbox)
    assert waiting > 0
    stored = hass_storage[f"{DOMAIN}.{home.entry_id}.outbox"]["data"]["queue"]
    assert [item["message"] for item in stored] == burst[100 - waiting :]

    # Home Assistant stops while Gotify is still down, and starts again once it is back.
    assert await hass.config_entries.async_unload(home.entry_id)
    await gotify.start()
    assert await hass.config_entries.async_setup(home.entry_id)
    await hass.async_block_till_done()
    await wait_for(lambda: len(home.runtime_data.outbox) == 0)

    assert delivered(gotify) == burst  # all 100, exactly once, in order
    assert [gotify.messages[key].priority for key in sorted(gotify.messages)] == [i % 10 for i in range(100)]
    assert hass_storage[f"{DOMAIN}.{home.entry_id}.outbox"]["data"]["queue"] == []


async def test_answer_lost_after_gotify_stored_the_message(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    gotify.fail_next("store_then_drop", path="/message", method="POST")

    await _notify(hass, "stored, but the answer was lost")
    await wait_for(lambda: len(home.runtime_data.outbox) == 0)
    await _notify(hass, "next")

    assert delivered(gotify) == ["stored, but the answer was lost", "next"]  # not sent twice


async def test_answer_lost_before_gotify_stored_the_message(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    gotify.fail_next("drop", path="/message", method="POST")
    await _notify(hass, "dropped on the way")
    await wait_for(lambda: len(home.runtime_data.outbox) == 0)
    assert delivered(gotify) == ["dropped on the way"]


async def test_server_errors_queue_and_retry(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    gotify.fail_next("502_html", 3, path="/message", method="POST")
    gotify.fail_next("500", 2, path="/message", method="POST")
    await _notify(hass, "eventually")
    await wait_for(lambda: len(home.runtime_data.outbox) == 0)
    assert delivered(gotify) == ["eventually"]


async def test_client_errors_are_never_queued(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    gotify.fail_next("413_html", path="/message", method="POST")
    with pytest.raises(HomeAssistantError) as caught:
        await _notify(hass, "too big")
    assert caught.value.translation_key == "payload_too_large"
    assert len(home.runtime_data.outbox) == 0


async def test_new_messages_wait_behind_queued_ones(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    await gotify.stop()
    await _notify(hass, "first")
    await gotify.start()
    await _notify(hass, "second")  # the server is back, but "first" has not gone yet
    await wait_for(lambda: len(home.runtime_data.outbox) == 0)
    assert delivered(gotify) == ["first", "second"]


async def test_queue_is_bounded(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox, "OUTBOX_LIMIT", 3)
    await gotify.stop()
    for index in range(3):
        await _notify(hass, f"m{index}")
    with pytest.raises(HomeAssistantError) as caught:
        await _notify(hass, "one too many")
    assert caught.value.translation_key == "queue_full"
    assert str(caught.value) == (
        "Gotify is unreachable and 3 messages are already waiting; "
        "the message to Home Assistant was not queued"
    )


async def test_queued_message_refused_later_is_reported(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    await gotify.stop()
    await _notify(hass, "doomed")
    await _notify(hass, "also doomed")
    gotify.application_named("Home Assistant").token = "Arotated0000000"  # changed while it was down
    await gotify.start()
    await wait_for(lambda: len(home.runtime_data.outbox) == 0)

    # Refused for good: each one reported as a repair, none dropped silently, no reauth for the account.
    reports = refused_reports(hass)
    assert [report["translation_key"] for report in reports] == ["queued_message_refused"] * 2
    assert [report["message"] for report in reports] == ["doomed", "also doomed"]
    assert reports[0]["application"] == "Home Assistant"
    assert "Gotify refused a queued message for Home Assistant" in caplog.text
    assert gotify.messages == {}
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []


async def test_tags_of_queued_messages(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    await _notify(hass, "washer running", tag="washer")
    await gotify.stop()
    await _notify(hass, "washer done", tag="washer")
    await gotify.start()
    await wait_for(lambda: len(home.runtime_data.outbox) == 0)
    assert delivered(gotify) == ["washer done"]


async def test_send_action_response_for_a_queued_message(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    await gotify.stop()
    entity_id = notify_entity(hass, home)
    response = await hass.services.async_call(
        DOMAIN, "send", {"entity_id": entity_id, "message": "later"}, blocking=True, return_response=True
    )
    assert response == {
        entity_id: {
            "messages": [
                {
                    "id": None,
                    "appid": gotify.application_named("Home Assistant").id,
                    "application": "Home Assistant",
                    "queued": True,
                }
            ]
        }
    }


async def test_unload_while_queueing(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    await gotify.stop()
    await _notify(hass, "waiting")
    assert await hass.config_entries.async_unload(home.entry_id)
    assert home.state is ConfigEntryState.NOT_LOADED
