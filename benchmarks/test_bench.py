"""Speed and smoothness figures, printed as a table (``scripts/bench``); never part of ``scripts/test``.

Everything runs against the Gotify double on loopback, in the same process and event loop as Home
Assistant, so the raw aiohttp figures carry the same server cost as the integration's.

The latency overhead compares one notification through the integration with the same body POSTed raw
(a plain aiohttp session, as before). The raw POST goes to an application of *another* Gotify user
(``benchmarks/double.py``): the integration's stream carries only its own user's messages, so its
listener does no work for the baseline's messages, which would otherwise be charged to the raw POST. The
integration's own messages still go to its own application and come back on its stream: handling that
echo (recognising it as ours) stays the integration's cost.

``GOTIFY_BENCH_ROUNDS`` sets the rounds of the paired latency measure (400 unless told, the goal's);
more rounds give steadier medians when comparing changes.
"""

import asyncio
import os
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gotify.client import GotifyClient
from tests.helpers import mock_entry, setup_entry

# GOTIFY_BENCH_ROUNDS: more rounds for steadier medians when comparing changes (the default is the goal's).
ROUNDS = int(os.environ.get("GOTIFY_BENCH_ROUNDS", "400"))
BURST = 1000
RESULTS: list[tuple[str, str, str, str]] = []


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load the integration from custom_components/."""


@pytest.fixture(autouse=True)
async def enable_event_loop_debug() -> None:
    """Measure at full speed: the test harness's asyncio debug mode slows every step down."""
    asyncio.get_running_loop().set_debug(False)


@dataclass
class Server:
    """The Gotify double in a process of its own, as a real Gotify would be."""

    url: str
    client_token: str
    client: GotifyClient
    # The token of an application of another user: the raw baseline's messages never reach our stream.
    elsewhere_token: str


@pytest.fixture
async def server(socket_enabled: None, unused_tcp_port_factory: Callable[[], int]) -> AsyncIterator[Server]:
    """Run the Gotify double in a process of its own, with a client of it."""
    port = unused_tcp_port_factory()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.double", "--port", str(port), stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    lines = [(await process.stdout.readline()).decode() for _ in range(4)]
    token = lines[2].split(":", 1)[1].strip()
    elsewhere_token = lines[3].split(":", 1)[1].strip()
    url = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as session:
        yield Server(url, token, GotifyClient(session, url, token), elsewhere_token)
    process.terminate()
    await process.wait()


async def _paired_medians_ms(
    first: Callable[[], Awaitable[Any]], second: Callable[[], Awaitable[Any]], rounds: int = ROUNDS
) -> tuple[float, float]:
    """Median times of two actions taken in alternation, so that both see the same machine load."""
    for _ in range(20):
        await first()
        await second()
    samples: tuple[list[float], list[float]] = ([], [])
    for index in range(rounds * 2):
        action, times = (first, samples[0]) if index % 2 == 0 else (second, samples[1])
        start = time.perf_counter()
        await action()
        times.append(time.perf_counter() - start)
    return statistics.median(samples[0]) * 1000, statistics.median(samples[1]) * 1000


# The notification both benchmarks send.
NOTIFICATION: dict[str, Any] = {
    "message": "Backyard motion detected.",
    "title": "Alert!",
    "data": {"priority": 9, "link": "lovelace/cameras"},
}


async def connected_entry(hass: HomeAssistant, server: Server, own: Any) -> MockConfigEntry:
    """Set up the integration against the benchmark's server and wait until its stream is open."""
    double = SimpleNamespace(
        url=server.url, client_token=server.client_token, admin=SimpleNamespace(id=1, name="admin")
    )
    entry = await setup_entry(hass, mock_entry(double, own))
    async with asyncio.timeout(10):
        while not entry.runtime_data.listener.status.connected:
            await asyncio.sleep(0.01)
    return entry


async def _median_ms(action: Callable[[], Awaitable[Any]], rounds: int = ROUNDS) -> float:
    for _ in range(20):  # warm up connections and caches
        await action()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        await action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def _record(name: str, value: str, goal: str = "", met: bool | None = None) -> None:
    RESULTS.append((name, value, goal, "" if met is None else "yes" if met else "NO"))


async def test_benchmark(hass: HomeAssistant, server: Server, tmp_path: Path) -> None:
    """Measure latency, fan-out, burst rate, loop stalls and setup time, and print the table."""
    await hass.config.async_update(external_url="https://ha.example.com")
    applications = [
        await server.client.create_application(name) for name in ("Home Assistant", "A", "B", "C", "D")
    ]
    own = applications[0]
    double = SimpleNamespace(
        url=server.url, client_token=server.client_token, admin=SimpleNamespace(id=1, name="admin")
    )

    # Config entry setup time (median of several setups and unloads).
    setup_times = []
    for _ in range(7):
        entry = mock_entry(double, own)
        start = time.perf_counter()
        await setup_entry(hass, entry)
        setup_times.append(time.perf_counter() - start)
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.config_entries.async_remove(entry.entry_id)
    setup_ms = statistics.median(setup_times) * 1000
    entry = await connected_entry(hass, server, own)

    # One notification through the integration vs the same message as a raw aiohttp POST.
    data = NOTIFICATION

    async def through_integration() -> None:
        await hass.services.async_call("notify", "gotify_home_assistant", data, blocking=True)

    outgoing = entry.runtime_data.senders[next(iter(entry.subentries))].build(
        data["message"], data["title"], data["data"]
    )
    body = {
        "message": outgoing.message,
        "title": outgoing.title,
        "priority": outgoing.priority,
        "extras": outgoing.extras,
    }
    async with aiohttp.ClientSession() as session:

        async def raw_post() -> None:
            # The same body, to another user's application: our stream listener never sees it.
            async with session.post(
                f"{server.url}/message", json=body, headers={"X-Gotify-Key": server.elsewhere_token}
            ) as response:
                await response.read()

        integration_ms, raw_ms = await _paired_medians_ms(through_integration, raw_post)

        async def raw_five() -> None:
            await asyncio.gather(*(raw_post() for _ in range(5)))

        raw_five_ms = await _median_ms(raw_five, ROUNDS // 2)
    # Home Assistant's own share: a service with the legacy notify schema that does nothing.
    from homeassistant.components.notify.const import NOTIFY_SERVICE_SCHEMA

    async def nothing(call: Any) -> None:
        return None

    hass.services.async_register("notify", "bench_noop", nothing, schema=NOTIFY_SERVICE_SCHEMA)

    async def noop_call() -> None:
        await hass.services.async_call("notify", "bench_noop", data, blocking=True)

    noop_ms = await _median_ms(noop_call)
    ratio = integration_ms / raw_ms
    _record("notification latency, median", f"{integration_ms:.2f} ms (raw POST {raw_ms:.2f} ms)")
    _record("  overhead ratio", f"{ratio:.2f}", "<= 1.15", ratio <= 1.15)
    _record("  of which Home Assistant's service call", f"{noop_ms:.3f} ms")

    # Five applications as targets vs one.
    five = {**data, "target": [app.name for app in applications]}

    async def to_five() -> None:
        await hass.services.async_call("notify", "gotify_home_assistant", five, blocking=True)

    five_ms = await _median_ms(to_five, ROUNDS // 2)
    fan_ratio = five_ms / integration_ms
    _record("5-application target, median", f"{five_ms:.2f} ms")
    _record("  ratio to one target", f"{fan_ratio:.2f}", "<= 1.5", fan_ratio <= 1.5)
    _record("  the same for raw POSTs (server bound)", f"{raw_five_ms / raw_ms:.2f}")

    # A sustained burst: 1000 notifications issued at once.
    before = await server.client.newest_message_id()
    errors = 0

    async def one(index: int) -> None:
        nonlocal errors
        try:
            await hass.services.async_call(
                "notify", "gotify_home_assistant", {"message": f"burst {index}"}, blocking=True
            )
        except Exception:
            errors += 1

    start = time.perf_counter()
    await asyncio.gather(*(one(index) for index in range(BURST)))
    elapsed = time.perf_counter() - start
    delivered = len(await server.client.messages_after(before, app_id=own.id, page_size=200))
    rate = BURST / elapsed
    _record(
        "burst of 1000 notifications",
        f"{rate:.0f} msg/s, {errors} errors, {delivered} delivered",
        ">= 500/s, 0 errors",
        rate >= 500 and errors == 0 and delivered == BURST,
    )

    # Longest event loop stall while a 5 MB image is attached.
    image = tmp_path / "snapshot.jpg"
    image.write_bytes(b"\xff\xd8\xff\xe0" + bytes(5 * 1024 * 1024))
    hass.config.allowlist_external_dirs = {str(tmp_path)}

    async def longest_stall(data: dict[str, Any]) -> float:
        """Return the longest the event loop was held up while five such notifications were sent."""
        worst = 0.0
        watching = True

        async def watch() -> None:
            nonlocal worst
            while watching:
                start = time.perf_counter()
                await asyncio.sleep(0.001)
                worst = max(worst, time.perf_counter() - start - 0.001)

        watcher = asyncio.create_task(watch())
        await asyncio.sleep(0.05)
        for _ in range(5):
            await hass.services.async_call("notify", "gotify_home_assistant", data, blocking=True)
        watching = False
        await watcher
        return worst

    worst = await longest_stall({"message": "snapshot", "data": {"attachment": str(image)}})
    baseline = await longest_stall({"message": "no attachment"})
    _record("longest loop stall, 5 MB attachment", f"{worst * 1000:.1f} ms", "< 20 ms", worst < 0.020)
    _record("  the same without an attachment", f"{baseline * 1000:.1f} ms")
    _record("config entry setup, median", f"{setup_ms:.1f} ms", "< 200 ms", setup_ms < 200)

    width = max(len(row[0]) for row in RESULTS)
    lines = [f"{'measure':<{width}}  {'result':<44}  {'goal':<20}  met", "-" * (width + 74)]
    lines += [f"{name:<{width}}  {value:<44}  {goal:<20}  {met}" for name, value, goal, met in RESULTS]
    print("\n" + "\n".join(lines))
