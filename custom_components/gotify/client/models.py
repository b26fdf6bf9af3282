"""The answers Gotify sends, read strictly: anything else is ``GotifyInvalidResponseError``."""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Self

from .errors import GotifyInvalidResponseError

try:
    import orjson
except ImportError:  # pragma: no cover - Home Assistant always has it; the client works without it
    orjson = None  # type: ignore[assignment]

# Ids and integers Gotify sends fit in 64 bits; anything larger (or 1e999) is not Gotify's.
_INT_MAX: Final = 2**63 - 1

type JSONObject = dict[str, Any]

# Every answer is read by these models, which accept only what Gotify sends: a missing field or one of
# the wrong kind raises ValueError, which the client turns into GotifyInvalidResponseError.

_FRACTION = re.compile(r"(\.\d{6})\d+")

# Integers of 19 digits and more may lie beyond 64 bits, which orjson turns into floats or refuses (json
# keeps them): a text with such a run of digits goes to json. Every digit maps to "0", all else to " ".
_DIGITS: Final = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_LONG_NUMBER: Final = b"0" * 19


def json_loads(text: bytes | str) -> Any:
    """Decode JSON as ``json.loads`` does, faster: with orjson wherever it gives the same result.

    orjson refuses some of what ``json`` accepts (NaN, 1e999, lone surrogates, deep nesting, other
    encodings than UTF-8): that, and text with a long run of digits, is decoded by ``json``, so that
    every answer decodes, or fails, as it always did.
    """
    if orjson is not None:
        try:
            data = text.encode() if isinstance(text, str) else text
        except UnicodeEncodeError:  # lone surrogates
            return json.loads(text)
        if _LONG_NUMBER not in data.translate(_DIGITS):
            try:
                return orjson.loads(data)
            except orjson.JSONDecodeError:
                pass
    return json.loads(text)


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


def list_of(data: Any, key: str) -> list[Any]:
    """Return ``data`` if it is a list; ``key`` names it in the error."""
    if not isinstance(data, list):
        raise ValueError(f"'{key}' is not a list")  # noqa: TRY004
    return data


def parse_date(value: str) -> datetime:
    """Parse Gotify's RFC 3339 dates, which carry nanoseconds that ``datetime`` cannot hold."""
    try:
        return datetime.fromisoformat(value)  # drops digits beyond microseconds itself (3.11+)
    except ValueError:
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
        """Read a ``/version`` answer; the commit and build date may be missing."""
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

    @property
    def clients_expire(self) -> bool:
        """v3 servers remove a client unused for its ``expiresAfterInactivitySeconds`` (0: never).

        v2 servers know no such field: their clients live until deleted.
        """
        return self.major >= 3


@dataclass(frozen=True, slots=True)
class GotifyHealth:
    """``GET /health``."""

    health: str
    database: str

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Read a ``/health`` answer."""
        data = _object(data)
        return cls(_str(data, "health"), _str(data, "database"))

    @property
    def healthy(self) -> bool:
        """Gotify and its database both report green."""
        return self.health == "green" and self.database == "green"


@dataclass(frozen=True, slots=True)
class GotifyUser:
    """``GET /current/user``."""

    id: int
    name: str
    admin: bool

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Read a ``/current/user`` answer; ``admin`` is true only when Gotify says so."""
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
        """Read an application; an empty token is one Gotify does not show."""
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
        """Show the id and name only: the token is a secret, kept out of logs and assertion messages."""
        return f"GotifyApplication(id={self.id}, name={self.name!r})"


@dataclass(frozen=True, slots=True)
class GotifyClientInfo:
    """A client (what reads messages and manages the account), from ``POST /client`` or ``GET /client``.

    ``token`` is in the answer that creates the client; v3 servers show it nowhere else. v3 servers remove
    a client left unused for ``expires_after_inactivity`` seconds (0: never); v2 servers have no such field
    (none), and their clients never expire.
    """

    id: int
    name: str
    token: str | None
    last_used: datetime | None
    expires_after_inactivity: int | None

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Read a client; an empty token is one Gotify does not show."""
        data = _object(data)
        expiry = data.get("expiresAfterInactivitySeconds")
        return cls(
            id=_int(data, "id"),
            name=_str(data, "name"),
            token=_str(data, "token", "") or None,
            last_used=_optional_date(data.get("lastUsed")),
            expires_after_inactivity=None if expiry is None else _int(data, "expiresAfterInactivitySeconds"),
        )

    @classmethod
    def created(cls, data: Any) -> Self:
        """Read the answer that creates a client: it always carries the token."""
        client = cls.from_json(data)
        if client.token is None:
            raise ValueError("'token' is missing")
        return client

    def __repr__(self) -> str:
        """Show the id and name only: the token is a secret, kept out of logs and assertion messages."""
        return f"GotifyClientInfo(id={self.id}, name={self.name!r})"


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
        """Read a message; the title, priority and extras may be missing."""
        if type(data) is dict:
            # What Gotify sends (every answer to a publish, every stream frame): checked in one place.
            # Anything else (a missing field, another type, a number beyond 64 bits) takes the checks
            # below, which accept the same and say what is wrong.
            id_, appid, priority = data.get("id"), data.get("appid"), data.get("priority")
            message, title, date = data.get("message"), data.get("title"), data.get("date")
            if (extras := data.get("extras")) is None:
                extras = {}
            if (
                type(id_) is int
                and type(appid) is int
                and type(priority) is int
                and type(message) is str
                and type(title) is str
                and type(date) is str
                and type(extras) is dict
                and -_INT_MAX <= id_ <= _INT_MAX
                and -_INT_MAX <= appid <= _INT_MAX
                and -_INT_MAX <= priority <= _INT_MAX
            ):
                return cls(id_, appid, message, title, priority, parse_date(date), extras)
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
        """Read a page of messages with its paging."""
        data = _object(data)
        paging = _object(data.get("paging"))
        return cls(
            messages=[GotifyMessage.from_json(item) for item in list_of(data.get("messages"), "messages")],
            size=_int(paging, "size"),
            limit=_int(paging, "limit"),
            since=_int(paging, "since", 0),
            next=_str(paging, "next", "") or None,
        )

    @property
    def has_more(self) -> bool:
        """Whether an older page follows."""
        return self.next is not None


# What reading an answer that is not Gotify's can raise.
NOT_GOTIFY: Final = (KeyError, TypeError, ValueError, OverflowError, AttributeError, RecursionError)


def read_model[T](method: str, path: str, parse: Callable[[Any], T], data: Any) -> T:
    """Read an answer with a model; anything that is not what Gotify sends is one error."""
    try:
        return parse(data)
    except NOT_GOTIFY as err:
        raise GotifyInvalidResponseError(
            f"{method} {path}: the server's answer is not Gotify's: {err}"
        ) from err
