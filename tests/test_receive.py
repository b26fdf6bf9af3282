"""Receiving: the stream, catch-up after gaps, no echoes of our own messages, broken frames, a stream that
flaps, a refused token."""

import json
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)

from custom_components.gotify import account, listener, outbox
from custom_components.gotify.const import DOMAIN, EVENT_MESSAGE_RECEIVED

from .gotify_double import GotifyDouble
from .helpers import (
    Backoff,
    delivered,
    drop_streams_and_reconnect,
    mock_entry,
    notify,
    notify_entity,
    setup_entry,
    wait_for,
)


async def test_own_messages_are_not_echoed(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, received: list[dict[str, Any]]
) -> None:
    for index in range(5):
        await hass.services.async_call(
            "notify", "gotify_home_assistant", {"message": f"own {index}"}, blocking=True
        )
    other = gotify.add_message(gotify.application_named("Home Assistant"), "someone else")
    # An echo of our own would have come before this one from elsewhere.
    await wait_for(lambda: any(event["id"] == other.id for event in received))
    assert [event["id"] for event in received] == [other.id]


async def test_stored_message_whose_answer_was_lost_is_not_echoed(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, received: list[dict[str, Any]]
) -> None:
    gotify.fail_next("store_then_drop", path="/message", method="POST")
    await notify(hass, "stored, answer lost")
    await wait_for(lambda: len(home.runtime_data.outbox) == 0)
    gotify.add_message(gotify.application_named("Home Assistant"), "from elsewhere")
    await wait_for(lambda: len(received) >= 1)  # the marker comes after the lost one on the stream
    assert [event["message"] for event in received] == ["from elsewhere"]
    assert delivered(gotify) == ["stored, answer lost", "from elsewhere"]


async def test_catch_up_after_the_stream_drops(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, received: list[dict[str, Any]]
) -> None:
    application = gotify.application_named("Home Assistant")
    before = gotify.add_message(application, "before")
    await wait_for(lambda: len(received) == 1)

    await gotify.stop()  # the server goes away; the listener keeps retrying
    missed = [gotify.add_message(application, f"while down {i}") for i in range(150)]  # more than a page
    await gotify.start()
    await wait_for(lambda: len(received) == 151)
    after = gotify.add_message(application, "after")
    # A repeat of a missed one would have come before the one posted after.
    await wait_for(lambda: any(event["id"] == after.id for event in received))

    assert [event["id"] for event in received] == [before.id, *(m.id for m in missed), after.id]


async def test_messages_around_a_dropped_socket_arrive_once(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, received: list[dict[str, Any]]
) -> None:
    application = gotify.application_named("Home Assistant")
    posted = []
    for round_ in range(5):
        await gotify.drop_streams()
        posted += [gotify.add_message(application, f"{round_}-{i}").id for i in range(3)]
        await wait_for(lambda: gotify.stream_count == 1)
        posted.append(gotify.add_message(application, f"{round_}-live").id)
    last = gotify.add_message(application, "last").id  # a repeat of any other would come before it
    await wait_for(lambda: any(event["id"] == last for event in received))
    assert [event["id"] for event in received] == [*posted, last]


async def test_messages_pushed_out_of_order(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, received: list[dict[str, Any]]
) -> None:
    application = gotify.application_named("Home Assistant")
    stored = gotify.add_messages_pushed_out_of_order(application, 5)
    await wait_for(lambda: len(received) == 5)
    await drop_streams_and_reconnect(gotify, home)  # and the catch-up must not repeat any of them
    last = gotify.add_message(application, "last")  # a repeat would have come before it
    await wait_for(lambda: any(event["id"] == last.id for event in received))
    assert [event["id"] for event in received] == [*(m.id for m in reversed(stored)), last.id]


async def test_broken_frames_are_skipped_and_counted(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    received: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    application = gotify.application_named("Home Assistant")
    date = "2026-01-01T00:00:00Z"
    await gotify.send_raw(f'{{"id": 1e999, "appid": {application.id}, "message": "x", "date": "{date}"}}')
    for _ in range(300):
        await gotify.send_raw("not even JSON")
    gotify.add_message(application, "after the garbage")
    await wait_for(lambda: [event["message"] for event in received] == ["after the garbage"])

    assert home.runtime_data.account.client.skipped_frames == 301
    assert home.runtime_data.listener.status.connected
    assert caplog.text.count("Ignored a stream frame") == 1  # one line, then a count at most a minute


async def test_stream_frame_that_is_not_a_message(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    await gotify.send_raw('{"not": "a message"}')
    await wait_for(lambda: "not a message" in caplog.text, timeout=5)
    assert home.runtime_data.listener.status.connected


async def test_listener_outlives_a_malformed_catch_up_and_any_error(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, received: list[dict[str, Any]]
) -> None:
    application = gotify.application_named("Home Assistant")
    listener = home.runtime_data.listener
    gotify.fail_next("other_json", times=2, path="/message", method="GET")
    await gotify.drop_streams()
    await wait_for(lambda: not listener.status.connected)
    await wait_for(lambda: listener.status.connected)

    client = home.runtime_data.account.client
    original = client.messages_after
    calls = 0

    async def broken_once(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("a bug")
        return await original(*args, **kwargs)

    with patch.object(client, "messages_after", broken_once):
        await gotify.drop_streams()
        await wait_for(lambda: calls >= 2 and listener.status.connected)
    gotify.add_message(application, "still listening")
    await wait_for(lambda: any(event["message"] == "still listening" for event in received))


async def test_a_stream_that_closes_at_once_is_not_hammered(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    reconnects: list[Backoff],
    caplog: pytest.LogCaptureFixture,
) -> None:
    gotify.close_streams_on_accept = True
    await gotify.drop_streams()
    await wait_for(lambda: len(reconnects) >= 7)
    tries = reconnects[:7]
    # Each accepted (and at once closed) connection makes the next wait twice as long: a backoff that
    # started over at every accepted connection would draw attempt 0, about 0.02 s, every time.
    assert [backoff.attempt for backoff in tries] == list(range(7))
    for backoff in tries:
        ceiling = listener.RECONNECT_MIN * 2**backoff.attempt  # 0.02 s as patched, doubling
        assert ceiling / 2 <= backoff.delay <= ceiling, backoff
    # One attempt (a handshake) after each wait, no more.
    first = tries[0].stream_requests
    assert [backoff.stream_requests - first for backoff in tries] == [0, 1, 2, 3, 4, 5, 6]
    assert caplog.text.count("is unreachable") == 1


async def test_stream_token_refused_starts_reauth(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    gotify.remove_client(gotify.client_token)
    await wait_for(lambda: bool(hass.config_entries.flow.async_progress_by_handler(DOMAIN)))
    assert [f["context"]["source"] for f in hass.config_entries.flow.async_progress_by_handler(DOMAIN)] == [
        "reauth"
    ]


def test_recent_ids_forget_the_oldest() -> None:
    recent = account.RecentIds(3)
    for message_id in (1, 2, 3, 2, 4):
        recent.add(message_id)
    assert [message_id in recent for message_id in (1, 2, 3, 4)] == [False, True, True, True]


def test_backoff_never_overflows() -> None:
    """Days of an unreachable server: thousands of attempts still give a delay within the cap."""
    for attempt in (0, 1, 10, 1024, 100_000):
        assert 0 < listener.reconnect_delay(attempt) <= listener.RECONNECT_MAX
        assert 0 < outbox.retry_delay(attempt) <= outbox.RETRY_MAX


async def test_failed_send_without_queue_does_not_hide_a_later_identical_message(
    hass: HomeAssistant, gotify: GotifyDouble
) -> None:
    """The answer was lost and Gotify did not store it: the same text from elsewhere is an event."""
    application = gotify.add_application("Home Assistant")
    entry = await setup_entry(hass, mock_entry(gotify, application, queue=False))
    await wait_for(lambda: entry.runtime_data.listener.status.connected)
    received: list[dict[str, Any]] = []

    @callback
    def listen(event: Event) -> None:
        received.append(dict(event.data))

    hass.bus.async_listen(EVENT_MESSAGE_RECEIVED, listen)
    gotify.fail_next("drop", path="/message", method="POST")
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call(
            "notify",
            "send_message",
            {"entity_id": notify_entity(hass, entry), "message": "Door open"},
            blocking=True,
        )
    # Another sender posts the very same message: it is not ours.
    lost = json.loads(gotify.requests_to("POST", "/message")[-1].body)
    gotify.add_message(
        application, lost["message"], title="Home Assistant", priority=lost["priority"], extras=lost["extras"]
    )
    await wait_for(lambda: len(received) == 1)
    assert received[0]["message"] == "Door open"
