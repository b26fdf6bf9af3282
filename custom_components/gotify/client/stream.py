"""Gotify's ``/stream`` websocket: the handshake, guarded against redirects, and the frames it carries."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any, Final

import aiohttp
from yarl import URL

from .errors import (
    GotifyConnectionError,
    GotifyInvalidResponseError,
    GotifyRedirectError,
    GotifyTimeoutError,
    error_class,
    reason,
    transport_errors,
)
from .models import NOT_GOTIFY, GotifyMessage, json_loads, read_model
from .ratelimit import RateLimitedLog
from .urls import join_location

_LOGGER = logging.getLogger(__name__)

# Gotify pings every stream every 45 s: a socket silent for longer than this is dead.
STREAM_IDLE_TIMEOUT: Final = 120.0
TOKEN_HEADER: Final = "X-Gotify-Key"  # noqa: S105 - a header name, not a secret


def _redirect_guard() -> aiohttp.TraceConfig:
    """Return a trace config under which a redirect that leaves the origin raises.

    aiohttp follows a websocket handshake's redirects itself and sends every header along, the token
    too; this stops it before it does.
    """

    async def on_redirect(
        _session: aiohttp.ClientSession, _context: Any, params: aiohttp.TraceRequestRedirectParams
    ) -> None:
        path = params.url.path.lstrip("/")
        target = join_location(params.url, params.response.headers.get("Location", ""))
        if target is None:
            raise GotifyInvalidResponseError(
                f"{params.method} {path}: redirected to what is not a valid address"
            )
        if target.origin() != params.url.origin():
            raise GotifyRedirectError(params.method, path, target)

    guard = aiohttp.TraceConfig()
    guard.on_request_redirect.append(on_redirect)
    guard.freeze()
    return guard


_REDIRECT_GUARD: Final = _redirect_guard()


class SkippedFrames:
    """Counts the stream frames that were not a message, and logs them at most once a minute."""

    def __init__(self) -> None:
        """Start with no frame skipped."""
        self.count = 0
        self._log = RateLimitedLog(_LOGGER)

    def skip(self, host: str, err: Exception) -> None:
        """Count one frame that was not a message."""
        self.count += 1
        self._log.warning("Ignored a stream frame from %s that is not a message: %s", host, err)


@contextlib.asynccontextmanager
async def open_stream(
    session: aiohttp.ClientSession,
    url: URL,
    token: str,
    *,
    host: str,
    ssl: bool,
    timeout: float,  # noqa: ASYNC109 - the handshake's, not the caller's
    idle_timeout: float,
    skipped: SkippedFrames,
) -> AsyncIterator[AsyncIterator[GotifyMessage]]:
    """Open the stream at ``url``; inside the block the socket is open and the iterator yields messages.

    aiohttp follows a websocket handshake's redirects itself, headers and all: the handshake goes
    through a session with the redirect guard, on the injected session's connection pool.
    """
    guarded = aiohttp.ClientSession(
        connector=session.connector,
        connector_owner=False,
        headers=session.headers,
        trace_configs=[_REDIRECT_GUARD],
    )
    async with guarded:
        with transport_errors(host, "GET", "stream", timeout):
            try:
                async with asyncio.timeout(timeout):
                    # No Origin header (Gotify refuses a foreign one); pings are answered below, where
                    # their arrival also proves the connection alive.
                    socket = await guarded.ws_connect(
                        url, headers={TOKEN_HEADER: token}, ssl=ssl, autoping=False
                    )
            except aiohttp.WSServerHandshakeError as err:
                raise error_class(err.status)(
                    err.status,
                    "Handshake refused",
                    err.message or "websocket refused",
                    method="GET",
                    path="stream",
                ) from err
        async with socket:
            yield _frames(socket, host, idle_timeout, skipped)


async def _frames(
    socket: aiohttp.ClientWebSocketResponse, host: str, idle_timeout: float, skipped: SkippedFrames
) -> AsyncIterator[GotifyMessage]:
    while True:
        try:
            frame = await socket.receive(timeout=idle_timeout)
        except TimeoutError as err:
            raise GotifyTimeoutError(f"{host}: stream silent for {idle_timeout:g} s") from err
        if frame.type is aiohttp.WSMsgType.TEXT:
            try:
                message = read_model("GET", "stream", GotifyMessage.from_json, json_loads(frame.data))
            except (GotifyInvalidResponseError, *NOT_GOTIFY) as err:
                skipped.skip(host, err)
                continue
            yield message
        elif frame.type is aiohttp.WSMsgType.PING:
            await socket.pong(frame.data)
        elif frame.type is aiohttp.WSMsgType.ERROR:
            raise GotifyConnectionError(f"{host}: stream broken ({reason(socket.exception())})")
        elif frame.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED):
            raise GotifyConnectionError(f"{host}: stream closed (code {socket.close_code})")
