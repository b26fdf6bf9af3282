r"""Fixtures shared by the whole suite.

Snapshots (syrupy) live in tests/snapshots/ha<major release>/<test module>.ambr: one set per Home Assistant
release under test, since the entity registry serializes different fields in 2025 and in 2026. When
entities change (or the diagnostics do), regenerate both sets and review the diff:

    for venv in .venv/py3.13 .venv/py3.14; do
      "$venv/bin/python" -m pytest -p no:cacheprovider --snapshot-update \
        tests/test_{binary_sensor,button,event,notify,sensor,diagnostics}.py
    done
"""

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from unittest.mock import patch

import aiohttp
import pytest
from aiohttp import web
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import MAJOR_VERSION, Platform
from homeassistant.core import Event, HomeAssistant, callback
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion
from syrupy.location import PyTestLocation

from custom_components.gotify import PLATFORMS, listener, outbox
from custom_components.gotify.client import GotifyClient
from custom_components.gotify.const import DOMAIN, EVENT_MESSAGE_RECEIVED

from .gotify_double import V2, V3, GotifyDouble
from .helpers import (
    EXTERNAL_URL,
    HOME_ENTRY_ID,
    HOME_TITLE,
    Backoff,
    Elsewhere,
    mock_entry,
    setup_entry,
    wait_for,
)


@pytest.fixture(params=[V2, V3], ids=["v2", "v3"])
def gotify_version(request: pytest.FixtureRequest) -> str:
    """Run a test once against a v2 and once against a v3 server."""
    return str(request.param)


@pytest.fixture
async def gotify(
    request: pytest.FixtureRequest,
    socket_enabled: None,
    unused_tcp_port_factory: Callable[[], int],
    gotify_version: str,
) -> AsyncIterator[GotifyDouble]:
    """A Gotify server double serving on loopback."""
    hass: HomeAssistant | None = request.getfixturevalue("hass") if "hass" in request.fixturenames else None
    double = GotifyDouble(gotify_version)
    await double.start(unused_tcp_port_factory())
    yield double
    if hass is not None:
        # Unload first, so that no stream listener is reconnecting while the server goes away.
        for entry in hass.config_entries.async_entries(DOMAIN):
            if entry.state is ConfigEntryState.LOADED:
                await hass.config_entries.async_unload(entry.entry_id)
    await double.stop()


@pytest.fixture
async def session(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
def client(session: aiohttp.ClientSession, gotify: GotifyDouble) -> GotifyClient:
    return GotifyClient(session, gotify.url, gotify.client_token, timeout=2.0)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load the integration from custom_components/."""


@pytest.fixture(autouse=True)
def hass_files_in_tmp(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Files Home Assistant writes (stored attachments) go to the test's own folder.

    The oldest supported test harness points every test at one shared configuration folder.
    """
    if "hass" in request.fixturenames:
        hass: HomeAssistant = request.getfixturevalue("hass")
        config_dir = tmp_path / "config"
        config_dir.mkdir()
        hass.config.config_dir = str(config_dir)


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The outbox retries and the stream reconnects after tens of milliseconds, not seconds."""
    monkeypatch.setattr(outbox, "RETRY_MIN", 0.02)
    monkeypatch.setattr(outbox, "RETRY_MAX", 0.2)
    monkeypatch.setattr(listener, "RECONNECT_MIN", 0.02)


# --- the integration, set up against the double ---------------------------------------------------


@pytest.fixture
def other_applications() -> list[str]:
    """Applications the account has before ``home`` is set up (a module overrides this for more)."""
    return []


@pytest.fixture
def platforms() -> list[Platform]:
    """The platforms ``home`` sets up: all (a test parametrizes this to snapshot one platform)."""
    return list(PLATFORMS)


@pytest.fixture
async def home(
    hass: HomeAssistant, gotify: GotifyDouble, other_applications: list[str], platforms: list[Platform]
) -> AsyncIterator[MockConfigEntry]:
    """The integration with its "Home Assistant" application, set up and listening to the stream.

    Home Assistant is reachable from outside at EXTERNAL_URL (attachments are served there). The entry's
    ids and title are fixed (HOME_ENTRY_ID, HOME_TITLE), so entity ids and snapshots are too.
    """
    await hass.config.async_update(external_url=EXTERNAL_URL)
    for name in other_applications:
        gotify.add_application(name)
    application = gotify.add_application("Home Assistant")
    with patch("custom_components.gotify.PLATFORMS", platforms):
        entry = await setup_entry(
            hass, mock_entry(gotify, application, entry_id=HOME_ENTRY_ID, title=HOME_TITLE)
        )
        await wait_for(lambda: entry.runtime_data.listener.status.connected)  # open, caught up
        # The coordinator asks for /health once the stream is open.
        await wait_for(lambda: entry.runtime_data.coordinator.data.health is not None)
        yield entry
        if entry.state is ConfigEntryState.LOADED:  # with the platforms it was set up with
            await hass.config_entries.async_unload(entry.entry_id)


@pytest.fixture
def received(hass: HomeAssistant) -> list[dict[str, Any]]:
    """The data of every ``gotify_message_received`` event, in order."""
    events: list[dict[str, Any]] = []

    @callback
    def listener(event: Event) -> None:
        events.append(dict(event.data))

    hass.bus.async_listen(EVENT_MESSAGE_RECEIVED, listener)
    return events


@pytest.fixture
def reconnects(monkeypatch: pytest.MonkeyPatch, gotify: GotifyDouble) -> list[Backoff]:
    """Every reconnect delay the stream listener draws, in order, with the stream requests until then."""
    drawn: list[Backoff] = []
    original = listener.reconnect_delay

    def recording(attempt: int) -> float:
        delay = original(attempt)
        drawn.append(Backoff(attempt, delay, len(gotify.requests_to("GET", "/stream"))))
        return delay

    monkeypatch.setattr(listener, "reconnect_delay", recording)
    return drawn


@pytest.fixture
async def elsewhere(
    unused_tcp_port_factory: Callable[[], int], socket_enabled: None
) -> AsyncIterator[Elsewhere]:
    """Another server on loopback that records what reaches it."""
    port = unused_tcp_port_factory()
    other = Elsewhere(f"http://127.0.0.1:{port}")

    async def record(request: web.Request) -> web.Response:
        other.seen.append(dict(request.headers))
        return web.json_response({})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", record)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield other
    await runner.cleanup()


# --- snapshots ------------------------------------------------------------------------------------


class SnapshotPerRelease(HomeAssistantSnapshotExtension):
    """Home Assistant's snapshot format, in a folder per major release (see the module's docstring)."""

    @classmethod
    def dirname(cls, *, test_location: PyTestLocation) -> str:
        return str(Path(super().dirname(test_location=test_location)) / f"ha{MAJOR_VERSION}")


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Home Assistant's ``snapshot``, kept apart per major release."""
    return snapshot.use_extension(SnapshotPerRelease)
