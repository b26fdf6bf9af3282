"""The durable outbox: nothing is lost when Gotify is down, nothing is delivered twice, order holds; what
Gotify refuses for good is dropped and reported, a refused client token stops it until reauth."""

import asyncio
import logging
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gotify import outbox
from custom_components.gotify.const import DOMAIN

from .gotify_double import GotifyDouble
from .helpers import (
    delivered,
    mock_entry,
    notify,
    notify_entity,
    queue_state,
    refused_reports,
    setup_entry,
    user_notices,
    wait_for,
)

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def outbox_tasks(entry: MockConfigEntry) -> list[asyncio.Task[Any]]:
    """The entry's running outbox task (none once it stopped)."""
    return [task for task in asyncio.all_tasks() if task.get_name() == f"{DOMAIN} outbox {entry.title}"]


async def test_burst_of_100_across_a_server_restart(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    gotify.delay = 0.002  # requests take a moment, so that stopping catches some in flight
    burst = [f"alert {index:03d}" for index in range(100)]

    async def send_all() -> None:
        for text in burst:
            await notify(hass, text)  # every call succeeds, delivered or queued

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
            await notify(hass, text, priority=index % 10)

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

    await notify(hass, "stored, but the answer was lost")
    await wait_for(lambda: len(home.runtime_data.outbox) == 0)
    await notify(hass, "next")

    assert delivered(gotify) == ["stored, but the answer was lost", "next"]  # not sent twice


async def test_answer_lost_before_gotify_stored_the_message(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    gotify.fail_next("drop", path="/message", method="POST")
    await notify(hass, "dropped on the way")
    await wait_for(lambda: len(home.runtime_data.outbox) == 0)
    assert delivered(gotify) == ["dropped on the way"]


async def test_server_errors_queue_and_retry(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    gotify.fail_next("502_html", 3, path="/message", method="POST")
    gotify.fail_next("500", 2, path="/message", method="POST")
    await notify(hass, "eventually")
    await wait_for(lambda: len(home.runtime_data.outbox) == 0)
    assert delivered(gotify) == ["eventually"]


async def test_publish_answer_without_fields_is_queued_and_delivered_once(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    gotify.fail_next("other_json", path="/message", method="POST")
    await notify(hass, "first")
    await wait_for(lambda: len(home.runtime_data.outbox) == 0)
    await notify(hass, "second")
    assert delivered(gotify) == ["first", "second"]


async def test_login_page_does_not_drop_a_queued_message(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    await gotify.stop()
    await notify(hass, "waiting")
    gotify.fail_next("not_gotify", times=2, path="/message", method="POST")  # a proxy's login page, 200
    await gotify.start()
    await wait_for(lambda: len(home.runtime_data.outbox) == 0)
    assert delivered(gotify) == ["waiting"]


async def test_outbox_outlives_a_malformed_duplicate_check_and_any_error(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    application = gotify.application_named("Home Assistant")
    gotify.fail_next("store_then_drop", path="/message", method="POST")
    gotify.fail_next("other_json", times=2, path=f"/application/{application.id}/message")
    await notify(hass, "stored, answer lost")
    await wait_for(lambda: len(home.runtime_data.outbox) == 0)
    assert delivered(gotify) == ["stored, answer lost"]  # found after the check worked again

    account = home.runtime_data.account
    original = account.async_publish
    calls = 0

    async def broken_once(item: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("a bug")
        return await original(item)

    await gotify.stop()
    await notify(hass, "after a bug")
    with patch.object(account, "async_publish", broken_once):
        await gotify.start()
        await wait_for(lambda: len(home.runtime_data.outbox) == 0)
    assert delivered(gotify) == ["stored, answer lost", "after a bug"]


async def test_client_errors_are_never_queued(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    gotify.fail_next("413_html", path="/message", method="POST")
    with pytest.raises(HomeAssistantError) as caught:
        await notify(hass, "too big")
    assert caught.value.translation_key == "payload_too_large"
    assert len(home.runtime_data.outbox) == 0


async def test_new_messages_wait_behind_queued_ones(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    await gotify.stop()
    await notify(hass, "first")
    await gotify.start()
    await notify(hass, "second")  # the server is back, but "first" has not gone yet
    await wait_for(lambda: len(home.runtime_data.outbox) == 0)
    assert delivered(gotify) == ["first", "second"]


async def test_queue_is_bounded(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox, "OUTBOX_LIMIT", 3)
    await gotify.stop()
    for index in range(3):
        await notify(hass, f"m{index}")
    with pytest.raises(HomeAssistantError) as caught:
        await notify(hass, "one too many")
    assert caught.value.translation_key == "queue_full"
    assert str(caught.value) == (
        "Gotify is unreachable and 3 messages are already waiting; "
        "the message to Home Assistant was not queued"
    )


async def test_tags_of_queued_messages(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    await notify(hass, "washer running", tag="washer")
    await gotify.stop()
    await notify(hass, "washer done", tag="washer")
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
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    await gotify.stop()
    await notify(hass, "waiting")
    assert await hass.config_entries.async_unload(home.entry_id)
    assert home.state is ConfigEntryState.NOT_LOADED

    # Unloading stopped the outbox and kept its queue, which the next setup delivers, once.
    assert outbox_tasks(home) == []
    stored = hass_storage[f"{DOMAIN}.{home.entry_id}.outbox"]["data"]["queue"]
    assert [item["message"] for item in stored] == ["waiting"]
    await gotify.start()
    assert await hass.config_entries.async_setup(home.entry_id)
    await hass.async_block_till_done()
    await wait_for(lambda: len(home.runtime_data.outbox) == 0)
    assert [request.json["message"] for request in gotify.requests_to("POST", "/message")] == ["waiting"]
    assert delivered(gotify) == ["waiting"]


# --- refused for good -------------------------------------------------------------------------


async def test_queued_message_refused_later_is_reported(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    await gotify.stop()
    await notify(hass, "doomed")
    await notify(hass, "also doomed")
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


async def test_given_up_message_notice_hides_signed_links(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    (tmp_path / "door.png").write_bytes(PNG)
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    await gotify.stop()
    await notify(hass, "Someone is at the door", attachment=str(tmp_path / "door.png"))
    gotify.fail_next("413_html", path="/message", method="POST")  # refused for good
    await gotify.start()
    await wait_for(lambda: len(home.runtime_data.outbox) == 0)

    reports = [f"{report['reason']} {report['message']}" for report in refused_reports(hass)]
    assert len(reports) == 1
    assert "Someone is at the door" in reports[0]
    assert "(attachment link)" in reports[0]
    assert "authSig" not in reports[0]
    ours = [record for record in caplog.records if record.name.startswith("custom_components.gotify")]
    assert ours
    assert not [record for record in ours if "authSig" in record.getMessage()]


async def test_message_refused_for_good_is_dropped_and_the_next_goes_out(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    await gotify.stop()
    await notify(hass, "refused")
    await notify(hass, "next")
    gotify.fail_next("400", path="/message", method="POST")
    await gotify.start()
    await wait_for(lambda: len(home.runtime_data.outbox) == 0)

    # Tried once, in order; dropped, and the one behind it still went out.
    assert [request.json["message"] for request in gotify.requests_to("POST", "/message")] == [
        "refused",
        "next",
    ]
    assert delivered(gotify) == ["next"]
    errors = [
        record.getMessage()
        for record in caplog.records
        if record.levelno == logging.ERROR and record.name.startswith("custom_components.gotify")
    ]
    assert len(errors) == 1, errors
    assert "Home Assistant" in errors[0]
    assert "the message was refused" in errors[0]  # Gotify's reason
    assert user_notices(hass)
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []


async def test_refused_client_token_keeps_the_message_and_starts_reauth(
    hass: HomeAssistant, gotify: GotifyDouble, hass_storage: dict[str, Any]
) -> None:
    """An application without a token of its own publishes with the client token; when Gotify refuses
    that, the outbox keeps the message and stops until reauthentication reloads the entry."""
    entry = await setup_entry(
        hass, mock_entry(gotify, gotify.add_application("Home Assistant"), with_token=False)
    )
    listener = entry.runtime_data.listener
    await wait_for(lambda: listener.status.connected)
    [task] = outbox_tasks(entry)
    await gotify.stop()
    await notify(hass, "kept")
    gotify.fail_next("401", path="/message", method="POST")  # only publishing is refused
    await gotify.start()

    await wait_for(task.done)
    assert not task.cancelled()
    assert task.result() is None
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [(flow["context"]["source"], flow["context"]["entry_id"]) for flow in flows] == [
        ("reauth", entry.entry_id)
    ]
    # The stream takes the token and connects again: the reauth came from the outbox.
    await wait_for(lambda: listener.status.connected)
    assert len(hass.config_entries.flow.async_progress_by_handler(DOMAIN)) == 1
    assert len(gotify.requests_to("POST", "/message")) == 1  # and it tried no more
    assert len(entry.runtime_data.outbox) == 1
    stored = hass_storage[f"{DOMAIN}.{entry.entry_id}.outbox"]["data"]["queue"]
    assert [item["message"] for item in stored] == ["kept"]
    assert gotify.messages == {}


async def test_given_up_message_notice_hides_button_links(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    """A button's link presses it: like an attachment's, it stays out of the repair and the log."""
    await gotify.stop()
    await notify(hass, "Gate", actions=[{"action": "OPEN_GARAGE", "title": "Open the garage"}])
    gotify.fail_next("413_html", path="/message", method="POST")  # refused for good
    await gotify.start()
    await wait_for(lambda: len(home.runtime_data.outbox) == 0)

    [report] = [f"{report['reason']} {report['message']}" for report in refused_reports(hass)]
    assert "Gate" in report
    assert "[Open the garage]((button link))" in report
    assert "/api/gotify/action/" not in report
    ours = [record for record in caplog.records if record.name.startswith("custom_components.gotify")]
    assert ours
    assert not [record for record in ours if "/api/gotify/action/" in record.getMessage()]
