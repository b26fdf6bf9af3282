"""What hostile input, a misbehaving server and a careless proxy must not break.

Each test names the class of fault it closes: script on Home Assistant's origin, tokens sent elsewhere,
signed links in notices, files swapped under a check, answers that are not Gotify's, broken stream
frames, a flapping stream, echoes of messages whose answer was lost, and input that is not what a field
takes.
"""

import asyncio
import os
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from unittest.mock import patch

import aiohttp
import pytest
from aiohttp import web
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from custom_components.gotify import listener, outbox
from custom_components.gotify.attachments import ATTACHMENT_STORE
from custom_components.gotify.client import GotifyClient, GotifyRedirectError, GotifyUser
from custom_components.gotify.config_flow import Account
from custom_components.gotify.const import DOMAIN, EVENT_MESSAGE_RECEIVED

from .gotify_double import GotifyDouble
from .helpers import mock_entry, notify_entity, refused_reports, setup_entry, wait_for

EXTERNAL = "https://ha.example.com"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
SIGNED = re.compile(r"https://ha\.example\.com(/api/gotify/attachment/[^\s)\"]+authSig=[^\s)\"]+)")


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outbox, "RETRY_MIN", 0.02)
    monkeypatch.setattr(outbox, "RETRY_MAX", 0.2)
    monkeypatch.setattr(listener, "RECONNECT_MIN", 0.02)


@pytest.fixture
async def home(hass: HomeAssistant, gotify: GotifyDouble) -> MockConfigEntry:
    await hass.config.async_update(external_url=EXTERNAL)
    entry = await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))
    await wait_for(lambda: entry.runtime_data.listener.status.connected)
    return entry


@pytest.fixture
def received(hass: HomeAssistant) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []

    @callback
    def listener(event: Event) -> None:
        events.append(dict(event.data))

    hass.bus.async_listen(EVENT_MESSAGE_RECEIVED, listener)
    return events


async def _notify(hass: HomeAssistant, message: str = "m", **data: Any) -> None:
    await hass.services.async_call(
        "notify", "gotify_home_assistant", {"message": message, "data": data}, blocking=True
    )


def _delivered(gotify: GotifyDouble) -> list[str]:
    return [gotify.messages[key].message for key in sorted(gotify.messages)]


# --- 1. nothing that can run script is served inline on Home Assistant's origin --------------------


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
    await _notify(hass, attachment=str(tmp_path / name))
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


# --- 2. the token never follows a redirect to another origin ------------------------------------


@pytest.fixture
async def elsewhere(unused_tcp_port_factory: Callable[[], int], socket_enabled: None) -> AsyncIterator[Any]:
    """Another server on loopback that records what reaches it."""
    seen: list[dict[str, str]] = []

    async def record(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        return web.json_response({})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", record)
    runner = web.AppRunner(app)
    await runner.setup()
    port = unused_tcp_port_factory()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield type("Elsewhere", (), {"url": f"http://127.0.0.1:{port}", "seen": seen})
    await runner.cleanup()


async def test_token_never_follows_a_redirect_elsewhere(
    session: aiohttp.ClientSession, gotify: GotifyDouble, elsewhere: Any
) -> None:
    gotify.redirect_to = elsewhere.url
    client = GotifyClient(session, gotify.url, gotify.client_token, timeout=2.0)
    application = gotify.add_application("Home Assistant")
    expected = rf"the server redirected to {re.escape(elsewhere.url)}; use that address"

    gotify.fail_next("redirect", path="/application")
    with pytest.raises(GotifyRedirectError, match=expected):
        await client.applications()
    gotify.fail_next("redirect", path="/message", method="POST")
    with pytest.raises(GotifyRedirectError, match=expected):
        await client.send_message("m", app_token=application.token)
    gotify.fail_next("redirect", path="/stream")
    with pytest.raises(GotifyRedirectError, match=expected):
        async with client.connect_stream():
            pass
    assert elsewhere.seen == []  # nothing, and no token, went there

    # Within the server's own origin a redirect is followed, token and all (POST /message/ → /message).
    sent = await client._request(  # the one path Gotify itself redirects
        "POST", "message/", token=application.token, json_body={"message": "followed"}
    )
    assert sent["message"] == "followed"


async def test_config_flow_names_where_the_server_redirects(
    hass: HomeAssistant, gotify: GotifyDouble, elsewhere: Any
) -> None:
    gotify.redirect_to = elsewhere.url
    gotify.fail_next("redirect", path="/version")
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"url": gotify.url, "token": gotify.client_token, "verify_ssl": True}
    )
    assert result["errors"] == {"url": "redirected"}
    assert result["description_placeholders"]["target"] == elsewhere.url
    assert elsewhere.seen == []


# --- 3. no signed link in a notice or a log line ------------------------------------------------


async def test_given_up_message_notice_hides_signed_links(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    (tmp_path / "door.png").write_bytes(PNG)
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    await gotify.stop()
    await _notify(hass, "Someone is at the door", attachment=str(tmp_path / "door.png"))
    gotify.fail_next("413_html", path="/message", method="POST")  # refused for good
    await gotify.start()
    await wait_for(lambda: len(home.runtime_data.outbox) == 0)

    reports = [f"{report['reason']} {report['message']}" for report in refused_reports(hass)]
    assert len(reports) == 1
    assert "Someone is at the door" in reports[0]
    assert "(attachment link)" in reports[0]
    assert "authSig" not in reports[0]
    ours = [record for record in caplog.records if record.name.startswith("custom_components.gotify")]
    assert ours
    assert not [record for record in ours if "authSig" in record.getMessage()]


# --- 4. a file swapped for a symlink after the check is not read --------------------------------


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
        await _notify(hass, attachment=str(allowed / "door.png"))
    assert caught.value.translation_key == "attachment_not_allowed"
    assert gotify.requests_to("POST", "/message") == []
    store = hass.data[ATTACHMENT_STORE]
    assert not store.directory.exists() or not any(store.directory.iterdir())


# --- 5. an answer that is not Gotify's is one error, retried, and kills nothing -----------------


async def test_setup_retries_on_an_answer_that_is_not_gotifys(
    hass: HomeAssistant, gotify: GotifyDouble
) -> None:
    gotify.fail_next("other_json", path="/current/user")
    entry = await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant")))
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_publish_answer_without_fields_is_queued_and_delivered_once(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    gotify.fail_next("other_json", path="/message", method="POST")
    await _notify(hass, "first")
    await wait_for(lambda: len(home.runtime_data.outbox) == 0)
    await _notify(hass, "second")
    assert _delivered(gotify) == ["first", "second"]


async def test_login_page_does_not_drop_a_queued_message(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    await gotify.stop()
    await _notify(hass, "waiting")
    gotify.fail_next("not_gotify", times=2, path="/message", method="POST")  # a proxy's login page, 200
    await gotify.start()
    await wait_for(lambda: len(home.runtime_data.outbox) == 0)
    assert _delivered(gotify) == ["waiting"]


async def test_target_lookup_with_an_answer_that_is_not_gotifys(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    gotify.fail_next("other_json", path="/application")
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            "notify", "gotify_home_assistant", {"message": "m", "target": ["Added since"]}, blocking=True
        )
    assert caught.value.translation_key == "invalid_response"
    assert "not Gotify's" in caught.value.translation_placeholders["reason"]


async def test_outbox_outlives_a_malformed_duplicate_check_and_any_error(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    application = gotify.application_named("Home Assistant")
    gotify.fail_next("store_then_drop", path="/message", method="POST")
    gotify.fail_next("other_json", times=2, path=f"/application/{application.id}/message")
    await _notify(hass, "stored, answer lost")
    await wait_for(lambda: len(home.runtime_data.outbox) == 0)
    assert _delivered(gotify) == ["stored, answer lost"]  # found after the check worked again

    account = home.runtime_data.account
    original = account.async_publish
    calls = 0

    async def broken_once(item: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("a bug")
        return await original(item)

    await gotify.stop()
    await _notify(hass, "after a bug")
    with patch.object(account, "async_publish", broken_once):
        await gotify.start()
        await wait_for(lambda: len(home.runtime_data.outbox) == 0)
    assert _delivered(gotify) == ["stored, answer lost", "after a bug"]


async def test_listener_outlives_a_malformed_catch_up_and_any_error(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, received: list[dict[str, Any]]
) -> None:
    application = gotify.application_named("Home Assistant")
    listener = home.runtime_data.listener
    gotify.fail_next("other_json", times=2, path="/message", method="GET")
    await gotify.drop_streams()
    await wait_for(lambda: not listener.status.connected)
    await wait_for(lambda: listener.status.connected)

    client = home.runtime_data.account.client
    original = client.messages_after
    calls = 0

    async def broken_once(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("a bug")
        return await original(*args, **kwargs)

    with patch.object(client, "messages_after", broken_once):
        await gotify.drop_streams()
        await wait_for(lambda: calls >= 2 and listener.status.connected)
    gotify.add_message(application, "still listening")
    await wait_for(lambda: any(event["message"] == "still listening" for event in received))


async def test_a_stopped_listener_never_leaves_connectivity_on(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    [task] = [t for t in asyncio.all_tasks() if t.get_name() == f"{DOMAIN} stream {home.title}"]
    task.cancel()
    await wait_for(task.done)
    await hass.async_block_till_done()
    assert not home.runtime_data.listener.status.connected
    [sensor] = [
        state for state in hass.states.async_all("binary_sensor") if state.entity_id.endswith("_connection")
    ]
    assert sensor.state == "off"


# --- 6. and 7. frames that are not messages, and a stream that flaps ----------------------------


async def test_broken_frames_are_skipped_and_counted(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    received: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    application = gotify.application_named("Home Assistant")
    date = "2026-01-01T00:00:00Z"
    await gotify.send_raw(f'{{"id": 1e999, "appid": {application.id}, "message": "x", "date": "{date}"}}')
    for _ in range(300):
        await gotify.send_raw("not even JSON")
    gotify.add_message(application, "after the garbage")
    await wait_for(lambda: [event["message"] for event in received] == ["after the garbage"])

    assert home.runtime_data.account.client.skipped_frames == 301
    assert home.runtime_data.listener.status.connected
    assert caplog.text.count("Ignored a stream frame") == 1  # one line, then a count at most a minute


async def test_a_stream_that_closes_at_once_is_not_hammered(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    gotify.close_streams_on_accept = True
    before = len(gotify.requests_to("GET", "/stream"))
    await gotify.drop_streams()
    await asyncio.sleep(3)
    handshakes = (len(gotify.requests_to("GET", "/stream")) - before) // 2  # each with its preflight
    # Backing off from 0.02 s (as patched here) and doubling: about 7 tries in 3 s; a backoff that
    # started over at every accepted connection would try about every 0.02 s.
    assert 3 <= handshakes <= 12, handshakes
    assert caplog.text.count("is unreachable") == 1


# --- 8. a message stored although its answer was lost is still ours -----------------------------


async def test_stored_message_whose_answer_was_lost_is_not_echoed(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, received: list[dict[str, Any]]
) -> None:
    gotify.fail_next("store_then_drop", path="/message", method="POST")
    await _notify(hass, "stored, answer lost")
    await wait_for(lambda: len(home.runtime_data.outbox) == 0)
    gotify.add_message(gotify.application_named("Home Assistant"), "from elsewhere")
    await wait_for(lambda: len(received) >= 1)  # the marker comes after the lost one on the stream
    assert [event["message"] for event in received] == ["from elsewhere"]
    assert _delivered(gotify) == ["stored, answer lost", "from elsewhere"]


async def test_without_the_queue_a_stored_message_is_not_a_failure(
    hass: HomeAssistant, gotify: GotifyDouble, received: list[dict[str, Any]]
) -> None:
    entry = await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant"), queue=False))
    await wait_for(lambda: entry.runtime_data.listener.status.connected)
    gotify.fail_next("store_then_drop", path="/message", method="POST")
    response = await hass.services.async_call(
        DOMAIN,
        "send",
        {"entity_id": notify_entity(hass, entry), "message": "stored, answer lost"},
        blocking=True,
        return_response=True,
    )
    [stored] = gotify.messages.values()
    assert response == {
        notify_entity(hass, entry): {
            "messages": [{"id": stored.id, "appid": stored.appid, "application": "Home Assistant"}]
        }
    }
    gotify.add_message(gotify.application_named("Home Assistant"), "from elsewhere")
    await wait_for(lambda: len(received) >= 1)
    assert [event["message"] for event in received] == ["from elsewhere"]


# --- 9. and 10. input that is not what a field takes: a clear error, the same for both ways ------


async def _send(hass: HomeAssistant, entry: MockConfigEntry, way: str, fields: dict[str, Any]) -> None:
    if way == "legacy":
        data = {key: value for key, value in fields.items() if key not in ("message", "title", "target")}
        call = {key: fields[key] for key in ("message", "title", "target") if key in fields}
        await hass.services.async_call(
            "notify", "gotify_home_assistant", {"message": "m", **call, "data": data}, blocking=True
        )
    else:
        await hass.services.async_call(
            DOMAIN, "send", {"entity_id": notify_entity(hass, entry), "message": "m", **fields}, blocking=True
        )


def _nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize("way", ["legacy", "send"])
@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"target": "²"}, "unknown_target"),
        ({"target": "9" * 5000}, "too_long"),
        ({"priority": "9" * 5000}, "invalid_priority"),
        ({"priority": 7.5}, "invalid_priority"),
        ({"priority": True}, "invalid_priority"),
        ({"extras": _nested(300)}, "invalid_extras"),
        ({"extras": {"x::y": 2**70}}, "invalid_extras"),
        ({"extras": {"x::y": float("nan")}}, "invalid_extras"),
        ({"message": "lone \ud800 surrogate"}, "invalid_text"),
        ({"title": "lone \udfff"}, "invalid_text"),
        ({"message": "é" * 30_001}, "too_long"),
        ({"title": "t" * 1001}, "too_long"),
        ({"tag": "t" * 257}, "too_long"),
        ({"link": "https://example.com/a b"}, "invalid_link"),
        ({"link": "lovelace/a\nb"}, "invalid_link"),
        ({"intent_url": "https://example.com/\x00"}, "invalid_intent_url"),
    ],
)
async def test_bad_input_is_a_validation_error_naming_the_field(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    way: str,
    fields: dict[str, Any],
    key: str,
) -> None:
    with pytest.raises(ServiceValidationError) as caught:
        await _send(hass, home, way, fields)
    assert caught.value.translation_key == key
    assert gotify.requests_to("POST", "/message") == []


async def test_huge_numbers_as_target_and_priority_of_gotify_send(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    for fields, key in (
        ({"target": [10**5000]}, "invalid_target"),
        ({"priority": 10**5000}, "invalid_priority"),
    ):
        with pytest.raises(ServiceValidationError) as caught:
            await _send(hass, home, "send", fields)
        assert caught.value.translation_key == key
        assert "too large to show" in str(caught.value.translation_placeholders)


async def test_media_item_without_an_extension(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, tmp_path: Path
) -> None:
    media = tmp_path / "media"
    media.mkdir()
    (media / "noextension").write_bytes(PNG)
    hass.config.media_dirs = {"local": str(media)}
    assert await async_setup_component(hass, "media_source", {})
    with pytest.raises(ServiceValidationError) as caught:
        await _notify(hass, attachment="media-source://media_source/local/noextension")
    assert caught.value.translation_key == "attachment_media_not_supported"


# --- 11. a token with control characters --------------------------------------------------------


@pytest.mark.parametrize("bad", ["CabcDEF\nghi", "Cabc\rDEF", "Cabc\x00DEF", "C abc"])
async def test_token_with_invalid_characters(hass: HomeAssistant, gotify: GotifyDouble, bad: str) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"url": gotify.url, "token": bad, "verify_ssl": True}
    )
    assert result["errors"] == {"token": "invalid_token_characters"}
    # Around the token, a pasted line break is harmless and dropped.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"url": gotify.url, "token": f" {gotify.client_token}\r\n", "verify_ssl": True}
    )
    assert result["step_id"] == "create_application"


async def test_reauth_token_with_invalid_characters(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    entry = mock_entry(gotify, gotify.add_application("Home Assistant"))
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"token": "Cab\ncd"})
    assert result["errors"] == {"token": "invalid_token_characters"}


# --- 12. and 13. files that are not regular, and long extensions --------------------------------


async def test_fifo_and_nul_bytes_are_refused_at_once(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, tmp_path: Path
) -> None:
    os.mkfifo(tmp_path / "pipe")
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    async with asyncio.timeout(5):  # it used to block the action and an executor thread forever
        with pytest.raises(ServiceValidationError) as caught:
            await _notify(hass, attachment=str(tmp_path / "pipe"))
    assert caught.value.translation_key == "attachment_not_regular"
    with pytest.raises(ServiceValidationError) as caught:
        await _notify(hass, attachment=str(tmp_path / "a\x00b.png"))
    assert caught.value.translation_key == "attachment_invalid"


async def test_long_extension_is_served_and_kept(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    tmp_path: Path,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    (tmp_path / "x.torrent").write_bytes(b"d8:announce0:e")
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    await _notify(hass, attachment=str(tmp_path / "x.torrent"))
    match = SIGNED.search(gotify.requests_to("POST", "/message")[-1].json["message"])
    assert match is not None
    assert await hass.data[ATTACHMENT_STORE].async_cleanup() == 0
    response = await (await hass_client_no_auth()).get(match.group(1))
    assert response.status == 200
    assert await response.read() == b"d8:announce0:e"


# --- 14. an IPv6 server in the entry's title ----------------------------------------------------


def test_ipv6_host_is_bracketed_in_the_title() -> None:
    account = Account(
        client=None,  # type: ignore[arg-type]
        version=None,  # type: ignore[arg-type]
        user=GotifyUser(1, "admin", True),
        url=URL("http://[::1]:8080/"),
        token="C",
        verify_ssl=True,
    )
    assert account.title == "admin@[::1]:8080"
