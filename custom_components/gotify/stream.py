"""Listens to Gotify's ``/stream``: reconnects, catches up after gaps, and feeds events.

After every (re)connect the messages posted while the socket was down are fetched through the messages
API, so none is missed; each message is handled once, by id, whichever way it arrived. Messages this
integration sent itself are not echoed back as events.
"""

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send

from .backoff import backoff_delay
from .client import GotifyAuthenticationError, GotifyClient, GotifyError, GotifyMessage, RateLimitedLog
from .const import DOMAIN, EVENT_MESSAGE_RECEIVED, LOGGER

RECONNECT_MIN: Final = 1.0
RECONNECT_MAX: Final = 60.0
# A connection counts as healthy, and the reconnect backoff starts over, once it stayed open this long:
# a server that accepts and drops the stream at once is not hammered.
STABLE_AFTER: Final = 30.0
OWN_MESSAGES_KEPT: Final = 1000
HANDLED_KEPT: Final = 2000
OWN_SEND_WAIT: Final = 15.0


def signal_message(entry_id: str) -> str:
    """Dispatcher signal with each new message from elsewhere (a ``GotifyMessage``)."""
    return f"{DOMAIN}_{entry_id}_message"


def signal_status(entry_id: str) -> str:
    """Dispatcher signal when the connection comes or goes, or the outbox changes."""
    return f"{DOMAIN}_{entry_id}_status"


def reconnect_delay(attempt: int) -> float:
    """1, 2, 4 ... 60 s, jittered."""
    return backoff_delay(attempt, RECONNECT_MIN, RECONNECT_MAX)


class RecentIds:
    """The last ``size`` ids seen, with constant-time membership."""

    def __init__(self, size: int) -> None:
        self._order: deque[int] = deque()
        self._ids: set[int] = set()
        self._size = size

    def add(self, message_id: int) -> None:
        if message_id in self._ids:
            return
        self._order.append(message_id)
        self._ids.add(message_id)
        if len(self._order) > self._size:
            self._ids.discard(self._order.popleft())

    def __contains__(self, message_id: object) -> bool:
        return message_id in self._ids


class OwnMessages:
    """Ids of the messages this integration published, so the stream does not echo them.

    The stream may deliver a message before the answer to its ``POST /message`` has arrived; while a
    publish is in flight, deciding whether a message is ours waits for it. A publish whose answer was
    lost may still have been stored: until it is settled, a message just like it is ours too.
    """

    def __init__(self) -> None:
        self._ids = RecentIds(OWN_MESSAGES_KEPT)
        self.newest = 0
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._expected: deque[Callable[[GotifyMessage], bool]] = deque(maxlen=OWN_MESSAGES_KEPT)

    @contextlib.contextmanager
    def publishing(self) -> Iterator[None]:
        self._in_flight += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    def add(self, message_id: int) -> None:
        self._ids.add(message_id)
        self.newest = max(self.newest, message_id)

    def expect(self, matches: Callable[[GotifyMessage], bool]) -> None:
        """A publish failed after it may have reached Gotify: a message that ``matches`` is ours."""
        self._expected.append(matches)

    def settle(self, matches: Callable[[GotifyMessage], bool]) -> None:
        """That publish is known now (sent again, or found stored): stop expecting it."""
        with contextlib.suppress(ValueError):
            while True:
                self._expected.remove(matches)

    async def is_own(self, message: GotifyMessage) -> bool:
        if message.id not in self._ids and not self._idle.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(OWN_SEND_WAIT):
                    await self._idle.wait()
        if message.id in self._ids:
            return True
        for matches in self._expected:
            if matches(message):
                self._expected.remove(matches)
                self.add(message.id)
                return True
        return False


@dataclass
class StreamStatus:
    connected: bool = False
    error: str | None = None
    # Gotify's /health: "green" for the server and its database, or what it said instead.
    health: str = "green"
    database: str = "green"

    @property
    def healthy(self) -> bool:
        return self.health == "green" and self.database == "green"


class GotifyListener:
    """One account's stream, kept open for as long as the config entry is loaded."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        client: GotifyClient,
        own: OwnMessages,
        *,
        application_name: Callable[[int], Awaitable[str]],
        on_auth_failed: CALLBACK_TYPE,
        on_connected: CALLBACK_TYPE,
    ) -> None:
        self.hass = hass
        self.entry_id = entry_id
        self.client = client
        self.own = own
        self.status = StreamStatus()
        self.last_id = 0
        self._handled = RecentIds(HANDLED_KEPT)
        self._application_name = application_name
        self._on_auth_failed = on_auth_failed
        self._on_connected = on_connected
        self._was_connected = False
        self._first_seen = 0
        self._connected_at = 0.0
        # Coming and going is said once, then at most once a minute with a count (a flapping proxy).
        self._outages = RateLimitedLog(LOGGER)
        self._returns = RateLimitedLog(LOGGER)
        self._unexpected = RateLimitedLog(LOGGER)

    async def async_run(self, first_seen: int) -> None:
        """Run until cancelled (on unload) or until the token is refused (then reauth takes over).

        No other error ends it; when it ends, however, the connection is reported down.
        """
        self.last_id = self._first_seen = first_seen
        attempt = 0
        try:
            while True:
                try:
                    async with self.client.connect_stream() as messages:
                        await self._catch_up()
                        self._set_connected(True)
                        await self.async_check_health()
                        async for message in messages:
                            await self._handle(message)
                except GotifyAuthenticationError as err:
                    self._set_connected(False, str(err))
                    LOGGER.error("Gotify at %s refused the client token for the stream", self.client.host)
                    self._on_auth_failed()
                    return
                except GotifyError as err:
                    self._set_connected(False, str(err))
                except Exception as err:  # the stream must outlive any surprise
                    self._set_connected(False, f"unexpected error: {type(err).__name__}")
                    self._unexpected.warning(
                        "Unexpected error in the stream of %s; reconnecting", self.client.host, exc_info=err
                    )
                if self._connected_at and time.monotonic() - self._connected_at >= STABLE_AFTER:
                    attempt = 0
                self._connected_at = 0.0
                delay = reconnect_delay(attempt)
                attempt += 1
                LOGGER.debug("Reconnecting to %s in %.1f s", self.client.host, delay)
                await asyncio.sleep(delay)
        finally:
            if self.status.connected:
                self.status = StreamStatus(False, "stopped", self.status.health, self.status.database)
                async_dispatcher_send(self.hass, signal_status(self.entry_id))

    async def _catch_up(self) -> None:
        """Deliver what was posted while the socket was down (the socket is already open)."""
        for message in await self.client.messages_after(self.last_id):
            await self._handle(message)

    async def _handle(self, message: GotifyMessage) -> None:
        # By id, not by "newer than the last": Gotify may push two concurrent posts out of order.
        if message.id in self._handled or message.id <= self._first_seen:
            return  # already handled, from the catch-up or the stream
        self._handled.add(message.id)
        self.last_id = max(self.last_id, message.id)
        if await self.own.is_own(message):
            return
        async_dispatcher_send(self.hass, signal_message(self.entry_id), message)
        self.hass.bus.async_fire(
            EVENT_MESSAGE_RECEIVED,
            {
                "entry_id": self.entry_id,
                "application": await self._application_name(message.appid),
                "application_id": message.appid,
                **message_event_data(message),
            },
        )

    @callback
    def _set_connected(self, connected: bool, error: str | None = None) -> None:
        if connected == self.status.connected and connected:
            return
        if connected:
            self._connected_at = time.monotonic()
            if self._was_connected:
                self._returns.log(logging.INFO, "Connection to Gotify at %s is back", self.client.host)
            self._was_connected = True
            self._on_connected()
        elif self.status.connected or self.status.error is None:
            # Once when it goes away (or when the first connection fails), not at every retry.
            self._outages.warning(
                "Gotify at %s is unreachable (%s); retrying in the background", self.client.host, error
            )
        self.status = StreamStatus(connected, error, self.status.health, self.status.database)
        async_dispatcher_send(self.hass, signal_status(self.entry_id))

    async def async_check_health(self) -> None:
        """Ask ``/health`` while connected; a degraded server or database is logged once."""
        if not self.status.connected:
            return
        try:
            health = await self.client.health()
        except GotifyError as err:
            LOGGER.debug("Health check of %s failed: %s", self.client.host, err)
            return
        if (health.health, health.database) == (self.status.health, self.status.database):
            return
        if health.healthy:
            LOGGER.info("Gotify at %s is healthy again", self.client.host)
        else:
            LOGGER.warning(
                "Gotify at %s reports health %s, database %s",
                self.client.host,
                health.health,
                health.database,
            )
        self.status.health, self.status.database = health.health, health.database
        async_dispatcher_send(self.hass, signal_status(self.entry_id))


def message_event_data(message: GotifyMessage) -> dict[str, Any]:
    """A message as event data and event entity attributes."""
    return {
        "id": message.id,
        "title": message.title,
        "message": message.message,
        "priority": message.priority,
        "extras": message.extras,
        "date": message.date.isoformat(),
    }
