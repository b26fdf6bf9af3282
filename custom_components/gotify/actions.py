"""Buttons on Gotify messages: signed, expiring links that fire an event when someone presses them.

Gotify has no buttons of its own; a message can only carry links. Each button of ``data.actions`` that
does not open a ``uri`` becomes a link to this view, on Home Assistant's external URL:
``/api/gotify/action/<id>.<expiry>.<signature>``. The signature (HMAC-SHA256 with a key kept in
storage) covers the id and the expiry, so neither can be changed; the id names what the button does.

A GET never presses a button: link previews and prefetchers open links too. It answers a small page
naming the button, which submits a POST to the same URL (at once with script, with a button without).
The POST fires ``gotify_notification_action`` (and, unless the entry's option says no, the companion
app's ``mobile_app_notification_action``) once; the link is spent then. What the links do is stored,
so that they keep working after a restart, and forgotten at expiry or when the entry is removed.

An escalation's Acknowledge button is such a link too; pressing it acknowledges the escalation (through
the handler its entry registers) instead of firing the button events.
"""

import base64
import hashlib
import hmac
import html
import json
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import timedelta
from http import HTTPStatus
from typing import Any, Final

from aiohttp import web
from homeassistant.components.http import HomeAssistantView
from homeassistant.core import CALLBACK_TYPE, Context, HomeAssistant, callback
from homeassistant.helpers.storage import Store
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util.hass_dict import HassKey

from .const import ACTION_PATH, DOMAIN, LOGGER
from .message import TAP_FRAGMENT, NotificationAction, shown
from .options import AccountOptions
from .phone_url import PhoneUrl

EVENT_NOTIFICATION_ACTION: Final = "gotify_notification_action"
EVENT_MOBILE_APP_ACTION: Final = "mobile_app_notification_action"
STORAGE_KEY: Final = f"{DOMAIN}.actions"
STORAGE_VERSION: Final = 1
SAVE_DELAY: Final = 1.0
_SIGNATURE_BYTES: Final = 16

# A page that can run only its own script and style, submit only to itself, and be framed by no one.
_PAGE_HEADERS: Final = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Robots-Tag": "noindex, nofollow",
}


@dataclass
class ActionRecord:
    """What one button does, as stored (its field names are the stored format)."""

    entry_id: str
    app_id: int
    application: str
    action: str
    title: str
    tag: str | None
    expires: int
    message_id: int | None = None
    pressed: bool = False
    # The escalation this button acknowledges (``escalation.Escalations``); None for other buttons.
    escalation: str | None = None


class LinkProblem(Exception):
    """Why a link does nothing: ``invalid`` (unknown or tampered), ``expired`` or ``used``."""

    def __init__(self, kind: str, record: "ActionRecord | None" = None) -> None:
        """Say which problem it is (and, for a spent link, whose)."""
        super().__init__(kind)
        self.kind = kind
        self.record = record


class ActionStore:
    """Every button's record, its signing key, and the URLs of the links."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Start empty; ``async_load`` reads what was stored."""
        self.hass = hass
        self._store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, STORAGE_KEY)
        self._records: dict[str, ActionRecord] = {}
        self._key = b""
        self._phone_url = PhoneUrl(hass, "action links")
        # Per loaded entry: what acknowledges one of its escalations when its button is pressed.
        self._acknowledgers: dict[str, Callable[[ActionRecord], None]] = {}

    async def async_load(self) -> None:
        """Read the key and the records that have not expired; make a key the first time."""
        stored = await self._store.async_load() or {}
        try:
            self._key = bytes.fromhex(stored["key"])
        except (KeyError, TypeError, ValueError):
            if stored:
                LOGGER.warning("The buttons' signing key was unreadable; links sent before no longer work")
            self._key = secrets.token_bytes(32)
            self._save()
        now = time.time()
        self._records = {}
        for link_id, item in dict(stored.get("actions") or {}).items():
            try:
                record = ActionRecord(**item)
            except TypeError:
                LOGGER.warning("Skipped an unreadable stored button: %s", shown(item))
                continue
            if isinstance(record.expires, int) and record.expires > now:
                self._records[link_id] = record

    def create(
        self,
        actions: Iterable[NotificationAction],
        *,
        entry_id: str,
        app_id: int,
        application: str,
        tag: str | None,
        expiry: timedelta,
        escalation: str | None = None,
    ) -> tuple[list[str], list[str]]:
        """Make a link for each button that fires an event; return their ids and URLs, in order.

        With ``escalation``, pressing the buttons acknowledges that escalation.
        """
        base = self._phone_url.base()
        expires = int(time.time() + expiry.total_seconds())
        ids, urls = [], []
        for action in actions:
            if action.uri is not None:
                continue
            link_id = secrets.token_urlsafe(16)
            self._records[link_id] = ActionRecord(
                entry_id,
                app_id,
                application,
                action.action,
                action.title,
                tag,
                expires,
                escalation=escalation,
            )
            ids.append(link_id)
            urls.append(f"{base}{ACTION_PATH}/{link_id}.{expires}.{self._sign(link_id, expires)}")
        if ids:
            self._save()
        return ids, urls

    def bind(self, link_ids: Sequence[str], message_id: int) -> None:
        """Note the message the buttons were sent with (its id is known only once Gotify stored it)."""
        for link_id in link_ids:
            if (record := self._records.get(link_id)) is not None:
                record.message_id = message_id
        self._save()

    def find(self, token: str) -> ActionRecord:
        """Return the record a link names, or raise ``LinkProblem`` saying why it does nothing."""
        link_id, _, rest = token.partition(".")
        expires_text, _, signature = rest.partition(".")
        if not (
            expires_text.isascii()
            and expires_text.isdigit()
            and len(expires_text) <= 12
            and not expires_text.startswith("0")  # one spelling of each link
        ) or not hmac.compare_digest(signature.encode(), self._sign(link_id, int(expires_text)).encode()):
            raise LinkProblem("invalid")
        if int(expires_text) <= time.time():
            raise LinkProblem("expired")
        record = self._records.get(link_id)
        if record is None or record.expires != int(expires_text):
            raise LinkProblem("invalid")
        if record.pressed:
            raise LinkProblem("used", record)
        return record

    def pressed(self, link_id: str) -> bool:
        """Whether a button was pressed (or spent otherwise); an expired or forgotten one counts as not."""
        record = self._records.get(link_id)
        return record is not None and record.pressed

    def spend(self, link_ids: Iterable[str]) -> None:
        """Make buttons do nothing more (what they would do has happened otherwise)."""
        changed = False
        for link_id in link_ids:
            if (record := self._records.get(link_id)) is not None and not record.pressed:
                record.pressed = changed = True
        if changed:
            self._save()

    @callback
    def register_acknowledger(self, entry_id: str, handler: Callable[[ActionRecord], None]) -> CALLBACK_TYPE:
        """Let a loaded entry acknowledge its escalations when their buttons are pressed; returns undo."""
        self._acknowledgers[entry_id] = handler

        @callback
        def unregister() -> None:
            if self._acknowledgers.get(entry_id) is handler:
                del self._acknowledgers[entry_id]

        return unregister

    @callback
    def acknowledge(self, record: ActionRecord) -> None:
        """Tell the entry its Acknowledge button was pressed (one not loaded finds it pressed at setup)."""
        if (handler := self._acknowledgers.get(record.entry_id)) is not None:
            handler(record)

    async def async_press(self, token: str) -> ActionRecord:
        """Spend a link: return its record once; every later press raises ``LinkProblem("used")``.

        Spent before anything awaits (a second press at the same time finds it spent), and stored before
        the caller fires anything, so that a restart right after cannot make it pressable again.
        """
        record = self.find(token)
        record.pressed = True
        await self._store.async_save(self._data())
        return record

    def counts(self, entry_id: str) -> dict[str, int]:
        """Return how many of an entry's buttons can still be pressed, and how many were (diagnostics)."""
        records = [record for record in self._records.values() if record.entry_id == entry_id]
        pressed = sum(record.pressed for record in records)
        return {"active": len(records) - pressed, "pressed": pressed}

    def forget_entry(self, entry_id: str) -> None:
        """Forget the buttons of a removed entry."""
        self._records = {key: value for key, value in self._records.items() if value.entry_id != entry_id}
        self._save()

    def cleanup(self) -> int:
        """Forget the records that have expired; returns how many."""
        now = time.time()
        expired = [key for key, record in self._records.items() if record.expires <= now]
        for key in expired:
            del self._records[key]
        if expired:
            self._save()
        return len(expired)

    async def async_flush(self) -> None:
        """Write now what is waiting for the save delay."""
        await self._store.async_save(self._data())

    def _sign(self, link_id: str, expires: int) -> str:
        digest = hmac.new(self._key, f"{link_id}.{expires}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:_SIGNATURE_BYTES]).decode().rstrip("=")

    def _save(self) -> None:
        self._store.async_delay_save(self._data, SAVE_DELAY)

    def _data(self) -> dict[str, Any]:
        return {
            "key": self._key.hex(),
            "actions": {key: asdict(record) for key, record in self._records.items()},
        }


# The one store, set up in async_setup (links work while an entry is not loaded, Gotify being down).
ACTION_STORE: HassKey[ActionStore] = HassKey(f"{DOMAIN}_actions")


@callback
def async_fire_action(hass: HomeAssistant, record: ActionRecord) -> None:
    """Fire the events of a pressed button: ours, and the companion app's unless the entry says no."""
    context = Context()
    hass.bus.async_fire(
        EVENT_NOTIFICATION_ACTION,
        {
            "action": record.action,
            "title": record.title,
            "message_id": record.message_id,
            "tag": record.tag,
            "application": record.application,
            "application_id": record.app_id,
            "entry_id": record.entry_id,
        },
        context=context,
    )
    entry = hass.config_entries.async_get_entry(record.entry_id)
    if entry is None or AccountOptions.of(entry.options).companion_app_events:
        companion = {"action": record.action} | ({"tag": record.tag} if record.tag is not None else {})
        hass.bus.async_fire(EVENT_MOBILE_APP_ACTION, companion, context=context)
    LOGGER.debug("Button %s of %s pressed", record.action, record.application)


_STATUS: Final = {
    "invalid": HTTPStatus.NOT_FOUND,
    "expired": HTTPStatus.GONE,
    "used": HTTPStatus.CONFLICT,
}


class GotifyActionView(HomeAssistantView):
    """The page behind a button's link: GET asks, POST presses (once).

    No login: the phone opening the link has none. The signed link is what allows it.
    """

    url = ACTION_PATH + "/{token}"
    name = "api:gotify:action"
    requires_auth = False

    def __init__(self, hass: HomeAssistant) -> None:
        """Answer for the store in ``hass.data``."""
        self.hass = hass

    async def get(self, request: web.Request, token: str) -> web.Response:
        """Name the button and offer to press it; pressing is a POST (sent at once by the page's script)."""
        try:
            record = self.hass.data[ACTION_STORE].find(token)
        except LinkProblem as problem:
            return await self._problem(problem)
        nonce = secrets.token_urlsafe(16)
        texts = await self._texts()
        title = html.escape(record.title)
        body = (
            f'<h1>{title}</h1><p id="text" '
            f'data-ask="{_page_text("action_page_ask", texts, title=record.title)}">'
            f"{_page_text('action_page_pressing', texts, title=record.title)}</p>"
            f'<form method="post" action=""><button type="submit">{_page_text("action_page_press", texts)}'
            "</button></form>"
            # Tapping the notification itself (its tap target ends in TAP_FRAGMENT) asks first.
            f'<script nonce="{nonce}">var form=document.forms[0];'
            f"if(location.hash==={json.dumps(TAP_FRAGMENT)}){{var text=document.getElementById('text');"
            "text.textContent=text.dataset.ask;}else{form.submit();"
            "form.querySelector('button').disabled=true;}</script>"
        )
        return _page(title, body, nonce)

    async def post(self, request: web.Request, token: str) -> web.Response:
        """Press the button: fire its events, once."""
        try:
            record = await self.hass.data[ACTION_STORE].async_press(token)
        except LinkProblem as problem:
            return await self._problem(problem)
        if record.escalation is not None:
            self.hass.data[ACTION_STORE].acknowledge(record)
        else:
            async_fire_action(self.hass, record)
        texts = await self._texts()
        title = html.escape(record.title)
        return _page(
            title, f"<h1>{title}</h1><p>{_page_text('action_page_done', texts, title=record.title)}</p>"
        )

    async def _problem(self, problem: LinkProblem) -> web.Response:
        texts = await self._texts()
        kind = problem.kind
        if kind == "used" and problem.record is not None and problem.record.escalation is not None:
            kind = "acknowledged"
        text = _page_text(f"action_page_{kind}", texts)
        return _page(text, f"<h1>{text}</h1>", status=_STATUS[problem.kind])

    async def _texts(self) -> dict[str, str]:
        """Return the page's texts in Home Assistant's language (English where a translation lacks one)."""
        english = await async_get_translations(self.hass, "en", "exceptions", [DOMAIN])
        language = self.hass.config.language
        if language == "en":
            return english
        return english | await async_get_translations(self.hass, language, "exceptions", [DOMAIN])


def _page_text(key: str, texts: dict[str, str], **placeholders: str) -> str:
    """Return a text of the page, its placeholders filled in, escaped for HTML."""
    text = texts.get(f"component.{DOMAIN}.exceptions.{key}.message", key)
    for name, value in placeholders.items():
        text = text.replace(f"{{{name}}}", value)
    return html.escape(text)


def _page(title: str, body: str, nonce: str | None = None, status: int = HTTPStatus.OK) -> web.Response:
    script = f"script-src 'nonce-{nonce}'; " if nonce else ""
    headers = _PAGE_HEADERS | {
        "Content-Security-Policy": (
            f"default-src 'none'; {script}style-src 'unsafe-inline'; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'"
        )
    }
    document = (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex, nofollow">'
        f"<title>{title}</title><style>body{{font-family:system-ui,sans-serif;margin:2em auto;"
        "max-width:32em;padding:0 1em;color-scheme:light dark}button{font-size:1.2em;padding:.5em 1.5em}"
        f"</style></head><body>{body}</body></html>"
    )
    return web.Response(text=document, content_type="text/html", status=status, headers=headers)
