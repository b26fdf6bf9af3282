"""The server double's subtler rules, checked with a plain HTTP client so the double stays honest."""

import base64
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from .gotify_double import GotifyDouble

BASIC_ADMIN = {"Authorization": "Basic " + base64.b64encode(b"admin:admin").decode()}


async def _call(
    session: aiohttp.ClientSession, gotify: GotifyDouble, method: str, path: str, **kwargs: Any
) -> tuple[int, Any]:
    async with session.request(method, gotify.url + path, allow_redirects=False, **kwargs) as response:
        body = await response.read()
        if not body.strip() or response.content_type != "application/json":
            return response.status, body.decode() or None
        return response.status, await response.json()


def test_token_formats(gotify_version: str) -> None:
    double = GotifyDouble(gotify_version)
    client, application = double.client_token, double.add_application("x").token
    if double.is_v3:
        assert re.fullmatch(r"gtfyc\.[A-Za-z0-9_-]{43}", client)
        assert re.fullmatch(r"gtfya\.[A-Za-z0-9_-]{43}", application)
    else:
        assert re.fullmatch(r"C[A-Za-z0-9._-]{14}", client)
        assert re.fullmatch(r"A[A-Za-z0-9._-]{14}", application)


async def test_every_way_to_pass_a_token(session: aiohttp.ClientSession, gotify: GotifyDouble) -> None:
    token = gotify.client_token
    for kwargs in (
        {"params": {"token": token}},
        {"headers": {"X-Gotify-Key": token}},
        {"headers": {"Authorization": f"bearer {token}"}},
        {"headers": BASIC_ADMIN},
    ):
        assert (await _call(session, gotify, "GET", "/current/user", **kwargs))[0] == 200
    status, body = await _call(session, gotify, "GET", "/current/user")
    assert status == 401
    assert body == {
        "error": "Unauthorized",
        "errorCode": 401,
        "errorDescription": "you need to provide a valid access token or user credentials to access this api",
    }


async def test_publishing_rules_by_version(session: aiohttp.ClientSession, gotify: GotifyDouble) -> None:
    application = gotify.add_application("app")
    client_key = {"X-Gotify-Key": gotify.client_token}

    status, body = await _call(session, gotify, "POST", "/message", json={"message": "m"}, headers=client_key)
    if gotify.is_v3:
        assert (status, body["errorDescription"]) == (
            400,
            "appid is required when not authenticating with an application token",
        )
    else:
        assert status == 401

    status, _ = await _call(
        session,
        gotify,
        "POST",
        "/message",
        json={"message": "m", "appid": application.id},
        headers=BASIC_ADMIN,
    )
    assert status == (200 if gotify.is_v3 else 403)

    # An application token on a client endpoint is always 401.
    status, _ = await _call(
        session, gotify, "GET", "/application", headers={"X-Gotify-Key": application.token}
    )
    assert status == 401


async def test_message_validation(session: aiohttp.ClientSession, gotify: GotifyDouble) -> None:
    application = gotify.add_application("app", default_priority=6)
    key = {"X-Gotify-Key": application.token}

    status, body = await _call(
        session, gotify, "POST", "/message", json={"message": "m", "priority": "5"}, headers=key
    )
    assert status == 400
    assert "cannot unmarshal string" in body["errorDescription"]
    status, body = await _call(session, gotify, "POST", "/message", json={"title": "t"}, headers=key)
    assert (status, body["errorDescription"]) == (400, "Field 'message' is required")
    # JSON without its content type is read as a form, which has no 'message' field.
    status, body = await _call(session, gotify, "POST", "/message", data=b'{"message": "m"}', headers=key)
    assert (status, body["errorDescription"]) == (400, "Field 'message' is required")

    status, body = await _call(
        session,
        gotify,
        "POST",
        "/message",
        json={"message": "m", "title": "  ", "priority": None},
        headers=key,
    )
    assert (status, body["title"], body["priority"], "extras" in body) == (200, "app", 6, False)
    status, body = await _call(
        session, gotify, "POST", "/message", json={"message": "m", "priority": 0}, headers=key
    )
    assert body["priority"] == 0
    for priority in (99, -5):
        status, body = await _call(
            session, gotify, "POST", "/message", json={"message": "m", "priority": priority}, headers=key
        )
        assert (status, body["priority"]) == (200, priority)
    # A form body carries no extras.
    status, body = await _call(
        session,
        gotify,
        "POST",
        "/message",
        data={"message": "form", "priority": "2", "extras": "{}"},
        headers=key,
    )
    assert (status, body["priority"], "extras" in body) == (200, 2, False)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z", body["date"])

    status, _ = await _call(session, gotify, "POST", "/message/", json={"message": "m"}, headers=key)
    assert status == 307


async def test_listing_and_deleting(session: aiohttp.ClientSession, gotify: GotifyDouble) -> None:
    application = gotify.add_application("app")
    client_key = {"X-Gotify-Key": gotify.client_token}
    _, listed = await _call(session, gotify, "GET", "/application", headers=client_key)
    assert ("token" in listed[0]) is not gotify.is_v3
    assert ("createdAt" in listed[0]) is gotify.is_v3

    ids = [gotify.add_message(application, str(i)).id for i in range(3)]
    _, page = await _call(
        session, gotify, "GET", f"/application/{application.id}/message?limit=2", headers=client_key
    )
    assert page["paging"] == {
        "size": 2,
        "since": ids[1],
        "limit": 2,
        "next": f"/application/{application.id}/message?limit=2&since={ids[1]}",
    }
    status, _ = await _call(
        session, gotify, "GET", f"/application/{application.id}/message?limit=0", headers=client_key
    )
    assert status == 400

    async with session.delete(f"{gotify.url}/message/{ids[0]}", headers=client_key) as response:
        assert (response.status, await response.read(), response.content_type) == (
            200,
            b"",
            "application/json",
        )
    assert (await _call(session, gotify, "DELETE", f"/message/{ids[0]}", headers=client_key))[0] == 404

    status, body = await _call(
        session, gotify, "DELETE", f"/application/{application.id}", headers=client_key
    )
    if gotify.is_v3:
        assert (status, body["errorDescription"]) == (
            403,
            "session not elevated, use basic auth or call /client:elevate",
        )
    else:
        assert status == 200
        assert application.id not in gotify.applications

    status, body = await _call(session, gotify, "GET", "/nowhere")
    assert (status, body["errorDescription"]) == (404, "page not found")


async def test_creating_a_client(session: aiohttp.ClientSession, gotify: GotifyDouble) -> None:
    status, body = await _call(
        session,
        gotify,
        "POST",
        "/client",
        json={"name": "Home Assistant", "expiresAfterInactivitySeconds": 3600},
        headers=BASIC_ADMIN,
    )
    assert status == 200
    stored = gotify.clients[body["token"]]
    assert (stored.id, stored.name, stored.user_id) == (body["id"], "Home Assistant", gotify.admin.id)
    if gotify.is_v3:
        assert set(body) == {
            "id",
            "token",
            "name",
            "lastUsed",
            "createdAt",
            "expiresAfterInactivitySeconds",
            "expiresAt",
        }
        assert body["expiresAfterInactivitySeconds"] == 3600
    else:
        # v2 binds only the name: the field is neither refused nor kept.
        assert set(body) == {"id", "token", "name", "lastUsed"}
    assert stored.expires_after_inactivity == (3600 if gotify.is_v3 else 0)

    _, never = await _call(
        session,
        gotify,
        "POST",
        "/client",
        json={"name": "cli", "expiresAfterInactivitySeconds": 0},
        headers=BASIC_ADMIN,
    )
    assert "expiresAt" not in never  # 0: never expires
    # A plain client token may create clients too.
    status, _ = await _call(
        session, gotify, "POST", "/client", json={"name": "x"}, headers={"X-Gotify-Key": gotify.client_token}
    )
    assert status == 200

    status, body = await _call(
        session,
        gotify,
        "POST",
        "/client",
        json={"name": "x", "expiresAfterInactivitySeconds": -1},
        headers=BASIC_ADMIN,
    )
    assert status == (400 if gotify.is_v3 else 200)
    status, body = await _call(session, gotify, "POST", "/client", json={}, headers=BASIC_ADMIN)
    assert (status, body["errorDescription"]) == (400, "Field 'name' is required")
    wrong = {"Authorization": "Basic " + base64.b64encode(b"admin:wrong").decode()}
    status, _ = await _call(session, gotify, "POST", "/client", json={"name": "x"}, headers=wrong)
    assert status == 401


async def test_listing_and_deleting_clients(session: aiohttp.ClientSession, gotify: GotifyDouble) -> None:
    phone = gotify.add_client(gotify.admin, "phone")
    guest = gotify.add_client(gotify.add_user("guest"), "guest's")
    client_key = {"X-Gotify-Key": gotify.client_token}

    _, listed = await _call(session, gotify, "GET", "/client", headers=client_key)
    assert [c["name"] for c in listed] == ["Home Assistant setup", "phone"]
    # v3 shows a client's token only when it is created.
    assert listed[1]["token"] == ("" if gotify.is_v3 else phone.token)

    status, body = await _call(session, gotify, "DELETE", f"/client/{phone.id}", headers=client_key)
    if gotify.is_v3:
        assert (status, body["errorDescription"]) == (
            403,
            "session not elevated, use basic auth or call /client:elevate",
        )
        assert phone.token in gotify.clients
    else:
        assert status == 200
        assert phone.token not in gotify.clients
        phone = gotify.add_client(gotify.admin, "phone")

    # Basic authentication is an elevated session on v3.
    assert await _call(session, gotify, "DELETE", f"/client/{phone.id}", headers=BASIC_ADMIN) == (200, None)
    assert phone.token not in gotify.clients
    status, body = await _call(session, gotify, "DELETE", f"/client/{phone.id}", headers=BASIC_ADMIN)
    assert (status, body["errorDescription"]) == (404, f"client with id {phone.id} doesn't exists")
    status, _ = await _call(session, gotify, "DELETE", f"/client/{guest.id}", headers=BASIC_ADMIN)
    assert status == 404
    assert guest.token in gotify.clients


async def test_stream_rejects_a_foreign_origin(session: aiohttp.ClientSession, gotify: GotifyDouble) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
        await session.ws_connect(
            gotify.url + "/stream",
            headers={"X-Gotify-Key": gotify.client_token},
            origin="http://evil.example",
        )
    assert caught.value.status == 403
    socket = await session.ws_connect(gotify.url + "/stream", params={"token": gotify.client_token})
    assert gotify.stream_count == 1
    await socket.close()


async def test_unhealthy_server(session: aiohttp.ClientSession, gotify: GotifyDouble) -> None:
    gotify.health = {"health": "orange", "database": "red"}
    assert await _call(session, gotify, "GET", "/health") == (500, {"health": "orange", "database": "red"})
    status, _ = await _call(session, gotify, "GET", "/gotifyinfo")
    assert status == (200 if gotify.is_v3 else 404)


async def test_state_survives_a_restart(
    session: aiohttp.ClientSession,
    gotify_version: str,
    tmp_path: Path,
    unused_tcp_port_factory: Callable[[], int],
    socket_enabled: None,
) -> None:
    """``--state FILE`` (scripts/develop): a second run serves the same tokens, applications, messages."""
    state = tmp_path / "state.json"
    first = GotifyDouble(gotify_version)
    first.load_state(state)
    port = unused_tcp_port_factory()
    await first.start(port)
    headers = {"X-Gotify-Key": first.client_token}
    async with session.post(f"{first.url}/application", json={"name": "Garage"}, headers=headers) as response:
        garage = await response.json()
    async with session.post(
        f"{first.url}/message",
        json={"message": "door", "priority": 5},
        headers={"X-Gotify-Key": garage["token"]},
    ) as response:
        assert response.status == 200
    await first.stop()

    second = GotifyDouble(gotify_version)
    second.load_state(state)
    await second.start(port)
    try:
        assert second.client_token == first.client_token
        async with session.get(f"{second.url}/application", headers=headers) as response:
            assert [app["name"] for app in await response.json()] == ["Garage"]
        async with session.get(f"{second.url}/message", headers=headers) as response:
            assert [m["message"] for m in (await response.json())["messages"]] == ["door"]
        assert second.application_named("Garage").created_at == first.application_named("Garage").created_at
        [setup] = second.clients.values()
        assert setup.created_at == first.clients[first.client_token].created_at
    finally:
        await second.stop()
