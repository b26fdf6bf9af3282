"""Messages deleted from Gotify ``data.timeout`` seconds after delivery, as the companion app dismisses them.

What is due is stored, so that a deletion survives a restart of Home Assistant; one that Gotify cannot
take now (it is down) is done when it answers again (the stream reconnects) or at the next retry. A
message that is gone already is simply dropped.
"""

import asyncio
import time
from collections.abc import Coroutine
from datetime import datetime, timedelta
from typing import Any, Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later, async_track_point_in_utc_time
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .client import GotifyAuthenticationError, GotifyClient, GotifyError, GotifyNotFoundError
from .const import DOMAIN, LOGGER
from .outbox import is_transient

STORAGE_VERSION: Final = 1
SAVE_DELAY: Final = 1.0
RETRY_AFTER: Final = timedelta(minutes=1)
TOLERANCE: Final = 0.01  # seconds


class AutoDelete:
    """One entry's messages to delete, each at its time."""

    def __init__(self, hass: HomeAssistant, entry_id: str, client: GotifyClient) -> None:
        """Start with nothing due; ``async_load`` reads what was stored."""
        self.hass = hass
        self.client = client
        self._store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, storage_key(entry_id))
        self._due: dict[int, float] = {}  # message id -> when (Unix time)
        # Fell due (the timer fired) but Gotify could not take the deletion then.
        self._overdue: set[int] = set()
        self._timer: CALLBACK_TYPE | None = None
        self._lock = asyncio.Lock()
        self._stopped = False
        self._tasks: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        """Return how many messages wait to be deleted."""
        return len(self._due)

    def snapshot(self) -> dict[int, float]:
        """Return message id -> when it is deleted (Unix time)."""
        return dict(self._due)

    async def async_load(self) -> None:
        """Read what was due before a restart and set the timer for it."""
        stored = await self._store.async_load() or {}
        for message_id, due in dict(stored.get("due") or {}).items():
            try:
                self._due[int(message_id)] = float(due)
            except (TypeError, ValueError):
                LOGGER.warning("Skipped an unreadable stored timeout: %s: %s", message_id, due)
        self._arm()

    def schedule(self, message_id: int, seconds: float) -> None:
        """Delete a message ``seconds`` from now (0: as soon as Gotify takes it)."""
        if self._stopped:
            return
        self._due[message_id] = time.time() + seconds
        self._save()
        self._arm()

    @callback
    def kick(self) -> None:
        """Gotify answers again: delete what became due meanwhile."""
        if self._due and not self._stopped:
            self._spawn(self._async_delete_due())

    @callback
    def async_stop(self) -> None:
        """Stop for good (on unload): no timer, no retry; what is due stays stored for the next setup."""
        self._stopped = True
        self._cancel_timer()
        for task in self._tasks:  # a deletion in flight: the stored list keeps it for the next setup
            task.cancel()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = self.hass.async_create_task(work, eager_start=False)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @property
    def stopped(self) -> bool:
        """Whether the entry was unloaded (a deletion in flight then changes nothing more)."""
        return self._stopped

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer()
            self._timer = None

    async def async_flush(self) -> None:
        """Write now what waits for the save delay."""
        await self._store.async_save(self._data())

    @callback
    def _arm(self) -> None:
        """Set the timer for the next deletion."""
        self._cancel_timer()
        if self._due and not self._stopped:
            when = dt_util.utc_from_timestamp(min(self._due.values()))
            self._timer = async_track_point_in_utc_time(self.hass, self._fire, when)

    @callback
    def _fire(self, now: datetime) -> None:
        self._timer = None
        if self._stopped:
            return
        self._spawn(self._async_delete_due(now))

    async def _async_delete_due(self, now: datetime | None = None) -> None:
        async with self._lock:
            if self._stopped:
                return
            # The timer's time went through a datetime (microseconds): allow for the rounding.
            moment = (now or dt_util.utcnow()).timestamp() + TOLERANCE
            retry = False
            for message_id in [
                key for key, due in self._due.items() if due <= moment or key in self._overdue
            ]:
                self._overdue.add(message_id)
                try:
                    await self.client.delete_message(message_id)
                except GotifyNotFoundError:
                    LOGGER.debug("Message %s was deleted in Gotify already", message_id)
                except GotifyAuthenticationError:
                    retry = True  # reauthentication takes over; the deletion waits for it
                    break
                except GotifyError as err:
                    if is_transient(err):
                        LOGGER.debug("Gotify cannot delete message %s now (%s); retrying", message_id, err)
                        retry = True
                        break
                    LOGGER.warning("Gotify refused to delete message %s: %s", message_id, err)
                else:
                    LOGGER.debug("Deleted message %s: its timeout passed", message_id)
                self._due.pop(message_id, None)
                self._overdue.discard(message_id)
            if self.stopped:  # unloaded meanwhile: the next setup has read the stored list
                return
            self._save()
            if retry:
                self._cancel_timer()
                self._timer = async_call_later(self.hass, RETRY_AFTER, self._fire)
            else:
                self._arm()

    def _save(self) -> None:
        self._store.async_delay_save(self._data, SAVE_DELAY)

    def _data(self) -> dict[str, Any]:
        return {"due": {str(message_id): due for message_id, due in self._due.items()}}


def storage_key(entry_id: str) -> str:
    """Where an entry's pending deletions are stored (``.storage/gotify.<entry id>.autodelete``)."""
    return f"{DOMAIN}.{entry_id}.autodelete"


async def async_remove_autodelete(hass: HomeAssistant, entry_id: str) -> None:
    """Forget a removed entry's pending deletions."""
    await Store[dict[str, Any]](hass, STORAGE_VERSION, storage_key(entry_id)).async_remove()
