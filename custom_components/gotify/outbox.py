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
from collections.abc import Callable
from dataclasses import asdict
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.storage import Store
from homeassistant.util.ulid import ulid_now

from .account import Delivery, GotifyAccount
from .backoff import backoff_delay
from .client import (
    GotifyAuthenticationError,
    GotifyConnectionError,
    GotifyError,
    GotifyInvalidResponseError,
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
    """Whether a failure is worth waiting out, rather than Gotify refusing the message.

    It is when the server is unreachable, failing, or answering with something that is not Gotify's (a
    proxy's login page, a redirect elsewhere).
    """
    return isinstance(err, (GotifyConnectionError, GotifyServerError, GotifyInvalidResponseError))


def retry_delay(attempt: int) -> float:
    """1, 2, 4 ... 60 s, jittered."""
    return backoff_delay(attempt, RETRY_MIN, RETRY_MAX)


class Outbox:
    """One config entry's queue and the task that empties it."""

    def __init__(
        self, hass: HomeAssistant, entry_id: str, account: GotifyAccount, *, on_change: Callable[[], None]
    ) -> None:
        """Start empty (``async_load`` reads the stored queue); ``on_change`` runs when the queue changes."""
        self.hass = hass
        self.entry_id = entry_id
        self.account = account
        self._store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, storage_key(entry_id))
        self._queue: list[Delivery] = []
        self._on_change = on_change
        self._wake = asyncio.Event()
        self._unexpected = RateLimitedLog(LOGGER)
        self._delivering: Delivery | None = None

    def __len__(self) -> int:
        """Return the number of queued messages."""
        return len(self._queue)

    async def async_load(self) -> None:
        """Load the queue stored before a restart, and wake the delivery for it."""
        stored = await self._store.async_load() or {}
        self._queue = [Delivery(**item) for item in stored.get("queue", [])]
        if self._queue:
            LOGGER.info("%d queued Gotify message(s) waiting from before the restart", len(self._queue))
            self._wake.set()

    async def _async_save(self) -> None:
        await self._store.async_save({"queue": [asdict(item) for item in self._queue]})

    async def async_enqueue(self, item: Delivery) -> None:
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

    async def async_cancel(self, app_id: int, tag: str) -> None:
        """Withdraw the queued messages of an application sent with ``tag`` (``clear_notification``).

        One that may be in Gotify already (on its way now, or sent before its answer was lost) stays,
        to be deleted as soon as it is known to be stored.
        """
        kept: list[Delivery] = []
        changed = False
        for item in self._queue:
            if item.app_id != app_id or item.tag != tag:
                kept.append(item)
                continue
            changed = True
            if item is self._delivering or item.check_after is not None:
                item.timeout = 0
                kept.append(item)
        if changed:
            self._queue = kept
            await self._async_save()
            self._on_change()

    def kick(self) -> None:
        """Try now rather than at the end of the backoff: the server answers again."""
        if self._queue:
            self._wake.set()

    async def async_run(self) -> None:
        """Deliver the queue in order, forever (cancelled on unload).

        No error ends it but a refused client token (reauthentication then takes over).
        """
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
                    if not err.client_token:  # that application's token was rotated: the account is fine
                        await self._give_up(item, err)
                        continue
                    # Kept in the queue; the client started reauthentication, which reloads the entry and
                    # so resumes delivery.
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

    async def _deliver(self, item: Delivery) -> None:
        self._delivering = item
        try:
            await self._async_deliver(item)
        finally:
            self._delivering = None

    async def _async_deliver(self, item: Delivery) -> None:
        if item.check_after is not None and (found := await self.account.async_find_delivered(item)):
            LOGGER.debug("Queued message for %s had arrived already as %s", item.application, found.id)
            return
        item.check_after = self.account.newest_known_id()
        item.attempts += 1
        await self._async_save()  # a crash during the publish then leads to a check, not a duplicate
        try:
            await self.account.async_publish(item)
        except GotifyError as err:
            if not maybe_delivered(err):
                item.check_after = None
            raise

    async def _give_up(self, item: Delivery, err: GotifyError) -> None:
        """Gotify refused a queued message for good: say so loudly, and move on to the next."""
        self._queue.pop(0)
        await self._async_save()
        self._on_change()
        self.account.abandon(item)
        # The message may link an attachment: its signed link stays out of the log and the repair.
        reason = without_signed_links(str(err))
        LOGGER.error("Gotify refused a queued message for %s: %s", item.application, reason)
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            refused_issue_id(self.entry_id),
            is_fixable=True,
            is_persistent=True,
            severity=ir.IssueSeverity.ERROR,
            translation_key="queued_message_refused",
            translation_placeholders={
                "application": item.application,
                "reason": reason,
                "message": _excerpt(without_signed_links(item.message)),
            },
            data={"entry_id": self.entry_id},
        )


REFUSED_ISSUE_PREFIX: Final = "queued_message_refused_"


def refused_issue_id(entry_id: str) -> str:
    """Return a new repair issue id for one queued message Gotify refused (each one is shown)."""
    return f"{REFUSED_ISSUE_PREFIX}{entry_id}_{ulid_now()}"


def async_delete_refused_issues(hass: HomeAssistant, entry_id: str) -> None:
    """Remove the repair issues about an entry's refused messages."""
    prefix = f"{REFUSED_ISSUE_PREFIX}{entry_id}_"
    for domain, issue_id in list(ir.async_get(hass).issues):
        if domain == DOMAIN and issue_id.startswith(prefix):
            ir.async_delete_issue(hass, DOMAIN, issue_id)


def _excerpt(text: str, limit: int = 200) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def storage_key(entry_id: str) -> str:
    """Return where an entry's queue is stored (``.storage/gotify.<entry id>.outbox``)."""
    return f"{DOMAIN}.{entry_id}.outbox"


async def async_remove_outbox(hass: HomeAssistant, entry_id: str) -> None:
    """Forget a removed entry's queue."""
    await Store[dict[str, Any]](hass, STORAGE_VERSION, storage_key(entry_id)).async_remove()
