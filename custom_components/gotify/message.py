"""Pure mapping from a Home Assistant notification to a Gotify message.

No I/O and no Home Assistant imports: everything here is decided from its arguments, so that every rule
can be table-tested. Bad input raises ``MessageError`` carrying a translation key and placeholders,
which the caller turns into a translated ``ServiceValidationError``.
"""

import json
import math
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import quote

from .const import ACTION_PATH, CLICK_TARGET_BROWSER, DEFAULT_CLICK_TARGET, DEFAULT_MARKDOWN, DEFAULT_PRIORITY

# Data keys this integration understands; anything else in ``data`` (for example keys meant for the
# mobile app, arriving through a notify group) is ignored rather than sent to Gotify.
ATTR_PRIORITY: Final = "priority"
ATTR_LINK: Final = "link"
ATTR_MARKDOWN: Final = "markdown"
ATTR_EXTRAS: Final = "extras"
ATTR_URL: Final = "url"  # Pushover's name for the link
ATTR_URL_TITLE: Final = "url_title"
ATTR_INTENT_URL: Final = "intent_url"
ATTR_ATTACHMENT: Final = "attachment"
ATTR_IMAGE: Final = "image"  # an image URL, as the mobile app's notifications take it
ATTR_TAG: Final = "tag"
ATTR_ACTIONS: Final = "actions"
ATTR_TIMEOUT: Final = "timeout"
ATTR_RETRY: Final = "retry"  # Pushover's emergency priority: re-send every ``retry`` seconds ...
ATTR_EXPIRE: Final = "expire"  # ... until acknowledged, or ``expire`` seconds have passed
# The companion app's keys, read so that one notify group serves the companion app and Gotify alike.
ATTR_CLICK_ACTION: Final = "clickAction"
ATTR_VIDEO: Final = "video"
ATTR_AUDIO: Final = "audio"
ATTR_IMPORTANCE: Final = "importance"
ATTR_PUSH: Final = "push"

# Names accepted for ``data.priority``, chosen to land in each Android notification channel:
# < 1 min (silent), 1-3 low (icon only), 4-7 default (sound), >= 8 high (sound, vibration, heads-up).
PRIORITY_NAMES: Final[dict[str, int]] = {"min": 0, "low": 2, "normal": 5, "high": 8, "emergency": 10}
PRIORITY_MIN: Final = 0
PRIORITY_MAX: Final = 10
# The companion app's ways of saying how loud a notification is, onto the same channels: Android's
# channel importance, and iOS's interruption level (a critical sound is the loudest).
IMPORTANCE_PRIORITIES: Final[dict[str, int]] = {"min": 0, "low": 2, "default": 5, "high": 8, "max": 10}
INTERRUPTION_PRIORITIES: Final[dict[str, int]] = {
    "passive": 2,
    "active": 5,
    "time-sensitive": 8,
    "critical": 10,
}

# The companion app's commands: messages that tell the phone to do something rather than show text.
CLEAR_NOTIFICATION: Final = "clear_notification"
_PHONE_COMMANDS: Final = frozenset(
    {
        CLEAR_NOTIFICATION,
        "TTS",
        "request_location_update",
        "remove_channel",
        "update_widgets",
        "update_complications",
        "clear_badge",
    }
)
_PHONE_COMMAND = re.compile(r"command_[a-z_]+")  # the companion app's commands, not text that starts so

MAX_ACTIONS: Final = 10
ACTION_URI: Final = "URI"  # the companion app's action id for a button that opens ``uri``
MAX_ACTION_ID_LENGTH: Final = 256
TIMEOUT_MIN: Final = 1
TIMEOUT_MAX: Final = 30 * 24 * 3600  # 30 days, in seconds
# Pushover's limits for its emergency priority.
RETRY_MIN: Final = 30
EXPIRE_MAX: Final = 10_800

APP_LINK_PREFIX: Final = "homeassistant://navigate/"
DEFAULT_LINK_PATH: Final = ""  # Home Assistant's root opens the user's default dashboard.

EXTRA_DISPLAY: Final = "client::display"
EXTRA_NOTIFICATION: Final = "client::notification"
EXTRA_ANDROID_ACTION: Final = "android::action"
CONTENT_TYPE_MARKDOWN: Final = "text/markdown"

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_PATH_SAFE: Final = "/?=&#%:@!$'()*+,;~-._"
# What quote() leaves as it is: a path made only of these is quoted already.
_UNQUOTED: Final = string.ascii_letters + string.digits + "_.-~" + _PATH_SAFE

# Limits, checked before anything is sent (the README lists them). Gotify has none of its own, but its
# databases do (MySQL keeps at most 64 KiB of text), and a message is something a phone shows.
MAX_MESSAGE_BYTES: Final = 60_000  # UTF-8, as stored
# The text with what the integration adds (a link's title, attachments, buttons): within MySQL's 64 KiB.
MAX_COMPOSED_BYTES: Final = 65_000
COMPOSED_FIELD: Final = "message with its links and buttons"
# The tap target of a message whose first button fires an event: its page asks before pressing, so that
# tapping a notification to read it presses nothing.
TAP_FRAGMENT: Final = "#ask"
MAX_TITLE_LENGTH: Final = 1_000
MAX_TAG_LENGTH: Final = 256
MAX_LINK_LENGTH: Final = 2_048
MAX_EXTRAS_DEPTH: Final = 32
MAX_EXTRAS_BYTES: Final = 32 * 1024  # as JSON
_INT64: Final = 2**63 - 1
_CLIENT_NAMESPACES: Final = ("client::", "android::", "ios::")
_SHOWN_LENGTH: Final = 80


# Home Assistant signs an attachment's path with ``authSig``: whoever has the link can load the file
# until it expires, so it never goes into a log line, an error or a notice.
_SIGNED_LINK = re.compile(r"""https?://[^\s)\]>"']*?[?&]authSig=[^\s)\]>"'&]*""")
SIGNED_LINK_REPLACEMENT: Final = "(attachment link)"
# A button's link presses it: the same care.
_BUTTON_LINK = re.compile(rf"""https?://[^\s)\]>"']*?{re.escape(ACTION_PATH)}/[^\s)\]>"'#]*(#[a-z]*)?""")
BUTTON_LINK_REPLACEMENT: Final = "(button link)"


def without_signed_links(text: str) -> str:
    """``text`` with every signed attachment link and every button link replaced."""
    return _BUTTON_LINK.sub(BUTTON_LINK_REPLACEMENT, _SIGNED_LINK.sub(SIGNED_LINK_REPLACEMENT, text))


class MessageError(ValueError):
    """Input that cannot become a Gotify message; ``key`` is a translation key."""

    def __init__(self, key: str, **placeholders: str) -> None:
        """Keep the translation key and its placeholders."""
        super().__init__(key, placeholders)
        self.key = key
        self.placeholders = placeholders


def shown(value: Any) -> str:
    """Return a value as an error message may quote it: short, and never failing.

    A 5,000-digit number and text with lone surrogates are shown too.
    """
    try:
        text = value if isinstance(value, str) else repr(value)
    except ValueError:  # an integer too long to turn into digits
        return f"a {type(value).__name__} too large to show"
    text = text.encode("utf-8", "replace").decode("utf-8")
    return text if len(text) <= _SHOWN_LENGTH else text[: _SHOWN_LENGTH - 1] + "…"


def check_text(
    value: str, field_name: str, *, max_length: int | None = None, max_bytes: int | None = None
) -> str:
    """Text that JSON can carry (no lone surrogates), within its limit."""
    try:
        size = len(value) if value.isascii() else len(value.encode("utf-8"))
    except UnicodeEncodeError:
        raise MessageError("invalid_text", field=field_name) from None
    if (max_length is not None and len(value) > max_length) or (max_bytes is not None and size > max_bytes):
        limit = f"{max_length} characters" if max_length is not None else f"{max_bytes} bytes"
        raise MessageError("too_long", field=field_name, limit=limit)
    return value


def _check_json(value: Any, depth: int = 0) -> None:
    """Something JSON carries as Gotify stores it: objects with text keys, finite numbers in 64 bits."""
    if depth > MAX_EXTRAS_DEPTH:
        raise MessageError("invalid_extras", value=f"nested deeper than {MAX_EXTRAS_DEPTH} levels")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise MessageError("invalid_extras", value=f"the key {shown(key)} is not text")
            check_text(key, "data.extras")
            _check_json(item, depth + 1)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _check_json(item, depth + 1)
    elif isinstance(value, str):
        check_text(value, "data.extras")
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if not -_INT64 <= value <= _INT64:
            raise MessageError("invalid_extras", value="a number beyond 64 bits")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise MessageError("invalid_extras", value=f"the number {shown(value)}")
    else:
        raise MessageError("invalid_extras", value=f"a {type(value).__name__}")


def check_extras(value: Any) -> Mapping[str, Any]:
    """``data.extras``: a mapping of Gotify extras within the limits."""
    if not isinstance(value, Mapping):
        raise MessageError("invalid_extras", value=shown(value))
    for key, item in value.items():
        # The namespaces Gotify's clients read (client::display, android::action, ...) hold objects; a
        # plain value there would silently replace what the integration sets (the tap target).
        if isinstance(key, str) and key.startswith(_CLIENT_NAMESPACES) and not isinstance(item, Mapping):
            raise MessageError("invalid_extras", value=f"{shown(key)} is not an object")
    _check_json(value)
    if len(json.dumps(value, ensure_ascii=False).encode("utf-8")) > MAX_EXTRAS_BYTES:
        raise MessageError("invalid_extras", value=f"larger than {MAX_EXTRAS_BYTES // 1024} KiB as JSON")
    return value


@dataclass(frozen=True, slots=True)
class MessageDefaults:
    """What the integration's options decide when a call does not."""

    priority: int = DEFAULT_PRIORITY
    markdown: bool = DEFAULT_MARKDOWN
    # Where a tapped notification goes: the Home Assistant companion app, or the browser.
    click_target: str = DEFAULT_CLICK_TARGET
    # Home Assistant's URL, needed for the browser; without it the companion app is used.
    home_assistant_url: str | None = None


@dataclass(frozen=True, slots=True)
class AttachmentRef:
    """An attachment the phone can load: its URL, whether it is an image, and a name to show."""

    url: str
    is_image: bool
    name: str


@dataclass(frozen=True, slots=True)
class NotificationAction:
    """A button of ``data.actions``: it opens ``uri``, or, without one, fires an event with ``action``."""

    action: str
    title: str
    uri: str | None = None


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """The fields of ``POST /message``; ``title`` None lets Gotify show the application's name."""

    message: str
    title: str | None
    priority: int
    extras: dict[str, Any] = field(default_factory=dict)


def parse_priority(value: Any) -> int:
    """Parse an integer, a numeric string or one of ``PRIORITY_NAMES``, within 0-10."""
    if isinstance(value, bool):
        raise _priority_error(value)
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str):
        text = value.strip().lower()
        if text in PRIORITY_NAMES:
            return PRIORITY_NAMES[text]
        if not re.fullmatch(r"[+-]?[0-9]{1,4}", text):
            raise _priority_error(value)
        number = int(text)
    else:
        raise _priority_error(value)
    if not PRIORITY_MIN <= number <= PRIORITY_MAX:
        raise _priority_error(value)
    return number


def _named(value: Any, names: Mapping[str, int], key: str, field_name: str) -> int:
    text = value.strip().lower() if isinstance(value, str) else None
    if text is None or text not in names:
        raise MessageError(key, field=field_name, value=shown(value), allowed=", ".join(names))
    return names[text]


def companion_priority(data: Mapping[str, Any]) -> int | None:
    """Return the priority the companion app's keys ask for, if any.

    A critical sound (iOS ``push.sound.critical: 1``) first, then Android's ``importance``, then iOS's
    ``push.interruption-level``.
    """
    push = data.get(ATTR_PUSH)
    push = push if isinstance(push, Mapping) else {}
    sound = push.get("sound")
    if isinstance(sound, Mapping) and sound.get("critical") in (1, True, "1"):
        return PRIORITY_MAX
    if (importance := data.get(ATTR_IMPORTANCE)) is not None:
        return _named(importance, IMPORTANCE_PRIORITIES, "invalid_level", "data.importance")
    if (level := push.get("interruption-level")) is not None:
        return _named(level, INTERRUPTION_PRIORITIES, "invalid_level", "data.push.interruption-level")
    return None


def priority_of(data: Mapping[str, Any], default: int) -> int:
    """Return the priority: a number in ``data.priority`` decides; a name yields to the companion app's.

    The names (``high``, ``low`` ...) are also the companion app's own ``data.priority`` values, which
    mean delivery urgency there, so ``importance`` or an iOS interruption level, when given, says more.
    """
    value = data.get(ATTR_PRIORITY)
    named = isinstance(value, str) and value.strip().lower() in PRIORITY_NAMES
    if value is not None and not named:
        return parse_priority(value)
    if (companion := companion_priority(data)) is not None:
        return companion
    return default if value is None else parse_priority(value)


def _priority_error(value: Any) -> MessageError:
    return MessageError(
        "invalid_priority",
        value=shown(value),
        allowed=f"{PRIORITY_MIN}-{PRIORITY_MAX}, " + ", ".join(PRIORITY_NAMES),
    )


def click_url(link: Any, defaults: MessageDefaults) -> str:
    """Where Android goes when the notification is tapped.

    A Home Assistant path (``lovelace/cameras``) opens in the companion app
    (``homeassistant://navigate/lovelace/cameras``) or in the browser at Home Assistant's URL; a URL with
    a scheme (``https://...``, ``homeassistant://...``) is used as it is; nothing opens the default
    dashboard.
    """
    if link is None:
        path = DEFAULT_LINK_PATH
    elif isinstance(link, str):
        path = check_text(link.strip(), "data.link", max_length=MAX_LINK_LENGTH)
    else:
        raise MessageError("invalid_link", value=shown(link))
    # Android opens the link as it is: a space or a control character makes it no link at all.
    if not _link_text(path):
        raise MessageError("invalid_link", value=shown(path))
    if ":" in path and _SCHEME.match(path):  # a scheme ends at a colon
        return path
    path = path.lstrip("/")
    if path.strip(_UNQUOTED):  # quote() would change it
        path = quote(path, safe=_PATH_SAFE)
    if defaults.click_target == CLICK_TARGET_BROWSER and defaults.home_assistant_url:
        return f"{defaults.home_assistant_url.rstrip('/')}/{path}"
    return APP_LINK_PREFIX + path


def _link_text(text: str) -> bool:
    """No whitespace and nothing unprintable: every whitespace character but the space is unprintable."""
    return text.isprintable() and " " not in text


def _as_bool(value: Any, key: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in (
        "true",
        "on",
        "yes",
        "1",
        "false",
        "off",
        "no",
        "0",
    ):
        return value.strip().lower() in ("true", "on", "yes", "1")
    raise MessageError("invalid_boolean", field=key, value=shown(value))


def merge_extras(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``extra`` into ``base`` one level deep: the caller's keys win inside each namespace."""
    merged = {key: dict(value) if isinstance(value, Mapping) else value for key, value in base.items()}
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _deep_merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    result = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(result.get(key), Mapping):
            result[key] = _deep_merge(dict(result[key]), value)
        else:
            result[key] = value
    return result


def _opened(number: int, action: NotificationAction, defaults: MessageDefaults) -> str | None:
    """Where a button with a ``uri`` goes, as a tap target would; None for one that fires an event."""
    if action.uri is None:
        return None
    try:
        return click_url(action.uri, defaults)
    except MessageError:
        raise MessageError("invalid_action", number=str(number), value=shown(action.uri)) from None


def _buttons(
    actions: Sequence[NotificationAction], links: Sequence[str] | None, defaults: MessageDefaults
) -> list[tuple[str, str, bool]]:
    """Each button's title, URL and whether it fires: its ``uri`` as a tap target opens it, or its link.

    Every ``uri`` is checked even when ``links`` is None (the buttons are then not shown yet).
    """
    opened = [_opened(number, action, defaults) for number, action in enumerate(actions, start=1)]
    if links is None:
        return []
    if len(links) != opened.count(None):
        raise ValueError("one signed link is needed for each action that fires an event")
    firing = iter(links)
    return [
        (action.title, url, False) if url is not None else (action.title, next(firing), True)
        for action, url in zip(actions, opened, strict=True)
    ]


def _markdown_text(text: str) -> str:
    return re.sub(r"([\\\[\]()*_`])", r"\\\1", text)


def _with_attachment(text: str, extras: dict[str, Any], attachment: AttachmentRef, markdown: bool) -> str:
    """Big picture on Android for an image; in the text, the image (markdown) or a link to the file."""
    if attachment.is_image:
        extras.setdefault(EXTRA_NOTIFICATION, {}).setdefault("bigImageUrl", attachment.url)
        if markdown:
            return f"{text}\n\n![{_markdown_text(attachment.name)}]({attachment.url})"
        return text
    if markdown:
        return f"{text}\n\n[{_markdown_text(attachment.name)}]({attachment.url})"
    return f"{text}\n\n{attachment.name}: {attachment.url}"


def tag_of(data: Mapping[str, Any] | None) -> str | None:
    """``data.tag``: sending with a tag replaces the previous message sent with it."""
    value = (data or {}).get(ATTR_TAG)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and -_INT64 <= value <= _INT64:
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise MessageError("invalid_tag", value=shown(value))
    return check_text(value.strip(), "data.tag", max_length=MAX_TAG_LENGTH)


def attachments_of(data: Mapping[str, Any] | None) -> list[Any]:
    """Return what to attach: ``data.attachment`` (Pushover's) or else ``image``, then ``video``, ``audio``.

    The companion app's ``image``, ``video`` and ``audio`` arrive through notify groups; the first image
    is the notification's big picture, the rest are links.
    """
    data = data or {}
    first = data.get(ATTR_ATTACHMENT) if data.get(ATTR_ATTACHMENT) is not None else data.get(ATTR_IMAGE)
    return [value for value in (first, data.get(ATTR_VIDEO), data.get(ATTR_AUDIO)) if value is not None]


def phone_command(message: Any) -> str | None:
    """Return the companion app command a message is (``clear_notification``, ``TTS`` ...), if any."""
    if not isinstance(message, str):
        return None
    return message if message in _PHONE_COMMANDS or _PHONE_COMMAND.fullmatch(message) else None


def link_of(data: Mapping[str, Any]) -> Any:
    """Return where tapping goes: ``link``, else the companion app's ``clickAction``, else ``url``."""
    for key in (ATTR_LINK, ATTR_CLICK_ACTION, ATTR_URL):
        if data.get(key) is not None:
            return data[key]
    return None


def actions_of(data: Mapping[str, Any] | None) -> tuple[NotificationAction, ...]:
    """``data.actions`` in the companion app's form: up to ten items with ``action``, ``title``, ``uri``."""
    value = (data or {}).get(ATTR_ACTIONS)
    if value is None:
        return ()
    if not isinstance(value, (list, tuple)):
        raise MessageError("invalid_actions", value=shown(value))
    if len(value) > MAX_ACTIONS:
        raise MessageError("too_many_actions", count=str(len(value)), limit=str(MAX_ACTIONS))
    return tuple(_action(number, item) for number, item in enumerate(value, start=1))


def _action(number: int, item: Any) -> NotificationAction:
    def invalid() -> MessageError:
        return MessageError("invalid_action", number=str(number), value=shown(item))

    if not isinstance(item, Mapping):
        raise invalid()
    action, title, uri = item.get("action"), item.get("title"), item.get("uri")
    if not isinstance(action, str) or not action.strip() or not isinstance(title, str) or not title.strip():
        raise invalid()
    if uri is not None and (not isinstance(uri, str) or not uri.strip()):
        raise invalid()
    if action.strip() == ACTION_URI and uri is None:
        raise invalid()
    field_name = f"data.actions (button {number})"
    return NotificationAction(
        action=check_text(action.strip(), field_name, max_length=MAX_ACTION_ID_LENGTH),
        title=check_text(title.strip(), field_name, max_length=MAX_TITLE_LENGTH),
        uri=None if uri is None else uri.strip(),
    )


def timeout_of(data: Mapping[str, Any] | None) -> float | None:
    """``data.timeout``: seconds after which the message is deleted from Gotify (the companion app's)."""
    value = (data or {}).get(ATTR_TIMEOUT)
    if value is None:
        return None
    seconds = _seconds(value)
    if seconds is None or not TIMEOUT_MIN <= seconds <= TIMEOUT_MAX:
        raise MessageError(
            "invalid_timeout", value=shown(value), minimum=str(TIMEOUT_MIN), maximum=str(TIMEOUT_MAX)
        )
    return seconds


@dataclass(frozen=True, slots=True)
class Escalation:
    """A message re-sent every ``retry`` seconds until acknowledged or ``expire`` seconds have passed."""

    retry: float
    expire: float


def escalation_of(data: Mapping[str, Any] | None) -> Escalation | None:
    """``data.retry`` and ``data.expire`` (both or neither), within Pushover's limits."""
    data = data or {}
    retry, expire = data.get(ATTR_RETRY), data.get(ATTR_EXPIRE)
    if retry is None and expire is None:
        return None
    if retry is None or expire is None:
        missing = ATTR_RETRY if retry is None else ATTR_EXPIRE
        raise MessageError(
            "escalation_incomplete",
            field=f"data.{missing}",
            retry_min=str(RETRY_MIN),
            expire_max=str(EXPIRE_MAX),
        )
    if data.get(ATTR_TIMEOUT) is not None:  # deleting a copy would acknowledge the alert
        raise MessageError("escalation_with_timeout")
    retry_seconds = _seconds(retry)
    if retry_seconds is None or not RETRY_MIN <= retry_seconds <= EXPIRE_MAX:
        raise MessageError(
            "invalid_retry", value=shown(retry), retry_min=str(RETRY_MIN), expire_max=str(EXPIRE_MAX)
        )
    expire_seconds = _seconds(expire)
    if expire_seconds is None or not retry_seconds <= expire_seconds <= EXPIRE_MAX:
        raise MessageError(
            "invalid_expire", value=shown(expire), retry=shown(retry), expire_max=str(EXPIRE_MAX)
        )
    return Escalation(retry_seconds, expire_seconds)


def _seconds(value: Any) -> float | None:
    """Return a finite number of seconds, given as a number or as text; None for anything else."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    text = isinstance(value, str) and re.fullmatch(r"\s*[0-9]{1,9}(\.[0-9]+)?\s*", value)
    seconds = float(value) if number or text else None
    return seconds if seconds is not None and math.isfinite(seconds) else None


def _with_actions(text: str, buttons: Sequence[tuple[str, str, bool]], markdown: bool) -> str:
    """Add the buttons at the end: a line of links (markdown), or one ``title: URL`` line each."""
    if markdown:
        return text + "\n\n" + " · ".join(f"[{_markdown_text(title)}]({url})" for title, url, _ in buttons)
    return text + "\n\n" + "\n".join(f"{title}: {url}" for title, url, _ in buttons)


def build_message(
    message: Any,
    title: Any,
    data: Mapping[str, Any] | None,
    defaults: MessageDefaults,
    *,
    attachments: Sequence[AttachmentRef] = (),
    action_links: Sequence[str] | None = None,
    extra_actions: Sequence[NotificationAction] = (),
) -> OutgoingMessage:
    """Map a notify call (``message``, ``title``, ``data``) onto a Gotify message.

    ``action_links`` are the URLs of the buttons that fire an event, in their order in ``data.actions``
    (Home Assistant signs them), then of ``extra_actions`` (an escalation's Acknowledge); without them the
    buttons are checked but not shown.
    """
    if not isinstance(message, str) or not message.strip():
        raise MessageError("empty_message")
    check_text(message, "message", max_bytes=MAX_MESSAGE_BYTES)
    data = data or {}
    if not isinstance(data, Mapping):
        raise MessageError("invalid_data", value=shown(data))

    priority = priority_of(data, defaults.priority)
    markdown = (
        defaults.markdown if data.get(ATTR_MARKDOWN) is None else _as_bool(data[ATTR_MARKDOWN], ATTR_MARKDOWN)
    )
    tag_of(data)
    timeout_of(data)
    escalation_of(data)
    buttons = _buttons((*actions_of(data), *extra_actions), action_links, defaults)

    link = link_of(data)
    if link is not None or not buttons:
        target = click_url(link, defaults)
    else:
        _, target, fires = buttons[0]
        target += TAP_FRAGMENT if fires else ""
    extras: dict[str, Any] = {EXTRA_NOTIFICATION: {"click": {"url": target}}}
    if markdown:
        extras[EXTRA_DISPLAY] = {"contentType": CONTENT_TYPE_MARKDOWN}
    intent_url = data.get(ATTR_INTENT_URL)
    if intent_url is not None:
        text = intent_url.strip() if isinstance(intent_url, str) else ""
        if not _SCHEME.match(text) or not _link_text(text):
            raise MessageError("invalid_intent_url", value=shown(intent_url), example="https://example.com")
        extras[EXTRA_ANDROID_ACTION] = {
            "onReceive": {"intentUrl": check_text(text, "data.intent_url", max_length=MAX_LINK_LENGTH)}
        }

    text = message
    url_title = data.get(ATTR_URL_TITLE)
    if url_title is not None and link is not None:
        label = check_text(
            shown(url_title) if not isinstance(url_title, str) else url_title,
            "data.url_title",
            max_length=MAX_TITLE_LENGTH,
        )
        text = (
            f"{text}\n\n[{_markdown_text(label)}]({target})" if markdown else f"{text}\n\n{label}: {target}"
        )
    for attachment in attachments:
        text = _with_attachment(text, extras, attachment, markdown)
    if buttons:
        text = _with_actions(text, buttons, markdown)
    if text is not message:
        check_text(text, COMPOSED_FIELD, max_bytes=MAX_COMPOSED_BYTES)

    user_extras = data.get(ATTR_EXTRAS)
    if user_extras is not None:
        extras = merge_extras(extras, check_extras(user_extras))

    title_text = (
        None
        if title is None
        else check_text(
            title if isinstance(title, str) else shown(title), "title", max_length=MAX_TITLE_LENGTH
        )
    )
    return OutgoingMessage(
        message=text,
        title=title_text if title_text and title_text.strip() else None,
        priority=priority,
        extras=extras,
    )
