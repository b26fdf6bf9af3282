"""200 sends while the server and its proxy fail in every way, toggled at random during the burst.

With queueing on, every message arrives exactly once and in order, and at the end the outbox and the
stream listener are both alive. ``FUZZ_SEED`` changes the storm; scripts/fuzz runs several.
"""

import asyncio
import os
import random

import pytest
from homeassistant.core import Event, HomeAssistant, callback
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gotify import listener
from custom_components.gotify.const import EVENT_MESSAGE_RECEIVED

from .gotify_double import Failure, GotifyDouble
from .helpers import wait_for

SEED = int(os.environ.get("FUZZ_SEED", "20261201"))
SENDS = int(os.environ.get("STORM_SENDS", "200"))
FAILURES: list[Failure] = ["500", "502_html", "not_gotify", "other_json", "hang", "drop", "store_then_drop"]


@pytest.fixture(autouse=True)
def reconnect_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stream backs off to at most half a second (retries are fast already: tests/conftest.py)."""
    monkeypatch.setattr(listener, "RECONNECT_MAX", 0.5)


async def test_fault_storm(hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry) -> None:
    # A hung request fails after half a second here rather than after the real ten.
    home.runtime_data.account.client._timeout = 0.5
    gotify.hang_seconds = 2.0
    storm = random.Random(SEED * 10 + int(gotify.version[0]))
    application = gotify.application_named("Home Assistant")
    events: list[str] = []

    @callback
    def on_message(event: Event) -> None:
        events.append(event.data["message"])

    hass.bus.async_listen(EVENT_MESSAGE_RECEIVED, on_message)
    sent = [f"storm message {index}" for index in range(SENDS)]
    restart: asyncio.Task[None] | None = None

    async def come_back(after: float) -> None:
        await asyncio.sleep(after)
        await gotify.start()

    for message in sent:
        roll = storm.random()
        if roll < 0.3:
            failure = storm.choice(FAILURES)
            gotify.fail_next(failure, path="/message", method="POST")
        elif roll < 0.4:  # the duplicate check and the stream's catch-up fail too
            path = storm.choice([f"/application/{application.id}/message", "/message"])
            gotify.fail_next(storm.choice(["500", "not_gotify", "other_json"]), path=path, method="GET")
        elif roll < 0.45:
            await gotify.drop_streams()
        elif roll < 0.48 and (restart is None or restart.done()):  # refused: nothing listens for a while
            await gotify.stop()
            restart = asyncio.create_task(come_back(storm.uniform(0.05, 0.3)))
        await hass.services.async_call("notify", "gotify_home_assistant", {"message": message}, blocking=True)
        if storm.random() < 0.1:
            await asyncio.sleep(storm.uniform(0, 0.1))

    if restart is not None:
        await restart
    await wait_for(lambda: len(home.runtime_data.outbox) == 0, timeout=120)

    delivered = [gotify.messages[key].message for key in sorted(gotify.messages)]
    assert delivered == sent  # every one, once, in order

    # Both background tasks are alive: a message from elsewhere comes in, a new one goes straight out.
    await wait_for(lambda: home.runtime_data.listener.status.connected, timeout=30)
    gotify.add_message(application, "after the storm, from elsewhere")
    await wait_for(lambda: "after the storm, from elsewhere" in events, timeout=30)
    await hass.services.async_call("notify", "gotify_home_assistant", {"message": "last"}, blocking=True)
    assert gotify.messages[max(gotify.messages)].message == "last"
    assert len(home.runtime_data.outbox) == 0
    assert not set(events) & set(sent)  # our own messages were never echoed as events
