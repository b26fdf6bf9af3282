"""Attachments: turn a file, URL, camera or media-source item into a URL the phone can load.

Gotify stores no files. A URL is passed through; anything else (a local file, a camera snapshot, a
media-source item) is stored here and served by Home Assistant under a signed path that expires, on Home
Assistant's external URL, so that the phone (often outside the home network) can fetch it.
"""

import asyncio
import contextlib
import mimetypes
import os
import re
import secrets
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any, Final

from aiohttp import web
from homeassistant.components.http import HomeAssistantView
from homeassistant.components.http.auth import async_sign_path
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util.hass_dict import HassKey

from .compat import media_source_path
from .const import DOMAIN
from .message import AttachmentRef, shown
from .phone_url import PhoneUrl

ATTACHMENT_PATH: Final = "/api/gotify/attachment"
MAX_ATTACHMENT_BYTES: Final = 20 * 1024 * 1024
READ_TIMEOUT: Final = 10.0  # seconds a local file may take to read

# Served inline, on Home Assistant's own origin: only images a browser cannot run script in (not SVG).
# Anything else is a download, so that HTML, SVG or XHTML never runs where the frontend keeps its tokens.
INLINE_TYPES: Final = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "image/avif"}
)
_HARDENING: Final = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private"}

# Stored names carry their own expiry: <unix expiry>-<random>.<extension>. The view serves nothing else;
# one definition of an extension both where names are made and where they are served and cleaned up.
_EXTENSION = r"[a-z0-9]{1,10}"
_STORED_NAME = re.compile(rf"^(?P<expires>\d{{10}})-[0-9a-f]{{32}}\.(?P<ext>{_EXTENSION})$")
_CAMERA = re.compile(r"^camera\.[a-z0-9_]+$")
_MEDIA_CAMERA = "media-source://camera/"
_HTTP = re.compile(r"^https?://", re.IGNORECASE)
# Paths on Home Assistant that the companion app loads (with its login) in ``data.image``/``video``/
# ``audio``: the phone cannot, so a camera's proxy becomes a snapshot and local media the file itself.
_CAMERA_PROXY = re.compile(r"^/api/camera_proxy(?:_stream)?/(camera\.[a-z0-9_]+)(?:\?.*)?$")
_LOCAL_MEDIA = "/media/local/"
_LOCAL_MEDIA_SOURCE = "media-source://media_source/local/"


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


@dataclass(frozen=True, slots=True)
class Content:
    """Bytes to keep for the phone, with what they are."""

    data: bytes
    content_type: str
    name: str


class AttachmentStore:
    """Files kept for the phone to fetch, each until its expiry."""

    def __init__(self, hass: HomeAssistant, directory: Path) -> None:
        """Keep the files in ``directory``, made on the first store."""
        self.hass = hass
        self.directory = directory
        self._phone_url = PhoneUrl(hass, "attachments")

    def path_of(self, name: str) -> Path | None:
        """Return the stored file for a served name, if it is one of ours and has not expired."""
        match = _STORED_NAME.match(name)
        if match is None or int(match["expires"]) < time.time():
            return None
        path = self.directory / name
        return path if path.is_file() else None

    async def async_store(self, content: Content, expiry: timedelta) -> str:
        """Keep ``content`` and return the absolute, signed URL the phone can load it from."""
        if len(content.data) > MAX_ATTACHMENT_BYTES:
            raise _too_large(content.name, len(content.data))
        extension = _extension(content.content_type, content.name)
        expires = int(time.time() + expiry.total_seconds())
        name = f"{expires:010d}-{secrets.token_hex(16)}.{extension}"
        await self.hass.async_add_executor_job(self._write, name, content.data)
        signed = async_sign_path(self.hass, f"{ATTACHMENT_PATH}/{name}", expiry, use_content_user=True)
        return f"{self._phone_url.base()}{signed}"

    def _write(self, name: str, data: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / name).write_bytes(data)

    async def async_cleanup(self) -> int:
        """Delete expired files; returns how many."""
        return await self.hass.async_add_executor_job(self._cleanup)

    def _cleanup(self) -> int:
        if not self.directory.is_dir():
            return 0
        removed = 0
        now = time.time()
        for path in self.directory.iterdir():
            match = _STORED_NAME.match(path.name)
            if match is None or int(match["expires"]) < now:
                path.unlink(missing_ok=True)
                removed += 1
        return removed


# The one store of every entry, set up in async_setup.
ATTACHMENT_STORE: HassKey[AttachmentStore] = HassKey(f"{DOMAIN}_attachments")


def _extension(content_type: str, name: str) -> str:
    """Return the stored file's extension: the name's, else the content type's, else ``bin``."""
    for candidate in (
        Path(name).suffix,
        mimetypes.guess_extension(content_type.split(";", maxsplit=1)[0].strip()) or "",
    ):
        extension = candidate.lower().lstrip(".")
        if re.fullmatch(_EXTENSION, extension):
            return extension
    return "bin"


def is_inline(content_type: str) -> bool:
    """Whether the view shows this type inline (an image), rather than offering it as a download."""
    return content_type.split(";", maxsplit=1)[0].strip().lower() in INLINE_TYPES


def _too_large(name: str, size: int) -> ServiceValidationError:
    return _invalid(
        "attachment_too_large",
        name=name,
        size=f"{size / 1024 / 1024:.1f}",
        limit=f"{MAX_ATTACHMENT_BYTES // 1024 // 1024}",
    )


class GotifyAttachmentView(HomeAssistantView):
    """Serves stored attachments; Home Assistant's auth accepts only a valid, unexpired signature."""

    url = ATTACHMENT_PATH + "/{name}"
    name = "api:gotify:attachment"
    requires_auth = True

    def __init__(self, store: AttachmentStore) -> None:
        """Serve the files of ``store``."""
        self.store = store

    async def get(self, request: web.Request, name: str) -> web.StreamResponse:
        """Serve a stored file: an image inline and sandboxed, anything else as a download."""
        path = await self.store.hass.async_add_executor_job(self.store.path_of, name)
        if path is None:
            return web.Response(status=HTTPStatus.NOT_FOUND)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        headers = {"Content-Type": content_type, **_HARDENING}
        if is_inline(content_type):
            headers["Content-Security-Policy"] = "sandbox"
        else:
            headers["Content-Disposition"] = f'attachment; filename="attachment.{path.suffix.lstrip(".")}"'
            headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return web.FileResponse(path, headers=headers)


# --- resolving what the caller passed -----------------------------------------------------------


def _read_regular_file(path: str, allowed: Callable[[str], bool] | None) -> tuple[bytes, str]:
    """Return the bytes of a regular file and the path they were read from (runs in the executor).

    The file is opened once and everything is checked on what was opened: that it is a regular file (a
    FIFO would block forever), its size before reading, and, with ``allowed``, where it really is (a
    file swapped for a symlink after a check of its name is caught, as it is the opened file's own path
    that is checked).
    """
    shown_path = shown(path)
    try:
        # Home Assistant 2025.4's check itself raises for a name the system refuses (too long).
        if allowed is not None and not allowed(path):
            raise _invalid("attachment_not_allowed", path=shown_path)
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    except FileNotFoundError as err:
        raise _invalid("attachment_not_found", path=shown_path) from err
    except OSError as err:
        raise _invalid(
            "attachment_unreadable", path=shown_path, reason=err.strerror or type(err).__name__
        ) from err
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise _invalid("attachment_not_regular", path=shown_path)
        real = _real_path(descriptor, path)
        if allowed is not None and not allowed(real):
            raise _invalid("attachment_not_allowed", path=shown_path)
        if info.st_size > MAX_ATTACHMENT_BYTES:
            raise _too_large(Path(path).name, info.st_size)
        chunks, size = [], 0
        while chunk := os.read(descriptor, 1024 * 1024):
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_ATTACHMENT_BYTES:  # it grew while being read
                raise _too_large(Path(path).name, size)
        return b"".join(chunks), real
    except OSError as err:
        raise _invalid(
            "attachment_unreadable", path=shown_path, reason=err.strerror or type(err).__name__
        ) from err
    finally:
        os.close(descriptor)


def _real_path(descriptor: int, path: str) -> str:
    """Where an opened file really is: from the descriptor where the system says (Linux)."""
    with contextlib.suppress(OSError):
        return os.readlink(f"/proc/self/fd/{descriptor}")
    return os.path.realpath(path)


async def _async_read(
    hass: HomeAssistant, path: str, allowed: Callable[[str], bool] | None
) -> tuple[bytes, str]:
    try:
        async with asyncio.timeout(READ_TIMEOUT):
            return await hass.async_add_executor_job(_read_regular_file, path, allowed)
    except TimeoutError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="attachment_timeout",
            translation_placeholders={"path": shown(path), "seconds": f"{READ_TIMEOUT:g}"},
        ) from err


async def async_read_local_file(hass: HomeAssistant, text: str) -> Content:
    """Read a local file, if Home Assistant's ``allowlist_external_dirs`` allows where it really is."""
    if "\x00" in text:
        raise _invalid("attachment_invalid", value=shown(text))
    data, real = await _async_read(hass, text, hass.config.is_allowed_path)
    content_type = mimetypes.guess_type(real)[0] or "application/octet-stream"
    return Content(data, content_type, Path(text).name)


async def async_camera_snapshot(hass: HomeAssistant, entity_id: str) -> Content:
    """Take a snapshot of a camera now."""
    from homeassistant.components.camera import async_get_image  # noqa: PLC0415 - camera is optional

    if hass.states.get(entity_id) is None:
        raise _invalid("attachment_camera_not_found", entity_id=entity_id)
    try:
        image = await async_get_image(hass, entity_id)
    except HomeAssistantError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="attachment_camera_failed",
            translation_placeholders={"entity_id": entity_id, "reason": str(err)},
        ) from err
    extension = mimetypes.guess_extension(image.content_type) or ".jpg"
    return Content(image.content, image.content_type, f"{entity_id.split('.', 1)[1]}{extension}")


async def async_media_source(hass: HomeAssistant, media_id: str) -> Content | str:
    """Resolve a media-source item: its bytes, or a URL when it resolves to one outside Home Assistant."""
    if media_id.startswith(_MEDIA_CAMERA):
        return await async_camera_snapshot(hass, media_id.removeprefix(_MEDIA_CAMERA))
    from homeassistant.components.media_source import async_resolve_media  # noqa: PLC0415

    try:
        media = await async_resolve_media(hass, media_id, None)
    except HomeAssistantError as err:
        raise _invalid("attachment_media_not_found", media_id=shown(media_id), reason=str(err)) from err
    except (AssertionError, ValueError, KeyError, TypeError) as err:
        # Media source asserts what it cannot tell the type of (a file without an extension).
        raise _invalid("attachment_media_not_supported", media_id=shown(media_id)) from err
    path = media_source_path(hass, media)
    if path is not None:
        content = await async_read_local_file_unchecked(hass, path)
        return Content(content.data, media.mime_type or content.content_type, content.name)
    if _HTTP.match(media.url):
        return media.url
    raise _invalid("attachment_media_not_supported", media_id=shown(media_id))


async def async_read_local_file_unchecked(hass: HomeAssistant, path: Path) -> Content:
    """Read a file that media source itself resolved (inside Home Assistant's media folders)."""
    data, _ = await _async_read(hass, str(path), None)
    return Content(data, mimetypes.guess_type(path.name)[0] or "application/octet-stream", path.name)


def _is_image_url(url: str) -> bool:
    guessed = mimetypes.guess_type(url.split("?", 1)[0])[0]
    # Without a telling extension (a camera proxy, a CDN) assume an image: that is what attachments are.
    return guessed is None or guessed.startswith("image/")


async def async_resolve(
    hass: HomeAssistant, store: AttachmentStore, value: Any, expiry: timedelta
) -> AttachmentRef:
    """Return the URL of an attachment given as a URL, file path, camera entity id or media-source id."""
    if isinstance(value, dict) and "media_content_id" in value:  # from a media selector
        value = value["media_content_id"]
    if not isinstance(value, str) or not value.strip():
        raise _invalid("attachment_invalid", value=shown(value))
    text = value.strip()
    if _HTTP.match(text):
        return AttachmentRef(
            text, _is_image_url(text), text.rsplit("/", 1)[-1].split("?", 1)[0] or "attachment"
        )
    if proxy := _CAMERA_PROXY.match(text):
        text = proxy[1]
    elif text.startswith(_LOCAL_MEDIA):
        text = _LOCAL_MEDIA_SOURCE + text.removeprefix(_LOCAL_MEDIA)
    content: Content | str
    if text.startswith("media-source://"):
        content = await async_media_source(hass, text)
        if isinstance(content, str):
            return AttachmentRef(content, _is_image_url(content), content.rsplit("/", 1)[-1])
    elif _CAMERA.match(text):
        content = await async_camera_snapshot(hass, text)
    else:
        content = await async_read_local_file(hass, text)
    url = await store.async_store(content, expiry)
    return AttachmentRef(url, is_inline(content.content_type), content.name)
