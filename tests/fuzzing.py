"""Seeded generators of hostile service payloads, and the check every outcome must pass.

Used by tests/test_fuzz.py (a small budget in the suite) and scripts/fuzz (a large one). The values are
what careless templates, copied YAML and hostile callers send: wrong types, huge numbers, text that is
not text, nesting too deep, links with spaces, paths to files that must not be read.

Fields that Home Assistant's own schemas check before the integration sees them (the legacy service's
``message``, ``title`` and ``target``; ``gotify.send``'s ``message`` and ``title``) get only the kinds of
values those schemas handle: the integration cannot make core's validators behave.
"""

import json
import math
import random
from pathlib import Path
from typing import Any

STRINGS = json.loads(
    (Path(__file__).resolve().parent.parent / "custom_components" / "gotify" / "strings.json").read_text()
)

_TEXTS = [
    "",
    " ",
    "a",
    "Door open",
    "²",
    "٣",
    "9" * 5000,
    "lone \ud800 surrogate",
    "\udfff",
    "nul\x00byte",
    "line\nbreak",
    "<script>alert(1)</script>",
    "**markdown** [link](https://example.com)",
    "https://example.com/a b",
    "https://example.com/snapshot.jpg",
    "lovelace/cameras",
    "/history",
    "homeassistant://navigate/lovelace/0",
    "geo:0,0",
    "media-source://media_source/local/none.jpg",
    "media-source://nowhere",
    "camera.front_door",
    "/etc/passwd",
    "/config/../../etc/shadow",
    "{}",
    "null",
    "🚪🔔",
    "é" * 31_000,
    "low",
    "HIGH",
    "emergency",
    "7",
    "-1",
    "+5",
    "10",
    "true",
    "off",
]
_NUMBERS: list[Any] = [0, 1, 4, 10, 11, -1, 7.5, 7.0, 1e308, math.inf, -math.inf, math.nan, 2**70, 10**5000]
_SMALL_NUMBERS: list[Any] = [0, 1, 7, 42]
_DATA_KEYS = [
    "priority",
    "link",
    "url",
    "url_title",
    "markdown",
    "attachment",
    "image",
    "intent_url",
    "tag",
    "extras",
    "push",
    "actions",
    "clickAction",
]


def _nested(depth: int) -> Any:
    value: Any = {"leaf": 1}
    for _ in range(depth):
        value = {"a": value}
    return value


class PayloadGenerator:
    """Reproducible payloads from a seed."""

    def __init__(self, seed: int, applications: list[str]) -> None:
        self.random = random.Random(seed)
        self.applications = applications

    def _any(self, depth: int = 0) -> Any:
        choice = self.random.random()
        if choice < 0.4:
            return self.random.choice(_TEXTS)
        if choice < 0.6:
            return self.random.choice(_NUMBERS)
        if choice < 0.7:
            return self.random.choice([True, False, None])
        if depth > 2:
            return self.random.choice(_TEXTS)
        if choice < 0.85:
            return [self._any(depth + 1) for _ in range(self.random.randint(0, 3))]
        return self._mapping(depth + 1)

    def _mapping(self, depth: int = 0) -> Any:
        shape = self.random.random()
        if shape < 0.1:
            return _nested(self.random.choice([5, 40, 300]))
        if shape < 0.15:
            return {1: "integer key"}
        return {
            self.random.choice(["x::y", "client::display", "client::notification", "a"]): self._any(depth)
            for _ in range(self.random.randint(0, 3))
        }

    def _value(self, key: str) -> Any:
        if key == "extras" and self.random.random() < 0.7:
            return self._mapping()
        if key == "priority" and self.random.random() < 0.5:
            return self.random.choice(["low", "high", "7", 5, 0, 10])
        if key in ("link", "url") and self.random.random() < 0.5:
            return self.random.choice(["lovelace/cameras", "https://example.com", "a b", None])
        return self._any()

    def _message(self) -> Any:
        if self.random.random() < 0.9:
            return self.random.choice(_TEXTS)
        return self.random.choice(_SMALL_NUMBERS)

    def _target(self) -> Any:
        names = [*self.applications, "nobody", "²", "9" * 30, "HOME ASSISTANT"]
        choice = self.random.random()
        if choice < 0.5:
            return self.random.choice(names)
        return [
            self.random.choice([*names, *map(str, _SMALL_NUMBERS)]) for _ in range(self.random.randint(1, 3))
        ]

    def legacy(self) -> dict[str, Any]:
        """A ``notify.gotify_*`` call."""
        call: dict[str, Any] = {"message": self._message()}
        if self.random.random() < 0.3:
            call["title"] = self._message()
        if self.random.random() < 0.2:
            call["target"] = self._target()
        if self.random.random() < 0.8:
            call["data"] = (
                {key: self._value(key) for key in self.random.sample(_DATA_KEYS, self.random.randint(1, 4))}
                if self.random.random() < 0.95
                else self._any()
            )
        return call

    def send(self) -> dict[str, Any]:
        """The fields of a ``gotify.send`` call."""
        fields: dict[str, Any] = {"message": self._message()}
        if self.random.random() < 0.3:
            fields["title"] = self._message()
        keys = [key for key in _DATA_KEYS if key not in ("url", "push", "actions", "clickAction")] + [
            "target"
        ]
        for key in self.random.sample(keys, self.random.randint(0, 4)):
            fields[key] = (
                self._target() if key == "target" and self.random.random() < 0.5 else self._value(key)
            )
        return fields


def readable(err: BaseException) -> str:
    """The error's English text, as the frontend shows it; fails the test if it cannot be rendered."""
    key = getattr(err, "translation_key", None)
    if key is None or getattr(err, "translation_domain", None) != "gotify":
        text = str(err)
        assert text.strip(), f"an error without text: {err!r}"
        return text
    template = STRINGS["exceptions"][key]["message"]
    return str(template.format(**(getattr(err, "translation_placeholders", None) or {})))
