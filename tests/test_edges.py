"""Less travelled paths: version shims, failures inside repairs, attachments and the stream."""

from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.gotify.compat import media_source_path
from custom_components.gotify.const import DOMAIN

from .gotify_double import GotifyDouble
from .helpers import mock_entry, setup_entry, setup_with_deleted_application


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


async def test_repair_while_the_server_is_down(
    hass: HomeAssistant, gotify: GotifyDouble, hass_client: ClientSessionGenerator
) -> None:
    _, issue_id = await setup_with_deleted_application(hass, gotify)
    client = await hass_client()

    gotify.fail_next("500", path="/application")
    response = await client.post("/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id})
    result = await response.json()
    assert (result["type"], result["reason"]) == ("abort", "cannot_connect")

    # With no other application to pick, the repair goes straight to recreating it.
    response = await client.post("/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id})
    result = await response.json()
    assert (result["type"], result["step_id"]) == ("form", "create_application")


async def test_camera_that_fails(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    await hass.config.async_update(external_url="https://ha.example.com")
    await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))
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
    hass: HomeAssistant, gotify: GotifyDouble, resolved: Any, expected: str | None
) -> None:
    await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))
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


async def test_target_listing_fails(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant"), queue=False))
    gotify.fail_next("500", path="/application")
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            "notify", "gotify_home_assistant", {"message": "m", "target": "Added later"}, blocking=True
        )
    assert caught.value.translation_key == "server_error"


async def test_stream_frame_that_is_not_a_message(
    hass: HomeAssistant, gotify: GotifyDouble, caplog: pytest.LogCaptureFixture
) -> None:
    entry = await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))
    import asyncio

    async with asyncio.timeout(5):
        while not entry.runtime_data.listener.status.connected:
            await asyncio.sleep(0.01)
    for socket in list(gotify._sockets):
        await socket.send_str('{"not": "a message"}')
    async with asyncio.timeout(5):
        while "not a message" not in caplog.text:
            await asyncio.sleep(0.01)
    assert entry.runtime_data.listener.status.connected
