"""Targets, attachments, tags and the entity actions, end to end against the double."""

import re
from datetime import timedelta
from pathlib import Path
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
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.gotify import attachments
from custom_components.gotify.attachments import ATTACHMENT_STORE
from custom_components.gotify.const import DOMAIN

from .gotify_double import GotifyDouble
from .helpers import mock_entry, notify_entity, setup_entry

EXTERNAL = "https://ha.example.com"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
JPEG = b"\xff\xd8\xff\xe0" + b"front door" * 50


async def _notify(hass: HomeAssistant, data: dict[str, Any], target: Any = None) -> None:
    call: dict[str, Any] = {"message": "m", "data": data}
    if target is not None:
        call["target"] = target
    await hass.services.async_call("notify", "gotify_home_assistant", call, blocking=True)


def _sent(gotify: GotifyDouble) -> dict[str, Any]:
    return dict(gotify.requests_to("POST", "/message")[-1].json)


@pytest.fixture
async def home(hass: HomeAssistant, gotify: GotifyDouble) -> MockConfigEntry:
    """The integration with its default application, and Home Assistant reachable from outside."""
    await hass.config.async_update(external_url=EXTERNAL)
    return await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))


# --- target -------------------------------------------------------------------------------------


async def test_targets_receive_concurrently(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    own = gotify.application_named("Home Assistant")
    garage, cameras = gotify.add_application("Garage"), gotify.add_application("Cameras")
    gotify.delay = 0.2

    await hass.services.async_call(
        "notify",
        "gotify_home_assistant",
        {"message": "to all", "target": ["garage", "CAMERAS", str(own.id), "Garage"]},
        blocking=True,
    )

    assert sorted(m.appid for m in gotify.messages.values()) == sorted([own.id, garage.id, cameras.id])
    assert gotify.max_in_flight >= 2  # the sends overlapped at the server
    # Applications found after setup publish with their token (v2) or the client token and appid (v3).
    to_garage = next(
        r
        for r in gotify.requests_to("POST", "/message")
        if r.json.get("appid") == garage.id or r.headers["X-Gotify-Key"] == garage.token
    )
    assert to_garage.headers["X-Gotify-Key"] == (gotify.client_token if gotify.is_v3 else garage.token)


async def test_single_target_by_name(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    garage = gotify.add_application("Garage")
    await hass.services.async_call(
        "notify", "gotify_home_assistant", {"message": "door", "target": "Garage"}, blocking=True
    )
    assert [m.appid for m in gotify.messages.values()] == [garage.id]


async def test_unknown_target(hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry) -> None:
    gotify.add_application("Garage")
    with pytest.raises(ServiceValidationError) as caught:
        await _notify(hass, {}, target=["Garage", "Attic", "999"])
    assert caught.value.translation_key == "unknown_target"
    assert str(caught.value) == (
        'Unknown target "Attic, 999"; the applications of this Gotify account are: Garage, Home Assistant'
    )
    assert gotify.messages == {}


async def test_some_targets_fail(hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry) -> None:
    garage, cameras = gotify.add_application("Garage"), gotify.add_application("Cameras")
    await _notify(hass, {}, target=["Garage", "Cameras"])  # the integration now knows both
    # Then Garage changes on the server: its token is rotated (v2), or it is deleted (v3).
    if gotify.is_v3:
        gotify.remove_application(garage.id)
    else:
        garage.token = "Arotated0000000"
    gotify.messages.clear()

    with pytest.raises(HomeAssistantError) as caught:
        await _notify(hass, {}, target=["Home Assistant", "Garage", "Cameras"])

    assert caught.value.translation_key == "some_targets_failed"
    reason = "appid not found" if gotify.is_v3 else "you need to provide a valid access token"
    assert str(caught.value).startswith("Not delivered to Garage (")
    assert reason in str(caught.value)
    assert str(caught.value).endswith("delivered to: Home Assistant, Cameras")
    assert sorted(m.appid for m in gotify.messages.values()) == sorted(
        [gotify.application_named("Home Assistant").id, cameras.id]
    )


# --- attachments --------------------------------------------------------------------------------


async def test_attachment_url_passes_through(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    await _notify(hass, {"attachment": "https://cdn.example.com/snap.jpg?size=large"})
    sent = _sent(gotify)
    assert (
        sent["extras"]["client::notification"]["bigImageUrl"] == "https://cdn.example.com/snap.jpg?size=large"
    )
    assert sent["message"] == "m\n\n![snap.jpg](https://cdn.example.com/snap.jpg?size=large)"


async def test_image_is_an_alias(hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry) -> None:
    await _notify(hass, {"image": "https://cdn.example.com/a.png", "markdown": False})
    sent = _sent(gotify)
    assert sent["extras"]["client::notification"]["bigImageUrl"] == "https://cdn.example.com/a.png"
    assert sent["message"] == "m"  # without markdown, the big picture alone


def _served_path(url: str) -> str:
    assert url.startswith(f"{EXTERNAL}/api/gotify/attachment/")
    return url.removeprefix(EXTERNAL)


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

    await _notify(hass, {"attachment": str(tmp_path / "porch.png")})

    sent = _sent(gotify)
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


async def test_expired_files_are_deleted(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, tmp_path: Path
) -> None:
    (tmp_path / "porch.png").write_bytes(PNG)
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    store = hass.data[ATTACHMENT_STORE]
    await _notify(hass, {"attachment": str(tmp_path / "porch.png")})
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
    await hass.config.async_update(external_url=EXTERNAL)
    await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant"), attachment_expiry=1))
    (tmp_path / "porch.png").write_bytes(PNG)
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    client = await hass_client_no_auth()
    await _notify(hass, {"attachment": str(tmp_path / "porch.png")})
    path = _served_path(_sent(gotify)["extras"]["client::notification"]["bigImageUrl"])
    freezer.tick(timedelta(minutes=50))
    assert (await client.get(path)).status == 200
    freezer.tick(timedelta(minutes=20))
    assert (await client.get(path)).status == 401


async def test_non_image_file_becomes_a_link(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, tmp_path: Path
) -> None:
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.7 report")
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    await _notify(hass, {"attachment": str(tmp_path / "report.pdf")})
    sent = _sent(gotify)
    assert "bigImageUrl" not in sent["extras"]["client::notification"]
    assert re.fullmatch(
        r"m\n\n\[report\.pdf\]\(https://ha\.example\.com/api/gotify/attachment/\d{10}-[0-9a-f]{32}\.pdf\?authSig=[^)]+\)",
        sent["message"],
    )


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
        await _notify(hass, {"attachment": value.format(tmp=tmp_path)})
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
        await _notify(hass, {"attachment": str(tmp_path / "huge.png")})
    assert str(caught.value) == "The attachment huge.png is 1.1 MB; the limit is 1 MB"


async def test_no_url_to_serve_attachments(hass: HomeAssistant, gotify: GotifyDouble, tmp_path: Path) -> None:
    await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))
    (tmp_path / "porch.png").write_bytes(PNG)
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    # Home Assistant always has an internal URL once its HTTP server runs; without one there is no way.
    with (
        patch("custom_components.gotify.attachments.get_url", side_effect=NoURLAvailableError),
        pytest.raises(HomeAssistantError) as caught,
    ):
        await _notify(hass, {"attachment": str(tmp_path / "porch.png")})
    assert caught.value.translation_key == "no_home_assistant_url"


async def test_internal_url_with_one_warning(
    hass: HomeAssistant, gotify: GotifyDouble, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await hass.config.async_update(internal_url="http://192.168.1.5:8123")
    await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))
    (tmp_path / "porch.png").write_bytes(PNG)
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    for _ in range(2):
        await _notify(hass, {"attachment": str(tmp_path / "porch.png")})
    url = _sent(gotify)["extras"]["client::notification"]["bigImageUrl"]
    assert url.startswith("http://192.168.1.5:8123/api/gotify/attachment/")
    assert caplog.text.count("Home Assistant has no external URL") == 1


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
    await _notify(hass, {"attachment": value})
    assert front_door.snapshots == 1  # taken at send time
    url = _sent(gotify)["extras"]["client::notification"]["bigImageUrl"]
    response = await client.get(_served_path(url))
    assert (response.status, await response.read()) == (200, JPEG)


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

    await _notify(
        hass,
        {
            "attachment": {
                "media_content_id": "media-source://media_source/local/snapshots/garden.png",
                "media_content_type": "image/png",
            }
        },
    )

    url = _sent(gotify)["extras"]["client::notification"]["bigImageUrl"]
    response = await client.get(_served_path(url))
    assert (response.status, await response.read()) == (200, PNG)


async def test_media_source_missing(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, tmp_path: Path
) -> None:
    hass.config.media_dirs = {"local": str(tmp_path)}
    assert await async_setup_component(hass, "media_source", {})
    with pytest.raises(ServiceValidationError) as caught:
        await _notify(hass, {"attachment": "media-source://nowhere/x"})
    assert caught.value.translation_key == "attachment_media_not_found"


# --- more of what Gotify carries ----------------------------------------------------------------


async def test_pushover_url_and_intent(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    await _notify(
        hass, {"url": "lovelace/energy", "url_title": "Energy", "intent_url": "https://example.com/x"}
    )
    sent = _sent(gotify)
    assert (
        sent["extras"]["client::notification"]["click"]["url"] == "homeassistant://navigate/lovelace/energy"
    )
    assert sent["extras"]["android::action"] == {"onReceive": {"intentUrl": "https://example.com/x"}}
    assert sent["message"] == "m\n\n[Energy](homeassistant://navigate/lovelace/energy)"


# --- tags ---------------------------------------------------------------------------------------


async def test_tag_replaces_across_restart(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    await _notify(hass, {"tag": "washer"})
    first = max(gotify.messages)
    await _notify(hass, {"tag": "dryer"})
    await _notify(hass, {"tag": "washer"})
    second = max(gotify.messages)
    assert first not in gotify.messages
    assert gotify.requests_to("DELETE", f"/message/{first}")

    # A restart of the entry: the tag -> message mapping comes back from storage.
    assert await hass.config_entries.async_reload(home.entry_id)
    await hass.async_block_till_done()
    await _notify(hass, {"tag": "washer"})
    assert second not in gotify.messages
    assert len(gotify.messages) == 2  # the dryer's and the newest washer's


async def test_tag_from_a_previous_run(
    hass: HomeAssistant, gotify: GotifyDouble, hass_storage: dict[str, Any]
) -> None:
    application = gotify.add_application("Home Assistant")
    old = gotify.add_message(application, "washer done")
    entry = mock_entry(gotify, application)
    hass_storage[f"{DOMAIN}.{entry.entry_id}.tags"] = {
        "version": 1,
        "key": f"{DOMAIN}.{entry.entry_id}.tags",
        "data": {str(application.id): {"washer": old.id}},
    }
    await setup_entry(hass, entry)

    await _notify(hass, {"tag": "washer"})

    assert old.id not in gotify.messages
    assert len(gotify.messages) == 1


async def test_tag_of_a_message_deleted_in_gotify(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    await _notify(hass, {"tag": "washer"})
    gotify.messages.clear()  # the user cleared it in the app
    await _notify(hass, {"tag": "washer"})
    assert len(gotify.messages) == 1


# --- entity actions -----------------------------------------------------------------------------


_entity = notify_entity


async def test_send_action_response(hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry) -> None:
    garage = gotify.add_application("Garage")
    entity_id = _entity(hass, home)

    response = await hass.services.async_call(
        DOMAIN,
        "send",
        {
            "entity_id": entity_id,
            "message": "door open",
            "title": "Garage",
            "priority": "high",
            "link": "lovelace/garage",
            "markdown": False,
            "image": "https://cdn.example.com/g.jpg",
            "tag": "garage-door",
            "extras": {"x::y": {"z": 1}},
            "target": ["Home Assistant", "Garage"],
        },
        blocking=True,
        return_response=True,
    )

    own = gotify.application_named("Home Assistant")
    ids = {m.appid: m.id for m in gotify.messages.values()}
    assert response == {
        entity_id: {
            "messages": [
                {"id": ids[own.id], "appid": own.id, "application": "Home Assistant"},
                {"id": ids[garage.id], "appid": garage.id, "application": "Garage"},
            ]
        }
    }
    sent = _sent(gotify)
    assert (sent["title"], sent["priority"], sent["message"]) == ("Garage", 8, "door open")
    assert sent["extras"] == {
        "client::notification": {
            "click": {"url": "homeassistant://navigate/lovelace/garage"},
            "bigImageUrl": "https://cdn.example.com/g.jpg",
        },
        "x::y": {"z": 1},
    }


async def test_send_action_attachment_from_media_selector(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, front_door: FrontDoor
) -> None:
    await hass.services.async_call(
        DOMAIN,
        "send",
        {
            "entity_id": _entity(hass, home),
            "message": "ring",
            "attachment": {
                "media_content_id": "media-source://camera/camera.front_door",
                "media_content_type": "image/jpeg",
            },
        },
        blocking=True,
    )
    assert front_door.snapshots == 1
    assert "bigImageUrl" in _sent(gotify)["extras"]["client::notification"]


async def test_delete_message_action(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    entity_id = _entity(hass, home)
    await _notify(hass, {"tag": "washer"})
    tagged = max(gotify.messages)
    await _notify(hass, {})
    plain = max(gotify.messages)

    await hass.services.async_call(
        DOMAIN, "delete_message", {"entity_id": entity_id, "message_id": plain}, blocking=True
    )
    await hass.services.async_call(
        DOMAIN, "delete_message", {"entity_id": entity_id, "tag": "washer"}, blocking=True
    )
    assert gotify.messages == {}
    assert gotify.requests_to("DELETE", f"/message/{tagged}")

    with pytest.raises(ServiceValidationError, match='sent with the tag "washer"'):
        await hass.services.async_call(
            DOMAIN, "delete_message", {"entity_id": entity_id, "tag": "washer"}, blocking=True
        )
    with pytest.raises(ServiceValidationError, match="Give a message_id or a tag"):
        await hass.services.async_call(DOMAIN, "delete_message", {"entity_id": entity_id}, blocking=True)
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            DOMAIN, "delete_message", {"entity_id": entity_id, "message_id": plain}, blocking=True
        )
    assert caught.value.translation_key == "not_found"


async def test_clear_messages_action(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    other = gotify.add_application("Other")
    kept = gotify.add_message(other, "kept")
    await _notify(hass, {"tag": "a"})
    await _notify(hass, {})

    await hass.services.async_call(
        DOMAIN, "clear_messages", {"entity_id": _entity(hass, home)}, blocking=True
    )

    assert list(gotify.messages) == [kept.id]
    await _notify(hass, {"tag": "a"})  # the forgotten tag deletes nothing
    assert not [r for r in gotify.requests if r.method == "DELETE" and r.path.startswith("/message/")]
