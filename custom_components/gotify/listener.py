"""Listens to Gotify's ``/stream``: reconnects, catches up after gaps, and feeds events.

After every (re)connect the messages posted while the socket was down are fetched through the messages
API, so none is missed; each message is handled once, by id, whichever way it arrived. Messages this
integration sent itself are not echoed back as events.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send

from .account import GotifyAccount, RecentIds
from .backoff import backoff_delay
from .client import GotifyAuthenticationError, GotifyError, GotifyMessage, RateLimitedLog
from .const import EVENT_MESSAGE_RECEIVED, LOGGER, signal_message, signal_status

RECONNECT_MIN: Final = 1.0
RECONNECT_MAX: Final = 60.0
# A connection counts as healthy, and the reconnect backoff starts over, once it stayed open this long:
# a server that accepts and drops the stream at once is not hammered.
STABLE_AFTER: Final = 30.0
HANDLED_KEPT: Final = 2000


def reconnect_delay(attempt: int) -> float:
    """1, 2, 4 ... 60 s, jittered."""
    return backoff_delay(attempt, RECONNECT_MIN, RECONNECT_MAX)


@dataclass(frozen=True, slots=True)
class StreamStatus:
    """Whether the stream is open, and why not."""

    connected: bool = False
    error: str | None = None


class GotifyListener:
    """One account's stream, kept open for as long as the config entry is loaded."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        account: GotifyAccount,
        *,
        on_connected: Callable[[], None],
    ) -> None:
        """Start with the stream closed; ``on_connected`` runs at every (re)connect."""
        self.hass = hass
        self.entry_id = entry_id
        self.account = account
        self.client = account.client
        self.status = StreamStatus()
        self.last_id = 0
        self._handled = RecentIds(HANDLED_KEPT)
        self._on_connected = on_connected
        self._was_connected = False
        self._first_seen = 0
        self._connected_at = 0.0
        # Coming and going is said once, then at most once a minute with a count (a flapping proxy).
        self._outages = RateLimitedLog(LOGGER)
        self._returns = RateLimitedLog(LOGGER)
        self._unexpected = RateLimitedLog(LOGGER)

    async def async_run(self) -> None:
        """Keep the stream open until cancelled (on unload) or until the token is refused.

        On a refused token the client starts reauthentication. No other error ends it; when it ends,
        however, the connection is reported down.
        """
        self.last_id = self._first_seen = self.account.newest_seen_id
        attempt = 0
        try:
            while True:
                try:
                    async with self.client.connect_stream() as messages:
                        await self._catch_up()
                        self._set_connected(True)
                        async for message in messages:
                            await self._handle(message)
                except GotifyAuthenticationError as err:
                    self._set_connected(False, str(err))
                    LOGGER.error("Gotify at %s refused the client token for the stream", self.client.host)
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
                self.status = StreamStatus(False, "stopped")
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
        self.account.newest_seen_id = max(self.account.newest_seen_id, message.id)
        if await self.account.sent.is_ours(message):
            return
        async_dispatcher_send(self.hass, signal_message(self.entry_id), message)
        self.hass.bus.async_fire(
            EVENT_MESSAGE_RECEIVED,
            {
                "entry_id": self.entry_id,
                "application": await self.account.async_application_name(message.appid),
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
        self.status = StreamStatus(connected, error)
        async_dispatcher_send(self.hass, signal_status(self.entry_id))


def message_event_data(message: GotifyMessage) -> dict[str, Any]:
    """Return a message as event data and event entity attributes."""
    return {
        "id": message.id,
        "title": message.title,
        "message": message.message,
        "priority": message.priority,
        "extras": message.extras,
        "date": message.date.isoformat(),
    }
