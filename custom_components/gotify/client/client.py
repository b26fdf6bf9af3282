"""The REST side of the Gotify API: server, clients, applications and messages, with one client token.

Or with a user's name and password (HTTP basic authentication), which Gotify takes wherever it takes a
client token: what makes a client token for an account whose user has none yet.
"""

import asyncio
import base64
import contextlib
import logging
import math
import re
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import aiohttp
from yarl import URL

from .errors import (
    GotifyAuthenticationError,
    GotifyInvalidResponseError,
    GotifyRedirectError,
    GotifyResponseError,
    GotifyValidationError,
    error_class,
    transport_error,
)
from .models import (
    GotifyApplication,
    GotifyClientInfo,
    GotifyHealth,
    GotifyMessage,
    GotifyPagedMessages,
    GotifyUser,
    GotifyVersion,
    JSONObject,
    json_loads,
    list_of,
    read_model,
)
from .stream import STREAM_IDLE_TIMEOUT, TOKEN_HEADER, SkippedFrames, open_stream
from .urls import display_url, join_location, normalize_url

_LOGGER = logging.getLogger(__name__)

DEFAULT_TIMEOUT: Final = 10.0
MAX_REDIRECTS: Final = 5
_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})
_URLS_KEPT: Final = 64  # API URLs kept built; paths with ids in them come and go
_TOKENS_KEPT: Final = 64  # request headers kept made, per token; a config flow tries tokens that go


@dataclass(frozen=True, slots=True)
class UserCredentials:
    """A Gotify user's name and password, sent as HTTP basic authentication (never shown: see ``repr``)."""

    username: str
    password: str = field(repr=False)

    @property
    def authorization(self) -> str:
        """The ``Authorization`` header's value; UTF-8, as Gotify reads it (aiohttp's default is Latin-1)."""
        pair = f"{self.username}:{self.password}".encode()
        return f"Basic {base64.b64encode(pair).decode()}"


class GotifyClient:
    """Talks to one Gotify server with one client token, or signed in with a user's name and password.

    Publishing goes either with an application token (every server version) or with the client token
    plus ``appid`` (v3 servers only). Signed in with a password, a v3 server counts every request as an
    elevated session (it may delete clients); the stream needs a client token.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str | URL,
        client_token: str | UserCredentials,
        *,
        verify_ssl: bool = True,
        timeout: float = DEFAULT_TIMEOUT,
        on_token_refused: Callable[[], None] | None = None,
    ) -> None:
        """Set up the client of the server at ``url``; nothing is sent before the first call."""
        self._session = session
        # Called whenever the server refuses the client token (not an application token), or the password.
        self._on_token_refused = on_token_refused
        self._base = url if isinstance(url, URL) else normalize_url(url)
        if isinstance(client_token, UserCredentials) and (self._base.user or self._base.password):
            # Both would be the one Authorization header (aiohttp refuses the pair).
            raise ValueError("a user's password cannot go with credentials in the URL")
        self._client_token = client_token
        self._ssl = verify_ssl
        self._timeout = timeout
        self._skipped = SkippedFrames()
        # The base URL never changes: what is made of it is made once.
        self._host = display_url(self._base).rstrip("/")
        self._urls: dict[str, URL] = {}
        self._client_timeout = _client_timeout(timeout)
        # The headers of each token's requests, made once: aiohttp copies them, never changes them.
        self._plain_headers: Final = {"Accept": "application/json"}
        self._client_headers: Final = {
            **self._plain_headers,
            **(
                {"Authorization": client_token.authorization}
                if isinstance(client_token, UserCredentials)
                else {TOKEN_HEADER: client_token}
            ),
        }
        self._token_headers: dict[str, dict[str, str]] = {}

    @property
    def skipped_frames(self) -> int:
        """Stream frames that were not a message, skipped (and logged, at most once a minute)."""
        return self._skipped.count

    @property
    def base_url(self) -> URL:
        """The server's base URL as normalized; it may carry credentials (``host`` is for showing)."""
        return self._base

    @property
    def host(self) -> str:
        """The server's address as it may be shown to the user."""
        return self._host

    def url(self, path: str) -> URL:
        """Return the absolute URL of an API path, below the base URL's own path."""
        if (url := self._urls.get(path)) is None:
            if len(self._urls) >= _URLS_KEPT:
                self._urls.clear()
            base_path = self._base.path.rstrip("/")
            url = self._urls[path] = self._base.with_path(f"{base_path}/{path.lstrip('/')}")
        return url

    # -- plumbing ---------------------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        authenticated: bool = True,
        params: Mapping[str, str | int] | None = None,
        json_body: Any = None,
        data: Callable[[], aiohttp.FormData] | None = None,
        accept_status: tuple[int, ...] = (),
    ) -> Any:
        """Send one request and return the decoded JSON body (``None`` for an empty body).

        Redirects are followed only within the server's origin: the token is never sent elsewhere
        (aiohttp would strip ``Authorization`` across origins, but not ``X-Gotify-Key``).
        """
        headers = self._headers(token) if authenticated else self._plain_headers
        url = self.url(path)
        requested = method  # a transport error names the request made, not a redirect's GET
        # aiohttp's own timer, not asyncio.timeout around it: aiohttp always runs one (the session's
        # default), so one timer per request instead of two. Redirects share what is left of it. A try,
        # not a context manager made by a generator for every request.
        timeout = self._client_timeout
        deadline = asyncio.get_running_loop().time() + self._timeout
        try:
            for _ in range(MAX_REDIRECTS + 1):
                async with self._session.request(
                    method,
                    url,
                    headers=headers,
                    params=params,
                    json=json_body,
                    data=None if data is None else data(),  # a form is sent once: build it each time
                    ssl=self._ssl,
                    allow_redirects=False,
                    timeout=timeout,
                ) as response:
                    body = await response.read()
                    _LOGGER.debug("%s %s %s -> %s", method, self._host, path, response.status)
                    if response.status in _REDIRECTS and (location := response.headers.get("Location")):
                        url = self._same_origin(method, path, join_location(url, location))
                        params = None  # the Location carries the query
                        if response.status in (301, 302, 303):
                            method, json_body, data = "GET", None, None
                        # (a total of 0 would be no limit at all for aiohttp: at least a millisecond)
                        timeout = _client_timeout(max(deadline - asyncio.get_running_loop().time(), 0.001))
                        continue
                    if response.status >= 400 and response.status not in accept_status:
                        raise self._refused(
                            self._response_error(method, path, response, body),
                            client_token=authenticated and token is None,
                        )
                    return self._decode(method, path, body)
        except (TimeoutError, aiohttp.ClientError) as err:
            raise transport_error(self.host, requested, path, self._timeout, err) from err
        raise GotifyInvalidResponseError(f"{method} {path}: more than {MAX_REDIRECTS} redirects")

    def _headers(self, token: str | None) -> dict[str, str]:
        """Return the headers of a request with ``token`` (the client token when none)."""
        if not token:
            return self._client_headers
        if (headers := self._token_headers.get(token)) is None:
            if len(self._token_headers) >= _TOKENS_KEPT:
                self._token_headers.clear()
            headers = self._token_headers[token] = {**self._plain_headers, TOKEN_HEADER: token}
        return headers

    def _refused(self, err: GotifyResponseError, *, client_token: bool) -> GotifyResponseError:
        """Mark which token a 401/403 refused, and report a refused client token."""
        if isinstance(err, GotifyAuthenticationError):
            err.client_token = client_token
            if client_token and self._on_token_refused is not None:
                self._on_token_refused()
        return err

    def _same_origin(self, method: str, path: str, target: URL | None) -> URL:
        if target is None:
            raise GotifyInvalidResponseError(f"{method} {path}: redirected to what is not a valid address")
        if target.origin() != self._base.origin():
            raise GotifyRedirectError(method, path, target)
        return target

    @staticmethod
    def _decode(method: str, path: str, body: bytes) -> Any:
        if not body or body.isspace():  # as body.strip() would be empty, without copying the body
            return None
        try:
            return json_loads(body)
        except ValueError as err:
            raise GotifyInvalidResponseError(f"{method} {path}: the answer is not JSON") from err

    @staticmethod
    def _response_error(
        method: str, path: str, response: aiohttp.ClientResponse, body: bytes
    ) -> GotifyResponseError:
        status = response.status
        error = response.reason or "Error"
        description = ""
        try:
            data = json_loads(body)
        except ValueError:
            data = None
        if isinstance(data, dict) and ("errorDescription" in data or "error" in data):
            error = str(data.get("error") or error)
            description = str(data.get("errorDescription") or "")
        else:
            # Not Gotify's JSON: a reverse proxy's page (nginx 413, Traefik 502, ...).
            description = _html_title(body) or "the answer did not come from Gotify"
        return error_class(status)(status, error, description or error, method=method, path=path)

    # -- server ----------------------------------------------------------------------------------

    async def version(self) -> GotifyVersion:
        """``GET /version`` (no authentication): tells Gotify from anything else, and v2 from v3."""
        data = await self._request("GET", "version", authenticated=False)
        return read_model("GET", "version", GotifyVersion.from_json, data)

    async def health(self) -> GotifyHealth:
        """``GET /health``; a degraded server answers 500 with the same shape, returned as is."""
        data = await self._request("GET", "health", authenticated=False, accept_status=(500,))
        return read_model("GET", "health", GotifyHealth.from_json, data)

    async def current_user(self) -> GotifyUser:
        """``GET /current/user``: succeeds only with a client token."""
        data = await self._request("GET", "current/user")
        return read_model("GET", "current/user", GotifyUser.from_json, data)

    # -- clients ---------------------------------------------------------------------------------

    async def clients(self) -> list[GotifyClientInfo]:
        """``GET /client``: the account's clients (v3 servers show none of their tokens)."""
        data = await self._request("GET", "client")

        def parse(data: Any) -> list[GotifyClientInfo]:
            return [GotifyClientInfo.from_json(item) for item in list_of(data, "clients")]

        return read_model("GET", "client", parse, data)

    async def create_client(
        self, name: str, *, expires_after_inactivity: int | None = None
    ) -> GotifyClientInfo:
        """Create a client (``POST /client``); the answer carries its token (on v3 the only time it is shown).

        ``expires_after_inactivity``: seconds without use after which a v3 server removes the client, 0
        for never. ``None`` leaves the field out, as for v2 servers, which have no such field.
        """
        body: JSONObject = {"name": name}
        if expires_after_inactivity is not None:
            body["expiresAfterInactivitySeconds"] = expires_after_inactivity
        data = await self._request("POST", "client", json_body=body)
        return read_model("POST", "client", GotifyClientInfo.created, data)

    async def delete_client(self, client_id: int) -> None:
        """Delete a client (``DELETE /client/{id}``); its token stops working and its streams close.

        v3 servers take this only from an elevated session: signed in with a password, not with a plain
        client token (403).
        """
        await self._request("DELETE", f"client/{client_id}")

    # -- applications ----------------------------------------------------------------------------

    async def applications(self) -> list[GotifyApplication]:
        """``GET /application``: the account's applications."""
        data = await self._request("GET", "application")

        def parse(data: Any) -> list[GotifyApplication]:
            return [GotifyApplication.from_json(item) for item in list_of(data, "applications")]

        return read_model("GET", "application", parse, data)

    async def create_application(
        self, name: str, description: str = "", default_priority: int = 0
    ) -> GotifyApplication:
        """Create an application; the answer carries its token (on v3 the only time it is shown)."""
        body = {"name": name, "description": description, "defaultPriority": default_priority}
        data = await self._request("POST", "application", json_body=body)
        return read_model("POST", "application", GotifyApplication.from_json, data)

    async def update_application(
        self, app_id: int, name: str, description: str, default_priority: int
    ) -> GotifyApplication:
        """Replace an application's fields; Gotify resets any field that is left out."""
        body = {"name": name, "description": description, "defaultPriority": default_priority}
        path = f"application/{app_id}"
        data = await self._request("PUT", path, json_body=body)
        return read_model("PUT", path, GotifyApplication.from_json, data)

    async def upload_application_image(
        self, app_id: int, image: bytes, filename: str, content_type: str = "image/png"
    ) -> GotifyApplication:
        """Set an application's image (.png, .jpg, .jpeg or .gif; the bytes must be an image)."""

        def form() -> aiohttp.FormData:
            data = aiohttp.FormData()
            data.add_field("file", image, filename=filename, content_type=content_type)
            return data

        path = f"application/{app_id}/image"
        data = await self._request("POST", path, data=form)
        return read_model("POST", path, GotifyApplication.from_json, data)

    # -- messages --------------------------------------------------------------------------------

    async def send_message(
        self,
        message: str,
        *,
        title: str | None = None,
        priority: int | None = None,
        extras: Mapping[str, Any] | None = None,
        app_token: str | None = None,
        appid: int | None = None,
    ) -> GotifyMessage:
        """Publish a message.

        With ``app_token`` the message goes to that token's application (every server version).
        Without it the client token publishes to ``appid``, which only v3 servers accept. A ``priority``
        of ``None`` leaves the choice to the application's default priority.
        """
        if app_token is None and appid is None:
            raise ValueError("send_message needs an application token or an appid")
        body: JSONObject = {"message": message}
        if title is not None:
            body["title"] = title
        if priority is not None:
            body["priority"] = priority
        if extras:
            # aiohttp serializes the body before the request is sent: only a mapping that is not a dict
            # needs making into one.
            body["extras"] = extras if type(extras) is dict else dict(extras)
        if app_token is None:
            body["appid"] = appid
        data = await self._request("POST", "message", token=app_token, json_body=body)
        return read_model("POST", "message", GotifyMessage.from_json, data)

    async def is_application_token(self, token: str) -> bool:
        """Tell an application token from a wrong one, without publishing anything.

        Gotify checks the token before the body: an application token gets the validation error for an
        empty message (400), an unknown token gets 401.
        """
        try:
            await self._request("POST", "message", token=token, json_body={})
        except GotifyValidationError:
            return True
        except GotifyAuthenticationError:
            return False
        return False

    async def delete_message(self, message_id: int) -> None:
        """Delete one message (``DELETE /message/{id}``)."""
        await self._request("DELETE", f"message/{message_id}")

    async def clear_application_messages(self, app_id: int) -> None:
        """Delete every message of an application (``DELETE /application/{id}/message``)."""
        await self._request("DELETE", f"application/{app_id}/message")

    async def application_messages(
        self, app_id: int, *, limit: int = 100, since: int | None = None
    ) -> GotifyPagedMessages:
        """One page of an application's messages, newest first; ``since`` returns ids below it."""
        return await self.messages(app_id=app_id, limit=limit, since=since)

    async def messages(
        self, *, app_id: int | None = None, limit: int = 100, since: int | None = None
    ) -> GotifyPagedMessages:
        """One page of the account's messages (or one application's), newest first.

        ``since`` returns ids below it.
        """
        params: dict[str, str | int] = {"limit": limit}
        if since:
            params["since"] = since
        path = "message" if app_id is None else f"application/{app_id}/message"
        data = await self._request("GET", path, params=params)
        return read_model("GET", path, GotifyPagedMessages.from_json, data)

    async def messages_after(
        self, after_id: int, *, app_id: int | None = None, page_size: int = 100
    ) -> list[GotifyMessage]:
        """Every message with an id above ``after_id``, oldest first (of one application, if given).

        Pages backwards from the newest message until it reaches ``after_id``: what a listener needs
        to catch up on after a gap in the stream.
        """
        found: list[GotifyMessage] = []
        since: int | None = None
        while True:
            page = await self.messages(app_id=app_id, limit=page_size, since=since)
            for item in page.messages:
                if item.id <= after_id:
                    return found[::-1]
                found.append(item)
            if not page.has_more:
                return found[::-1]
            since = page.since

    async def newest_message_id(self) -> int:
        """Return the id of the account's newest message, 0 when there is none."""
        page = await self.messages(limit=1)
        return page.messages[0].id if page.messages else 0

    # -- stream ----------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def connect_stream(
        self, *, idle_timeout: float = STREAM_IDLE_TIMEOUT
    ) -> AsyncIterator[AsyncIterator[GotifyMessage]]:
        """Open ``/stream``; inside the block the socket is open and the iterator yields each new message.

        The iterator ends only by raising: ``GotifyConnectionError`` when the socket closes, breaks or
        stays silent past ``idle_timeout`` (no message and none of Gotify's pings). Opening raises
        ``GotifyAuthenticationError`` when the token is refused at the handshake, and
        ``GotifyRedirectError`` when the handshake is redirected to another origin.
        """
        if isinstance(self._client_token, UserCredentials):
            raise ValueError("the stream needs a client token")  # noqa: TRY004 - a misuse, not a type check
        opening = open_stream(
            self._session,
            self.url("stream"),
            self._client_token,
            host=self.host,
            ssl=self._ssl,
            timeout=self._timeout,
            idle_timeout=idle_timeout,
            skipped=self._skipped,
        )
        try:
            messages = await opening.__aenter__()
        except GotifyAuthenticationError as err:
            self._refused(err, client_token=True)
            raise
        async with contextlib.AsyncExitStack() as stack:
            stack.push_async_exit(opening)
            yield messages

    async def stream(self, *, idle_timeout: float = STREAM_IDLE_TIMEOUT) -> AsyncIterator[GotifyMessage]:
        """Every new message of the account, as ``connect_stream`` yields them, opening on first use.

        Use it under ``contextlib.aclosing`` so that the socket is closed when the caller stops early.
        """
        async with self.connect_stream(idle_timeout=idle_timeout) as messages:
            async for message in messages:
                yield message


def _client_timeout(seconds: float) -> aiohttp.ClientTimeout:
    """Return a total timeout that ends when it says: aiohttp rounds longer ones up to a whole second."""
    return aiohttp.ClientTimeout(total=seconds, ceil_threshold=math.inf)


_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def _html_title(body: bytes) -> str:
    match = _TITLE.search(body[:4096])
    if not match:
        return ""
    return " ".join(match.group(1).decode("utf-8", "replace").split())[:200]
