"""The pure mapping from a notify call to a Gotify message, table by table."""

from typing import Any

import pytest

from custom_components.gotify.message import (
    AttachmentRef,
    Escalation,
    MessageDefaults,
    MessageError,
    NotificationAction,
    OutgoingMessage,
    actions_of,
    attachments_of,
    build_message,
    check_text,
    click_url,
    escalation_of,
    link_of,
    merge_extras,
    parse_priority,
    phone_command,
    priority_of,
    timeout_of,
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


# --- the companion app's data, actions and timeouts -----------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, 4),
        ({"priority": 7}, 7),
        ({"priority": "high"}, 8),
        ({"importance": "min"}, 0),
        ({"importance": "low"}, 2),
        ({"importance": "default"}, 5),
        ({"importance": "HIGH"}, 8),
        ({"importance": "max"}, 10),
        ({"push": {"interruption-level": "passive"}}, 2),
        ({"push": {"interruption-level": "active"}}, 5),
        ({"push": {"interruption-level": "time-sensitive"}}, 8),
        ({"push": {"interruption-level": "critical"}}, 10),
        ({"push": {"sound": {"name": "default", "critical": 1, "volume": 1.0}}}, 10),
        ({"push": {"sound": "default"}}, 4),
        # A number is a Gotify priority and decides; a name is also the companion app's delivery
        # urgency and yields to the companion app's loudness.
        ({"priority": 3, "importance": "max"}, 3),
        ({"priority": "high", "importance": "low"}, 2),
        ({"priority": "high", "ttl": 0, "push": {"interruption-level": "passive"}}, 2),
        ({"importance": "low", "push": {"interruption-level": "critical"}}, 2),
        ({"importance": "low", "push": {"sound": {"critical": 1}}}, 10),
    ],
)
def test_priority_of(data: dict[str, Any], expected: int) -> None:
    assert priority_of(data, 4) == expected


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"importance": "urgent"}, "data.importance"),
        ({"importance": 3}, "data.importance"),
        ({"push": {"interruption-level": "loud"}}, "data.push.interruption-level"),
    ],
)
def test_priority_of_refused(data: dict[str, Any], field: str) -> None:
    with pytest.raises(MessageError) as caught:
        priority_of(data, 4)
    assert caught.value.key == "invalid_level"
    assert caught.value.placeholders["field"] == field


def test_link_order() -> None:
    assert link_of({"url": "c", "clickAction": "b", "link": "a"}) == "a"
    assert link_of({"url": "c", "clickAction": "b"}) == "b"
    assert link_of({"url": "c"}) == "c"
    assert link_of({}) is None


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("clear_notification", "clear_notification"),
        ("TTS", "TTS"),
        ("command_dnd", "command_dnd"),
        ("command_volume_level", "command_volume_level"),
        ("request_location_update", "request_location_update"),
        ("remove_channel", "remove_channel"),
        ("update_widgets", "update_widgets"),
        ("tts", None),
        ("command_line failed: exit 1", None),
        ("command_", None),
        ("Clear_notification", None),
        ("The washing machine is done", None),
        (None, None),
    ],
)
def test_phone_command(message: Any, expected: str | None) -> None:
    assert phone_command(message) == expected


def test_attachments_of() -> None:
    assert attachments_of({"image": "i", "video": "v", "audio": "a"}) == ["i", "v", "a"]
    assert attachments_of({"attachment": "f", "image": "i"}) == ["f"]
    assert attachments_of({"audio": "a"}) == ["a"]
    assert attachments_of(None) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (60, 60.0),
        (1, 1.0),
        (0.5e1, 5.0),
        ("90", 90.0),
        (" 2.5 ", 2.5),
        (2_592_000, 2_592_000.0),
    ],
)
def test_timeout_of(value: Any, expected: float | None) -> None:
    assert timeout_of({"timeout": value}) == expected


@pytest.mark.parametrize("value", [0, -5, 0.5, 2_592_001, True, "soon", "1e3", float("nan"), [60]])
def test_timeout_of_refused(value: Any) -> None:
    with pytest.raises(MessageError) as caught:
        timeout_of({"timeout": value})
    assert caught.value.key == "invalid_timeout"
    assert caught.value.placeholders["minimum"] == "1"
    assert caught.value.placeholders["maximum"] == "2592000"


def test_actions_of() -> None:
    assert actions_of({}) == ()
    assert actions_of(
        {
            "actions": [
                {"action": "OPEN_GARAGE", "title": "Open garage"},
                {"action": "URI", "title": "Cameras", "uri": "/lovelace/cameras"},
                {"action": "MAP", "title": "Map", "uri": "https://example.com/map", "icon": "mdi:map"},
            ]
        }
    ) == (
        NotificationAction("OPEN_GARAGE", "Open garage"),
        NotificationAction("URI", "Cameras", "/lovelace/cameras"),
        NotificationAction("MAP", "Map", "https://example.com/map"),
    )


@pytest.mark.parametrize(
    ("actions", "key", "number"),
    [
        ("OPEN", "invalid_actions", None),
        ({"action": "OPEN", "title": "Open"}, "invalid_actions", None),
        ([{"action": str(i), "title": str(i)} for i in range(11)], "too_many_actions", None),
        ([{"action": "A", "title": "a"}, "B"], "invalid_action", "2"),
        ([{"action": "A"}], "invalid_action", "1"),
        ([{"title": "A"}], "invalid_action", "1"),
        ([{"action": " ", "title": "A"}], "invalid_action", "1"),
        ([{"action": "A", "title": 5}], "invalid_action", "1"),
        ([{"action": "URI", "title": "Open"}], "invalid_action", "1"),
        ([{"action": "A", "title": "a", "uri": 7}], "invalid_action", "1"),
    ],
)
def test_actions_refused(actions: Any, key: str, number: str | None) -> None:
    with pytest.raises(MessageError) as caught:
        build_message("m", None, {"actions": actions}, APP)
    assert caught.value.key == key
    if number is not None:
        assert caught.value.placeholders["number"] == number


def test_action_uri_checked_as_a_link() -> None:
    actions = [{"action": "A", "title": "a"}, {"action": "URI", "title": "x", "uri": "a b"}]
    with pytest.raises(MessageError) as caught:
        build_message("m", None, {"actions": actions}, APP)
    assert (caught.value.key, caught.value.placeholders) == (
        "invalid_action",
        {"number": "2", "value": "a b"},
    )


@pytest.mark.parametrize(
    ("action", "key"),
    [
        ({"action": "A" * 257, "title": "a"}, "too_long"),
        ({"action": "A", "title": "a" * 1001}, "too_long"),
        ({"action": "A", "title": "lone \ud800"}, "invalid_text"),
    ],
)
def test_a_button_too_long_is_named(action: dict[str, Any], key: str) -> None:
    with pytest.raises(MessageError) as caught:
        build_message("m", None, {"actions": [{"action": "OK", "title": "ok"}, action]}, APP)
    assert caught.value.key == key
    assert caught.value.placeholders["field"] == "data.actions (button 2)"


def test_the_composed_text_stays_within_what_gotify_can_store() -> None:
    actions = [{"action": f"A{i}", "title": "界" * 1000} for i in range(10)]
    links = [f"https://ha.example.com/api/gotify/action/{i}" for i in range(10)]
    build_message("a" * 30_000, None, {"actions": actions}, APP, action_links=links)  # 30 kB of buttons fit
    with pytest.raises(MessageError) as caught:
        build_message("a" * 60_000, None, {"actions": actions}, APP, action_links=links)
    assert caught.value.placeholders == {
        "field": "message with its links and buttons",
        "limit": "65000 bytes",
    }


ACTIONS = [
    {"action": "OPEN_GARAGE", "title": "Open [garage]"},
    {"action": "URI", "title": "Cameras", "uri": "/lovelace/cameras"},
    {"action": "IGNORE", "title": "Ignore"},
]
LINKS = ["https://ha.example.com/api/gotify/action/a", "https://ha.example.com/api/gotify/action/b"]


def test_actions_rendered_as_links_in_markdown() -> None:
    outgoing = build_message("Motion", None, {"actions": ACTIONS}, APP, action_links=LINKS)
    assert outgoing.message == (
        "Motion\n\n[Open \\[garage\\]](https://ha.example.com/api/gotify/action/a)"
        " · [Cameras](homeassistant://navigate/lovelace/cameras)"
        " · [Ignore](https://ha.example.com/api/gotify/action/b)"
    )
    # The first button is the tap target when the call names none; its page then asks before pressing.
    assert outgoing.extras["client::notification"] == {"click": {"url": LINKS[0] + "#ask"}}


def test_actions_rendered_as_lines_without_markdown() -> None:
    data = {"actions": ACTIONS, "markdown": False, "clickAction": "lovelace/garage"}
    outgoing = build_message("Motion", None, data, BROWSER, action_links=LINKS)
    assert outgoing.message == (
        "Motion\n\nOpen [garage]: https://ha.example.com/api/gotify/action/a\n"
        "Cameras: https://ha.example.com/lovelace/cameras\n"
        "Ignore: https://ha.example.com/api/gotify/action/b"
    )
    assert outgoing.extras == {
        "client::notification": {"click": {"url": "https://ha.example.com/lovelace/garage"}}
    }


def test_actions_without_links_are_checked_but_not_shown() -> None:
    outgoing = build_message("Motion", None, {"actions": ACTIONS}, APP)
    assert outgoing.message == "Motion"
    assert outgoing.extras["client::notification"] == {"click": {"url": "homeassistant://navigate/"}}


def test_a_uri_action_first_is_the_tap_target() -> None:
    data = {"actions": [{"action": "URI", "title": "Energy", "uri": "lovelace/energy"}]}
    outgoing = build_message("m", None, data, APP, action_links=[])
    assert outgoing.message == "m\n\n[Energy](homeassistant://navigate/lovelace/energy)"
    assert outgoing.extras["client::notification"] == {
        "click": {"url": "homeassistant://navigate/lovelace/energy"}
    }


def test_action_links_must_match_the_buttons() -> None:
    with pytest.raises(ValueError, match="one signed link"):
        build_message("m", None, {"actions": ACTIONS}, APP, action_links=LINKS[:1])


def test_several_attachments_first_image_is_the_big_picture() -> None:
    attachments = [
        AttachmentRef("https://x/snap.jpg", True, "snap.jpg"),
        AttachmentRef("https://x/clip.mp4", False, "clip.mp4"),
        AttachmentRef("https://x/other.png", True, "other.png"),
    ]
    outgoing = build_message("m", None, {}, APP, attachments=attachments)
    assert outgoing.message == (
        "m\n\n![snap.jpg](https://x/snap.jpg)\n\n[clip.mp4](https://x/clip.mp4)\n\n![other.png](https://x/other.png)"
    )
    assert outgoing.extras["client::notification"]["bigImageUrl"] == "https://x/snap.jpg"


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


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, None),
        ({"retry": 30, "expire": 10_800}, Escalation(30.0, 10_800.0)),
        ({"retry": "60", "expire": " 600 "}, Escalation(60.0, 600.0)),
        ({"retry": 90.5, "expire": 90.5}, Escalation(90.5, 90.5)),
    ],
)
def test_escalation_of(data: dict[str, Any], expected: Escalation | None) -> None:
    assert escalation_of(data) == expected


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"retry": 29, "expire": 600}, "invalid_retry"),
        ({"retry": True, "expire": 600}, "invalid_retry"),
        ({"retry": float("inf"), "expire": 600}, "invalid_retry"),
        ({"retry": 10_801, "expire": 10_800}, "invalid_retry"),
        ({"retry": 60, "expire": 10_801}, "invalid_expire"),
        ({"retry": 60, "expire": 59}, "invalid_expire"),
        ({"retry": 60, "expire": [600]}, "invalid_expire"),
        ({"retry": 60}, "escalation_incomplete"),
        ({"expire": 600}, "escalation_incomplete"),
        ({"retry": 60, "expire": 600, "timeout": 30}, "escalation_with_timeout"),
    ],
)
def test_escalation_of_refused(data: dict[str, Any], key: str) -> None:
    with pytest.raises(MessageError) as caught:
        escalation_of(data)
    assert caught.value.key == key
    if key != "escalation_with_timeout":
        assert caught.value.placeholders["expire_max"] == "10800"


def test_extra_actions_follow_the_calls_buttons() -> None:
    acknowledge = NotificationAction("ACKNOWLEDGE", "Acknowledge")
    out = build_message(
        "Water",
        None,
        {"actions": [{"action": "CALL", "title": "Call"}], "retry": 60, "expire": 600},
        APP,
        action_links=["https://ha/call", "https://ha/ack"],
        extra_actions=[acknowledge],
    )
    assert out.message == "Water\n\n[Call](https://ha/call) · [Acknowledge](https://ha/ack)"
    assert out.extras["client::notification"]["click"]["url"] == "https://ha/call#ask"
