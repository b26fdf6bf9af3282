"""The durable outbox: messages Gotify could not take right now, delivered in order when it can.

A message is queued when the server cannot be reached or fails (connection refused, DNS, timeout,
5xx), never for a 4xx answer. The queue is stored before the service call returns, so it survives a
restart of Home Assistant, and is delivered in order, exactly once, with backoff.

Exactly once: a publish that failed after it may have reached Gotify (a timeout, a dropped connection,
a proxy's 502/504) is not simply sent again. Before each attempt the outbox notes the newest message id
it knows of; the next attempt first looks for an identical message above that id, and only sends when
there is none.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Final

from homeassistant.components import persistent_notification
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.storage import Store

from .backoff import backoff_delay
from .client import (
    GotifyAuthenticationError,
    GotifyConnectionError,
    GotifyError,
    GotifyInvalidResponseError,
    GotifyMessage,
    GotifyServerError,
    RateLimitedLog,
    maybe_delivered,
)
from .const import DOMAIN, LOGGER
from .message import without_signed_links

STORAGE_VERSION: Final = 1
OUTBOX_LIMIT: Final = 1000
RETRY_MIN: Final = 1.0
RETRY_MAX: Final = 60.0


def is_transient(err: GotifyError) -> bool:
    """Failures worth waiting out: the server is unreachable, failing, or answering with something that
    is not Gotify's (a proxy's login page, a redirect elsewhere), not refusing the message."""
    return isinstance(err, (GotifyConnectionError, GotifyServerError, GotifyInvalidResponseError))


def retry_delay(attempt: int) -> float:
    """1, 2, 4 ... 60 s, jittered."""
    return backoff_delay(attempt, RETRY_MIN, RETRY_MAX)


@dataclass
class QueuedMessage:
    """A message waiting for the server, with where it goes."""

    app_id: int
    application: str
    token: str | None
    message: str
    title: str | None
    priority: int
    extras: dict[str, Any]
    tag: str | None = None
    # The newest message id known before an attempt that may have reached Gotify: the next attempt
    # first looks above it for this very message.
    check_after: int | None = None
    attempts: int = field(default=0)

    def matches(self, sent: GotifyMessage) -> bool:
        """Whether ``sent`` is this message as Gotify stored it (an empty title becomes the app's name)."""
        return (
            sent.appid == self.app_id
            and sent.message == self.message
            and sent.title == (self.title or self.application)
            and sent.priority == self.priority
            and sent.extras == self.extras
        )


class Outbox:
    """One config entry's queue and the task that empties it."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        *,
        publish: Callable[[QueuedMessage], Awaitable[GotifyMessage]],
        find: Callable[[QueuedMessage], Awaitable[GotifyMessage | None]],
        watermark: Callable[[], int],
        on_change: Callable[[], None],
        on_auth_failed: Callable[[], None],
    ) -> None:
        self.hass = hass
        self._store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, storage_key(entry_id))
        self._queue: list[QueuedMessage] = []
        self._publish = publish
        self._find = find
        self._watermark = watermark
        self._on_change = on_change
        self._on_auth_failed = on_auth_failed
        self._wake = asyncio.Event()
        self._unexpected = RateLimitedLog(LOGGER)

    def __len__(self) -> int:
        return len(self._queue)

    async def async_load(self) -> None:
        stored = await self._store.async_load() or {}
        self._queue = [QueuedMessage(**item) for item in stored.get("queue", [])]
        if self._queue:
            LOGGER.info("%d queued Gotify message(s) waiting from before the restart", len(self._queue))
            self._wake.set()

    async def _async_save(self) -> None:
        await self._store.async_save({"queue": [asdict(item) for item in self._queue]})

    async def async_enqueue(self, item: QueuedMessage) -> None:
        """Queue a message and store the queue before returning."""
        if len(self._queue) >= OUTBOX_LIMIT:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="queue_full",
                translation_placeholders={"limit": str(OUTBOX_LIMIT), "application": item.application},
            )
        self._queue.append(item)
        await self._async_save()
        self._on_change()
        self._wake.set()

    def kick(self) -> None:
        """The server answers again: try now rather than at the end of the backoff."""
        if self._queue:
            self._wake.set()

    async def async_run(self) -> None:
        """Deliver the queue in order, forever (cancelled on unload); no error ends it but a refused
        client token, which starts reauthentication."""
        attempt = 0
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                item = self._queue[0]
                try:
                    await self._deliver(item)
                    self._queue.pop(0)
                    await self._async_save()
                    self._on_change()
                except GotifyAuthenticationError as err:
                    if item.token is not None:  # that application's token was rotated: the account is fine
                        await self._give_up(item, err)
                        continue
                    # Kept in the queue; reauthentication reloads the entry, which resumes delivery.
                    self._on_auth_failed()
                    return
                except GotifyError as err:
                    if not is_transient(err):
                        await self._give_up(item, err)
                        continue
                    LOGGER.debug("Gotify cannot take queued messages yet (%s)", err)
                except Exception as err:  # whatever happens, the queue must not stall for good
                    self._unexpected.warning(
                        "Unexpected error while delivering a queued Gotify message; retrying", exc_info=err
                    )
                else:
                    attempt = 0
                    continue
                await self._wait_to_retry(attempt)
                attempt += 1

    async def _wait_to_retry(self, attempt: int) -> None:
        """Back off (1, 2, 4 ... 60 s, jittered), or less when the stream says the server is back."""
        delay = retry_delay(attempt)
        LOGGER.debug("Next try of the Gotify queue in %.1f s", delay)
        try:
            async with asyncio.timeout(delay):
                await self._wake.wait()
        except TimeoutError:
            pass
        self._wake.clear()

    async def _deliver(self, item: QueuedMessage) -> None:
        if item.check_after is not None and (found := await self._find(item)) is not None:
            LOGGER.debug("Queued message for %s had arrived already as %s", item.application, found.id)
            return
        item.check_after = self._watermark()
        item.attempts += 1
        await self._async_save()  # a crash during the publish then leads to a check, not a duplicate
        try:
            await self._publish(item)
        except GotifyError as err:
            if not maybe_delivered(err):
                item.check_after = None
            raise

    async def _give_up(self, item: QueuedMessage, err: GotifyError) -> None:
        """Gotify refused a queued message for good: say so loudly, and move on to the next."""
        self._queue.pop(0)
        await self._async_save()
        self._on_change()
        # The message may link an attachment: its signed link stays out of the log and the notice.
        reason = without_signed_links(str(err))
        LOGGER.error("Gotify refused a queued message for %s: %s", item.application, reason)
        persistent_notification.async_create(
            self.hass,
            f"Gotify refused a queued message for **{item.application}**: {reason}\n\n"
            f"> {without_signed_links(item.message)}",
            title="Gotify message not delivered",
        )


def storage_key(entry_id: str) -> str:
    return f"{DOMAIN}.{entry_id}.outbox"


async def async_remove_outbox(hass: HomeAssistant, entry_id: str) -> None:
    """Forget a removed entry's queue."""
    await Store[dict[str, Any]](hass, STORAGE_VERSION, storage_key(entry_id)).async_remove()
