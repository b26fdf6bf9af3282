"""scripts/develop: this integration in a real Home Assistant on http://127.0.0.1:8123, ready to log in.

The first run makes ./config (delete it to start over): a configuration with nothing deprecated and only
what the integration needs, and a development owner account, whose login is printed. Once Home
Assistant has finished starting, its address, the login and (with ``--with-test-server``) the Gotify test
server's address and client token are printed; ``scripts/develop --info`` prints them again.
"""

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import signal
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from tests.homeassistant_process import (  # noqa: E402
    create_owner,
    http_ready,
    login,
    onboarding_pending,
    port_free,
    wait_running,
    write_configuration,
)

CONFIG = ROOT / "config"
INFO = CONFIG / "develop.json"  # the login and ports of this development instance
USERNAME = "dev"


def _info() -> dict[str, Any] | None:
    return json.loads(INFO.read_text()) if INFO.is_file() else None


def _save_info(info: dict[str, Any]) -> None:
    """Keep the login (readable by this user only: it holds the password)."""
    INFO.touch(mode=0o600)
    INFO.chmod(0o600)
    INFO.write_text(json.dumps(info, indent=2))


def _print_info(info: dict[str, Any], *, started: float | None = None) -> None:
    ready = f" (ready after {time.monotonic() - started:.0f} s)" if started is not None else ""
    lines = [
        f"Home Assistant: http://127.0.0.1:{info['port']}{ready}",
        f"  Log in as:    {info['username']} / {info['password']}",
    ]
    if info.get("gotify_url"):
        lines += [
            f"Gotify test server: {info['gotify_url']}",
            f"  Server URL:   {info['gotify_url']}",
            f"  Client token: {info['gotify_token']}",
        ]
    lines += [
        "Add the integration: Settings -> Devices & services -> Add integration -> Gotify",
        f"Home Assistant's log: {CONFIG / 'home-assistant.log'}",
        "Print this again: scripts/develop --info    Stop: Ctrl-C",
    ]
    width = max(len(line) for line in lines)
    print("\n" + "=" * width, *lines, "=" * width, sep="\n", flush=True)


def _prepare(port: int) -> dict[str, Any]:
    """Make a new configuration folder and login, or return the ones of an earlier run."""
    if (info := _info()) is not None:
        if port != info["port"]:
            print(f"develop: {CONFIG} serves on port {info['port']}; delete it to use port {port}")
        return info
    if (CONFIG / "configuration.yaml").exists():
        sys.exit(
            f"develop: {CONFIG} was not made by this version of scripts/develop (it has no {INFO.name});"
            " delete it to start over."
        )
    write_configuration(CONFIG, port, onboarded_except_user=True)
    info = {"port": port, "username": USERNAME, "password": secrets.token_urlsafe(9), "owner": False}
    _save_info(info)  # at once: a first run stopped early still has its login for the next
    return info


async def _start_test_server(port: int, info: dict[str, Any]) -> asyncio.subprocess.Process:
    """Start the Gotify double, keeping its applications and messages in config/ across runs."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.gotify_double",
        "--port",
        str(port),
        "--state",
        str(CONFIG / "gotify-test-server.json"),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    async with asyncio.timeout(30):
        while line := (await process.stdout.readline()).decode():
            if "Client token:" in line:
                info["gotify_token"] = line.split(":", 1)[1].strip()
                info["gotify_url"] = f"http://127.0.0.1:{port}"
                return process
    sys.exit(f"develop: the Gotify test server did not start on port {port}")


async def _wait_ready(info: dict[str, Any], hass: asyncio.subprocess.Process) -> None:
    """Wait for the HTTP API, create the owner on the first run, then wait until everything is set up."""
    url = f"http://127.0.0.1:{info['port']}"
    async with aiohttp.ClientSession() as session:
        while not await http_ready(session, url):
            if hass.returncode is not None:
                sys.exit(f"develop: Home Assistant exited with {hass.returncode}")
            await asyncio.sleep(0.25)
        if await onboarding_pending(session, url):
            auth = await create_owner(session, url, info["username"], info["password"], name="Developer")
            info["owner"] = True
        else:
            auth = await login(session, url, info["username"], info["password"])
        await wait_running(session, url, auth, hass)


async def develop(arguments: argparse.Namespace, hass_arguments: list[str]) -> int:
    """Run Home Assistant (and the test server, if asked) until it exits; return its exit status."""
    started = time.monotonic()
    # Stopped from outside (SIGTERM), stop Home Assistant and the test server too, as on Ctrl-C.
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    info = _prepare(arguments.port)
    for name, port in (("Home Assistant", info["port"]), ("the Gotify test server", arguments.gotify_port)):
        if (name == "Home Assistant" or arguments.with_test_server) and not port_free(port):
            sys.exit(f"develop: port {port} for {name} is in use (another instance?); stop it first")
    processes: list[asyncio.subprocess.Process] = []
    try:
        if arguments.with_test_server:
            processes.append(await _start_test_server(arguments.gotify_port, info))
        else:
            info.pop("gotify_url", None)
        hass = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "homeassistant", "--config", str(CONFIG), *hass_arguments, cwd=ROOT
        )
        processes.append(hass)
        await _wait_ready(info, hass)
        _save_info(info)
        _print_info(info, started=started)
        return await hass.wait()
    finally:
        for process in reversed(processes):
            if process.returncode is None:
                process.terminate()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(60):
                        await process.wait()
        for process in processes:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()


def main() -> int:
    """Print the login again (``--info``), or run Home Assistant; other options go to ``hass``."""
    parser = argparse.ArgumentParser(
        prog="scripts/develop", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--with-test-server", action="store_true", help="also run the Gotify test server")
    parser.add_argument("--info", action="store_true", help="print the addresses and the login again")
    parser.add_argument("--port", type=int, default=int(os.environ.get("HASS_PORT", "8123")))
    parser.add_argument("--gotify-port", type=int, default=int(os.environ.get("GOTIFY_PORT", "8070")))
    arguments, hass_arguments = parser.parse_known_args()
    if arguments.info:
        if (info := _info()) is None:
            print("develop: no development instance yet; run scripts/develop first", file=sys.stderr)
            return 1
        _print_info(info)
        return 0
    with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):
        return asyncio.run(develop(arguments, hass_arguments))
    return 0


if __name__ == "__main__":
    sys.exit(main())
