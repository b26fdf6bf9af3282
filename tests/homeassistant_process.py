"""A real Home Assistant process in a configuration folder of its own: for tests and scripts/develop.

``write_configuration`` writes a configuration that needs nothing deprecated and nothing that cannot
work on a bare machine; ``HomeAssistantProcess`` starts and stops ``python -m homeassistant`` on it;
``create_owner`` and ``login`` do over HTTP what the onboarding and login pages do; ``bus_events``
follows events of Home Assistant's bus over its websocket API, as the frontend does.
"""

import asyncio
import contextlib
import importlib.util
import itertools
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

REPOSITORY = Path(__file__).resolve().parent.parent
CLIENT_ID = "http://127.0.0.1/"
START_TIMEOUT = 180.0

# Home Assistant 2026 keeps the HTTP server's settings in storage, set in the UI; an ``http:`` block in
# configuration.yaml is deprecated there (a repair, removal in 2027.2) and applied only as a trial that
# reverts, restarting Home Assistant, unless confirmed within 5 minutes. 2025.4 reads only the YAML.
HTTP_SETTINGS_IN_STORAGE = importlib.util.find_spec("homeassistant.components.http.config") is not None

# Onboarding's steps after the owner account: the location step also adds the integrations onboarding
# suggests (weather, radio, text to speech, shopping list), which a development instance does not want.
ONBOARDING_STEPS_AFTER_USER = ["core_config", "analytics", "integration"]

# What Home Assistant sets up besides the integrations it always sets up: the configuration panels,
# history and logbook (to see the event entities' messages), and media sources (attachments). Not
# default_config: its network discovery, cloud, go2rtc and stream cannot work on a bare machine.
# scripts/setup installs what these need (scripts/ha_requirements.py).
CONFIGURED_INTEGRATIONS = ("config", "history", "logbook", "media_source")

CONFIGURATION = """\
homeassistant:
  name: {name}
  time_zone: UTC
  country: US
  unit_system: metric
  latitude: 52.3731
  longitude: 4.8922
  elevation: 0
{external_url}{http}{integrations}logger:
  default: {log_level}
{debug}"""


def _storage_file(config: Path, key: str, version: int, data: Any) -> None:
    storage = config / ".storage"
    storage.mkdir(exist_ok=True)
    document = {"version": version, "minor_version": 1, "key": key, "data": data}
    (storage / key).write_text(json.dumps(document, indent=2))


def write_configuration(
    config: Path,
    port: int,
    *,
    name: str = "Gotify development",
    external_url: bool = True,
    log_level: str = "warning",
    debug: bool = True,
    onboarded_except_user: bool = False,
) -> None:
    """A new configuration folder that serves on 127.0.0.1:``port`` and loads this integration.

    ``debug``: the integration logs at debug level (the frontend then offers no "Enable debug logging").

    ``onboarded_except_user`` marks every onboarding step but the owner account as done, so that
    ``create_owner`` completes onboarding without the integrations onboarding would add.
    """
    config.mkdir(parents=True, exist_ok=True)
    http = ""
    if HTTP_SETTINGS_IN_STORAGE:
        # The stored form the UI writes (older releases' recovery copy, which 2026 adopts as confirmed).
        _storage_file(config, "http", 1, {"server_host": ["127.0.0.1"], "server_port": port})
    else:
        http = f"http:\n  server_host: 127.0.0.1\n  server_port: {port}\n"
    url = f"  external_url: http://127.0.0.1:{port}\n" if external_url else ""
    (config / "configuration.yaml").write_text(
        CONFIGURATION.format(
            name=name,
            external_url=url,
            http=http,
            log_level=log_level,
            integrations="".join(f"{domain}:\n" for domain in CONFIGURED_INTEGRATIONS),
            debug="  logs:\n    custom_components.gotify: debug\n" if debug else "",
        )
    )
    if onboarded_except_user:
        _storage_file(config, "onboarding", 4, {"done": ONBOARDING_STEPS_AFTER_USER})
    link = config / "custom_components"
    if not link.is_symlink():
        link.symlink_to(REPOSITORY / "custom_components")


class HomeAssistantProcess:
    """``python -m homeassistant`` in a configuration folder of its own, its output in a log file."""

    def __init__(self, config: Path, port: int, *, log: Path | None = None) -> None:
        self.config = config
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = log or config / "hass-output.log"
        self._process: asyncio.subprocess.Process | None = None

    async def start(self, session: aiohttp.ClientSession, timeout: float = START_TIMEOUT) -> None:
        """Start Home Assistant and wait until its HTTP API answers."""
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
        async with asyncio.timeout(timeout):
            while True:
                if self._process.returncode is not None:
                    raise RuntimeError(
                        f"Home Assistant exited with {self._process.returncode}:\n{self.tail()}"
                    )
                if await http_ready(session, self.url):
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
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


async def response_json(response: aiohttp.ClientResponse) -> Any:
    if response.status != 200:
        raise AssertionError(f"{response.method} {response.url}: {response.status}: {await response.text()}")
    return await response.json()


async def _token(session: aiohttp.ClientSession, url: str, code: str) -> dict[str, str]:
    """Exchange an authorization code for an access token, as the frontend does after logging in."""
    async with session.post(
        f"{url}/auth/token",
        data={"grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID},
    ) as response:
        token = (await response_json(response))["access_token"]
    return {"Authorization": f"Bearer {token}"}


async def create_owner(
    session: aiohttp.ClientSession, url: str, username: str, password: str, name: str = "Owner"
) -> dict[str, str]:
    """Create the owner as the onboarding page does, and log in with the code it returns."""
    async with session.post(
        f"{url}/api/onboarding/users",
        json={
            "client_id": CLIENT_ID,
            "name": name,
            "username": username,
            "password": password,
            "language": "en",
        },
    ) as response:
        code = (await response_json(response))["auth_code"]
    return await _token(session, url, code)


async def login(session: aiohttp.ClientSession, url: str, username: str, password: str) -> dict[str, str]:
    """Log in with a password through the login flow, as the login page does."""
    async with session.post(
        f"{url}/auth/login_flow",
        json={"client_id": CLIENT_ID, "handler": ["homeassistant", None], "redirect_uri": CLIENT_ID},
    ) as response:
        flow_id = (await response_json(response))["flow_id"]
    async with session.post(
        f"{url}/auth/login_flow/{flow_id}",
        json={"client_id": CLIENT_ID, "username": username, "password": password},
    ) as response:
        code = (await response_json(response))["result"]
    return await _token(session, url, code)


class BusEvents:
    """The events of some types that Home Assistant's websocket API forwards (``subscribe_events``)."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self._socket = socket
        self._ids = itertools.count(1)
        self._replies: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._arrived = asyncio.Event()
        # (event type, data) of each event, in the order they came.
        self.received: list[tuple[str, dict[str, Any]]] = []
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for frame in self._socket:
            if frame.type != aiohttp.WSMsgType.TEXT:
                continue
            message = json.loads(frame.data)
            if message.get("type") == "event":
                self.received.append((message["event"]["event_type"], message["event"]["data"]))
                self._arrived.set()
            elif (reply := self._replies.pop(message.get("id"), None)) is not None:
                reply.set_result(message)
        for reply in self._replies.values():
            reply.set_exception(ConnectionError("Home Assistant closed the websocket"))

    async def command(self, kind: str, **fields: Any) -> dict[str, Any]:
        """Send a command and return Home Assistant's answer to it."""
        number = next(self._ids)
        reply: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._replies[number] = reply
        await self._socket.send_json({"id": number, "type": kind, **fields})
        async with asyncio.timeout(10):
            return await reply

    async def settled(self) -> list[tuple[str, dict[str, Any]]]:
        """The events received so far, once a ping has come back: every event fired before Home Assistant
        answered the ping is among them (it queues an event for the socket as it fires it, and sends in
        order)."""
        answer = await self.command("ping")
        assert answer["type"] == "pong", answer
        return list(self.received)

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[tuple[str, dict[str, Any]]]:
        """The events received, once there are at least ``count`` (and a ping has come back)."""
        async with asyncio.timeout(timeout):
            while len(self.received) < count:
                self._arrived.clear()
                await self._arrived.wait()
        return await self.settled()

    async def close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


@contextlib.asynccontextmanager
async def bus_events(
    session: aiohttp.ClientSession, url: str, auth: dict[str, str], *event_types: str
) -> AsyncIterator[BusEvents]:
    """Log in to the websocket API with ``auth``'s token and subscribe to ``event_types``."""
    async with session.ws_connect(f"{url}/api/websocket") as socket:
        greeting = await socket.receive_json()
        assert greeting["type"] == "auth_required", greeting
        await socket.send_json(
            {"type": "auth", "access_token": auth["Authorization"].removeprefix("Bearer ")}
        )
        answer = await socket.receive_json()
        assert answer["type"] == "auth_ok", answer
        events = BusEvents(socket)
        try:
            for event_type in event_types:
                result = await events.command("subscribe_events", event_type=event_type)
                assert result["success"], result
            yield events
        finally:
            await events.close()


async def wait_running(
    session: aiohttp.ClientSession, url: str, auth: dict[str, str], process: asyncio.subprocess.Process
) -> None:
    """Wait until Home Assistant has finished starting (every integration set up)."""
    async with asyncio.timeout(START_TIMEOUT):
        while True:
            if process.returncode is not None:
                raise RuntimeError(f"Home Assistant exited with {process.returncode}")
            async with session.get(f"{url}/api/config", headers=auth) as response:
                if response.status == 200 and (await response.json()).get("state") == "RUNNING":
                    return
            await asyncio.sleep(0.25)


def port_free(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:``port`` (so that what answers there later is ours)."""
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


async def http_ready(session: aiohttp.ClientSession, url: str) -> bool:
    """Whether Home Assistant's HTTP API answers: onboarding's while there is no owner, then the login's."""
    for path in ("/api/onboarding", "/auth/providers"):
        with contextlib.suppress(aiohttp.ClientError):
            async with session.get(f"{url}{path}") as response:
                if response.status == 200:
                    return True
    return False


async def onboarding_pending(session: aiohttp.ClientSession, url: str) -> bool:
    """Whether the owner account still has to be created (once onboarded, there is no onboarding API)."""
    async with session.get(f"{url}/api/onboarding") as response:
        if response.status == 404:
            return False
        steps = await response_json(response)
    return any(step["step"] == "user" and not step["done"] for step in steps)
