"""Reading Gotify's messages: what Gotify sends in one pass, anything else through the field checks."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from custom_components.gotify.client import GotifyInvalidResponseError
from custom_components.gotify.client.models import GotifyMessage, json_loads, read_model

DATE = "2026-01-02T03:04:05.123456789+01:00"
WHEN = datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=timezone(timedelta(hours=1)))
STORED = {
    "id": 7,
    "appid": 2,
    "message": "Door open",
    "title": "Alert",
    "priority": 5,
    "extras": {"client::display": {"contentType": "text/markdown"}},
    "date": DATE,
}


MARKDOWN = {"client::display": {"contentType": "text/markdown"}}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, GotifyMessage(7, 2, "Door open", "Alert", 5, WHEN, MARKDOWN)),
        # Gotify leaves out empty extras; the title and the priority may be missing too.
        ({"extras": None}, GotifyMessage(7, 2, "Door open", "Alert", 5, WHEN, {})),
        ({"extras": {}}, GotifyMessage(7, 2, "Door open", "Alert", 5, WHEN, {})),
        ({"extras": []}, GotifyMessage(7, 2, "Door open", "Alert", 5, WHEN, {})),
        ({"title": None, "priority": None}, GotifyMessage(7, 2, "Door open", "", 0, WHEN, MARKDOWN)),
        ({"id": 2**63 - 1}, GotifyMessage(2**63 - 1, 2, "Door open", "Alert", 5, WHEN, MARKDOWN)),
        (
            {"date": "2026-01-02T02:04:05Z"},
            GotifyMessage(7, 2, "Door open", "Alert", 5, datetime(2026, 1, 2, 2, 4, 5, tzinfo=UTC), MARKDOWN),
        ),
    ],
)
def test_message_read(changes: dict[str, Any], expected: GotifyMessage) -> None:
    data = {key: value for key, value in {**STORED, **changes}.items() if value is not None}  # None: left out
    assert GotifyMessage.from_json(data) == expected


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"id": True}, "'id' is not a whole number"),
        ({"id": 2**63}, "'id' is not a whole number"),
        ({"id": 7.0}, "'id' is not a whole number"),
        ({"id": None}, "'id' is not a whole number"),
        ({"appid": "2"}, "'appid' is not a whole number"),
        ({"message": 5}, "'message' is not text"),
        ({"title": ["Alert"]}, "'title' is not text"),
        ({"priority": False}, "'priority' is not a whole number"),
        ({"priority": -(2**63)}, "'priority' is not a whole number"),
        ({"date": "yesterday"}, "Invalid isoformat string"),
        ({"date": 5}, "'date' is not text"),
        ({"extras": [1]}, "expected an object, got list"),
        ({"extras": "x"}, "expected an object, got str"),
        # Two wrong fields: the first in Gotify's order is named, as always.
        ({"appid": None, "priority": "high"}, "'appid' is not a whole number"),
    ],
)
def test_message_not_gotify(changes: dict[str, Any], error: str) -> None:
    data = {**STORED, **changes}
    with pytest.raises(
        GotifyInvalidResponseError, match=f"GET stream: the server's answer is not Gotify's: .*{error}"
    ):
        read_model("GET", "stream", GotifyMessage.from_json, data)


@pytest.mark.parametrize("data", [None, [], "message", 7])
def test_message_not_an_object(data: Any) -> None:
    with pytest.raises(GotifyInvalidResponseError, match="expected an object"):
        read_model("POST", "message", GotifyMessage.from_json, data)


def test_long_numbers_are_read_as_json_reads_them() -> None:
    """orjson turns integers beyond 64 bits into floats: such text is decoded by json."""
    assert json_loads(b'{"id": 123456789012345678901234567890}') == {"id": 123456789012345678901234567890}
    assert json_loads('{"id": 12345678901234567890}') == {"id": 12345678901234567890}
    with pytest.raises(GotifyInvalidResponseError, match="'id' is not a whole number"):
        read_model("GET", "stream", GotifyMessage.from_json, json_loads(b'{"id": 12345678901234567890}'))
