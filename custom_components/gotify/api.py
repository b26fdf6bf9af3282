"""Asynchronous client for the Gotify REST and websocket API.

Knows nothing about Home Assistant: it works on an injected aiohttp session so that Home Assistant can
share its connection pool, and it speaks to both API generations (v2.x and v3.x servers).

Tokens travel in the ``X-Gotify-Key`` header only, never in a URL, so that they cannot end up in an
exception text or a log line; error texts name the server by host and the call by method and path.
"""

import asyncio
import contextlib
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Self

import aiohttp
from yarl import URL

_LOGGER = logging.getLogger(__name__)

DEFAULT_TIMEOUT: Final = 10.0
# Gotify pings every stream every 45 s: a socket silent for longer than this is dead.
STREAM_IDLE_TIMEOUT: Final = 120.0
TOKEN_HEADER: Final = "X-Gotify-Key"  # noqa: S105 - a header name, not a secret
MAX_REDIRECTS: Final = 5
_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})
# Ids and integers Gotify sends fit in 64 bits; anything larger (or 1e999) is not Gotify's.
_INT_MAX: Final = 2**63 - 1

type JSONObject = dict[str, Any]


# --- errors -------------------------------------------------------------------------------------


class GotifyError(Exception):
    """Base class of everything this client raises."""


class GotifyConnectionError(GotifyError):
    """The server could not be reached: refused, DNS failure, dropped connection."""


class GotifyUnreachableError(GotifyConnectionError):
    """No connection was made (refused, DNS, TLS handshake): the request never reached the server."""


class GotifyTimeoutError(GotifyConnectionError):
    """The server did not answer in time."""


class GotifyCertificateError(GotifyError):
    """The server's TLS certificate was not accepted (self-signed, expired, wrong host)."""


class GotifyInvalidResponseError(GotifyError):
    """The server answered with something that is not what Gotify sends (not Gotify at all?).

    A proxy's login page, JSON without the fields Gotify always sends, a redirect elsewhere: treated as
    a passing failure (retried), never as Gotify refusing something.
    """


class GotifyRedirectError(GotifyInvalidResponseError):
    """The server redirected to another origin; the token is never sent there."""

    def __init__(self, method: str, path: str, target: URL) -> None:
        self.target = origin_of(target)
        super().__init__(f"{method} {path}: the server redirected to {self.target}; use that address")


class GotifyResponseError(GotifyError):
    """The server answered with an HTTP error status.

    ``description`` is Gotify's ``errorDescription`` or, for pages that did not come from Gotify (a
    reverse proxy's HTML error page), the page's title or the HTTP reason.
    """

    def __init__(self, status: int, error: str, description: str, *, method: str, path: str) -> None:
        self.status = status
        self.error = error
        self.description = description
        self.method = method
        self.path = path
        super().__init__(f"{method} {path}: {status} {error}: {description}")


class GotifyAuthenticationError(GotifyResponseError):
    """401 or 403: the token is missing, wrong, of the wrong kind, or lacks the permission."""


class GotifyNotFoundError(GotifyResponseError):
    """404: the message, application or route does not exist (or is not this user's)."""


class GotifyValidationError(GotifyResponseError):
    """400: Gotify refused the request's content; ``description`` says why."""


class GotifyPayloadTooLargeError(GotifyResponseError):
    """413: something in front of Gotify (usually a reverse proxy) limits the request size."""


class GotifyServerError(GotifyResponseError):
    """5xx: the server, or a proxy in front of it, failed."""


_STATUS_ERRORS: Final[dict[int, type[GotifyResponseError]]] = {
    400: GotifyValidationError,
    401: GotifyAuthenticationError,
    403: GotifyAuthenticationError,
    404: GotifyNotFoundError,
    413: GotifyPayloadTooLargeError,
}


def maybe_delivered(err: GotifyError) -> bool:
    """Whether a failed publish may still have been stored by Gotify.

    True when the request may have reached Gotify before the answer was lost (a timeout, a dropped
    connection, or a proxy's 502/504 after forwarding); false when it certainly did not get there.
    """
    if isinstance(err, (GotifyUnreachableError, GotifyRedirectError)):
        return False
    if isinstance(err, (GotifyConnectionError, GotifyInvalidResponseError)):
        return True  # an answer that is not Gotify's may still have followed a stored message
    return isinstance(err, GotifyServerError) and err.status in (502, 504)


def _error_class(status: int) -> type[GotifyResponseError]:
    if status >= 500:
        return GotifyServerError
    return _STATUS_ERRORS.get(status, GotifyResponseError)


# --- models -------------------------------------------------------------------------------------
# Every answer is read by these models, which accept only what Gotify sends: a missing field or one of
# the wrong kind raises ValueError, which the client turns into GotifyInvalidResponseError.

_FRACTION = re.compile(r"(\.\d{6})\d+")


def _object(data: Any) -> JSONObject:
    if not isinstance(data, dict):
        raise ValueError(f"expected an object, got {type(data).__name__}")  # noqa: TRY004
    return data


def _int(data: JSONObject, key: str, default: int | None = None) -> int:
    value = data.get(key)
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not -_INT_MAX <= value <= _INT_MAX:
        raise ValueError(f"'{key}' is not a whole number")
    return value


def _str(data: JSONObject, key: str, default: str | None = None) -> str:
    value = data.get(key)
    if value is None and default is not None:
        return default
    if not isinstance(value, str):
        raise ValueError(f"'{key}' is not text")  # noqa: TRY004
    return value


def _list(data: Any, key: str) -> list[Any]:
    if not isinstance(data, list):
        raise ValueError(f"'{key}' is not a list")  # noqa: TRY004
    return data


def parse_date(value: str) -> datetime:
    """Parse Gotify's RFC 3339 dates, which carry nanoseconds that ``datetime`` cannot hold."""
    return datetime.fromisoformat(_FRACTION.sub(r"\1", value))


def _optional_date(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_date(value)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class GotifyVersion:
    """``GET /version``."""

    version: str
    commit: str
    build_date: str

    @classmethod
    def from_json(cls, data: Any) -> Self:
        data = _object(data)
        return cls(_str(data, "version"), _str(data, "commit", ""), _str(data, "buildDate", ""))

    @property
    def major(self) -> int:
        """The major version; 0 when the version string is not numeric (development builds)."""
        head = self.version.lstrip("v").split(".", 1)[0]
        return int(head) if head.isdigit() else 0

    @property
    def client_token_can_publish(self) -> bool:
        """v3 servers accept a client token with ``appid`` on ``POST /message``."""
        return self.major >= 3


@dataclass(frozen=True, slots=True)
class GotifyHealth:
    """``GET /health``."""

    health: str
    database: str

    @classmethod
    def from_json(cls, data: Any) -> Self:
        data = _object(data)
        return cls(_str(data, "health"), _str(data, "database"))

    @property
    def healthy(self) -> bool:
        return self.health == "green" and self.database == "green"


@dataclass(frozen=True, slots=True)
class GotifyUser:
    """``GET /current/user``."""

    id: int
    name: str
    admin: bool

    @classmethod
    def from_json(cls, data: Any) -> Self:
        data = _object(data)
        return cls(_int(data, "id"), _str(data, "name"), data.get("admin") is True)


@dataclass(frozen=True, slots=True)
class GotifyApplication:
    """An application; ``token`` is only known on v2 servers and in the answer that creates it."""

    id: int
    name: str
    description: str
    token: str | None
    internal: bool
    image: str
    default_priority: int
    last_used: datetime | None

    @classmethod
    def from_json(cls, data: Any) -> Self:
        data = _object(data)
        return cls(
            id=_int(data, "id"),
            name=_str(data, "name"),
            description=_str(data, "description", ""),
            token=_str(data, "token", "") or None,
            internal=data.get("internal") is True,
            image=_str(data, "image", ""),
            default_priority=_int(data, "defaultPriority", 0),
            last_used=_optional_date(data.get("lastUsed")),
        )

    def __repr__(self) -> str:
        # The token is a secret: keep it out of reprs that end up in logs and assertion messages.
        return f"GotifyApplication(id={self.id}, name={self.name!r})"


@dataclass(frozen=True, slots=True)
class GotifyMessage:
    """A stored message as ``POST /message``, the message lists and ``/stream`` return it."""

    id: int
    appid: int
    message: str
    title: str
    priority: int
    date: datetime
    extras: JSONObject = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Any) -> Self:
        data = _object(data)
        extras = data.get("extras") or {}
        return cls(
            id=_int(data, "id"),
            appid=_int(data, "appid"),
            message=_str(data, "message"),
            title=_str(data, "title", ""),
            priority=_int(data, "priority", 0),
            date=parse_date(_str(data, "date")),
            extras=_object(extras),
        )


@dataclass(frozen=True, slots=True)
class GotifyPagedMessages:
    """A page of messages, newest first; ``since`` is what to pass to get the next (older) page."""

    messages: list[GotifyMessage]
    size: int
    limit: int
    since: int
    next: str | None

    @classmethod
    def from_json(cls, data: Any) -> Self:
        data = _object(data)
        paging = _object(data.get("paging"))
        return cls(
            messages=[GotifyMessage.from_json(item) for item in _list(data.get("messages"), "messages")],
            size=_int(paging, "size"),
            limit=_int(paging, "limit"),
            since=_int(paging, "since", 0),
            next=_str(paging, "next", "") or None,
        )

    @property
    def has_more(self) -> bool:
        return self.next is not None


# --- URL handling -------------------------------------------------------------------------------


def normalize_url(url: str) -> URL:
    """Turn what a user pastes into the server's base URL.

    Accepts a missing scheme (``gotify.lan:8080``), a sub-path behind a reverse proxy
    (``https://host/gotify/``), a trailing slash, a pasted ``/message`` endpoint or a web UI address with
    a ``#/`` fragment. Raises ``ValueError`` for anything that is not an http(s) URL with a host.
    """
    text = url.strip()
    if "://" not in text:
        text = f"http://{text}"
    parsed = URL(text)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError(f"not an http(s) URL: {display_url(parsed)}")
    path = parsed.path.rstrip("/")
    if path.endswith("/message"):
        path = path.removesuffix("/message")
    return parsed.with_path(path or "/").with_query(None).with_fragment(None)


def display_url(url: URL) -> str:
    """A URL safe to show: credentials removed."""
    return str(url.with_user(None).with_password(None)) if url.host else str(url)


def origin_of(url: URL) -> str:
    """``scheme://host:port`` of a URL: what a redirect may not leave, and all of it that is shown."""
    return str(url.origin()) if url.host else "an address without a host"


_NOT_GOTIFY: Final = (KeyError, TypeError, ValueError, OverflowError, AttributeError, RecursionError)


def _read[T](method: str, path: str, parse: Callable[[Any], T], data: Any) -> T:
    """Read an answer with a model; anything that is not what Gotify sends is one error."""
    try:
        return parse(data)
    except _NOT_GOTIFY as err:
        raise GotifyInvalidResponseError(
            f"{method} {path}: the server's answer is not Gotify's: {err}"
        ) from err


class RateLimitedLog:
    """A repeated log line: the first one, then at most one a ``period`` with how many came since."""

    def __init__(self, logger: logging.Logger, period: float = 60.0) -> None:
        self._logger = logger
        self._period = period
        self._last: float | None = None
        self._since = 0

    def log(self, level: int, message: str, *args: Any, exc_info: BaseException | None = None) -> None:
        now = time.monotonic()
        if self._last is not None and now - self._last < self._period:
            self._since += 1
            return
        if self._since:
            message += " (%d more like it in the last %d s)"
            args = (*args, self._since, round(now - (self._last or now)))
        self._logger.log(level, message, *args, exc_info=exc_info)
        self._last, self._since = now, 0

    def warning(self, message: str, *args: Any, exc_info: BaseException | None = None) -> None:
        self.log(logging.WARNING, message, *args, exc_info=exc_info)


# --- client -------------------------------------------------------------------------------------


class GotifyClient:
    """Talks to one Gotify server with one client token.

    Publishing goes either with an application token (every server version) or with the client token
    plus ``appid`` (v3 servers only).
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str | URL,
        client_token: str,
        *,
        verify_ssl: bool = True,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self._session = session
        self._base = url if isinstance(url, URL) else normalize_url(url)
        self._client_token = client_token
        self._ssl = verify_ssl
        self._timeout = timeout
        # Stream frames that were not a message, skipped (and logged, at most once a minute).
        self.skipped_frames = 0
        self._frame_warnings = RateLimitedLog(_LOGGER)

    @property
    def base_url(self) -> URL:
        return self._base

    @property
    def host(self) -> str:
        """The server's address as it may be shown to the user."""
        return display_url(self._base).rstrip("/")

    def url(self, path: str) -> URL:
        """The absolute URL of an API path, below the base URL's own path."""
        base_path = self._base.path.rstrip("/")
        return self._base.with_path(f"{base_path}/{path.lstrip('/')}")

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
        data: aiohttp.FormData | None = None,
        accept_status: tuple[int, ...] = (),
    ) -> Any:
        """Send one request and return the decoded JSON body (``None`` for an empty body).

        Redirects are followed only within the server's origin: the token is never sent elsewhere
        (aiohttp would strip ``Authorization`` across origins, but not ``X-Gotify-Key``).
        """
        headers = {"Accept": "application/json"}
        if authenticated:
            headers[TOKEN_HEADER] = token or self._client_token
        url = self.url(path)
        with self._transport_errors(method, path):
            async with asyncio.timeout(self._timeout):
                for _ in range(MAX_REDIRECTS + 1):
                    async with self._session.request(
                        method,
                        url,
                        headers=headers,
                        params=params,
                        json=json_body,
                        data=data,
                        ssl=self._ssl,
                        allow_redirects=False,
                    ) as response:
                        body = await response.read()
                        _LOGGER.debug("%s %s %s -> %s", method, self.host, path, response.status)
                        if response.status in _REDIRECTS and (location := response.headers.get("Location")):
                            url = self._same_origin(method, path, url.join(URL(location)))
                            params = None  # the Location carries the query
                            if response.status in (301, 302, 303):
                                method, json_body, data = "GET", None, None
                            continue
                        if response.status >= 400 and response.status not in accept_status:
                            raise self._response_error(method, path, response, body)
                        return self._decode(method, path, body)
        raise GotifyInvalidResponseError(f"{method} {path}: more than {MAX_REDIRECTS} redirects")

    def _same_origin(self, method: str, path: str, target: URL) -> URL:
        if target.origin() != self._base.origin():
            raise GotifyRedirectError(method, path, target)
        return target

    @contextlib.contextmanager
    def _transport_errors(self, method: str, path: str) -> Iterator[None]:
        """Turn aiohttp's and asyncio's errors into this client's, naming the server but no secret."""
        try:
            yield
        except GotifyError:
            raise
        except TimeoutError as err:
            raise GotifyTimeoutError(
                f"{method} {path}: {self.host} did not answer within {self._timeout:g} s"
            ) from err
        except aiohttp.ClientConnectorCertificateError as err:
            raise GotifyCertificateError(
                f"{self.host}: TLS certificate not accepted ({err.certificate_error})"
            ) from err
        except aiohttp.ClientSSLError as err:
            raise GotifyUnreachableError(f"{self.host}: TLS handshake failed ({_reason(err)})") from err
        except aiohttp.ClientConnectorError as err:
            raise GotifyUnreachableError(f"{self.host}: cannot connect ({_reason(err)})") from err
        except aiohttp.ClientError as err:
            raise GotifyConnectionError(f"{method} {path}: {self.host}: {_reason(err)}") from err

    @staticmethod
    def _decode(method: str, path: str, body: bytes) -> Any:
        if not body.strip():
            return None
        try:
            return json.loads(body)
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
            data = json.loads(body)
        except ValueError:
            data = None
        if isinstance(data, dict) and ("errorDescription" in data or "error" in data):
            error = str(data.get("error") or error)
            description = str(data.get("errorDescription") or "")
        else:
            # Not Gotify's JSON: a reverse proxy's page (nginx 413, Traefik 502, ...).
            description = _html_title(body) or "the answer did not come from Gotify"
        return _error_class(status)(status, error, description or error, method=method, path=path)

    # -- server ----------------------------------------------------------------------------------

    async def version(self) -> GotifyVersion:
        """``GET /version`` (no authentication): tells Gotify from anything else, and v2 from v3."""
        data = await self._request("GET", "version", authenticated=False)
        return _read("GET", "version", GotifyVersion.from_json, data)

    async def health(self) -> GotifyHealth:
        """``GET /health``; a degraded server answers 500 with the same shape, returned as is."""
        data = await self._request("GET", "health", authenticated=False, accept_status=(500,))
        return _read("GET", "health", GotifyHealth.from_json, data)

    async def current_user(self) -> GotifyUser:
        """``GET /current/user``: succeeds only with a client token."""
        data = await self._request("GET", "current/user")
        return _read("GET", "current/user", GotifyUser.from_json, data)

    # -- applications ----------------------------------------------------------------------------

    async def applications(self) -> list[GotifyApplication]:
        data = await self._request("GET", "application")

        def parse(data: Any) -> list[GotifyApplication]:
            return [GotifyApplication.from_json(item) for item in _list(data, "applications")]

        return _read("GET", "application", parse, data)

    async def create_application(
        self, name: str, description: str = "", default_priority: int = 0
    ) -> GotifyApplication:
        """Create an application; the answer carries its token (on v3 the only time it is shown)."""
        body = {"name": name, "description": description, "defaultPriority": default_priority}
        data = await self._request("POST", "application", json_body=body)
        return _read("POST", "application", GotifyApplication.from_json, data)

    async def update_application(
        self, app_id: int, name: str, description: str, default_priority: int
    ) -> GotifyApplication:
        """Replace an application's fields; Gotify resets any field that is left out."""
        body = {"name": name, "description": description, "defaultPriority": default_priority}
        path = f"application/{app_id}"
        data = await self._request("PUT", path, json_body=body)
        return _read("PUT", path, GotifyApplication.from_json, data)

    async def upload_application_image(
        self, app_id: int, image: bytes, filename: str, content_type: str = "image/png"
    ) -> GotifyApplication:
        """Set an application's image (.png, .jpg, .jpeg or .gif; the bytes must be an image)."""
        form = aiohttp.FormData()
        form.add_field("file", image, filename=filename, content_type=content_type)
        path = f"application/{app_id}/image"
        data = await self._request("POST", path, data=form)
        return _read("POST", path, GotifyApplication.from_json, data)

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
            body["extras"] = dict(extras)
        if app_token is None:
            body["appid"] = appid
        data = await self._request("POST", "message", token=app_token, json_body=body)
        return _read("POST", "message", GotifyMessage.from_json, data)

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
        await self._request("DELETE", f"message/{message_id}")

    async def clear_application_messages(self, app_id: int) -> None:
        await self._request("DELETE", f"application/{app_id}/message")

    async def application_messages(
        self, app_id: int, *, limit: int = 100, since: int | None = None
    ) -> GotifyPagedMessages:
        """One page of an application's messages, newest first; ``since`` returns ids below it."""
        return await self.messages(app_id=app_id, limit=limit, since=since)

    async def messages(
        self, *, app_id: int | None = None, limit: int = 100, since: int | None = None
    ) -> GotifyPagedMessages:
        """One page of the account's messages (or one application's), newest first; ``since`` returns
        ids below it."""
        params: dict[str, str | int] = {"limit": limit}
        if since:
            params["since"] = since
        path = "message" if app_id is None else f"application/{app_id}/message"
        data = await self._request("GET", path, params=params)
        return _read("GET", path, GotifyPagedMessages.from_json, data)

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
        """The id of the account's newest message, 0 when there is none."""
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
        ``GotifyAuthenticationError`` when the token is refused at the handshake.
        """
        path = "stream"
        with self._transport_errors("GET", path):
            async with asyncio.timeout(self._timeout):
                # aiohttp follows a websocket handshake's redirects with every header: ask first,
                # without the token, whether the stream is somewhere else.
                async with self._session.get(
                    self.url(path), ssl=self._ssl, allow_redirects=False
                ) as response:
                    if response.status in _REDIRECTS and (location := response.headers.get("Location")):
                        self._same_origin("GET", path, self.url(path).join(URL(location)))
            try:
                async with asyncio.timeout(self._timeout):
                    # No Origin header (Gotify refuses a foreign one); pings are answered below, where
                    # their arrival also proves the connection alive.
                    socket = await self._session.ws_connect(
                        self.url(path),
                        headers={TOKEN_HEADER: self._client_token},
                        ssl=self._ssl,
                        autoping=False,
                    )
            except aiohttp.WSServerHandshakeError as err:
                raise _error_class(err.status)(
                    err.status,
                    "Handshake refused",
                    err.message or "websocket refused",
                    method="GET",
                    path=path,
                ) from err
        async with socket:
            yield self._frames(socket, idle_timeout)

    async def _frames(
        self, socket: aiohttp.ClientWebSocketResponse, idle_timeout: float
    ) -> AsyncIterator[GotifyMessage]:
        path = "stream"
        while True:
            try:
                frame = await socket.receive(timeout=idle_timeout)
            except TimeoutError as err:
                raise GotifyTimeoutError(f"{self.host}: stream silent for {idle_timeout:g} s") from err
            if frame.type is aiohttp.WSMsgType.TEXT:
                try:
                    message = _read("GET", path, GotifyMessage.from_json, json.loads(frame.data))
                except (GotifyInvalidResponseError, *_NOT_GOTIFY) as err:
                    self.skipped_frames += 1
                    self._frame_warnings.warning(
                        "Ignored a stream frame from %s that is not a message: %s", self.host, err
                    )
                    continue
                yield message
            elif frame.type is aiohttp.WSMsgType.PING:
                await socket.pong(frame.data)
            elif frame.type is aiohttp.WSMsgType.ERROR:
                raise GotifyConnectionError(f"{self.host}: stream broken ({_reason(socket.exception())})")
            elif frame.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED):
                raise GotifyConnectionError(f"{self.host}: stream closed (code {socket.close_code})")

    async def stream(self, *, idle_timeout: float = STREAM_IDLE_TIMEOUT) -> AsyncIterator[GotifyMessage]:
        """Every new message of the account, as ``connect_stream`` yields them, opening on first use.

        Use it under ``contextlib.aclosing`` so that the socket is closed when the caller stops early.
        """
        async with self.connect_stream(idle_timeout=idle_timeout) as messages:
            async for message in messages:
                yield message


def _reason(err: BaseException | None) -> str:
    """A short description of a transport error, without anything that could carry a URL."""
    if err is None:
        return "unknown reason"
    if isinstance(err, aiohttp.ClientConnectorError):
        return err.strerror or type(err.os_error).__name__
    if isinstance(err, aiohttp.ClientSSLError):
        return type(err).__name__
    if isinstance(err, aiohttp.InvalidURL):
        return "invalid URL"  # its text is the URL, with any credentials in it
    text = str(err) if not isinstance(err, aiohttp.ClientResponseError) else err.message
    return text or type(err).__name__


_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def _html_title(body: bytes) -> str:
    match = _TITLE.search(body[:4096])
    if not match:
        return ""
    return " ".join(match.group(1).decode("utf-8", "replace").split())[:200]
