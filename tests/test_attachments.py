"""Attachments: URLs passed on, local files, camera snapshots and media items served signed to the phone,
and whatever cannot or must not be served."""

import asyncio
import os
import re
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest.mock import patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.camera import Camera
from homeassistant.components.camera.const import DATA_COMPONENT
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.network import NoURLAvailableError
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.gotify import attachments
from custom_components.gotify.attachments import ATTACHMENT_STORE
from custom_components.gotify.compat import media_source_path
from custom_components.gotify.const import DOMAIN

from .gotify_double import GotifyDouble
from .helpers import (
    EXTERNAL_URL,
    last_sent,
    mock_entry,
    notify,
    notify_entity,
    setup_entry,
)

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
JPEG = b"\xff\xd8\xff\xe0" + b"front door" * 50
SIGNED = re.compile(r"https://ha\.example\.com(/api/gotify/attachment/[^\s)\"]+authSig=[^\s)\"]+)")


async def test_attachment_url_passes_through(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    await notify(hass, attachment="https://cdn.example.com/snap.jpg?size=large")
    sent = last_sent(gotify)
    assert (
        sent["extras"]["client::notification"]["bigImageUrl"] == "https://cdn.example.com/snap.jpg?size=large"
    )
    assert sent["message"] == "m\n\n![snap.jpg](https://cdn.example.com/snap.jpg?size=large)"


async def test_image_is_an_alias(hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry) -> None:
    await notify(hass, image="https://cdn.example.com/a.png", markdown=False)
    sent = last_sent(gotify)
    assert sent["extras"]["client::notification"]["bigImageUrl"] == "https://cdn.example.com/a.png"
    assert sent["message"] == "m"  # without markdown, the big picture alone


def _served_path(url: str) -> str:
    assert url.startswith(f"{EXTERNAL_URL}/api/gotify/attachment/")
    return url.removeprefix(EXTERNAL_URL)


async def test_local_file_is_served_signed(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    tmp_path: Path,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    (tmp_path / "porch.png").write_bytes(PNG)
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    client = await hass_client_no_auth()

    await notify(hass, attachment=str(tmp_path / "porch.png"))

    sent = last_sent(gotify)
    url = sent["extras"]["client::notification"]["bigImageUrl"]
    assert sent["message"] == f"m\n\n![porch.png]({url})"
    path = _served_path(url)
    assert "authSig=" in path

    response = await client.get(path)
    assert (response.status, await response.read(), response.content_type) == (200, PNG, "image/png")
    # Unsigned, or with a signature for another path: refused.
    assert (await client.get(path.split("?", 1)[0])).status == 401
    other = re.sub(r"/attachment/[^?]+", "/attachment/0000000000-" + "0" * 32 + ".png", path)
    assert (await client.get(other)).status == 401

    freezer.tick(timedelta(hours=25))  # past the default 24 h expiry
    assert (await client.get(path)).status == 401


@pytest.mark.parametrize(
    ("name", "content", "inline"),
    [
        ("door.png", PNG, True),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', False),
        ("page.html", b"<html><script>fetch('/auth/token')</script></html>", False),
        ("page.xhtml", b'<html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></html>', False),
    ],
)
async def test_only_images_are_served_inline(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    tmp_path: Path,
    hass_client_no_auth: ClientSessionGenerator,
    name: str,
    content: bytes,
    inline: bool,
) -> None:
    (tmp_path / name).write_bytes(content)
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    await notify(hass, attachment=str(tmp_path / name))
    sent = gotify.requests_to("POST", "/message")[-1].json
    match = SIGNED.search(sent["message"])
    assert match is not None, sent["message"]
    # Only an inline image becomes the notification's big picture.
    assert ("bigImageUrl" in sent["extras"]["client::notification"]) is inline

    response = await (await hass_client_no_auth()).get(match.group(1))
    assert response.status == 200
    assert await response.read() == content
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    if inline:
        assert response.headers["Content-Type"] == "image/png"
        assert "Content-Disposition" not in response.headers
        assert response.headers["Content-Security-Policy"] == "sandbox"
    else:
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"


async def test_expired_files_are_deleted(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, tmp_path: Path
) -> None:
    (tmp_path / "porch.png").write_bytes(PNG)
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    store = hass.data[ATTACHMENT_STORE]
    await notify(hass, attachment=str(tmp_path / "porch.png"))
    stored = list(store.directory.iterdir())
    assert len(stored) == 1
    assert store.path_of(stored[0].name) == stored[0]
    assert store.path_of("../../secrets.yaml") is None

    expired = store.directory / ("1000000000-" + "a" * 32 + ".png")
    expired.write_bytes(PNG)
    assert store.path_of(expired.name) is None  # never served once expired
    assert await store.async_cleanup() == 1
    assert not expired.exists()
    assert stored[0].exists()


async def test_attachment_expiry_option(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    tmp_path: Path,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await hass.config.async_update(external_url=EXTERNAL_URL)
    await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant"), attachment_expiry=1))
    (tmp_path / "porch.png").write_bytes(PNG)
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    client = await hass_client_no_auth()
    await notify(hass, attachment=str(tmp_path / "porch.png"))
    path = _served_path(last_sent(gotify)["extras"]["client::notification"]["bigImageUrl"])
    freezer.tick(timedelta(minutes=50))
    assert (await client.get(path)).status == 200
    freezer.tick(timedelta(minutes=20))
    assert (await client.get(path)).status == 401


async def test_non_image_file_becomes_a_link(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, tmp_path: Path
) -> None:
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.7 report")
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    await notify(hass, attachment=str(tmp_path / "report.pdf"))
    sent = last_sent(gotify)
    assert "bigImageUrl" not in sent["extras"]["client::notification"]
    assert re.fullmatch(
        r"m\n\n\[report\.pdf\]\(https://ha\.example\.com/api/gotify/attachment/\d{10}-[0-9a-f]{32}\.pdf\?authSig=[^)]+\)",
        sent["message"],
    )


async def test_long_extension_is_served_and_kept(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    tmp_path: Path,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    (tmp_path / "x.torrent").write_bytes(b"d8:announce0:e")
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    await notify(hass, attachment=str(tmp_path / "x.torrent"))
    match = SIGNED.search(gotify.requests_to("POST", "/message")[-1].json["message"])
    assert match is not None
    assert await hass.data[ATTACHMENT_STORE].async_cleanup() == 0
    response = await (await hass_client_no_auth()).get(match.group(1))
    assert response.status == 200
    assert await response.read() == b"d8:announce0:e"


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("/etc/passwd", "attachment_not_allowed"),
        ("{tmp}/missing.png", "attachment_not_found"),
        ("{tmp}", "attachment_not_regular"),  # a folder
        ("", "attachment_invalid"),
        ("camera.nowhere", "attachment_camera_not_found"),
    ],
)
async def test_attachment_errors(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, tmp_path: Path, value: str, key: str
) -> None:
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    with pytest.raises(ServiceValidationError) as caught:
        await notify(hass, attachment=value.format(tmp=tmp_path))
    assert caught.value.translation_key == key
    assert gotify.requests_to("POST", "/message") == []


async def test_attachment_too_large(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(attachments, "MAX_ATTACHMENT_BYTES", 1024 * 1024)
    (tmp_path / "huge.png").write_bytes(PNG * 1100)
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    with pytest.raises(ServiceValidationError) as caught:
        await notify(hass, attachment=str(tmp_path / "huge.png"))
    assert str(caught.value) == "The attachment huge.png is 1.1 MB; the limit is 1 MB"


async def test_file_swapped_for_a_symlink_after_the_check(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    secret = tmp_path / "secret.png"
    secret.write_bytes(PNG + b"SECRET")
    (allowed / "door.png").write_bytes(PNG)
    hass.config.allowlist_external_dirs = {str(allowed)}
    check = hass.config.is_allowed_path

    def check_then_swap(path: str) -> bool:
        result = check(path)
        target = allowed / "door.png"
        if target.is_file() and not target.is_symlink():
            target.unlink()
            target.symlink_to(secret)  # the race: right after the name was checked
        return result

    monkeypatch.setattr(hass.config, "is_allowed_path", check_then_swap)
    with pytest.raises(ServiceValidationError) as caught:
        await notify(hass, attachment=str(allowed / "door.png"))
    assert caught.value.translation_key == "attachment_not_allowed"
    assert gotify.requests_to("POST", "/message") == []
    store = hass.data[ATTACHMENT_STORE]
    assert not store.directory.exists() or not any(store.directory.iterdir())


async def test_fifo_and_nul_bytes_are_refused_at_once(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, tmp_path: Path
) -> None:
    os.mkfifo(tmp_path / "pipe")
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    async with asyncio.timeout(5):  # it used to block the action and an executor thread forever
        with pytest.raises(ServiceValidationError) as caught:
            await notify(hass, attachment=str(tmp_path / "pipe"))
    assert caught.value.translation_key == "attachment_not_regular"
    with pytest.raises(ServiceValidationError) as caught:
        await notify(hass, attachment=str(tmp_path / "a\x00b.png"))
    assert caught.value.translation_key == "attachment_invalid"


async def test_no_url_to_serve_attachments(hass: HomeAssistant, gotify: GotifyDouble, tmp_path: Path) -> None:
    await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))
    (tmp_path / "porch.png").write_bytes(PNG)
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    # Home Assistant always has an internal URL once its HTTP server runs; without one there is no way.
    with (
        patch("custom_components.gotify.phone_url.get_url", side_effect=NoURLAvailableError),
        pytest.raises(HomeAssistantError) as caught,
    ):
        await notify(hass, attachment=str(tmp_path / "porch.png"))
    assert caught.value.translation_key == "no_home_assistant_url"


async def test_internal_url_with_one_warning(
    hass: HomeAssistant, gotify: GotifyDouble, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await hass.config.async_update(internal_url="http://192.168.1.5:8123")
    await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))
    (tmp_path / "porch.png").write_bytes(PNG)
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    for _ in range(2):
        await notify(hass, attachment=str(tmp_path / "porch.png"))
    url = last_sent(gotify)["extras"]["client::notification"]["bigImageUrl"]
    assert url.startswith("http://192.168.1.5:8123/api/gotify/attachment/")
    assert caplog.text.count("Home Assistant has no external URL") == 1


# --- cameras and media items ------------------------------------------------------------------


class FrontDoor(Camera):
    _attr_name = "Front door"

    def __init__(self) -> None:
        super().__init__()
        self.snapshots = 0

    async def async_camera_image(self, width: int | None = None, height: int | None = None) -> bytes | None:
        self.snapshots += 1
        return JPEG


@pytest.fixture
async def front_door(hass: HomeAssistant) -> FrontDoor:
    assert await async_setup_component(hass, "camera", {})
    camera = FrontDoor()
    await hass.data[DATA_COMPONENT].async_add_entities([camera])
    return camera


@pytest.mark.parametrize("value", ["camera.front_door", "media-source://camera/camera.front_door"])
async def test_camera_snapshot(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    front_door: FrontDoor,
    hass_client_no_auth: ClientSessionGenerator,
    value: str,
) -> None:
    client = await hass_client_no_auth()
    await notify(hass, attachment=value)
    assert front_door.snapshots == 1  # taken at send time
    url = last_sent(gotify)["extras"]["client::notification"]["bigImageUrl"]
    response = await client.get(_served_path(url))
    assert (response.status, await response.read()) == (200, JPEG)


async def test_camera_that_fails(hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry) -> None:
    hass.states.async_set("camera.broken", "idle")
    with (
        patch("homeassistant.components.camera.async_get_image", side_effect=HomeAssistantError("no stream")),
        pytest.raises(HomeAssistantError) as caught,
    ):
        await hass.services.async_call(
            "notify",
            "gotify_home_assistant",
            {"message": "m", "data": {"attachment": "camera.broken"}},
            blocking=True,
        )
    assert caught.value.translation_key == "attachment_camera_failed"
    assert str(caught.value) == "Could not take a snapshot of camera.broken: no stream"


async def test_send_action_attachment_from_media_selector(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, front_door: FrontDoor
) -> None:
    await hass.services.async_call(
        DOMAIN,
        "send",
        {
            "entity_id": notify_entity(hass, home),
            "message": "ring",
            "attachment": {
                "media_content_id": "media-source://camera/camera.front_door",
                "media_content_type": "image/jpeg",
            },
        },
        blocking=True,
    )
    assert front_door.snapshots == 1
    assert "bigImageUrl" in last_sent(gotify)["extras"]["client::notification"]


async def test_media_source_file(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    tmp_path: Path,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    (tmp_path / "snapshots").mkdir()
    (tmp_path / "snapshots" / "garden.png").write_bytes(PNG)
    hass.config.media_dirs = {"local": str(tmp_path)}
    assert await async_setup_component(hass, "media_source", {})
    client = await hass_client_no_auth()

    await notify(
        hass,
        attachment={
            "media_content_id": "media-source://media_source/local/snapshots/garden.png",
            "media_content_type": "image/png",
        },
    )

    url = last_sent(gotify)["extras"]["client::notification"]["bigImageUrl"]
    response = await client.get(_served_path(url))
    assert (response.status, await response.read()) == (200, PNG)


async def test_media_source_missing(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, tmp_path: Path
) -> None:
    hass.config.media_dirs = {"local": str(tmp_path)}
    assert await async_setup_component(hass, "media_source", {})
    with pytest.raises(ServiceValidationError) as caught:
        await notify(hass, attachment="media-source://nowhere/x")
    assert caught.value.translation_key == "attachment_media_not_found"


async def test_media_item_without_an_extension(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, tmp_path: Path
) -> None:
    media = tmp_path / "media"
    media.mkdir()
    (media / "noextension").write_bytes(PNG)
    hass.config.media_dirs = {"local": str(media)}
    assert await async_setup_component(hass, "media_source", {})
    with pytest.raises(ServiceValidationError) as caught:
        await notify(hass, attachment="media-source://media_source/local/noextension")
    assert caught.value.translation_key == "attachment_media_not_supported"


@pytest.mark.parametrize(
    ("resolved", "expected"),
    [
        (
            SimpleNamespace(url="https://cdn.example.com/clip.gif", mime_type="image/gif"),
            "https://cdn.example.com/clip.gif",
        ),
        (SimpleNamespace(url="/api/tts_proxy/abc.mp3", mime_type="audio/mpeg"), None),
    ],
)
async def test_media_source_resolving_to_a_url(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, resolved: Any, expected: str | None
) -> None:
    call = {"message": "m", "data": {"attachment": "media-source://somewhere/item"}}
    with patch("homeassistant.components.media_source.async_resolve_media", return_value=resolved):
        if expected is None:
            with pytest.raises(ServiceValidationError) as caught:
                await hass.services.async_call("notify", "gotify_home_assistant", call, blocking=True)
            assert caught.value.translation_key == "attachment_media_not_supported"
            return
        await hass.services.async_call("notify", "gotify_home_assistant", call, blocking=True)
    extras = gotify.requests_to("POST", "/message")[-1].json["extras"]
    assert extras["client::notification"]["bigImageUrl"] == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/media/local/snapshots/a%20b.png", "snapshots/a b.png"),
        ("/media/local/x.jpg?authSig=abc", "x.jpg"),
        ("/media/other/x.jpg", None),
        ("/media/local/", None),
        ("/media/local/../../etc/passwd", None),
        ("https://example.com/x.jpg", None),
    ],
)
def test_media_source_path_from_the_url(
    hass: HomeAssistant, tmp_path: Path, url: str, expected: str | None
) -> None:
    """Home Assistant 2025.4 names a local media item only by the URL it serves it on."""
    hass.config.media_dirs = {"local": str(tmp_path)}
    found = media_source_path(hass, SimpleNamespace(url=url))
    assert found == (None if expected is None else (tmp_path / expected).resolve())
    assert media_source_path(hass, SimpleNamespace(url=url, path=tmp_path / "p.png")) == tmp_path / "p.png"


# --- the companion app's image, video and audio --------------------------------------------------


async def test_companion_camera_proxy_path_is_a_snapshot(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    front_door: FrontDoor,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """``image: /api/camera_proxy/camera.x`` is loaded by the companion app with its login; Gotify's
    phone has none, so the integration takes the snapshot and serves it signed."""
    client = await hass_client_no_auth()
    await notify(hass, image="/api/camera_proxy/camera.front_door")
    assert front_door.snapshots == 1
    url = last_sent(gotify)["extras"]["client::notification"]["bigImageUrl"]
    response = await client.get(_served_path(url))
    assert (response.status, await response.read()) == (200, JPEG)


async def test_companion_image_video_and_audio(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    tmp_path: Path,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    (tmp_path / "clips").mkdir()
    (tmp_path / "clips" / "gate.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    hass.config.media_dirs = {"local": str(tmp_path)}
    assert await async_setup_component(hass, "media_source", {})
    client = await hass_client_no_auth()

    await notify(
        hass,
        image="https://cdn.example.com/gate.jpg",
        video="/media/local/clips/gate.mp4",
        audio="https://cdn.example.com/bell.mp3",
    )

    sent = last_sent(gotify)
    assert sent["extras"]["client::notification"]["bigImageUrl"] == "https://cdn.example.com/gate.jpg"
    video = re.search(r"\[gate\.mp4\]\((https://[^)]+)\)", sent["message"])
    assert video is not None
    assert sent["message"] == (
        "m\n\n![gate.jpg](https://cdn.example.com/gate.jpg)"
        f"\n\n[gate.mp4]({video[1]})"
        "\n\n[bell.mp3](https://cdn.example.com/bell.mp3)"
    )
    response = await client.get(_served_path(video[1]))
    assert (response.status, await response.read()) == (200, b"\x00\x00\x00\x18ftypmp42")
    assert response.headers["Content-Disposition"] == 'attachment; filename="attachment.mp4"'
