"""The Gotify client against the server double, on v2 and v3 behaviour."""

import asyncio
import contextlib
import logging
import re
import socket
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, cast

import aiohttp
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from custom_components.gotify.client import (
    GotifyAuthenticationError,
    GotifyCertificateError,
    GotifyClient,
    GotifyClientInfo,
    GotifyConnectionError,
    GotifyError,
    GotifyInvalidResponseError,
    GotifyMessage,
    GotifyNotFoundError,
    GotifyPayloadTooLargeError,
    GotifyRedirectError,
    GotifyServerError,
    GotifyTimeoutError,
    GotifyUnreachableError,
    GotifyValidationError,
    GotifyVersion,
    UserCredentials,
    maybe_delivered,
    normalize_url,
    parse_date,
)

from .certificates import self_signed_context
from .gotify_double import V2, V3, GotifyDouble
from .helpers import Elsewhere, wait_for

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


# --- URL normalisation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pasted", "base"),
    [
        ("http://gotify.lan", "http://gotify.lan/"),
        ("http://gotify.lan/", "http://gotify.lan/"),
        ("  https://gotify.example.com:8443  ", "https://gotify.example.com:8443/"),
        ("gotify.lan:8080", "http://gotify.lan:8080/"),
        ("https://host/gotify/", "https://host/gotify"),
        ("https://host/gotify", "https://host/gotify"),
        ("https://host/gotify/message", "https://host/gotify"),
        ("https://host/message?token=secret", "https://host/"),
        ("https://host/#/", "https://host/"),
        ("https://user:pw@host/sub/", "https://user:pw@host/sub"),
    ],
)
def test_normalize_url(pasted: str, base: str) -> None:
    assert str(normalize_url(pasted)) == base


@pytest.mark.parametrize("pasted", ["ftp://host", "http://", "ws://host/stream", ""])
def test_normalize_url_refuses(pasted: str) -> None:
    with pytest.raises(ValueError, match="not an http"):
        normalize_url(pasted)


def test_api_url_keeps_the_sub_path() -> None:
    client = GotifyClient(None, "https://host/gotify/", "C")  # type: ignore[arg-type]
    assert str(client.url("message")) == "https://host/gotify/message"
    assert str(client.url("/application/3/image")) == "https://host/gotify/application/3/image"
    assert str(GotifyClient(None, "https://host", "C").url("version")) == "https://host/version"  # type: ignore[arg-type]


def test_display_hides_credentials() -> None:
    client = GotifyClient(None, "https://user:hunter2@host/gotify", "C")  # type: ignore[arg-type]
    assert client.host == "https://host/gotify"


# --- models -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-22T07:34:18.405321455Z", datetime(2026, 11, 22, 7, 34, 18, 405321, UTC)),
        ("2026-11-22T07:34:18Z", datetime(2026, 11, 22, 7, 34, 18, tzinfo=UTC)),
        (
            "2026-11-22T08:34:18.1+01:00",
            datetime(2026, 11, 22, 8, 34, 18, 100000, timezone(timedelta(hours=1))),
        ),
    ],
)
def test_parse_date(text: str, expected: datetime) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("version", "major", "v3"),
    [("2.9.1", 2, False), ("3.0.0", 3, True), ("v3.1.0", 3, True), ("dev", 0, False)],
)
def test_version_model(version: str, major: int, v3: bool) -> None:
    parsed = GotifyVersion.from_json({"version": version})
    assert (parsed.major, parsed.client_token_can_publish) == (major, v3)


# --- server calls -------------------------------------------------------------------------------


async def test_version_and_health(client: GotifyClient, gotify: GotifyDouble) -> None:
    version = await client.version()
    assert version.version == gotify.version
    assert version.client_token_can_publish is gotify.is_v3
    assert "X-Gotify-Key" not in gotify.requests[-1].headers  # /version needs no token

    health = await client.health()
    assert health.healthy

    gotify.health = {"health": "orange", "database": "red"}
    degraded = await client.health()
    assert (degraded.healthy, degraded.database) == (False, "red")


async def test_current_user(client: GotifyClient, gotify: GotifyDouble) -> None:
    user = await client.current_user()
    assert (user.id, user.name, user.admin) == (gotify.admin.id, "admin", True)
    request = gotify.requests[-1]
    assert request.headers["X-Gotify-Key"] == gotify.client_token
    assert request.query == {}  # the token never travels in the URL


async def test_application_token_is_not_a_client_token(
    session: aiohttp.ClientSession, gotify: GotifyDouble
) -> None:
    application = gotify.add_application("Home Assistant")
    client = GotifyClient(session, gotify.url, application.token)
    with pytest.raises(GotifyAuthenticationError) as caught:
        await client.current_user()
    assert caught.value.status == 401
    assert "valid access token" in caught.value.description
    assert application.token not in str(caught.value)


# --- signing in with a password, and clients ------------------------------------------------------


def _signed_in(session: aiohttp.ClientSession, gotify: GotifyDouble, password: str = "admin") -> GotifyClient:
    return GotifyClient(session, gotify.url, UserCredentials("admin", password), timeout=2.0)


async def test_sign_in_with_a_password(session: aiohttp.ClientSession, gotify: GotifyDouble) -> None:
    user = await _signed_in(session, gotify).current_user()

    assert (user.id, user.name) == (gotify.admin.id, "admin")
    request = gotify.requests[-1]
    assert request.headers["Authorization"] == "Basic YWRtaW46YWRtaW4="  # admin:admin
    assert "X-Gotify-Key" not in request.headers
    assert request.query == {}
    with pytest.raises(GotifyAuthenticationError) as caught:
        await _signed_in(session, gotify, "wrong").current_user()
    assert (caught.value.status, caught.value.client_token) == (401, True)


async def test_a_password_beyond_latin_1(session: aiohttp.ClientSession, gotify: GotifyDouble) -> None:
    """Gotify reads basic authentication as UTF-8 (aiohttp would encode Latin-1, or fail)."""
    gotify.add_user("jürgen", "pässwörd ✓")
    client = GotifyClient(session, gotify.url, UserCredentials("jürgen", "pässwörd ✓"))
    assert (await client.current_user()).name == "jürgen"


def test_credentials_never_show_the_password(session: aiohttp.ClientSession) -> None:
    credentials = UserCredentials("admin", "hunter2")
    assert "hunter2" not in repr(credentials) + str(credentials)
    assert "admin" in repr(credentials)
    # Basic authentication in the URL (a reverse proxy's) and Gotify's own would be one header.
    with pytest.raises(ValueError, match="credentials in the URL"):
        GotifyClient(session, "http://proxy:secret@gotify.lan", credentials)


async def test_the_stream_needs_a_client_token(session: aiohttp.ClientSession, gotify: GotifyDouble) -> None:
    with pytest.raises(ValueError, match="needs a client token"):
        async with _signed_in(session, gotify).connect_stream():
            pass
    assert gotify.requests == []


async def test_create_client(session: aiohttp.ClientSession, gotify: GotifyDouble) -> None:
    client = _signed_in(session, gotify)
    expiry = 0 if gotify.is_v3 else None

    created = await client.create_client("Home Assistant", expires_after_inactivity=expiry)

    request = gotify.requests[-1]
    assert (request.method, request.path) == ("POST", "/client")
    # v2 has no such field: it is left out there.
    assert request.json == (
        {"name": "Home Assistant", "expiresAfterInactivitySeconds": 0}
        if gotify.is_v3
        else {"name": "Home Assistant"}
    )
    assert created.token is not None
    stored = gotify.clients[created.token]
    assert (created.id, created.name, stored.user_id) == (stored.id, "Home Assistant", gotify.admin.id)
    assert created.expires_after_inactivity == (0 if gotify.is_v3 else None)
    assert created.token not in repr(created)
    # The new token works as a client token.
    new = GotifyClient(session, gotify.url, created.token)
    assert (await new.current_user()).id == gotify.admin.id


@pytest.mark.parametrize("gotify_version", [V3])
async def test_a_client_that_expires(session: aiohttp.ClientSession, gotify: GotifyDouble) -> None:
    created = await _signed_in(session, gotify).create_client("Browser", expires_after_inactivity=604800)
    assert created.expires_after_inactivity == 604800
    assert gotify.clients[created.token or ""].expires_after_inactivity == 604800


async def test_create_client_needs_a_name(client: GotifyClient) -> None:
    with pytest.raises(GotifyValidationError) as caught:
        await client.create_client("")
    assert caught.value.description == "Field 'name' is required"


async def test_create_client_answer_without_a_token_is_not_gotify(
    client: GotifyClient, gotify: GotifyDouble
) -> None:
    gotify.fail_next("other_json", path="/client")
    with pytest.raises(GotifyInvalidResponseError, match="POST client"):
        await client.create_client("Home Assistant")


async def test_clients(client: GotifyClient, gotify: GotifyDouble) -> None:
    mine = gotify.add_client(gotify.admin, "phone")
    gotify.add_client(gotify.add_user("guest"), "not mine")

    clients = await client.clients()

    assert [c.name for c in clients] == ["Home Assistant setup", "phone"]
    # v2 lists every client's token; v3 shows it only when creating the client.
    assert clients[1].token == (None if gotify.is_v3 else mine.token)
    assert clients[1].expires_after_inactivity == (0 if gotify.is_v3 else None)
    assert clients[0].last_used is not None  # the token of this very request


async def test_delete_client(
    session: aiohttp.ClientSession, client: GotifyClient, gotify: GotifyDouble
) -> None:
    phone = gotify.add_client(gotify.admin, "phone")
    if gotify.is_v3:
        # A client token alone is no elevated session.
        with pytest.raises(GotifyAuthenticationError) as caught:
            await client.delete_client(phone.id)
        assert (caught.value.status, caught.value.description) == (
            403,
            "session not elevated, use basic auth or call /client:elevate",
        )
        assert phone.token in gotify.clients
    signed_in = _signed_in(session, gotify)

    await signed_in.delete_client(phone.id)

    assert phone.token not in gotify.clients
    assert (gotify.requests[-1].method, gotify.requests[-1].path) == ("DELETE", f"/client/{phone.id}")
    with pytest.raises(GotifyNotFoundError):
        await signed_in.delete_client(phone.id)


def test_client_model() -> None:
    v2 = GotifyClientInfo.from_json({"id": 3, "token": "Cabc", "name": "phone", "lastUsed": None})
    assert (v2.id, v2.name, v2.token, v2.last_used, v2.expires_after_inactivity) == (
        3,
        "phone",
        "Cabc",
        None,
        None,
    )
    v3 = GotifyClientInfo.from_json(
        {
            "id": 4,
            "token": "",
            "name": "web",
            "lastUsed": "2026-11-22T07:34:18.405321455Z",
            "createdAt": "2026-11-01T00:00:00Z",
            "expiresAfterInactivitySeconds": 604800,
            "expiresAt": "2026-11-29T07:34:18.405321455Z",
        }
    )
    assert (v3.token, v3.expires_after_inactivity) == (None, 604800)
    assert v3.last_used == datetime(2026, 11, 22, 7, 34, 18, 405321, tzinfo=UTC)
    with pytest.raises(ValueError, match="token"):
        GotifyClientInfo.created({"id": 4, "token": "", "name": "web"})
    with pytest.raises(ValueError, match="expiresAfterInactivitySeconds"):
        GotifyClientInfo.from_json({"id": 4, "name": "web", "expiresAfterInactivitySeconds": "never"})


async def test_applications(client: GotifyClient, gotify: GotifyDouble) -> None:
    first = gotify.add_application("Home Assistant", description="home", default_priority=5)
    other_user = gotify.add_user("guest")
    gotify.add_application("Not mine", user=other_user)

    applications = await client.applications()

    assert [(a.id, a.name, a.description, a.default_priority) for a in applications] == [
        (first.id, "Home Assistant", "home", 5)
    ]
    # v2 lists every application's token, v3 never does after creation.
    assert applications[0].token == (None if gotify.is_v3 else first.token)
    assert first.token not in repr(applications[0])


async def test_create_application_returns_its_token(client: GotifyClient, gotify: GotifyDouble) -> None:
    created = await client.create_application("Home Assistant", "Notifications from Home Assistant", 4)

    stored = gotify.application_named("Home Assistant")
    assert created.token == stored.token
    assert (created.id, created.description, created.default_priority) == (stored.id, stored.description, 4)
    assert gotify.requests[-1].json == {
        "name": "Home Assistant",
        "description": "Notifications from Home Assistant",
        "defaultPriority": 4,
    }
    assert gotify.requests[-1].headers["Content-Type"] == "application/json"


async def test_create_application_needs_a_name(client: GotifyClient) -> None:
    with pytest.raises(GotifyValidationError) as caught:
        await client.create_application("")
    assert caught.value.status == 400
    assert caught.value.description == "Field 'name' is required"


async def test_update_application(client: GotifyClient, gotify: GotifyDouble) -> None:
    application = gotify.add_application("Old", description="old", default_priority=1)

    updated = await client.update_application(application.id, "New", "new", 6)

    assert (updated.name, updated.description, updated.default_priority) == ("New", "new", 6)
    assert gotify.requests[-1].method == "PUT"
    assert gotify.requests[-1].json == {"name": "New", "description": "new", "defaultPriority": 6}
    with pytest.raises(GotifyNotFoundError):
        await client.update_application(999, "x", "", 0)


async def test_upload_application_image(client: GotifyClient, gotify: GotifyDouble) -> None:
    application = gotify.add_application("Home Assistant")

    updated = await client.upload_application_image(application.id, PNG, "home-assistant.png")

    assert updated.image.startswith("image/")
    assert updated.image.endswith(".png")
    assert gotify.images[updated.image.removeprefix("image/")] == PNG
    assert gotify.requests[-1].headers["Content-Type"].startswith("multipart/form-data")


@pytest.mark.parametrize(
    ("content", "filename", "reason"),
    [(PNG, "icon.svg", "invalid file extension"), (b"<svg/>", "icon.png", "file must be an image")],
)
async def test_upload_application_image_checks(
    client: GotifyClient, gotify: GotifyDouble, content: bytes, filename: str, reason: str
) -> None:
    application = gotify.add_application("Home Assistant")
    with pytest.raises(GotifyValidationError, match=reason):
        await client.upload_application_image(application.id, content, filename)


# --- messages -----------------------------------------------------------------------------------


async def test_send_message_with_application_token(client: GotifyClient, gotify: GotifyDouble) -> None:
    application = gotify.add_application("Home Assistant", default_priority=4)
    extras = {"client::display": {"contentType": "text/markdown"}}

    sent = await client.send_message(
        "Backyard motion detected.", title="Alert!", priority=9, extras=extras, app_token=application.token
    )

    request = gotify.requests[-1]
    assert (request.method, request.path, request.query) == ("POST", "/message", {})
    assert request.headers["X-Gotify-Key"] == application.token
    assert request.headers["Content-Type"] == "application/json"
    assert request.json == {
        "message": "Backyard motion detected.",
        "title": "Alert!",
        "priority": 9,
        "extras": extras,
    }
    assert (sent.appid, sent.title, sent.priority, sent.extras) == (application.id, "Alert!", 9, extras)
    assert sent.id in gotify.messages


async def test_send_message_defaults_come_from_the_server(client: GotifyClient, gotify: GotifyDouble) -> None:
    application = gotify.add_application("Home Assistant", default_priority=4)

    sent = await client.send_message("Home Assistant has started successfully.", app_token=application.token)

    assert gotify.requests[-1].json == {"message": "Home Assistant has started successfully."}
    assert (sent.title, sent.priority, sent.extras) == ("Home Assistant", 4, {})


async def test_send_message_with_client_token_and_appid(client: GotifyClient, gotify: GotifyDouble) -> None:
    application = gotify.add_application("Home Assistant")

    if gotify.is_v3:
        sent = await client.send_message("hello", appid=application.id)
        assert sent.appid == application.id
        assert gotify.requests[-1].json == {"message": "hello", "appid": application.id}
        assert gotify.requests[-1].headers["X-Gotify-Key"] == gotify.client_token
    else:
        with pytest.raises(GotifyAuthenticationError) as caught:
            await client.send_message("hello", appid=application.id)
        assert caught.value.status == 401


async def test_send_message_to_a_foreign_appid(client: GotifyClient, gotify: GotifyDouble) -> None:
    foreign = gotify.add_application("Theirs", user=gotify.add_user("guest"))
    expected: type[GotifyError] = GotifyValidationError if gotify.is_v3 else GotifyAuthenticationError
    with pytest.raises(expected) as caught:
        await client.send_message("hello", appid=foreign.id)
    if gotify.is_v3:
        assert caught.value.description == "appid not found"  # type: ignore[attr-defined]


async def test_send_message_needs_a_destination(client: GotifyClient) -> None:
    with pytest.raises(ValueError, match="application token or an appid"):
        await client.send_message("hello")


async def test_send_message_validation_error_carries_gotify_reason(
    client: GotifyClient, gotify: GotifyDouble
) -> None:
    application = gotify.add_application("Home Assistant")
    with pytest.raises(GotifyValidationError) as caught:
        await client.send_message("", app_token=application.token)
    assert caught.value.description == "Field 'message' is required"
    assert str(caught.value) == "POST message: 400 Bad Request: Field 'message' is required"
    assert application.token not in str(caught.value)


async def test_delete_message(client: GotifyClient, gotify: GotifyDouble) -> None:
    application = gotify.add_application("Home Assistant")
    message = gotify.add_message(application, "old")

    assert await client.delete_message(message.id) is None  # type: ignore[func-returns-value]  # 200, empty
    assert message.id not in gotify.messages
    with pytest.raises(GotifyNotFoundError):
        await client.delete_message(message.id)


async def test_clear_application_messages(client: GotifyClient, gotify: GotifyDouble) -> None:
    application = gotify.add_application("Home Assistant")
    other = gotify.add_application("Other")
    for text in ("one", "two"):
        gotify.add_message(application, text)
    kept = gotify.add_message(other, "kept")

    await client.clear_application_messages(application.id)

    assert list(gotify.messages) == [kept.id]
    assert gotify.requests[-1].path == f"/application/{application.id}/message"


async def test_application_messages_paging(client: GotifyClient, gotify: GotifyDouble) -> None:
    application = gotify.add_application("Home Assistant")
    ids = [gotify.add_message(application, f"m{i}", title="t", priority=i).id for i in range(5)]

    first = await client.application_messages(application.id, limit=2)
    assert [m.id for m in first.messages] == [ids[4], ids[3]]
    assert (first.size, first.limit, first.since, first.has_more) == (2, 2, ids[3], True)

    second = await client.application_messages(application.id, limit=2, since=first.since)
    assert [m.id for m in second.messages] == [ids[2], ids[1]]
    assert gotify.requests[-1].query == {"limit": "2", "since": str(ids[3])}

    last = await client.application_messages(application.id, limit=2, since=second.since)
    assert [m.id for m in last.messages] == [ids[0]]
    assert (last.has_more, last.since) == (False, 0)
    assert last.messages[0].date.tzinfo is not None


async def test_messages_after(client: GotifyClient, gotify: GotifyDouble) -> None:
    application = gotify.add_application("Home Assistant")
    ids = [gotify.add_message(application, f"m{i}").id for i in range(7)]

    other = gotify.add_application("Other")
    foreign = gotify.add_message(other, "elsewhere")

    missed = await client.messages_after(ids[1], app_id=application.id, page_size=2)

    assert [m.id for m in missed] == ids[2:]  # oldest first, nothing at or below the last one seen
    assert await client.messages_after(ids[-1], app_id=application.id) == []
    # Across the whole account, through GET /message.
    assert [m.id for m in await client.messages_after(ids[4], page_size=2)] == [*ids[5:], foreign.id]
    assert gotify.requests[-1].path == "/message"
    assert await client.newest_message_id() == foreign.id


async def test_application_messages_limit_is_checked(client: GotifyClient, gotify: GotifyDouble) -> None:
    application = gotify.add_application("Home Assistant")
    with pytest.raises(GotifyValidationError):
        await client.application_messages(application.id, limit=500)


def stream_of(client: GotifyClient, **kwargs: Any) -> AsyncGenerator[GotifyMessage]:
    """``client.stream()``: an async generator (which it is), to be closed when a test is done with it."""
    return cast(AsyncGenerator[GotifyMessage], client.stream(**kwargs))


async def next_message(messages: AsyncIterator[GotifyMessage]) -> GotifyMessage:
    return await anext(messages)


# --- stream -------------------------------------------------------------------------------------


async def test_stream_delivers_new_messages(client: GotifyClient, gotify: GotifyDouble) -> None:
    application = gotify.add_application("Home Assistant")
    received: list[str] = []

    async def listen() -> None:
        async with contextlib.aclosing(stream_of(client)) as messages:
            async for message in messages:
                received.append(message.message)
                if len(received) == 2:
                    return

    listener = asyncio.create_task(listen())
    await wait_for(lambda: gotify.stream_count == 1)
    gotify.add_message(application, "first")
    gotify.add_message(application, "second", extras={"x::y": {"z": 1}})
    await asyncio.wait_for(listener, 5)

    assert received == ["first", "second"]
    # One request, the handshake: no unauthenticated probe that a fail2ban would count against us.
    (handshake,) = gotify.requests_to("GET", "/stream")
    assert handshake.headers["Upgrade"].lower() == "websocket"
    assert "Origin" not in handshake.headers  # Gotify rejects a mismatching Origin
    assert handshake.headers["X-Gotify-Key"] == gotify.client_token
    assert handshake.query == {}
    await wait_for(lambda: gotify.stream_count == 0)


async def test_stream_refuses_application_token(session: aiohttp.ClientSession, gotify: GotifyDouble) -> None:
    application = gotify.add_application("Home Assistant")
    client = GotifyClient(session, gotify.url, application.token)
    with pytest.raises(GotifyAuthenticationError) as caught:
        await anext(client.stream())
    assert caught.value.status == 401
    assert application.token not in str(caught.value)


async def test_stream_ends_with_connection_error_when_the_server_goes(
    client: GotifyClient, gotify: GotifyDouble
) -> None:
    messages = stream_of(client)
    waiting = asyncio.create_task(next_message(messages))
    await wait_for(lambda: gotify.stream_count == 1)

    await gotify.stop()

    with pytest.raises(GotifyConnectionError, match="stream closed"):
        await asyncio.wait_for(waiting, 5)
    await messages.aclose()
    with pytest.raises(GotifyConnectionError, match="cannot connect"):
        await anext(client.stream())


async def test_stream_ends_when_the_client_is_deleted(client: GotifyClient, gotify: GotifyDouble) -> None:
    messages = stream_of(client)
    waiting = asyncio.create_task(next_message(messages))
    await wait_for(lambda: gotify.stream_count == 1)

    gotify.remove_client(gotify.client_token)

    with pytest.raises(GotifyConnectionError):
        await asyncio.wait_for(waiting, 5)
    await messages.aclose()


async def test_token_never_follows_a_redirect_elsewhere(
    session: aiohttp.ClientSession, gotify: GotifyDouble, elsewhere: Elsewhere
) -> None:
    gotify.redirect_to = elsewhere.url
    client = GotifyClient(session, gotify.url, gotify.client_token, timeout=2.0)
    application = gotify.add_application("Home Assistant")
    expected = rf"the server redirected to {re.escape(elsewhere.url)}; use that address"

    gotify.fail_next("redirect", path="/application")
    with pytest.raises(GotifyRedirectError, match=expected):
        await client.applications()
    gotify.fail_next("redirect", path="/message", method="POST")
    with pytest.raises(GotifyRedirectError, match=expected):
        await client.send_message("m", app_token=application.token)
    gotify.fail_next("redirect", path="/stream")
    with pytest.raises(GotifyRedirectError, match=expected):
        async with client.connect_stream():
            pass
    assert elsewhere.seen == []  # nothing, and no token, went there

    # Within the server's own origin a redirect is followed, token and all (POST /message/ → /message).
    sent = await client._request(  # the one path Gotify itself redirects
        "POST", "message/", token=application.token, json_body={"message": "followed"}
    )
    assert sent["message"] == "followed"


# --- failures -----------------------------------------------------------------------------------


async def test_server_error_carries_gotify_description(client: GotifyClient, gotify: GotifyDouble) -> None:
    gotify.fail_next("500")
    with pytest.raises(GotifyServerError) as caught:
        await client.current_user()
    assert (caught.value.status, caught.value.description) == (500, "database is locked")


async def test_proxy_html_error_page(client: GotifyClient, gotify: GotifyDouble) -> None:
    gotify.fail_next("502_html")
    with pytest.raises(GotifyServerError) as caught:
        await client.version()
    assert (caught.value.status, caught.value.error, caught.value.description) == (
        502,
        "Bad Gateway",
        "502 Bad Gateway",
    )


async def test_payload_too_large_from_a_proxy(client: GotifyClient, gotify: GotifyDouble) -> None:
    application = gotify.add_application("Home Assistant")
    gotify.fail_next("413_html")
    with pytest.raises(GotifyPayloadTooLargeError) as caught:
        await client.send_message("x" * 1000, app_token=application.token)
    assert caught.value.description == "413 Request Entity Too Large"


async def test_not_a_gotify_server(client: GotifyClient, gotify: GotifyDouble) -> None:
    gotify.fail_next("not_gotify")
    with pytest.raises(GotifyInvalidResponseError, match="not JSON"):
        await client.version()


async def test_json_that_is_not_a_version(client: GotifyClient, gotify: GotifyDouble) -> None:
    gotify.fail_next("other_json")
    with pytest.raises(
        GotifyInvalidResponseError,
        match="GET version: the server's answer is not Gotify's: 'version' is not text",
    ):
        await client.version()
    gotify.fail_next("other_json")
    with pytest.raises(
        GotifyInvalidResponseError,
        match="GET health: the server's answer is not Gotify's: 'health' is not text",
    ):
        await client.health()


async def test_timeout(session: aiohttp.ClientSession, gotify: GotifyDouble) -> None:
    client = GotifyClient(session, gotify.url, gotify.client_token, timeout=0.2)
    gotify.hang_seconds = 5
    gotify.fail_next("hang")
    with pytest.raises(GotifyTimeoutError, match=r"did not answer within 0.2 s"):
        await client.current_user()


async def test_dropped_connection(client: GotifyClient, gotify: GotifyDouble) -> None:
    application = gotify.add_application("Home Assistant")
    gotify.fail_next("drop")
    # A POST is not retried by aiohttp, so the drop reaches the caller.
    with pytest.raises(GotifyConnectionError):
        await client.send_message("hello", app_token=application.token)


async def test_dropped_idempotent_request_is_retried_once(client: GotifyClient, gotify: GotifyDouble) -> None:
    await client.version()  # a kept-alive connection for aiohttp to reuse
    gotify.fail_next("drop")
    assert (await client.version()).version == gotify.version
    assert len(gotify.requests_to("GET", "/version")) == 3


async def test_connection_refused(client: GotifyClient, gotify: GotifyDouble) -> None:
    await gotify.stop()
    with pytest.raises(GotifyUnreachableError, match="cannot connect") as caught:
        await client.version()
    assert not maybe_delivered(caught.value)
    await gotify.start()
    assert (await client.version()).version == gotify.version


class _NoSuchHost(AbstractResolver):
    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        raise OSError(socket.EAI_NONAME, "Name or service not known")

    async def close(self) -> None:
        pass


async def test_dns_failure(socket_enabled: None) -> None:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=_NoSuchHost())) as session:
        client = GotifyClient(session, "https://gotify.invalid", "Cxxxxxxxxxxxxxx")
        with pytest.raises(GotifyConnectionError, match="cannot connect"):
            await client.version()


async def test_self_signed_certificate(
    session: aiohttp.ClientSession, tmp_path: Path, unused_tcp_port_factory: Callable[[], int]
) -> None:
    double = GotifyDouble(V3, ssl_context=self_signed_context(tmp_path))
    await double.start(unused_tcp_port_factory())
    try:
        strict = GotifyClient(session, double.url, double.client_token)
        with pytest.raises(GotifyCertificateError, match="certificate not accepted"):
            await strict.version()

        relaxed = GotifyClient(session, double.url, double.client_token, verify_ssl=False)
        assert (await relaxed.version()).version == V3
        assert (await relaxed.current_user()).name == "admin"
    finally:
        await double.stop()


async def test_behind_a_reverse_proxy_sub_path(
    session: aiohttp.ClientSession, unused_tcp_port_factory: Callable[[], int], gotify_version: str
) -> None:
    double = GotifyDouble(gotify_version, base_path="/gotify")
    await double.start(unused_tcp_port_factory())
    try:
        for pasted in (double.url, double.url + "/", double.url + "/message"):
            client = GotifyClient(session, pasted, double.client_token)
            assert (await client.current_user()).name == "admin"
        application = double.add_application("Home Assistant")
        await client.send_message("hello", app_token=application.token)
        assert double.requests[-1].path == "/message"
        assert double.messages
    finally:
        await double.stop()


async def test_no_secret_in_errors_or_logs(
    session: aiohttp.ClientSession, gotify: GotifyDouble, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url = gotify.url.replace("http://", "http://user:hunter2@")
    client = GotifyClient(session, url, gotify.client_token, timeout=0.3)
    application = gotify.add_application("Home Assistant")
    gotify.hang_seconds = 5
    errors: list[BaseException] = []
    for failure in ("500", "502_html", "413_html", "hang", "drop", "not_gotify"):
        gotify.fail_next(failure)
        with pytest.raises(GotifyError) as caught:
            await client.send_message("hello", app_token=application.token)
        errors.append(caught.value)
    await gotify.stop()
    for call in (client.current_user(), anext(client.stream())):
        with pytest.raises(GotifyError) as caught:
            await call
        errors.append(caught.value)

    texts = [str(e) + repr(e) for e in errors] + [caplog.text]
    for secret in (gotify.client_token, application.token, "hunter2"):
        assert all(secret not in text for text in texts)


async def test_no_password_in_errors_or_logs(
    session: aiohttp.ClientSession, gotify: GotifyDouble, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    credentials = UserCredentials("admin", "hunter2")
    client = GotifyClient(session, gotify.url, credentials, timeout=0.3)
    gotify.hang_seconds = 5
    errors: list[BaseException] = []
    for failure in ("401", "500", "502_html", "hang", "drop", "not_gotify", "redirect"):
        gotify.fail_next(failure)
        with pytest.raises(GotifyError) as caught:
            await client.create_client("Home Assistant")
        errors.append(caught.value)
    await gotify.stop()
    with pytest.raises(GotifyError) as caught:
        await client.current_user()
    errors.append(caught.value)

    texts = [str(e) + repr(e) + repr(e.__cause__) for e in errors] + [caplog.text]
    secret = credentials.authorization.removeprefix("Basic ")
    assert all("hunter2" not in text and secret not in text for text in texts)


def test_versions_under_test() -> None:
    assert GotifyDouble(V2).is_v3 is False
    assert GotifyDouble(V3).is_v3 is True


async def test_stream_stays_up_on_pings_alone(
    client: GotifyClient, gotify: GotifyDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    pongs = 0
    pong = aiohttp.ClientWebSocketResponse.pong

    async def counting_pong(socket: aiohttp.ClientWebSocketResponse, message: bytes = b"") -> None:
        nonlocal pongs
        pongs += 1
        await pong(socket, message)

    monkeypatch.setattr(aiohttp.ClientWebSocketResponse, "pong", counting_pong)
    gotify.ping_interval = 0.05
    messages = stream_of(client, idle_timeout=0.3)
    waiting = asyncio.create_task(next_message(messages))
    # 20 pings answered: a second, several idle timeouts' worth of silence but for the pings. Had the
    # idle timeout fired, the stream would have ended first.
    await wait_for(lambda: pongs >= 20 or waiting.done())
    assert not waiting.done()
    gotify.add_message(gotify.add_application("Home Assistant"), "still here")
    assert (await asyncio.wait_for(waiting, 5)).message == "still here"
    await messages.aclose()


async def test_stream_silent_past_the_idle_timeout(client: GotifyClient, gotify: GotifyDouble) -> None:
    gotify.ping_interval = None  # a half-open connection: nothing arrives any more
    messages = stream_of(client, idle_timeout=0.2)
    with pytest.raises(GotifyTimeoutError, match=r"stream silent for 0\.2 s"):
        await anext(messages)
    await messages.aclose()


async def test_is_application_token(client: GotifyClient, gotify: GotifyDouble) -> None:
    application = gotify.add_application("Home Assistant")

    assert await client.is_application_token(application.token) is True
    assert await client.is_application_token("Cnot-a-token00") is False
    assert gotify.messages == {}  # the probe publishes nothing
    assert gotify.requests[-1].json == {}


async def test_newest_message_id_of_an_empty_account(client: GotifyClient) -> None:
    assert await client.newest_message_id() == 0


@pytest.mark.parametrize(
    ("failure", "expected"),
    [("drop", True), ("502_html", True), ("500", False), ("413_html", False)],
)
async def test_maybe_delivered(
    client: GotifyClient, gotify: GotifyDouble, failure: Any, expected: bool
) -> None:
    application = gotify.add_application("Home Assistant")
    gotify.fail_next(failure)
    with pytest.raises(GotifyError) as caught:
        await client.send_message("m", app_token=application.token)
    assert maybe_delivered(caught.value) is expected


def test_reasons_never_quote_a_url() -> None:
    from custom_components.gotify.client.errors import reason as _reason

    assert _reason(aiohttp.InvalidURL("https://user:hunter2@host:99999/")) == "invalid URL"


async def test_stream_token_never_follows_a_redirect_of_the_handshake(
    session: aiohttp.ClientSession, gotify: GotifyDouble, elsewhere: Any
) -> None:
    """A proxy that redirects only requests carrying the token: the handshake itself is redirected."""
    gotify.redirect_to = elsewhere.url
    client = GotifyClient(session, gotify.url, gotify.client_token, timeout=2.0)
    gotify.fail_next("redirect_authenticated", path="/stream")
    with pytest.raises(GotifyRedirectError, match=f"the server redirected to {elsewhere.url}; use"):
        async with client.connect_stream():
            pass
    assert elsewhere.seen == []
    # Without a redirect the same client streams, on the session's own connection pool.
    async with client.connect_stream():
        assert gotify.stream_count == 1


@pytest.mark.parametrize("location", ["http://[bad", "mailto:"])
async def test_malformed_redirect_is_not_gotify(
    session: aiohttp.ClientSession, gotify: GotifyDouble, location: str
) -> None:
    gotify.redirect_to = location
    client = GotifyClient(session, gotify.url, gotify.client_token, timeout=2.0)
    gotify.fail_next("redirect", path="/application")
    with pytest.raises(GotifyInvalidResponseError, match="not a valid address"):
        await client.applications()


async def test_image_upload_follows_a_redirect_within_the_server(
    session: aiohttp.ClientSession, gotify: GotifyDouble
) -> None:
    """A 307 keeps the method and the body: the form is sent again, not reused."""
    client = GotifyClient(session, gotify.url, gotify.client_token, timeout=2.0)
    application = gotify.add_application("Home Assistant")
    gotify.redirect_to = gotify.url
    gotify.fail_next("redirect", path=f"/application/{application.id}/image")
    png = b"\x89PNG\r\n\x1a\n" + bytes(64)
    updated = await client.upload_application_image(application.id, png, "icon.png")
    assert updated.image
    uploads = gotify.requests_to("POST", f"/application/{application.id}/image")
    assert len(uploads) == 2
    assert all(png in upload.body for upload in uploads)
