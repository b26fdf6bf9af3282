"""Escalations: alerts re-sent until someone acknowledges them (Pushover's emergency priority).

A message with ``data.retry`` and ``data.expire`` is sent again every ``retry`` seconds until it is
acknowledged or ``expire`` seconds have passed.

Each copy replaces the one before (it is deleted first) and carries an Acknowledge button. Acknowledged
by that button, by deleting the message in Gotify (the next copy finds it gone: within one ``retry``), or
by ``gotify.acknowledge``. What runs is stored, so that an escalation survives a restart of Home
Assistant; copies that fall due while Gotify is down are not piled up: one goes out when it answers again.
"""

import asyncio
import contextlib
import secrets
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any, Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .account import Delivery, GotifyAccount
from .actions import ActionRecord, ActionStore
from .client import (
    GotifyAuthenticationError,
    GotifyError,
    GotifyMessage,
    GotifyNotFoundError,
    maybe_delivered,
)
from .const import DOMAIN, LOGGER
from .message import Escalation, NotificationAction, shown, without_signed_links
from .outbox import is_transient

EVENT_ACKNOWLEDGED: Final = "gotify_acknowledged"
EVENT_ESCALATION_EXPIRED: Final = "gotify_escalation_expired"
# How an escalation was acknowledged (the event's ``how``).
BY_ACTION: Final = "action"
BY_DELETION: Final = "deleted"
BY_SERVICE: Final = "service"
# Why one ended unacknowledged (the expired event's ``reason``).
REASON_EXPIRED: Final = "expired"
REASON_REFUSED: Final = "refused"  # Gotify refused a copy (a 4xx answer): it would refuse the next too
# The button every copy carries; its press acknowledges rather than firing the button events.
ACKNOWLEDGE: Final = NotificationAction(action="ACKNOWLEDGE", title="Acknowledge")

STORAGE_VERSION: Final = 1
SAVE_DELAY: Final = 1.0
# Gotify did not take a copy: try again this soon, or at the next retry if that comes first.
RETRY_AFTER: Final = 60.0
TOLERANCE: Final = 0.01  # seconds; a timer's time went through a datetime (microseconds)


@dataclass
class EscalationRecord:
    """One running escalation, as stored (its field names are the stored format)."""

    id: str
    delivery: Delivery
    retry: float
    expires: float  # Unix time
    due: float  # Unix time of the next copy
    origin: str  # the application subentry whose entity sent it (``gotify.acknowledge`` finds it there)
    acknowledge_link: str  # the ``ActionStore`` id of its Acknowledge button
    message_id: int | None = None  # the copy in Gotify now; None before the first or between two
    message_ids: list[int] = field(default_factory=list)  # every copy's id (acknowledge by any of them)

    @property
    def tag(self) -> str | None:
        """The tag it was sent with."""
        return self.delivery.tag

    def stored(self) -> dict[str, Any]:
        """Return the record as it is stored."""
        return asdict(self)

    @classmethod
    def from_stored(cls, item: dict[str, Any]) -> "EscalationRecord":
        """Read a stored record; ``TypeError`` or ``ValueError`` when it is not one."""
        values = dict(item)
        values["delivery"] = Delivery(**values["delivery"])
        record = cls(**values)
        record.retry, record.expires, record.due = (
            float(record.retry),
            float(record.expires),
            float(record.due),
        )
        return record


def new_escalation_id() -> str:
    """Return an id for a new escalation."""
    return secrets.token_hex(8)


class Escalations:
    """One entry's running escalations: their copies, their acknowledgements, their end."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        account: GotifyAccount,
        actions: ActionStore,
        on_change: Callable[[], None],
    ) -> None:
        """Start with none running; ``async_load`` reads what was stored."""
        self.hass = hass
        self.entry_id = entry_id
        self.account = account
        self.actions = actions
        self._on_change = on_change
        self._store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, storage_key(entry_id))
        self._records: dict[str, EscalationRecord] = {}
        # Their copy fell due but Gotify did not take it: sent as soon as Gotify answers again.
        self._waiting: set[str] = set()
        # Ended by a new message with their tag while a copy was on its way: that copy goes again.
        self._replaced: set[str] = set()
        # What recent gotify.acknowledge calls acknowledged (context id, tag, message id): a call naming
        # several entities finds it acknowledged by the first.
        self._recent: deque[tuple[str, str | None, int | None]] = deque(maxlen=50)
        self._timer: CALLBACK_TYPE | None = None
        self._lock = asyncio.Lock()
        self._stopped = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._unregister = actions.register_acknowledger(entry_id, self._acknowledged_by_button)

    def __len__(self) -> int:
        """Return how many escalations run."""
        return len(self._records)

    async def async_load(self) -> None:
        """Read the escalations that ran before a restart; the timer sends what is due."""
        stored = await self._store.async_load() or {}
        for item in list(stored.get("escalations") or []):
            try:
                record = EscalationRecord.from_stored(item)
            except (TypeError, ValueError, KeyError):
                LOGGER.warning("Skipped an unreadable stored escalation: %s", shown(item))
                continue
            self._records[record.id] = record
        self._arm()
        if self._records:
            self._spawn(self._async_run())  # acknowledged meanwhile, expired, or due

    async def async_start(
        self,
        delivery: Delivery,
        escalation: Escalation,
        *,
        escalation_id: str,
        origin: str,
        acknowledge_link: str,
        keep_on_failure: bool,
    ) -> GotifyMessage | None:
        """Send the first copy and keep sending until acknowledged; None when Gotify takes it later.

        Gotify's errors pass; a transient one with ``keep_on_failure`` keeps the escalation instead, due
        now, so that its first copy goes out when Gotify answers again.
        """
        now = time.time()
        self.end_for_tag(delivery.app_id, delivery.tag)
        record = EscalationRecord(
            id=escalation_id,
            delivery=delivery,
            retry=escalation.retry,
            expires=now + escalation.expire,
            # The next copy's time if the first one's answer never comes (an unload while it is sent).
            due=now + escalation.retry,
            origin=origin,
            acknowledge_link=acknowledge_link,
        )
        self._records[record.id] = record
        async with self._lock:
            try:
                sent = await self._async_copy(record, now)
            except GotifyError as err:
                if keep_on_failure and is_transient(err):
                    LOGGER.info("Gotify cannot take the alert now (%s); it goes out when Gotify answers", err)
                    self._wait_for_gotify(record, now)
                    self._changed()
                    return None
                self._end(record.id)
                raise
        self._changed()
        return sent

    def find(self, *, origin: str, app_id: int, tag: str | None, message_id: int | None) -> list[str]:
        """Return the ids of the escalations a ``gotify.acknowledge`` call names.

        By tag: those with that tag that the entity sent or that go to its application. By message id:
        the one any of whose copies had that id.
        """
        return [
            record.id
            for record in self._records.values()
            if (message_id is not None and message_id in record.message_ids)
            or (
                tag is not None
                and record.tag == tag
                and (record.origin == origin or record.delivery.app_id == app_id)
            )
        ]

    def remember_acknowledged(self, context_id: str, tag: str | None, message_id: int | None) -> None:
        """Note what a ``gotify.acknowledge`` call acknowledged (for the call's other entities)."""
        self._recent.append((context_id, tag, message_id))

    def acknowledged_by(self, context_id: str, tag: str | None, message_id: int | None) -> bool:
        """Whether the same ``gotify.acknowledge`` call acknowledged this already, on another entity."""
        return (context_id, tag, message_id) in self._recent

    @callback
    def acknowledge(self, escalation_id: str, how: str) -> None:
        """End an escalation: someone answered. Its last copy stays in Gotify."""
        record = self._end(escalation_id)
        if record is None:
            return
        self._fire(EVENT_ACKNOWLEDGED, record, how=how)
        LOGGER.debug("Escalation %s acknowledged (%s)", record.id, how)
        self._changed()

    @callback
    def kick(self) -> None:
        """Gotify answers again: send the copies that fell due meanwhile (one each)."""
        if self._records and not self._stopped:
            self._spawn(self._async_run(answering=True))

    @callback
    def async_stop(self) -> None:
        """Stop for good (on unload): what runs stays stored for the next setup."""
        self._stopped = True
        self._unregister()
        self._cancel_timer()
        for task in self._tasks:
            task.cancel()

    @property
    def stopped(self) -> bool:
        """Whether the entry was unloaded (a copy in flight then changes nothing more)."""
        return self._stopped

    async def async_flush(self) -> None:
        """Write now what waits for the save delay."""
        await self._store.async_save(self._data())

    @callback
    def _acknowledged_by_button(self, button: ActionRecord) -> None:
        if button.escalation is not None:
            self.acknowledge(button.escalation, BY_ACTION)

    @callback
    def end_for_tag(self, app_id: int, tag: str | None) -> None:
        """End the escalation with ``tag`` there: a new message with its tag replaces its copy."""
        if tag is None:
            return
        for record in list(self._records.values()):
            if record.delivery.app_id == app_id and record.tag == tag:
                LOGGER.debug("Escalation %s ends: a new message took its tag %s", record.id, tag)
                self._end(record.id)
                if self._lock.locked():  # a copy of it may be on its way: it is deleted on arrival
                    self._replaced.add(record.id)
                self._changed()

    async def _async_copy(self, record: EscalationRecord, moment: float) -> GotifyMessage | None:
        """Replace the copy in Gotify by a new one; None when the old one was gone (acknowledged)."""
        account, delivery = self.account, record.delivery
        # A copy replaces the last one itself; the tag's record follows it only while the alert runs.
        first = not record.message_ids
        publishing = delivery if first else replace(delivery, tag=None)
        if delivery.check_after is not None and record.message_id is None:
            # The last attempt may have been stored although its answer was lost (or Home Assistant
            # stopped while it was sent); ``publishing`` carries the same ``check_after``.
            found = await account.async_find_delivered(publishing)
            delivery.check_after = None
            if found is not None:
                record.message_id = found.id
                record.message_ids.append(found.id)
        if record.message_id is not None:
            try:
                await account.client.delete_message(record.message_id)
            except GotifyNotFoundError:
                self.acknowledge(record.id, BY_DELETION)
                return None
            record.message_id = None
            if delivery.tag is not None:
                account.tags.forget(delivery.app_id, delivery.tag)  # deleted: publishing need not
            self._save()
        # Stored so until the answer comes: an unload meanwhile looks for this copy before the next.
        delivery.check_after = account.newest_known_id()
        self._save()
        try:
            sent = await account.async_publish(publishing)
        except GotifyError as err:
            if not maybe_delivered(err):
                delivery.check_after = None
            raise
        delivery.check_after = None
        if record.id in self._replaced:  # a new message took the tag meanwhile: this copy goes
            self._replaced.discard(record.id)
            with contextlib.suppress(GotifyError):
                await account.client.delete_message(sent.id)
            return None
        if not first and delivery.tag is not None and record.id in self._records:
            account.tags.set(delivery.app_id, delivery.tag, sent.id)
        record.message_id = sent.id
        record.message_ids.append(sent.id)
        record.due = moment + record.retry
        self._waiting.discard(record.id)
        return sent

    async def _async_run(self, now: datetime | None = None, *, answering: bool = False) -> None:
        """End what was acknowledged or expired; send one copy of each escalation that is due.

        ``answering``: Gotify answers again, so what waited for it goes now, whenever it was due.
        """
        async with self._lock:
            if self._stopped:
                return
            moment = (now or dt_util.utcnow()).timestamp() + TOLERANCE
            for record in list(self._records.values()):
                if record.id not in self._records:  # ended while an earlier one was sent
                    continue
                if self.actions.pressed(record.acknowledge_link):  # pressed while not loaded
                    self.acknowledge(record.id, BY_ACTION)
                elif record.expires <= moment:
                    self._expire(record)
                elif (
                    record.due <= moment or (answering and record.id in self._waiting)
                ) and not await self._async_send_due(record, moment):
                    self._postpone_due(moment)  # Gotify does not answer: the others would fail alike
                    break
            if self.stopped:  # unloaded meanwhile: the next setup has read what was stored
                return
            self._changed()

    def _postpone_due(self, moment: float) -> None:
        """Gotify did not take a copy: what else is due now waits for it, as that one does."""
        for record in self._records.values():
            if record.due <= moment:
                self._wait_for_gotify(record, moment)

    def _wait_for_gotify(self, record: EscalationRecord, moment: float) -> None:
        """Send ``record``'s copy when Gotify answers again, or at the next retry (a minute at most)."""
        record.due = moment + min(record.retry, RETRY_AFTER)
        self._waiting.add(record.id)

    async def _async_send_due(self, record: EscalationRecord, moment: float) -> bool:
        """Send the next copy; False when Gotify cannot take it now (it is tried again later)."""
        try:
            await self._async_copy(record, moment)
        except GotifyAuthenticationError as err:
            if not err.client_token:  # the application's token: it will not be taken later either
                self._refused(record, err)
                return True
            record.due = moment + record.retry  # reauthentication takes over
            self._waiting.add(record.id)
            return False
        except GotifyError as err:
            if is_transient(err):  # the caller postpones it with every other one due
                LOGGER.debug("Gotify cannot take the next copy of an alert now (%s)", err)
                return False
            self._refused(record, err)
        return True

    def _refused(self, record: EscalationRecord, err: GotifyError) -> None:
        LOGGER.warning(
            "Gotify refused the next copy of the alert for %s, which is no longer repeated: %s",
            record.delivery.application,
            without_signed_links(str(err)),
        )
        self._expire(record, reason=REASON_REFUSED)

    def _expire(self, record: EscalationRecord, reason: str = REASON_EXPIRED) -> None:
        self._end(record.id)
        self._fire(EVENT_ESCALATION_EXPIRED, record, reason=reason)
        LOGGER.debug("Escalation %s ended unacknowledged (%s)", record.id, reason)

    def _fire(self, event: str, record: EscalationRecord, **extra: str) -> None:
        delivery = record.delivery
        self.hass.bus.async_fire(
            event,
            {
                **extra,
                "tag": delivery.tag,
                "message_id": record.message_id or (record.message_ids[-1] if record.message_ids else None),
                "title": delivery.title,
                "application": delivery.application,
                "application_id": delivery.app_id,
                "entry_id": self.entry_id,
            },
        )

    def _end(self, escalation_id: str) -> EscalationRecord | None:
        """Forget an escalation, and make its Acknowledge button do nothing more."""
        self._waiting.discard(escalation_id)
        record = self._records.pop(escalation_id, None)
        if record is not None:
            self.actions.spend([record.acknowledge_link])
        return record

    def _changed(self) -> None:
        self._save()
        self._arm()
        self._on_change()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = self.hass.async_create_task(work, eager_start=False)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer()
            self._timer = None

    @callback
    def _arm(self) -> None:
        """Set the timer for the next copy or expiry."""
        self._cancel_timer()
        if self._records and not self._stopped:
            when = min(min(record.due, record.expires) for record in self._records.values())
            self._timer = async_track_point_in_utc_time(
                self.hass, self._fire_timer, dt_util.utc_from_timestamp(when)
            )

    @callback
    def _fire_timer(self, now: datetime) -> None:
        self._timer = None
        if not self._stopped:
            self._spawn(self._async_run(now))

    def _save(self) -> None:
        if not self._stopped:
            self._store.async_delay_save(self._data, SAVE_DELAY)

    def _data(self) -> dict[str, Any]:
        return {"escalations": [record.stored() for record in self._records.values()]}


def storage_key(entry_id: str) -> str:
    """Where an entry's escalations are stored (``.storage/gotify.<entry id>.escalations``)."""
    return f"{DOMAIN}.{entry_id}.escalations"


async def async_remove_escalations(hass: HomeAssistant, entry_id: str) -> None:
    """Forget a removed entry's escalations."""
    await Store[dict[str, Any]](hass, STORAGE_VERSION, storage_key(entry_id)).async_remove()
