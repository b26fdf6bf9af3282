"""The pure mapping from a notify call to a Gotify message, table by table."""

from typing import Any

import pytest

from custom_components.gotify.message import (
    MessageDefaults,
    MessageError,
    OutgoingMessage,
    build_message,
    check_text,
    click_url,
    merge_extras,
    parse_priority,
)

APP = MessageDefaults()
BROWSER = MessageDefaults(click_target="browser", home_assistant_url="https://ha.example.com/")
MD = {"client::display": {"contentType": "text/markdown"}}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 0),
        (4, 4),
        (10, 10),
        (9.0, 9),
        ("7", 7),
        (" 8 ", 8),
        ("+3", 3),
        ("min", 0),
        ("low", 2),
        ("normal", 5),
        ("HIGH", 8),
        ("emergency", 10),
    ],
)
def test_priority(value: Any, expected: int) -> None:
    assert parse_priority(value) == expected


@pytest.mark.parametrize("value", [True, False, -1, 11, 99, "loud", "", "5.5", 5.5, None, [5], {"p": 1}])
def test_priority_refused(value: Any) -> None:
    with pytest.raises(MessageError) as caught:
        parse_priority(value)
    assert caught.value.key == "invalid_priority"
    assert caught.value.placeholders == {
        "value": str(value),
        "allowed": "0-10, min, low, normal, high, emergency",
    }


@pytest.mark.parametrize(
    ("link", "defaults", "expected"),
    [
        (None, APP, "homeassistant://navigate/"),
        ("lovelace/cameras", APP, "homeassistant://navigate/lovelace/cameras"),
        ("/lovelace/cameras", APP, "homeassistant://navigate/lovelace/cameras"),
        ("  lovelace/cameras  ", APP, "homeassistant://navigate/lovelace/cameras"),
        ("history?entity_id=sensor.x", APP, "homeassistant://navigate/history?entity_id=sensor.x"),
        ("lovelace/caméras", APP, "homeassistant://navigate/lovelace/cam%C3%A9ras"),
        # What quote() changes is quoted; what it leaves alone is not touched.
        ("a|b{c}^", APP, "homeassistant://navigate/a%7Cb%7Bc%7D%5E"),
        (
            "a/b?c=d&e#f;g:h@i!$'()*+,~-._%20",
            APP,
            "homeassistant://navigate/a/b?c=d&e#f;g:h@i!$'()*+,~-._%20",
        ),
        ("//", APP, "homeassistant://navigate/"),
        # A colon after a scheme's characters is a URL; after anything else, part of the path.
        ("lovelace:x", APP, "lovelace:x"),
        ("1lovelace:x", APP, "homeassistant://navigate/1lovelace:x"),
        ("love_lace:x", BROWSER, "https://ha.example.com/love_lace:x"),
        (None, BROWSER, "https://ha.example.com/"),
        ("lovelace/cameras", BROWSER, "https://ha.example.com/lovelace/cameras"),
        ("https://example.com/a?b=c", APP, "https://example.com/a?b=c"),
        ("https://example.com/a", BROWSER, "https://example.com/a"),
        ("homeassistant://navigate/energy", BROWSER, "homeassistant://navigate/energy"),
        # The browser needs Home Assistant's URL; without one the companion app opens it.
        ("energy", MessageDefaults(click_target="browser"), "homeassistant://navigate/energy"),
    ],
)
def test_click_url(link: Any, defaults: MessageDefaults, expected: str) -> None:
    assert click_url(link, defaults) == expected


@pytest.mark.parametrize("link", ["two words", 5, ["lovelace"]])
def test_click_url_refused(link: Any) -> None:
    with pytest.raises(MessageError) as caught:
        click_url(link, APP)
    assert caught.value.key == "invalid_link"


@pytest.mark.parametrize(
    ("message", "title", "data", "defaults", "expected"),
    [
        (
            "Home Assistant has started successfully.",
            None,
            None,
            APP,
            OutgoingMessage(
                "Home Assistant has started successfully.",
                None,
                4,
                {"client::notification": {"click": {"url": "homeassistant://navigate/"}}} | MD,
            ),
        ),
        (
            "Backyard motion detected.",
            "Alert!",
            {"priority": 9, "link": "lovelace/cameras"},
            APP,
            OutgoingMessage(
                "Backyard motion detected.",
                "Alert!",
                9,
                {"client::notification": {"click": {"url": "homeassistant://navigate/lovelace/cameras"}}}
                | MD,
            ),
        ),
        # Empty or blank titles let Gotify show the application's name.
        (
            "m",
            "",
            None,
            APP,
            OutgoingMessage(
                "m", None, 4, {"client::notification": {"click": {"url": "homeassistant://navigate/"}}} | MD
            ),
        ),
        (
            "m",
            "  ",
            None,
            APP,
            OutgoingMessage(
                "m", None, 4, {"client::notification": {"click": {"url": "homeassistant://navigate/"}}} | MD
            ),
        ),
        (
            "m",
            42,
            None,
            APP,
            OutgoingMessage(
                "m", "42", 4, {"client::notification": {"click": {"url": "homeassistant://navigate/"}}} | MD
            ),
        ),
        # Options decide the defaults; data overrides them.
        (
            "m",
            None,
            {},
            MessageDefaults(priority=1, markdown=False),
            OutgoingMessage(
                "m", None, 1, {"client::notification": {"click": {"url": "homeassistant://navigate/"}}}
            ),
        ),
        (
            "m",
            None,
            {"markdown": "on", "priority": None},
            MessageDefaults(priority=1, markdown=False),
            OutgoingMessage(
                "m", None, 1, {"client::notification": {"click": {"url": "homeassistant://navigate/"}}} | MD
            ),
        ),
        # Unknown keys (from notify groups built for the mobile app) are ignored.
        (
            "m",
            None,
            {"push": {"sound": "x"}, "ttl": 0, "channel": "alarm"},
            APP,
            OutgoingMessage(
                "m", None, 4, {"client::notification": {"click": {"url": "homeassistant://navigate/"}}} | MD
            ),
        ),
        # Extras merge one namespace deep; the caller wins.
        (
            "m",
            None,
            {
                "extras": {
                    "client::notification": {
                        "bigImageUrl": "https://x/i.jpg",
                        "click": {"url": "https://override"},
                    },
                    "client::display": {"contentType": "text/plain"},
                    "custom::thing": 1,
                }
            },
            APP,
            OutgoingMessage(
                "m",
                None,
                4,
                {
                    "client::notification": {
                        "click": {"url": "https://override"},
                        "bigImageUrl": "https://x/i.jpg",
                    },
                    "client::display": {"contentType": "text/plain"},
                    "custom::thing": 1,
                },
            ),
        ),
    ],
)
def test_build_message(
    message: Any, title: Any, data: Any, defaults: MessageDefaults, expected: OutgoingMessage
) -> None:
    assert build_message(message, title, data, defaults) == expected


@pytest.mark.parametrize(
    ("message", "data", "key"),
    [
        ("", None, "empty_message"),
        ("   ", None, "empty_message"),
        (None, None, "empty_message"),
        ("m", "not a mapping", "invalid_data"),
        ("m", {"priority": "loud"}, "invalid_priority"),
        ("m", {"markdown": "maybe"}, "invalid_boolean"),
        ("m", {"markdown": 2}, "invalid_boolean"),
        ("m", {"extras": ["x"]}, "invalid_extras"),
        ("m", {"link": "a b"}, "invalid_link"),
    ],
)
def test_build_message_refused(message: Any, data: Any, key: str) -> None:
    with pytest.raises(MessageError) as caught:
        build_message(message, None, data, APP)
    assert caught.value.key == key


def test_merge_extras_does_not_change_its_inputs() -> None:
    base = {"a::b": {"c": {"d": 1}}}
    extra = {"a::b": {"c": {"e": 2}}, "x::y": "z"}
    assert merge_extras(base, extra) == {"a::b": {"c": {"d": 1, "e": 2}}, "x::y": "z"}
    assert base == {"a::b": {"c": {"d": 1}}}


@pytest.mark.parametrize(
    ("text", "fits"),
    [
        ("a" * 60_000, True),
        ("a" * 60_001, False),
        ("é" * 30_000, True),
        ("é" * 30_001, False),
        ("€" * 20_001, False),
    ],
)
def test_text_limit_counts_utf8_bytes(text: str, fits: bool) -> None:
    """ASCII text is as long in bytes as in characters; anything else is counted as UTF-8."""
    if fits:
        assert check_text(text, "message", max_bytes=60_000) == text
    else:
        with pytest.raises(MessageError) as caught:
            check_text(text, "message", max_bytes=60_000)
        assert caught.value.key == "too_long"


@pytest.mark.parametrize("text", ["lone \ud800", "\udfff", "a\udc80b"])
def test_text_with_lone_surrogates_refused(text: str) -> None:
    with pytest.raises(MessageError) as caught:
        check_text(text, "title", max_length=1000)
    assert caught.value.key == "invalid_text"
