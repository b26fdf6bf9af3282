"""Asynchronous client for the Gotify REST and websocket API.

Knows nothing about Home Assistant: it works on an injected aiohttp session so that Home Assistant can
share its connection pool, and it speaks to both API generations (v2.x and v3.x servers).

Tokens travel in the ``X-Gotify-Key`` header only, never in a URL, so that they cannot end up in an
exception text or a log line; error texts name the server by host and the call by method and path. A
user's password (``UserCredentials``) travels the same way, in the ``Authorization`` header.
"""

from .client import DEFAULT_TIMEOUT, GotifyClient, UserCredentials
from .errors import (
    GotifyAuthenticationError,
    GotifyCertificateError,
    GotifyConnectionError,
    GotifyError,
    GotifyInvalidResponseError,
    GotifyNotFoundError,
    GotifyPayloadTooLargeError,
    GotifyRedirectError,
    GotifyResponseError,
    GotifyServerError,
    GotifyTimeoutError,
    GotifyUnreachableError,
    GotifyValidationError,
    maybe_delivered,
)
from .models import (
    GotifyApplication,
    GotifyClientInfo,
    GotifyHealth,
    GotifyMessage,
    GotifyPagedMessages,
    GotifyUser,
    GotifyVersion,
    parse_date,
)
from .ratelimit import RateLimitedLog
from .stream import STREAM_IDLE_TIMEOUT, TOKEN_HEADER
from .urls import display_url, normalize_url, origin_of

__all__ = [
    "DEFAULT_TIMEOUT",
    "STREAM_IDLE_TIMEOUT",
    "TOKEN_HEADER",
    "GotifyApplication",
    "GotifyAuthenticationError",
    "GotifyCertificateError",
    "GotifyClient",
    "GotifyClientInfo",
    "GotifyConnectionError",
    "GotifyError",
    "GotifyHealth",
    "GotifyInvalidResponseError",
    "GotifyMessage",
    "GotifyNotFoundError",
    "GotifyPagedMessages",
    "GotifyPayloadTooLargeError",
    "GotifyRedirectError",
    "GotifyResponseError",
    "GotifyServerError",
    "GotifyTimeoutError",
    "GotifyUnreachableError",
    "GotifyUser",
    "GotifyValidationError",
    "GotifyVersion",
    "RateLimitedLog",
    "UserCredentials",
    "display_url",
    "maybe_delivered",
    "normalize_url",
    "origin_of",
    "parse_date",
]
