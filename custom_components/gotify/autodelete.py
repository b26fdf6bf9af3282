"""Messages deleted from Gotify ``data.timeout`` seconds after delivery, as the companion app dismisses them.

What is due is stored, so that a deletion survives a restart of Home Assistant; one that Gotify cannot
take now (it is down) is done when it answers again (the stream reconnects) or at the next retry. A
message that is gone already is simply dropped.
"""

import asyncio
import time
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

    def __len__(self) -> int:
        """Return how many messages wait to be deleted."""
        return len(self._due)

    def snapshot(self) -> dict[int, float]:
        """Return message id -> when it is deleted (Unix time)."""
        return dict(self._due)

    async def async_load(self) -> None:
        """Read what was due before a restart and set the timer for it."""
        stored = await self._store.async_load() or {}
        self._due = {int(message_id): float(due) for message_id, due in stored.get("due", {}).items()}
        self._arm()

    def schedule(self, message_id: int, seconds: float) -> None:
        """Delete a message ``seconds`` from now."""
        self._due[message_id] = time.time() + seconds
        self._save()
        self._arm()

    @callback
    def kick(self) -> None:
        """Gotify answers again: delete what became due meanwhile."""
        if self._due:
            self.hass.async_create_task(self._async_delete_due(), eager_start=False)

    @callback
    def async_stop(self) -> None:
        """Stop the timer (on unload); what is due stays stored."""
        if self._timer is not None:
            self._timer()
            self._timer = None

    async def async_flush(self) -> None:
        """Write now what waits for the save delay."""
        await self._store.async_save(self._data())

    @callback
    def _arm(self) -> None:
        """Set the timer for the next deletion."""
        self.async_stop()
        if self._due:
            when = dt_util.utc_from_timestamp(min(self._due.values()))
            self._timer = async_track_point_in_utc_time(self.hass, self._fire, when)

    @callback
    def _fire(self, now: datetime) -> None:
        self._timer = None
        self.hass.async_create_task(self._async_delete_due(now), eager_start=False)

    async def _async_delete_due(self, now: datetime | None = None) -> None:
        async with self._lock:
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
            self._save()
            if retry:
                self._timer_retry()
            else:
                self._arm()

    def _timer_retry(self) -> None:
        self.async_stop()
        self._timer = async_call_later(self.hass, RETRY_AFTER, self._fire)

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
