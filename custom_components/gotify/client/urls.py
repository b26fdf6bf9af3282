"""Server addresses: what a user pastes, what may be shown, and where a redirect points."""

from yarl import URL


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
    """Return a URL safe to show: credentials removed."""
    return str(url.with_user(None).with_password(None)) if url.host else str(url)


def origin_of(url: URL) -> str:
    """``scheme://host:port`` of a URL: what a redirect may not leave, and all of it that is shown."""
    return str(url.origin()) if url.host else "an address without a host"


def join_location(base: URL, location: str) -> URL | None:
    """Where a ``Location`` header points, or ``None`` when it is not an http(s) address."""
    try:
        target = base.join(URL(location))
        target.origin()
    except ValueError:
        return None
    return target if target.scheme in ("http", "https") else None
