"""End to end: a real Home Assistant process, set up over HTTP exactly as the frontend does it.

Starts ``hass`` on a free port with a new configuration folder, completes onboarding, runs the config
flow through the REST API, sends ``notify.gotify_home_assistant`` through ``/api/services``, checks the
exact message the Gotify double received, then restarts Home Assistant and checks that the entry loads
again and still sends.
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from .gotify_double import GotifyDouble
from .homeassistant_process import (
    HomeAssistantProcess,
    create_owner,
    login,
    response_json,
    write_configuration,
)

PASSWORD = "e2e-password"


@pytest.fixture
async def home_assistant(
    tmp_path: Path, unused_tcp_port_factory: Callable[[], int], socket_enabled: None
) -> AsyncIterator[HomeAssistantProcess]:
    config = tmp_path / "ha-config"
    port = unused_tcp_port_factory()
    write_configuration(config, port, name="End to end")
    process = HomeAssistantProcess(config, port)
    yield process
    await process.stop()


async def test_end_to_end(home_assistant: HomeAssistantProcess, gotify: GotifyDouble) -> None:
    ha = home_assistant
    async with aiohttp.ClientSession() as session:
        await ha.start(session)
        try:
            auth = await create_owner(session, ha.url, "owner", PASSWORD)

            # The config flow, step by step, as the frontend posts it.
            async with session.post(
                f"{ha.url}/api/config/config_entries/flow",
                json={"handler": "gotify", "show_advanced_options": False},
                headers=auth,
            ) as response:
                result = await response_json(response)
            assert (result["type"], result["step_id"]) == ("form", "user")
            flow = f"{ha.url}/api/config/config_entries/flow/{result['flow_id']}"
            async with session.post(
                flow, json={"url": gotify.url, "token": gotify.client_token, "verify_ssl": True}, headers=auth
            ) as response:
                result = await response_json(response)
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
                result = await response_json(response)
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
            auth = await login(session, ha.url, "owner", PASSWORD)
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


async def _gotify_entry_states(
    session: aiohttp.ClientSession, ha: HomeAssistantProcess, auth: dict[str, str]
) -> list[str]:
    async with session.get(f"{ha.url}/api/config/config_entries/entry", headers=auth) as response:
        return [entry["state"] for entry in await response_json(response) if entry["domain"] == "gotify"]


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
