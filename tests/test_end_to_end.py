"""End to end: a real Home Assistant process, set up over HTTP exactly as the frontend does it.

Starts ``hass`` on a free port with a new configuration folder, completes onboarding, runs the config
flow through the REST API, sends ``notify.gotify_home_assistant`` through ``/api/services``, checks the
exact message the Gotify double received, then restarts Home Assistant and checks that the entry loads
again and still sends.
"""

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from .gotify_double import GotifyDouble

REPOSITORY = Path(__file__).resolve().parent.parent
CLIENT_ID = "http://127.0.0.1/"
START_TIMEOUT = 120.0

CONFIGURATION = """
homeassistant:
  name: End to end
  time_zone: UTC
  external_url: http://127.0.0.1:{port}
http:
  server_host: 127.0.0.1
  server_port: {port}
config:
onboarding:
logger:
  default: warning
  logs:
    custom_components.gotify: debug
"""


class HomeAssistantProcess:
    """``python -m homeassistant`` in a configuration folder of its own."""

    def __init__(self, config: Path, port: int) -> None:
        self.config = config
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = config / "e2e.log"
        self._process: asyncio.subprocess.Process | None = None

    async def start(self, session: aiohttp.ClientSession) -> None:
        with self.log.open("ab") as log:
            self._process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "homeassistant",
                "--config",
                str(self.config),
                "--skip-pip",
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        async with asyncio.timeout(START_TIMEOUT):
            while True:
                if self._process.returncode is not None:
                    pytest.fail(f"Home Assistant exited with {self._process.returncode}:\n{self.tail()}")
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.get(f"{self.url}/api/onboarding") as response:
                        if response.status == 200:
                            return
                await asyncio.sleep(0.25)

    async def stop(self) -> None:
        if self._process is None or self._process.returncode is not None:
            return
        self._process.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(60):
                await self._process.wait()
        except TimeoutError:
            self._process.kill()
            await self._process.wait()

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture
async def home_assistant(
    tmp_path: Path, unused_tcp_port_factory: Callable[[], int], socket_enabled: None
) -> AsyncIterator[HomeAssistantProcess]:
    config = tmp_path / "ha-config"
    config.mkdir()
    port = unused_tcp_port_factory()
    (config / "configuration.yaml").write_text(CONFIGURATION.format(port=port))
    (config / "custom_components").symlink_to(REPOSITORY / "custom_components")
    process = HomeAssistantProcess(config, port)
    yield process
    await process.stop()


async def _json(response: aiohttp.ClientResponse) -> Any:
    assert response.status == 200, f"{response.status}: {await response.text()}"
    return await response.json()


async def _token(session: aiohttp.ClientSession, ha: HomeAssistantProcess, code: str) -> dict[str, str]:
    """Exchange an authorization code for an access token, as the frontend does after logging in."""
    async with session.post(
        f"{ha.url}/auth/token",
        data={"grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID},
    ) as response:
        token = (await _json(response))["access_token"]
    return {"Authorization": f"Bearer {token}"}


async def _onboard(session: aiohttp.ClientSession, ha: HomeAssistantProcess) -> dict[str, str]:
    """Create the owner as the onboarding page does, and log in with the code it returns."""
    async with session.post(
        f"{ha.url}/api/onboarding/users",
        json={
            "client_id": CLIENT_ID,
            "name": "Owner",
            "username": "owner",
            "password": "e2e-password",
            "language": "en",
        },
    ) as response:
        code = (await _json(response))["auth_code"]
    return await _token(session, ha, code)


async def test_end_to_end(home_assistant: HomeAssistantProcess, gotify: GotifyDouble) -> None:
    ha = home_assistant
    async with aiohttp.ClientSession() as session:
        await ha.start(session)
        try:
            auth = await _onboard(session, ha)

            # The config flow, step by step, as the frontend posts it.
            async with session.post(
                f"{ha.url}/api/config/config_entries/flow",
                json={"handler": "gotify", "show_advanced_options": False},
                headers=auth,
            ) as response:
                result = await _json(response)
            assert (result["type"], result["step_id"]) == ("form", "user")
            flow = f"{ha.url}/api/config/config_entries/flow/{result['flow_id']}"
            async with session.post(
                flow, json={"url": gotify.url, "token": gotify.client_token, "verify_ssl": True}, headers=auth
            ) as response:
                result = await _json(response)
            assert (result["type"], result["step_id"]) == ("form", "create_application")
            async with session.post(
                flow,
                json={
                    "name": "Home Assistant",
                    "description": "Notifications from Home Assistant",
                    "default_priority": 4,
                },
                headers=auth,
            ) as response:
                result = await _json(response)
            assert result["type"] == "create_entry"
            application = gotify.application_named("Home Assistant")

            await _send(session, ha, auth, {"message": "Home Assistant has started successfully."})
            request = gotify.requests_to("POST", "/message")[-1]
            assert request.headers["X-Gotify-Key"] == application.token
            assert request.json == {
                "message": "Home Assistant has started successfully.",
                "priority": 4,
                "extras": {
                    "client::notification": {"click": {"url": "homeassistant://navigate/"}},
                    "client::display": {"contentType": "text/markdown"},
                },
            }

            # Restart: the entry loads again from storage and still sends.
            await ha.stop()
            await ha.start(session)
            auth = await _login(session, ha)
            async with asyncio.timeout(30):
                while (states := await _gotify_entry_states(session, ha, auth)) != ["loaded"]:
                    assert states in ([], ["not_loaded"], ["setup_in_progress"]), states
                    await asyncio.sleep(0.25)
            await _send(
                session,
                ha,
                auth,
                {
                    "message": "Backyard motion detected.",
                    "title": "Alert!",
                    "data": {"priority": 9, "link": "lovelace/cameras"},
                },
            )
            assert gotify.requests_to("POST", "/message")[-1].json == {
                "message": "Backyard motion detected.",
                "title": "Alert!",
                "priority": 9,
                "extras": {
                    "client::notification": {"click": {"url": "homeassistant://navigate/lovelace/cameras"}},
                    "client::display": {"contentType": "text/markdown"},
                },
            }
            assert [m.message for m in gotify.messages.values()] == [
                "Home Assistant has started successfully.",
                "Backyard motion detected.",
            ]
        except BaseException:
            print(ha.tail())
            raise


async def _login(session: aiohttp.ClientSession, ha: HomeAssistantProcess) -> dict[str, str]:
    """Log in with the owner's password through the login flow, as the login page does."""
    async with session.post(
        f"{ha.url}/auth/login_flow",
        json={"client_id": CLIENT_ID, "handler": ["homeassistant", None], "redirect_uri": CLIENT_ID},
    ) as response:
        flow_id = (await _json(response))["flow_id"]
    async with session.post(
        f"{ha.url}/auth/login_flow/{flow_id}",
        json={"client_id": CLIENT_ID, "username": "owner", "password": "e2e-password"},
    ) as response:
        code = (await _json(response))["result"]
    return await _token(session, ha, code)


async def _gotify_entry_states(
    session: aiohttp.ClientSession, ha: HomeAssistantProcess, auth: dict[str, str]
) -> list[str]:
    async with session.get(f"{ha.url}/api/config/config_entries/entry", headers=auth) as response:
        return [entry["state"] for entry in await _json(response) if entry["domain"] == "gotify"]


async def _send(
    session: aiohttp.ClientSession, ha: HomeAssistantProcess, auth: dict[str, str], data: dict[str, Any]
) -> None:
    # Right after a (re)start the entry may still be setting up: the service appears when it is ready.
    async with asyncio.timeout(30):
        while True:
            async with session.post(
                f"{ha.url}/api/services/notify/gotify_home_assistant", json=data, headers=auth
            ) as response:
                if response.status == 200:
                    return
                if response.status != 400:
                    pytest.fail(f"{response.status}: {await response.text()}")
            await asyncio.sleep(0.25)
