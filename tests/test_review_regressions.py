"""Faults a review of the hardening found: each test failed before its fix."""

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError

from custom_components.gotify import listener, outbox
from custom_components.gotify.client import (
    GotifyClient,
    GotifyInvalidResponseError,
    GotifyRedirectError,
)
from custom_components.gotify.config_flow import WholeNumberSelector
from custom_components.gotify.const import EVENT_MESSAGE_RECEIVED

from .gotify_double import GotifyDouble
from .helpers import mock_entry, notify_entity, setup_entry, wait_for


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


async def test_stream_token_never_follows_a_redirect_of_the_handshake(
    session: aiohttp.ClientSession, gotify: GotifyDouble, elsewhere: Any
) -> None:
    """A proxy that redirects only requests carrying the token: the handshake itself is redirected."""
    gotify.redirect_to = elsewhere.url
    client = GotifyClient(session, gotify.url, gotify.client_token, timeout=2.0)
    gotify.fail_next("redirect_authenticated", path="/stream")
    with pytest.raises(GotifyRedirectError, match=f"the server redirected to {elsewhere.url}; use"):
        async with client.connect_stream():
            pass
    assert elsewhere.seen == []
    # Without a redirect the same client streams, on the session's own connection pool.
    async with client.connect_stream():
        assert gotify.stream_count == 1


def test_backoff_never_overflows() -> None:
    """Days of an unreachable server: thousands of attempts still give a delay within the cap."""
    for attempt in (0, 1, 10, 1024, 100_000):
        assert 0 < listener.reconnect_delay(attempt) <= listener.RECONNECT_MAX
        assert 0 < outbox.retry_delay(attempt) <= outbox.RETRY_MAX


@pytest.mark.parametrize("location", ["http://[bad", "mailto:"])
async def test_malformed_redirect_is_not_gotify(
    session: aiohttp.ClientSession, gotify: GotifyDouble, location: str
) -> None:
    gotify.redirect_to = location
    client = GotifyClient(session, gotify.url, gotify.client_token, timeout=2.0)
    gotify.fail_next("redirect", path="/application")
    with pytest.raises(GotifyInvalidResponseError, match="not a valid address"):
        await client.applications()


async def test_image_upload_follows_a_redirect_within_the_server(
    session: aiohttp.ClientSession, gotify: GotifyDouble
) -> None:
    """A 307 keeps the method and the body: the form is sent again, not reused."""
    client = GotifyClient(session, gotify.url, gotify.client_token, timeout=2.0)
    application = gotify.add_application("Home Assistant")
    gotify.redirect_to = gotify.url
    gotify.fail_next("redirect", path=f"/application/{application.id}/image")
    png = b"\x89PNG\r\n\x1a\n" + bytes(64)
    updated = await client.upload_application_image(application.id, png, "icon.png")
    assert updated.image
    uploads = gotify.requests_to("POST", f"/application/{application.id}/image")
    assert len(uploads) == 2
    assert all(png in upload.body for upload in uploads)


@pytest.mark.parametrize("value", [10**400, -(10**400), True, False, float("inf"), float("nan")])
def test_whole_number_field_refuses_what_is_no_whole_number(value: Any) -> None:
    selector = WholeNumberSelector(0, 10, "invalid_priority")
    with pytest.raises(Exception, match="invalid_priority") as caught:
        selector(value)
    assert type(caught.value).__name__ == "Invalid"


async def test_failed_send_without_queue_does_not_hide_a_later_identical_message(
    hass: HomeAssistant, gotify: GotifyDouble
) -> None:
    """The answer was lost and Gotify did not store it: the same text from elsewhere is an event."""
    application = gotify.add_application("Home Assistant")
    entry = await setup_entry(hass, mock_entry(gotify, application, queue=False))
    await wait_for(lambda: entry.runtime_data.listener.status.connected)
    received: list[dict[str, Any]] = []

    @callback
    def listen(event: Event) -> None:
        received.append(dict(event.data))

    hass.bus.async_listen(EVENT_MESSAGE_RECEIVED, listen)
    gotify.fail_next("drop", path="/message", method="POST")
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call(
            "notify",
            "send_message",
            {"entity_id": notify_entity(hass, entry), "message": "Door open"},
            blocking=True,
        )
    # Another sender posts the very same message: it is not ours.
    lost = json.loads(gotify.requests_to("POST", "/message")[-1].body)
    gotify.add_message(
        application, lost["message"], title="Home Assistant", priority=lost["priority"], extras=lost["extras"]
    )
    await wait_for(lambda: len(received) == 1)
    assert received[0]["message"] == "Door open"
