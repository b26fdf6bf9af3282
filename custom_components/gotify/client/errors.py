"""What the client raises: one class per kind of failure, each naming the call but never a secret."""

import contextlib
from collections.abc import Iterator
from typing import Final

import aiohttp
from yarl import URL

from .urls import origin_of


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
        """Keep only the target's origin: all of it that is shown."""
        self.target = origin_of(target)
        super().__init__(f"{method} {path}: the server redirected to {self.target}; use that address")


class GotifyResponseError(GotifyError):
    """The server answered with an HTTP error status.

    ``description`` is Gotify's ``errorDescription`` or, for pages that did not come from Gotify (a
    reverse proxy's HTML error page), the page's title or the HTTP reason.
    """

    def __init__(self, status: int, error: str, description: str, *, method: str, path: str) -> None:
        """Keep the status, Gotify's error and description, and the request they answer."""
        self.status = status
        self.error = error
        self.description = description
        self.method = method
        self.path = path
        super().__init__(f"{method} {path}: {status} {error}: {description}")


class GotifyAuthenticationError(GotifyResponseError):
    """401 or 403: the token is missing, wrong, of the wrong kind, or lacks the permission.

    ``client_token`` says whether the refused token was the client's own (not an application token).
    """

    client_token: bool = False


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


def error_class(status: int) -> type[GotifyResponseError]:
    """Return the error class of an HTTP error status."""
    if status >= 500:
        return GotifyServerError
    return _STATUS_ERRORS.get(status, GotifyResponseError)


@contextlib.contextmanager
def transport_errors(host: str, method: str, path: str, timeout: float) -> Iterator[None]:
    """Turn aiohttp's and asyncio's errors into this client's, naming the server but no secret."""
    try:
        yield
    except (TimeoutError, aiohttp.ClientError) as err:
        raise transport_error(host, method, path, timeout, err) from err


def transport_error(
    host: str, method: str, path: str, timeout: float, err: TimeoutError | aiohttp.ClientError
) -> GotifyError:
    """Return this client's error for one of aiohttp's or asyncio's, naming the server but no secret."""
    if isinstance(err, TimeoutError):
        return GotifyTimeoutError(f"{method} {path}: {host} did not answer within {timeout:g} s")
    if isinstance(err, aiohttp.ClientConnectorCertificateError):
        return GotifyCertificateError(f"{host}: TLS certificate not accepted ({err.certificate_error})")
    if isinstance(err, aiohttp.ClientSSLError):
        return GotifyUnreachableError(f"{host}: TLS handshake failed ({reason(err)})")
    if isinstance(err, aiohttp.ClientConnectorError):
        return GotifyUnreachableError(f"{host}: cannot connect ({reason(err)})")
    return GotifyConnectionError(f"{method} {path}: {host}: {reason(err)}")


def reason(err: BaseException | None) -> str:
    """Describe a transport error briefly, without anything that could carry a URL."""
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
