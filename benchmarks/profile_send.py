"""Where the benchmark's notification latency goes.

Not collected by ``scripts/bench``: run it by path,

    GOTIFY_PROFILE=<mode> .venv/py3.14/bin/python -m pytest benchmarks/profile_send.py -q -s \
        -p no:cacheprovider

with ``GOTIFY_PROFILE_ROUNDS`` rounds (1500 unless told) and one of these modes:

``ladder`` (the default)
    The same message sent ever deeper into the integration (``GotifyClient.send_message``,
    ``GotifyAccount.async_publish``, ``GotifySender.async_send``, the service call), each paired with a
    raw POST on Home Assistant's own session, as ``test_bench`` pairs them; the stream listener is
    stopped first (``GOTIFY_STREAM=1`` keeps it), so that what the listener does with each echo lands in
    neither.
``paired``
    ``test_bench``'s pairing (service call vs raw POST on a plain session and on Home Assistant's),
    with where the stream's frames arrive and the listener's events fire; ``GOTIFY_STREAM=0`` stops the
    listener first.
``cprofile``
    cProfile around ``GOTIFY_PROFILE_CALL`` (``integration``, ``raw`` or ``ha_raw``) called in a loop;
    the stats go to ``GOTIFY_PROFILE_OUT`` (``profile_<call>.prof`` in the working directory).

The raw POSTs go, as in ``test_bench``, to an application of another Gotify user, so the integration's
stream never carries them.
"""

import asyncio
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from benchmarks.test_bench import (  # noqa: F401 - fixtures
    NOTIFICATION,
    Server,
    _paired_medians_ms,
    auto_enable_custom_integrations,
    connected_entry,
    enable_event_loop_debug,
    server,
)
from custom_components.gotify.account import Delivery

ROUNDS = int(os.environ.get("GOTIFY_PROFILE_ROUNDS", "1500"))
MODE = os.environ.get("GOTIFY_PROFILE", "ladder")

type Action = Callable[[], Awaitable[Any]]


async def _stop_stream() -> None:
    for task in asyncio.all_tasks():
        if task.get_name().startswith("gotify stream"):
            task.cancel()
    await asyncio.sleep(0.1)


async def test_profile(hass: HomeAssistant, server: Server) -> None:  # noqa: F811
    """Run the mode ``GOTIFY_PROFILE`` names and print what it found."""
    await hass.config.async_update(external_url="https://ha.example.com")
    own = await server.client.create_application("Home Assistant")
    entry = await connected_entry(hass, server, own)
    data = NOTIFICATION
    sender = entry.runtime_data.senders[next(iter(entry.subentries))]
    outgoing = sender.build(data["message"], data["title"], data["data"])
    body = {
        "message": outgoing.message,
        "title": outgoing.title,
        "priority": outgoing.priority,
        "extras": outgoing.extras,
    }
    item = Delivery.of(own.id, own.name, own.token, outgoing)
    account = entry.runtime_data.account
    client = account.client

    def poster(session: aiohttp.ClientSession) -> Action:
        async def post() -> None:
            async with session.post(
                f"{server.url}/message", json=body, headers={"X-Gotify-Key": server.elsewhere_token}
            ) as response:
                await response.read()

        return post

    async def integration() -> None:
        await hass.services.async_call("notify", "gotify_home_assistant", data, blocking=True)

    async def client_send() -> None:
        await client.send_message(
            outgoing.message,
            title=outgoing.title,
            priority=outgoing.priority,
            extras=outgoing.extras,
            app_token=own.token,
        )

    async def publish() -> None:
        await account.async_publish(item)

    async def sender_send() -> None:
        await sender.async_send(data["message"], data["title"], data["data"])

    async with aiohttp.ClientSession() as plain:
        raw, ha_raw = poster(plain), poster(async_get_clientsession(hass))
        if MODE == "ladder":
            if os.environ.get("GOTIFY_STREAM") != "1":
                await _stop_stream()
            ladder = {
                "client.send_message": client_send,
                "async_publish": publish,
                "sender.async_send": sender_send,
                "service call": integration,
            }
            for name, action in ladder.items():
                a, b = await _paired_medians_ms(action, ha_raw, ROUNDS)
                print(f"\nladder {name:19} {a:.3f} ms, raw {b:.3f} ms: +{(a - b) * 1000:.0f} us, {a / b:.2f}")
        elif MODE == "paired":
            await _paired(entry, integration, raw, ha_raw)
        elif MODE == "cprofile":
            call = os.environ.get("GOTIFY_PROFILE_CALL", "integration")
            out = Path(os.environ.get("GOTIFY_PROFILE_OUT", f"profile_{call}.prof"))
            await _cprofile({"integration": integration, "raw": raw, "ha_raw": ha_raw}[call], out)


async def _paired(entry: Any, integration: Action, raw: Action, ha_raw: Action) -> None:
    """test_bench's pairing, noting in whose time the stream's echoes arrive and are handled."""
    if os.environ.get("GOTIFY_STREAM") == "0":
        await _stop_stream()
    window = {"name": "none"}
    arrived: dict[str, int] = {}
    fired: dict[str, int] = {}
    listener, sent = entry.runtime_data.listener, entry.runtime_data.account.sent
    handle, is_ours = listener._handle, sent.is_ours

    events: list[float] = []
    judged = [0.0]

    async def noted_handle(message: Any) -> None:
        arrived[window["name"]] = arrived.get(window["name"], 0) + 1
        judged[0] = 0.0
        await handle(message)
        if judged[0]:
            events.append(time.perf_counter() - judged[0])

    async def noted_is_ours(message: Any) -> bool:
        if not (result := await is_ours(message)):
            fired[window["name"]] = fired.get(window["name"], 0) + 1
            judged[0] = time.perf_counter()
        return result

    listener._handle = noted_handle  # type: ignore[method-assign]
    sent.is_ours = noted_is_ours  # type: ignore[method-assign]

    def marked(name: str, action: Action) -> Action:
        async def run() -> None:
            window["name"] = name
            await action()
            window["name"] = "between"

        return run

    actions = {"integration": integration, "raw": raw, "ha_raw": ha_raw}
    actions = {name: marked(name, action) for name, action in actions.items()}
    for first, second in (("integration", "raw"), ("integration", "ha_raw"), ("raw", "ha_raw")):
        a, b = await _paired_medians_ms(actions[first], actions[second], ROUNDS)
        print(f"\npaired {first} {a:.3f} ms vs {second} {b:.3f} ms: ratio {a / b:.3f}")
    print(f"stream frames arrived during: {arrived}")
    print(f"events for messages from elsewhere fired during: {fired}")
    if events:
        print(f"handling a message from elsewhere after is_ours: {statistics.median(events) * 1e6:.0f} us")


async def _cprofile(action: Action, out: Path) -> None:
    import cProfile

    for _ in range(50):
        await action()
    samples = []
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(ROUNDS):
        start = time.perf_counter()
        await action()
        samples.append(time.perf_counter() - start)
    profile.disable()
    profile.dump_stats(out)
    median = statistics.median(samples) * 1000
    print(f"\nmedian {median:.3f} ms (under cProfile) over {ROUNDS}; stats in {out}")
