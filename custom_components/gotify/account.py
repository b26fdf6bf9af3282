"""One Gotify account: its client, its applications, what it sent, and how a message is published.

Built first at setup; the outbox, the stream listener and the senders are given the account and use it,
never the config entry's runtime data.
"""

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final, Self

from .client import (
    GotifyApplication,
    GotifyClient,
    GotifyError,
    GotifyMessage,
    GotifyNotFoundError,
    GotifyUser,
    maybe_delivered,
)
from .const import LOGGER
from .message import OutgoingMessage
from .tags import TagStore

SENT_KEPT: Final = 1000
SEND_ANSWER_WAIT: Final = 15.0
# Whom an application token belongs to is not Gotify's to tell: a publish-only account has no user.
NO_USER: Final = GotifyUser(id=0, name="", admin=False)


@dataclass
class Delivery:
    """A message on its way to one application: what to publish, where, and how far it got.

    The outbox stores it as it is (its field names are the stored format).
    """

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
    # The message's buttons (``actions.ActionStore`` ids), told the message id once it is stored.
    actions: list[str] = field(default_factory=list)
    # Seconds after delivery when the message is deleted again (``data.timeout``).
    timeout: float | None = None

    @classmethod
    def of(
        cls,
        app_id: int,
        application: str,
        token: str | None,
        outgoing: OutgoingMessage,
        tag: str | None = None,
        *,
        actions: list[str] | None = None,
        timeout: float | None = None,
    ) -> Self:
        """Address a mapped message to one application."""
        return cls(
            app_id=app_id,
            application=application,
            token=token,
            message=outgoing.message,
            title=outgoing.title,
            priority=outgoing.priority,
            extras=outgoing.extras,
            tag=tag,
            actions=actions or [],
            timeout=timeout,
        )

    def matches(self, sent: GotifyMessage) -> bool:
        """Whether ``sent`` is this message as Gotify stored it (an empty title becomes the app's name)."""
        return (
            sent.appid == self.app_id
            and sent.message == self.message
            and sent.title == (self.title or self.application)
            and sent.priority == self.priority
            and sent.extras == self.extras
        )


class RecentIds:
    """The last ``size`` ids seen, with constant-time membership."""

    def __init__(self, size: int) -> None:
        """Start with no ids, keeping at most ``size``."""
        self._order: deque[int] = deque()
        self._ids: set[int] = set()
        self._size = size

    def add(self, message_id: int) -> None:
        """Remember an id, forgetting the oldest beyond ``size``."""
        if message_id in self._ids:
            return
        self._order.append(message_id)
        self._ids.add(message_id)
        if len(self._order) > self._size:
            self._ids.discard(self._order.popleft())

    def __contains__(self, message_id: object) -> bool:
        """Whether ``message_id`` is among the ids kept."""
        return message_id in self._ids


class SentMessages:
    """The messages this integration published, so that the stream does not echo them as events.

    The stream may deliver a message before the answer to its ``POST /message`` has arrived; while a
    publish is in flight, deciding whether a message is ours waits for it. A publish whose answer was
    lost may still have been stored: until it is settled, a message just like it is ours too.
    """

    def __init__(self) -> None:
        """Start with nothing sent and no publish in flight."""
        self._ids = RecentIds(SENT_KEPT)
        self.newest_id = 0
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._maybe_stored: deque[Callable[[GotifyMessage], bool]] = deque(maxlen=SENT_KEPT)
        # It holds no state of its own: one serves every publish, however many overlap.
        self._publishing = _Publishing(self)

    def publishing(self) -> "_Publishing":
        """Mark a publish as in flight for as long as the ``with`` block runs."""
        return self._publishing

    def add(self, message_id: int) -> None:
        """Record a message Gotify stored for us."""
        self._ids.add(message_id)
        self.newest_id = max(self.newest_id, message_id)

    def maybe_stored(self, matches: Callable[[GotifyMessage], bool]) -> None:
        """Expect a message that ``matches``: a publish failed after it may have reached Gotify."""
        self._maybe_stored.append(matches)

    def settle(self, matches: Callable[[GotifyMessage], bool]) -> None:
        """Stop expecting that publish: it is known now (sent again, found stored, or given up)."""
        if not self._maybe_stored:  # the usual case: nothing is expected; spares raising ValueError
            return
        with contextlib.suppress(ValueError):
            while True:
                self._maybe_stored.remove(matches)

    async def is_ours(self, message: GotifyMessage) -> bool:
        """Whether a message from the stream is one this integration published."""
        if message.id not in self._ids and not self._idle.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(SEND_ANSWER_WAIT):
                    await self._idle.wait()
        if message.id in self._ids:
            return True
        for matches in self._maybe_stored:
            if matches(message):
                self._maybe_stored.remove(matches)
                self.add(message.id)
                return True
        return False


class _Publishing:
    """``SentMessages.publishing()``: a class, not a generator, as it wraps every publish."""

    __slots__ = ("_sent",)

    def __init__(self, sent: SentMessages) -> None:
        self._sent = sent

    def __enter__(self) -> None:
        sent = self._sent
        if not sent._in_flight:
            sent._idle.clear()
        sent._in_flight += 1

    def __exit__(self, *_: object) -> None:
        sent = self._sent
        sent._in_flight -= 1
        if not sent._in_flight:
            sent._idle.set()


class GotifyAccount:
    """A Gotify user account on one server, as this integration uses it."""

    def __init__(
        self,
        client: GotifyClient,
        tags: TagStore,
        user: GotifyUser,
        applications: Iterable[GotifyApplication],
        newest_id: int,
    ) -> None:
        """Hold what setup learned from the server; ``async_connect`` asks for it."""
        self.client = client
        self.tags = tags
        self.user = user
        self.applications = {application.id: application for application in applications}
        self.sent = SentMessages()
        # The newest message id the stream has seen (or the server had at setup).
        self.newest_seen_id = newest_id
        # False for an account known only by an application token: it can publish, nothing else.
        self.can_read = True
        self._on_delivered: list[Callable[[Delivery, GotifyMessage], None]] = []

    @classmethod
    async def async_connect(cls, client: GotifyClient, tags: TagStore) -> Self:
        """Ask the server who the token belongs to, its applications and its newest message."""
        user = await client.current_user()
        applications = await client.applications()
        newest = await client.newest_message_id()
        await tags.async_load()
        return cls(client, tags, user, applications, newest)

    @classmethod
    def publish_only(cls, client: GotifyClient, tags: TagStore) -> Self:
        """Make an account known only by an application token (``platform: gotify`` in YAML).

        ``client`` holds that token. It publishes to the token's application; it lists, reads and
        deletes nothing, so it has no user, no applications, and never looks for a lost answer's message.
        """
        account = cls(client, tags, NO_USER, (), 0)
        account.can_read = False
        return account

    def on_delivered(self, listener: Callable[["Delivery", GotifyMessage], None]) -> None:
        """Call ``listener`` with each delivery once Gotify has stored it (sent now, queued, or found)."""
        self._on_delivered.append(listener)

    @property
    def host(self) -> str:
        """The server's address as it may be shown."""
        return self.client.host

    async def async_refresh_applications(self) -> None:
        """List the applications again (one may have been added or renamed since setup)."""
        self.applications = {application.id: application for application in await self.client.applications()}

    async def async_application_name(self, app_id: int) -> str:
        """Return an application's name, listing the applications again for one added since setup."""
        if app_id not in self.applications:
            with contextlib.suppress(GotifyError):
                await self.async_refresh_applications()
        application = self.applications.get(app_id)
        return application.name if application else str(app_id)

    def newest_known_id(self) -> int:
        """Return the newest message id this integration knows of, seen on the stream or sent."""
        return max(self.newest_seen_id, self.sent.newest_id)

    async def async_publish(self, delivery: Delivery) -> GotifyMessage:
        """Publish one message (replacing the message sent before with its tag); Gotify's errors pass."""
        client = self.client
        if (
            delivery.tag is not None
            and (previous := self.tags.get(delivery.app_id, delivery.tag)) is not None
        ):
            with contextlib.suppress(GotifyNotFoundError):  # already deleted in Gotify
                await client.delete_message(previous)
        with self.sent.publishing():
            try:
                sent = await client.send_message(
                    delivery.message,
                    title=delivery.title,
                    priority=delivery.priority,
                    extras=delivery.extras,
                    app_token=delivery.token,
                    appid=None if delivery.token else delivery.app_id,
                )
            except GotifyError as err:
                if maybe_delivered(err):  # stored after all? Then its echo on the stream is ours.
                    self.sent.maybe_stored(delivery.matches)
                raise
            self._delivered(delivery, sent)
        LOGGER.debug("Sent message %s to %s", sent.id, delivery.application)
        return sent

    async def async_find_delivered(self, delivery: Delivery) -> GotifyMessage | None:
        """Return the message as Gotify stored it, if an earlier attempt got through after all."""
        assert delivery.check_after is not None
        if not self.can_read:
            return None
        newer = await self.client.messages_after(delivery.check_after, app_id=delivery.app_id)
        found = next((sent for sent in newer if delivery.matches(sent)), None)
        if found is not None:
            self._delivered(delivery, found)
        return found

    def abandon(self, delivery: Delivery) -> None:
        """End a delivery without a stored message: the same text from elsewhere is not ours."""
        self.sent.settle(delivery.matches)

    def _delivered(self, delivery: Delivery, sent: GotifyMessage) -> None:
        self.sent.add(sent.id)
        self.sent.settle(delivery.matches)
        if delivery.tag is not None:
            self.tags.set(delivery.app_id, delivery.tag, sent.id)
        for listener in self._on_delivered:
            listener(delivery, sent)
