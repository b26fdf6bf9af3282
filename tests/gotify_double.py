"""A Gotify server double: real HTTP and websocket on loopback, with Gotify's rules.

Implements the endpoints of the Gotify API that the integration uses, following the behaviour observed
on real v2.9 and v3.0 servers (see the project's API reference): token kinds and where each is
accepted, basic authentication with a user's password, tokens listed (v2) or shown once (v3), clients
that expire after inactivity (v3), deletions that need an elevated session (v3), ``appid`` publishing
(v3 only), message validation, the error JSON shape and status codes, image upload checks, paging,
``/stream``.

Every request is recorded for assertions, and the double can be told to misbehave the way servers and
reverse proxies do: a 400 or a 401 for one request, 500, a 502 HTML page, 413 from a proxy, hanging past
the client's timeout, dropping the connection, or refusing connections altogether (``stop()``, then
``start()`` again on the same port).
"""

import asyncio
import base64
import contextlib
import dataclasses
import json
import secrets
import ssl
import string
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl

from aiohttp import WSCloseCode, web
from aiohttp.typedefs import Handler
from multidict import CIMultiDictProxy

V2: str = "2.9.1"
V3: str = "3.0.0"

type Failure = Literal[
    "400",
    "401",
    "500",
    "502_html",
    "413_html",
    "hang",
    "drop",
    "not_gotify",
    "other_json",
    "store_then_drop",
    "redirect",
    "redirect_authenticated",
]

_STATUS_TEXT = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    500: "Internal Server Error",
}
_IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif")
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")
_TOKEN_CHARS = string.ascii_letters + string.digits + "-_."
_BAD_GATEWAY_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
_TOO_LARGE_PAGE = (
    "<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n"
    "<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


def gotify_date(moment: datetime) -> str:
    """RFC 3339 with nanoseconds, as Go formats ``time.Time``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z"


async def _form_fields(request: web.Request) -> dict[str, tuple[str | None, bytes]]:
    """Form fields as ``name -> (filename, content)``, parsed from the body the middleware recorded.

    The middleware has read the body already, so aiohttp's own ``post()`` cannot parse multipart.
    """
    body = await request.read()
    if request.content_type == "application/x-www-form-urlencoded":
        return {key: (None, value.encode()) for key, value in parse_qsl(body.decode())}
    if not request.content_type.startswith("multipart/"):
        return {}
    head = f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode()
    parsed = BytesParser(policy=HTTP).parsebytes(head + body)
    fields: dict[str, tuple[str | None, bytes]] = {}
    if isinstance(parsed, EmailMessage):
        for part in parsed.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if isinstance(name, str) and isinstance(payload, bytes):
                fields[name] = (part.get_filename(), payload)
    return fields


class GotifyHTTPError(Exception):
    """Raised inside a handler to answer with Gotify's error JSON."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


@dataclass
class RecordedRequest:
    """One request as the double received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: CIMultiDictProxy[str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class User:
    id: int
    name: str
    password: str
    admin: bool = False


@dataclass
class Client:
    id: int
    token: str
    user_id: int
    name: str
    # v3: seconds without use after which the server removes the client; 0 never (v2 has no such field).
    expires_after_inactivity: int = 0
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    last_used: datetime | None = None


@dataclass
class Application:
    id: int
    token: str
    user_id: int
    name: str
    description: str = ""
    default_priority: int = 0
    internal: bool = False
    image: str = "static/defaultapp.png"
    last_used: datetime | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass
class Message:
    id: int
    appid: int
    message: str
    title: str
    priority: int
    extras: dict[str, Any] | None
    date: datetime

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "appid": self.appid,
            "message": self.message,
            "title": self.title,
            "priority": self.priority,
            "date": gotify_date(self.date),
        }
        if self.extras is not None:
            data["extras"] = self.extras
        return data


@dataclass
class _Auth:
    user: User
    client: Client | None  # None for HTTP basic auth
    application: Application | None = None


class GotifyDouble:
    """One Gotify server with its users, clients, applications and messages."""

    def __init__(
        self,
        version: str = V2,
        *,
        host: str = "127.0.0.1",
        base_path: str = "",
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.version = version
        self.host = host
        self.base_path = base_path.rstrip("/")
        self.ssl_context = ssl_context
        self.port: int | None = None
        self.requests: list[RecordedRequest] = []
        self.users: dict[int, User] = {}
        self.clients: dict[str, Client] = {}
        self.applications: dict[int, Application] = {}
        self.messages: dict[int, Message] = {}
        self.images: dict[str, bytes] = {}
        self.health = {"health": "green", "database": "green"}
        self.hang_seconds = 30.0
        self.delay = 0.0  # seconds every request takes, to make concurrent requests overlap visibly
        self.ping_interval: float | None = 45.0
        self._failures: list[tuple[Failure, str | None, str | None]] = []
        self._ids = {"user": 0, "client": 0, "application": 0, "message": 0}
        self._sockets: dict[web.WebSocketResponse, tuple[int, int | None]] = {}
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._socket_locks: dict[web.WebSocketResponse, asyncio.Lock] = {}
        self._ended_sockets: list[web.WebSocketResponse] = []
        self._in_flight = 0
        self.max_in_flight = 0
        self.state_file: Path | None = None
        # "redirect" sends the client here (another origin, as a misconfigured proxy might).
        self.redirect_to = "http://127.0.0.1:9/elsewhere"
        # Accept each stream and close it at once (a proxy that drops websockets).
        self.close_streams_on_accept = False
        self.admin = self.add_user("admin", "admin", admin=True)
        self.client_token = self.add_client(self.admin, "Home Assistant setup").token

    # -- state kept across runs (``python -m tests.gotify_double --state FILE``) ------------------

    def save_state(self) -> None:
        """Write users, clients, applications, messages and images to ``state_file``."""
        assert self.state_file is not None

        def plain(item: Any) -> dict[str, Any]:
            return {
                key: value.isoformat() if isinstance(value, datetime) else value
                for key, value in dataclasses.asdict(item).items()
            }

        state = {
            "ids": self._ids,
            "client_token": self.client_token,
            "users": [plain(user) for user in self.users.values()],
            "clients": [plain(client) for client in self.clients.values()],
            "applications": [plain(app) for app in self.applications.values()],
            "messages": [plain(message) for message in self.messages.values()],
            "images": {name: base64.b64encode(data).decode() for name, data in self.images.items()},
        }
        temporary = self.state_file.with_suffix(".tmp")
        temporary.write_text(json.dumps(state))
        temporary.replace(self.state_file)

    def load_state(self, path: Path) -> None:
        """Serve what ``path`` holds (from an earlier run), and keep it up to date there from now on."""
        self.state_file = path
        if not path.is_file():
            self.save_state()
            return
        state = json.loads(path.read_text())

        def dates(item: dict[str, Any], *names: str) -> dict[str, Any]:
            return item | {name: datetime.fromisoformat(item[name]) for name in names if item.get(name)}

        self._ids = state["ids"]
        self.client_token = state["client_token"]
        self.users = {item["id"]: User(**item) for item in state["users"]}
        self.clients = {
            item["token"]: Client(**dates(item, "created_at", "last_used")) for item in state["clients"]
        }
        self.applications = {
            item["id"]: Application(**dates(item, "last_used", "created_at"))
            for item in state["applications"]
        }
        self.messages = {item["id"]: Message(**dates(item, "date")) for item in state["messages"]}
        self.images = {name: base64.b64decode(data) for name, data in state["images"].items()}
        self.admin = next(user for user in self.users.values() if user.admin)

    # -- versions --------------------------------------------------------------------------------

    @property
    def is_v3(self) -> bool:
        return int(self.version.split(".", 1)[0]) >= 3

    # -- lifecycle -------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_context else "http"
        return f"{scheme}://{self.host}:{self.port}{self.base_path}"

    async def start(self, port: int | None = None) -> str:
        """Serve on loopback (again on the same port after ``stop()``); returns the base URL."""
        if port is not None:
            self.port = port
        if self.port is None:
            raise ValueError("the first start needs a port")
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024 * 1024)
        self._routes(app)
        if self.base_path:
            # Behind a reverse proxy on a sub-path: only below it is Gotify.
            root = web.Application(client_max_size=64 * 1024 * 1024)
            root.add_subapp(self.base_path, app)
            app = root
        self._stopping = asyncio.Event()
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.5, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(
            self._runner, self.host, self.port, reuse_address=True, ssl_context=self.ssl_context
        )
        self._quiet_transport_errors()
        await site.start()
        return self.url

    def _quiet_transport_errors(self) -> None:
        """Connections that fail while being accepted are routine for a server.

        A client that refuses the certificate resets the connection, and a client connecting just as
        the server closes (a reconnecting stream listener) is accepted into a closing server; asyncio in
        debug mode reports both.
        """
        loop = asyncio.get_running_loop()
        previous = loop.get_exception_handler()

        def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
            if "transport creation" in str(context.get("message")):
                return
            if previous is not None:
                previous(loop, context)
            else:
                loop.default_exception_handler(context)

        # Left in place after stop(): the reset may surface only when the server closes the connection.
        loop.set_exception_handler(handler)

    async def stop(self) -> None:
        """Close every socket and stop listening: clients then get 'connection refused'."""
        self._stopping.set()
        for socket in list(self._sockets):
            await socket.close(code=WSCloseCode.GOING_AWAY)
        self._sockets.clear()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await asyncio.sleep(0)
        # aiohttp 3.14 re-arms a socket's ping timer while it reads the peer's close frame, after the
        # socket has ended; cancel what is left so that nothing outlives the server.
        for socket in self._ended_sockets:
            cancel_heartbeat = getattr(socket, "_cancel_heartbeat", None)
            if cancel_heartbeat is not None:
                cancel_heartbeat()
        self._ended_sockets.clear()

    # -- state helpers for tests -----------------------------------------------------------------

    def _next(self, kind: str) -> int:
        self._ids[kind] += 1
        return self._ids[kind]

    def _token(self, kind: Literal["A", "C"]) -> str:
        if self.is_v3:
            prefix = "gtfya." if kind == "A" else "gtfyc."
            return prefix + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
        return kind + "".join(secrets.choice(_TOKEN_CHARS) for _ in range(14))

    def add_user(self, name: str, password: str = "password", *, admin: bool = False) -> User:
        user = User(self._next("user"), name, password, admin)
        self.users[user.id] = user
        return user

    def add_client(self, user: User, name: str = "client", *, expires_after_inactivity: int = 0) -> Client:
        client = Client(self._next("client"), self._token("C"), user.id, name, expires_after_inactivity)
        self.clients[client.token] = client
        return client

    def clients_of(self, user: User) -> list[Client]:
        return [client for client in self.clients.values() if client.user_id == user.id]

    def add_application(
        self, name: str, *, user: User | None = None, description: str = "", default_priority: int = 0
    ) -> Application:
        owner = user or self.admin
        application = Application(
            self._next("application"), self._token("A"), owner.id, name, description, default_priority
        )
        self.applications[application.id] = application
        return application

    def add_message(self, application: Application, message: str, **fields: Any) -> Message:
        """Store a message as if something else had posted it (and push it to every stream)."""
        return self._store(
            application, message, fields.get("title", ""), fields.get("priority"), fields.get("extras")
        )

    def remove_client(self, token: str) -> None:
        """Revoke a client token, closing its streams as Gotify does."""
        client = self.clients.pop(token)
        for socket, (_, client_id) in list(self._sockets.items()):
            if client_id == client.id:
                self._spawn(socket.close())

    def remove_application(self, app_id: int) -> None:
        """Delete an application server-side, with its messages."""
        del self.applications[app_id]
        for message_id in [m.id for m in self.messages.values() if m.appid == app_id]:
            del self.messages[message_id]

    def add_messages_pushed_out_of_order(self, application: Application, count: int) -> list[Message]:
        """Store messages, then push them newest first: concurrent posts can reach streams so."""
        sockets, self._sockets = self._sockets, {}
        stored = [self.add_message(application, f"concurrent {index}") for index in range(count)]
        self._sockets = sockets
        for message in reversed(stored):
            frame = json.dumps(message.to_json()) + "\n"
            for socket, (user_id, _) in list(self._sockets.items()):
                if user_id == application.user_id:
                    self._spawn(self._send_frame(socket, frame))
        return stored

    async def send_raw(self, frame: str) -> None:
        """Push a frame as it is to every open stream (what a broken server or proxy might send)."""
        for socket in list(self._sockets):
            await self._send_frame(socket, frame)

    async def drop_streams(self) -> None:
        """Close every stream socket while the server stays up (a proxy restart, a network blip)."""
        for socket in list(self._sockets):
            await socket.close(code=WSCloseCode.GOING_AWAY)

    def application_named(self, name: str) -> Application:
        return next(app for app in self.applications.values() if app.name == name)

    def fail_next(
        self, failure: Failure, times: int = 1, *, path: str | None = None, method: str | None = None
    ) -> None:
        """Misbehave on the next ``times`` requests (only those to ``path``, with ``method``, when given)."""
        self._failures.extend([(failure, path, method)] * times)

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and r.path == path]

    @property
    def stream_count(self) -> int:
        return len(self._sockets)

    # -- HTTP plumbing ---------------------------------------------------------------------------

    def _routes(self, app: web.Application) -> None:
        app.router.add_get("/version", self._version)
        app.router.add_get("/health", self._health)
        app.router.add_get("/gotifyinfo", self._gotifyinfo)
        app.router.add_get("/current/user", self._current_user)
        app.router.add_get("/client", self._list_clients)
        app.router.add_post("/client", self._create_client)
        app.router.add_delete("/client/{id}", self._delete_client)
        app.router.add_get("/application", self._list_applications)
        app.router.add_post("/application", self._create_application)
        app.router.add_put("/application/{id}", self._update_application)
        app.router.add_delete("/application/{id}", self._delete_application)
        app.router.add_post("/application/{id}/image", self._upload_image)
        app.router.add_get("/application/{id}/message", self._application_messages)
        app.router.add_delete("/application/{id}/message", self._clear_application)
        app.router.add_post("/message", self._create_message)
        app.router.add_post("/message/", self._redirect_message)
        app.router.add_get("/message", self._all_messages)
        app.router.add_delete("/message/{id}", self._delete_message)
        app.router.add_get("/stream", self._stream)
        app.router.add_get("/image/{file}", self._image)

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        body = await request.read()
        self.requests.append(
            RecordedRequest(
                request.method,
                request.path.removeprefix(self.base_path),
                dict(request.query),
                request.headers,
                body,
            )
        )
        failure = self._take_failure(
            request.method,
            request.path.removeprefix(self.base_path),
            authenticated="X-Gotify-Key" in request.headers,
        )
        if failure == "store_then_drop":
            # The request is processed, then the answer is lost: did it arrive? It did.
            await handler(request)
            failure = "drop"
        if failure is not None:
            return await self._misbehave(request, failure)
        self._in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            return await handler(request)
        except GotifyHTTPError as err:
            return self._error(err.status, err.description)
        except web.HTTPMethodNotAllowed:
            return self._error(404, "page not found")
        except web.HTTPNotFound:
            return self._error(404, "page not found")
        finally:
            self._in_flight -= 1
            if self.state_file is not None and request.method != "GET":
                self.save_state()

    def _take_failure(self, method: str, path: str, *, authenticated: bool) -> Failure | None:
        for index, (failure, only_path, only_method) in enumerate(self._failures):
            if failure == "redirect_authenticated" and not authenticated:
                continue  # a proxy that sends only requests with a token elsewhere
            if only_path in (None, path) and only_method in (None, method):
                del self._failures[index]
                return failure
        return None

    async def _misbehave(self, request: web.Request, failure: Failure) -> web.StreamResponse:
        if failure == "400":  # refused for good, as Gotify refuses a request it cannot bind
            return self._error(400, "the message was refused")
        if failure == "401":  # the token is refused here (whatever it is)
            refused = self._unauthorized()
            return self._error(refused.status, refused.description)
        if failure == "500":
            return self._error(500, "database is locked")
        if failure == "502_html":
            return web.Response(status=502, text=_BAD_GATEWAY_PAGE, content_type="text/html")
        if failure == "413_html":
            return web.Response(status=413, text=_TOO_LARGE_PAGE, content_type="text/html")
        if failure == "not_gotify":
            return web.Response(
                status=200, text="<html><title>Router login</title></html>", content_type="text/html"
            )
        if failure == "other_json":
            return web.json_response({"name": "some other JSON API"})
        if failure in ("redirect", "redirect_authenticated"):
            # The Location header as given: a careless proxy may send one that is no URL at all.
            return web.Response(status=307, headers={"Location": self.redirect_to + request.path})
        if failure == "hang":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.hang_seconds)
            return self._error(500, "hung")
        # "drop": close the connection without an answer.
        assert request.transport is not None
        request.transport.close()
        raise asyncio.CancelledError

    @staticmethod
    def _error(status: int, description: str) -> web.Response:
        return web.json_response(
            {
                "error": _STATUS_TEXT.get(status, "Error"),
                "errorCode": status,
                "errorDescription": description,
            },
            status=status,
        )

    @staticmethod
    def _empty_ok() -> web.Response:
        # Gotify answers successful DELETEs with 200, an empty body and a JSON content type.
        return web.Response(status=200, body=b"", content_type="application/json")

    # -- authentication ---------------------------------------------------------------------------

    def _token_from(self, request: web.Request) -> str | None:
        if "token" in request.query:
            return request.query["token"]
        if "X-Gotify-Key" in request.headers:
            return request.headers["X-Gotify-Key"]
        authorization = request.headers.get("Authorization", "")
        if authorization[:7].lower() == "bearer ":
            return authorization[7:]
        return None

    def _basic_user(self, request: web.Request) -> User | None:
        authorization = request.headers.get("Authorization", "")
        if authorization[:6].lower() != "basic ":
            return None
        try:
            name, _, password = base64.b64decode(authorization[6:]).decode().partition(":")
        except ValueError:
            return None
        return next((u for u in self.users.values() if u.name == name and u.password == password), None)

    def _unauthorized(self) -> GotifyHTTPError:
        return GotifyHTTPError(
            401, "you need to provide a valid access token or user credentials to access this api"
        )

    def _client_auth(self, request: web.Request) -> _Auth:
        token = self._token_from(request)
        if token is not None:
            client = self.clients.get(token)
            if client is None:
                raise self._unauthorized()
            client.last_used = datetime.now(UTC)
            return _Auth(self.users[client.user_id], client)
        user = self._basic_user(request)
        if user is None:
            raise self._unauthorized()
        return _Auth(user, None)

    def _publisher_auth(self, request: web.Request) -> _Auth:
        token = self._token_from(request)
        if token is not None:
            for application in self.applications.values():
                if application.token == token:
                    return _Auth(self.users[application.user_id], None, application)
            client = self.clients.get(token)
            if client is not None and self.is_v3:
                return _Auth(self.users[client.user_id], client)
            raise self._unauthorized()
        user = self._basic_user(request)
        if user is None:
            raise self._unauthorized()
        if self.is_v3:
            return _Auth(user, None)
        raise GotifyHTTPError(403, "you are not allowed to access this api")

    def _require_elevated(self, auth: _Auth) -> None:
        """v3: deleting needs an elevated session; basic auth is one, a plain client token is not."""
        if self.is_v3 and auth.client is not None:
            raise GotifyHTTPError(403, "session not elevated, use basic auth or call /client:elevate")

    def _own_application(self, auth: _Auth, raw_id: str) -> Application:
        try:
            app_id = int(raw_id)
        except ValueError:
            raise GotifyHTTPError(400, "invalid id") from None
        application = self.applications.get(app_id)
        if application is None or application.user_id != auth.user.id:
            raise GotifyHTTPError(404, f"app with id {app_id} doesn't exists")
        return application

    # -- endpoints ---------------------------------------------------------------------------------

    async def _version(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"version": self.version, "commit": "0" * 40, "buildDate": "2026-07-01T12:00:00Z"}
        )

    async def _health(self, request: web.Request) -> web.Response:
        status = 200 if self.health == {"health": "green", "database": "green"} else 500
        return web.json_response(self.health, status=status)

    async def _gotifyinfo(self, request: web.Request) -> web.Response:
        if not self.is_v3:
            raise GotifyHTTPError(404, "page not found")
        return web.json_response({"version": self.version, "oidc": False, "register": False})

    async def _current_user(self, request: web.Request) -> web.Response:
        auth = self._client_auth(request)
        data: dict[str, Any] = {"id": auth.user.id, "name": auth.user.name, "admin": auth.user.admin}
        if self.is_v3 and auth.client is not None:
            data["clientId"] = auth.client.id
        return web.json_response(data)

    def _client_json(self, client: Client, *, with_token: bool) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": client.id,
            # v3 shows a client's token only in the answer that creates it; the field stays, empty.
            "token": client.token if with_token else "",
            "name": client.name,
            "lastUsed": gotify_date(client.last_used) if client.last_used else None,
        }
        if self.is_v3:
            data["createdAt"] = gotify_date(client.created_at)
            data["expiresAfterInactivitySeconds"] = client.expires_after_inactivity
            if client.expires_after_inactivity:
                since = client.last_used or client.created_at
                data["expiresAt"] = gotify_date(since + timedelta(seconds=client.expires_after_inactivity))
        return data

    async def _list_clients(self, request: web.Request) -> web.Response:
        auth = self._client_auth(request)
        own = self.clients_of(auth.user)
        return web.json_response([self._client_json(c, with_token=not self.is_v3) for c in own])

    async def _create_client(self, request: web.Request) -> web.Response:
        auth = self._client_auth(request)
        if request.content_type == "application/json":
            data = await self._json_object(request)
        else:
            data = {key: value.decode() for key, (_, value) in (await _form_fields(request)).items()}
        name = data.get("name")
        if not isinstance(name, str) or not name:
            raise GotifyHTTPError(400, "Field 'name' is required")
        expiry = 0
        # v2 binds only the name and ignores other fields, as Go's JSON decoding does.
        if self.is_v3 and data.get("expiresAfterInactivitySeconds") is not None:
            expiry = data["expiresAfterInactivitySeconds"]
            if isinstance(expiry, str) and expiry.isdigit():  # a form field
                expiry = int(expiry)
            if not isinstance(expiry, int) or isinstance(expiry, bool) or expiry < 0:
                raise GotifyHTTPError(
                    400,
                    "json: cannot unmarshal into Go struct field ClientParams.expiresAfterInactivitySeconds"
                    " of type uint",
                )
        client = self.add_client(auth.user, name, expires_after_inactivity=expiry)
        return web.json_response(self._client_json(client, with_token=True))

    async def _delete_client(self, request: web.Request) -> web.Response:
        auth = self._client_auth(request)
        self._require_elevated(auth)  # Gotify's middleware: before the client is looked up
        try:
            client_id = int(request.match_info["id"])
        except ValueError:
            raise GotifyHTTPError(400, "invalid id") from None
        client = next((c for c in self.clients_of(auth.user) if c.id == client_id), None)
        if client is None:
            raise GotifyHTTPError(404, f"client with id {client_id} doesn't exists")
        self.remove_client(client.token)
        return self._empty_ok()

    def _application_json(self, application: Application, *, with_token: bool) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": application.id,
            "name": application.name,
            "description": application.description,
            "internal": application.internal,
            "image": application.image,
            "defaultPriority": application.default_priority,
            "lastUsed": gotify_date(application.last_used) if application.last_used else None,
            "sortKey": f"a{application.id:04d}",
        }
        if with_token:
            data["token"] = application.token
        if self.is_v3:
            data["createdAt"] = gotify_date(application.created_at)
        return data

    async def _list_applications(self, request: web.Request) -> web.Response:
        auth = self._client_auth(request)
        own = [a for a in self.applications.values() if a.user_id == auth.user.id]
        return web.json_response([self._application_json(a, with_token=not self.is_v3) for a in own])

    async def _json_object(self, request: web.Request) -> dict[str, Any]:
        try:
            data = json.loads(await request.read() or b"null")
        except ValueError as err:
            raise GotifyHTTPError(400, f"invalid character in JSON: {err}") from None
        if not isinstance(data, dict):
            raise GotifyHTTPError(400, "json: cannot unmarshal into Go value of type struct")
        return data

    def _application_fields(self, data: dict[str, Any]) -> tuple[str, str, int]:
        name = data.get("name")
        if not isinstance(name, str) or not name:
            raise GotifyHTTPError(400, "Field 'name' is required")
        description = data.get("description") or ""
        priority = data.get("defaultPriority") or 0
        if not isinstance(description, str):
            raise GotifyHTTPError(400, "json: cannot unmarshal into field description of type string")
        if not isinstance(priority, int) or isinstance(priority, bool):
            raise GotifyHTTPError(400, "json: cannot unmarshal into field defaultPriority of type int")
        return name, description, priority

    async def _create_application(self, request: web.Request) -> web.Response:
        auth = self._client_auth(request)
        name, description, priority = self._application_fields(await self._json_object(request))
        application = self.add_application(
            name, user=auth.user, description=description, default_priority=priority
        )
        # The token is in this answer on every version; v3 shows it nowhere else.
        return web.json_response(self._application_json(application, with_token=True))

    async def _update_application(self, request: web.Request) -> web.Response:
        auth = self._client_auth(request)
        application = self._own_application(auth, request.match_info["id"])
        name, description, priority = self._application_fields(await self._json_object(request))
        application.name, application.description, application.default_priority = name, description, priority
        return web.json_response(self._application_json(application, with_token=not self.is_v3))

    async def _delete_application(self, request: web.Request) -> web.Response:
        auth = self._client_auth(request)
        application = self._own_application(auth, request.match_info["id"])
        self._require_elevated(auth)
        self.remove_application(application.id)
        return self._empty_ok()

    async def _upload_image(self, request: web.Request) -> web.Response:
        auth = self._client_auth(request)
        application = self._own_application(auth, request.match_info["id"])
        if not request.content_type.startswith("multipart/"):
            raise GotifyHTTPError(400, "request Content-Type isn't multipart/form-data")
        upload = (await _form_fields(request)).get("file")
        filename, content = upload or (None, b"")
        if filename is None:
            raise GotifyHTTPError(400, "file with key 'file' must be present")
        extension = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
        if extension not in _IMAGE_EXTENSIONS:
            raise GotifyHTTPError(400, "invalid file extension")
        if not content.startswith(_IMAGE_MAGIC):
            raise GotifyHTTPError(400, "file must be an image")
        name = secrets.token_urlsafe(12) + extension
        self.images[name] = content
        application.image = f"image/{name}"
        return web.json_response(self._application_json(application, with_token=not self.is_v3))

    async def _image(self, request: web.Request) -> web.Response:
        content = self.images.get(request.match_info["file"])
        if content is None:
            raise GotifyHTTPError(404, "page not found")
        return web.Response(body=content, content_type="image/png")

    async def _redirect_message(self, request: web.Request) -> web.Response:
        raise web.HTTPTemporaryRedirect("/message")

    async def _create_message(self, request: web.Request) -> web.Response:
        auth = self._publisher_auth(request)
        if request.content_type == "application/json":
            data = await self._json_object(request)
        else:
            # Form bodies (and JSON sent without its content type) carry no extras.
            form = await _form_fields(request)
            data = {
                key: form[key][1].decode() for key in ("message", "title", "priority", "appid") if key in form
            }
            for key in ("priority", "appid"):
                if key in data:
                    try:
                        data[key] = int(str(data[key]))
                    except ValueError:
                        raise GotifyHTTPError(
                            400, f"strconv.ParseInt: parsing {data[key]!r}: invalid syntax"
                        ) from None
        message = data.get("message")
        if not isinstance(message, str) or not message:
            raise GotifyHTTPError(400, "Field 'message' is required")
        title = data.get("title")
        if title is not None and not isinstance(title, str):
            raise GotifyHTTPError(
                400, "json: cannot unmarshal into Go struct field MessageExternal.title of type string"
            )
        priority = data.get("priority")
        if priority is not None and (not isinstance(priority, int) or isinstance(priority, bool)):
            kind = (
                "string"
                if isinstance(priority, str)
                else "number"
                if isinstance(priority, float)
                else "value"
            )
            raise GotifyHTTPError(
                400,
                f"json: cannot unmarshal {kind} into Go struct field MessageExternal.priority of type int",
            )
        extras = data.get("extras")
        if extras is not None and not isinstance(extras, dict):
            raise GotifyHTTPError(
                400,
                "json: cannot unmarshal into Go struct field MessageExternal.extras"
                " of type map[string]interface {}",
            )
        application = auth.application
        if application is None:
            application = self._publish_target(auth, data.get("appid"))
        stored = self._store(application, message, title or "", priority, extras)
        return web.json_response(stored.to_json())

    def _publish_target(self, auth: _Auth, appid: Any) -> Application:
        """v3: a client token or basic auth publishes to one of the user's applications by ``appid``."""
        if appid is None:
            raise GotifyHTTPError(400, "appid is required when not authenticating with an application token")
        if not isinstance(appid, int) or isinstance(appid, bool):
            raise GotifyHTTPError(
                400, "json: cannot unmarshal into Go struct field MessageExternal.appid of type uint"
            )
        application = self.applications.get(appid)
        if application is None or application.user_id != auth.user.id:
            raise GotifyHTTPError(400, "appid not found")
        return application

    def _store(
        self,
        application: Application,
        message: str,
        title: str,
        priority: int | None,
        extras: dict[str, Any] | None,
    ) -> Message:
        now = datetime.now(UTC)
        stored = Message(
            id=self._next("message"),
            appid=application.id,
            message=message,
            title=title if title.strip() else application.name,
            priority=application.default_priority if priority is None else priority,
            extras=extras,
            date=now,
        )
        self.messages[stored.id] = stored
        application.last_used = now
        frame = json.dumps(stored.to_json()) + "\n"
        for socket, (user_id, _) in list(self._sockets.items()):
            if user_id == application.user_id and not socket.closed:
                self._spawn(self._send_frame(socket, frame))
        return stored

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send_frame(self, socket: web.WebSocketResponse, frame: str) -> None:
        # One writer at a time per socket, in the order the messages were stored, as Gotify does.
        async with self._socket_locks.setdefault(socket, asyncio.Lock()):
            with contextlib.suppress(ConnectionError, RuntimeError):
                await socket.send_str(frame)

    def _paged(self, request: web.Request, messages: list[Message]) -> web.Response:
        try:
            limit = int(request.query.get("limit", "100"))
            since = int(request.query.get("since", "0"))
        except ValueError:
            raise GotifyHTTPError(400, "limit and since must be integers") from None
        if not 1 <= limit <= 200:
            raise GotifyHTTPError(400, "Field 'limit' must be between 1 and 200")
        newest_first = sorted((m for m in messages if since <= 0 or m.id < since), key=lambda m: -m.id)
        page = newest_first[:limit]
        paging: dict[str, Any] = {"size": len(page), "since": 0, "limit": limit}
        if len(newest_first) > limit:
            paging["since"] = page[-1].id
            paging["next"] = f"{request.path}?limit={limit}&since={page[-1].id}"
        return web.json_response({"paging": paging, "messages": [m.to_json() for m in page]})

    async def _application_messages(self, request: web.Request) -> web.Response:
        auth = self._client_auth(request)
        application = self._own_application(auth, request.match_info["id"])
        return self._paged(request, [m for m in self.messages.values() if m.appid == application.id])

    async def _all_messages(self, request: web.Request) -> web.Response:
        auth = self._client_auth(request)
        own = {a.id for a in self.applications.values() if a.user_id == auth.user.id}
        return self._paged(request, [m for m in self.messages.values() if m.appid in own])

    async def _clear_application(self, request: web.Request) -> web.Response:
        auth = self._client_auth(request)
        application = self._own_application(auth, request.match_info["id"])
        for message_id in [m.id for m in self.messages.values() if m.appid == application.id]:
            del self.messages[message_id]
        return self._empty_ok()

    async def _delete_message(self, request: web.Request) -> web.Response:
        auth = self._client_auth(request)
        try:
            message_id = int(request.match_info["id"])
        except ValueError:
            raise GotifyHTTPError(400, "invalid id") from None
        stored = self.messages.get(message_id)
        owner = self.applications.get(stored.appid) if stored else None
        if stored is None or owner is None or owner.user_id != auth.user.id:
            raise GotifyHTTPError(404, "message does not exist")
        del self.messages[message_id]
        return self._empty_ok()

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        auth = self._client_auth(request)
        origin = request.headers.get("Origin")
        if origin is not None and origin.split("://", 1)[-1] != request.host:
            raise GotifyHTTPError(403, "origin not allowed")
        # No heartbeat for a socket closed at once: its timer would outlive the socket.
        heartbeat = None if self.close_streams_on_accept else self.ping_interval
        socket = web.WebSocketResponse(heartbeat=heartbeat)
        await socket.prepare(request)
        if self.close_streams_on_accept:
            await socket.close(code=WSCloseCode.GOING_AWAY)
            return socket
        self._sockets[socket] = (auth.user.id, auth.client.id if auth.client else None)
        try:
            async for _ in socket:
                pass  # Gotify ignores what clients send.
        finally:
            self._sockets.pop(socket, None)
            self._socket_locks.pop(socket, None)
            self._ended_sockets.append(socket)
        return socket


async def serve(
    version: str, host: str, port: int, ready: Callable[[GotifyDouble], None], state: Path | None = None
) -> None:
    """Serve a double until cancelled (Ctrl-C); with ``state``, what it holds survives to the next run."""
    double = GotifyDouble(version, host=host)
    if state is not None:
        double.load_state(state)
    await double.start(port)
    ready(double)
    try:
        await asyncio.Event().wait()
    finally:
        await double.stop()


def main() -> None:
    """``python -m tests.gotify_double``: a Gotify server to try the integration without installing one."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=8070)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--gotify-version", default=V2, help=f"{V2} (v2 rules) or {V3} (v3 rules)")
    parser.add_argument("--state", type=Path, help="a file that keeps applications and messages across runs")
    arguments = parser.parse_args()

    def ready(double: GotifyDouble) -> None:
        print(f"Gotify test server {double.version} on {double.url}", flush=True)
        print(f"  Server URL:   {double.url}", flush=True)
        print(f"  Client token: {double.client_token}", flush=True)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(arguments.gotify_version, arguments.host, arguments.port, ready, arguments.state))


if __name__ == "__main__":
    main()
