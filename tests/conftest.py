"""Fixtures shared by the whole suite."""

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant

from custom_components.gotify.client import GotifyClient
from custom_components.gotify.const import DOMAIN

from .gotify_double import V2, V3, GotifyDouble


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
