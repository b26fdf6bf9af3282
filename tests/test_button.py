"""The "Send test notification" button of each application."""

from datetime import UTC, datetime
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from .gotify_double import GotifyDouble
from .helpers import delivered, last_sent, mock_entry, setup_entry, state_of, wait_for

BUTTON = "button.home_assistant_send_test_notification"
# 17:42 in India (UTC+5:30), a time zone whose offset is no whole number of hours.
PRESSED_AT = datetime(2025, 6, 1, 12, 12, 30, tzinfo=UTC)
TEXT = "Test notification from Home Assistant at 17:42"


@pytest.mark.parametrize("platforms", [[Platform.BUTTON]], ids=["button"])
async def test_entities(
    hass: HomeAssistant,
    home: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    await snapshot_platform(hass, entity_registry, snapshot, home.entry_id)


async def _press(hass: HomeAssistant, entity_id: str = BUTTON) -> None:
    await hass.config.async_set_time_zone("Asia/Kolkata")
    with patch("homeassistant.util.dt.utcnow", return_value=PRESSED_AT):
        await hass.services.async_call("button", "press", {"entity_id": entity_id}, blocking=True)


def _registry_entry(hass: HomeAssistant, entity_id: str) -> er.RegistryEntry:
    entry = er.async_get(hass).async_get(entity_id)
    assert entry is not None
    return entry


async def test_press_sends_a_test_notification(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    await _press(hass)

    assert last_sent(gotify) == {
        "message": TEXT,
        "title": "Home Assistant",
        "priority": 4,
        "extras": {
            "client::notification": {"click": {"url": "homeassistant://navigate/"}},
            "client::display": {"contentType": "text/markdown"},
        },
    }
    message = gotify.messages[max(gotify.messages)]
    assert (message.appid, message.title) == (gotify.application_named("Home Assistant").id, "Home Assistant")
    assert state_of(hass, BUTTON) == PRESSED_AT.isoformat()


async def test_button_is_on_the_application_s_device(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    button = _registry_entry(hass, BUTTON)
    notify = _registry_entry(hass, "notify.home_assistant")
    assert button.device_id is not None
    assert button.device_id == notify.device_id
    assert button.config_subentry_id == next(iter(home.subentries))
    assert button.entity_category == "config"


async def test_each_application_sends_with_its_own_settings(
    hass: HomeAssistant, gotify: GotifyDouble
) -> None:
    house, garage = gotify.add_application("Home Assistant"), gotify.add_application("Garage")
    entry = mock_entry(gotify, house, garage)
    entry.add_to_hass(hass)
    subentry = next(s for s in entry.subentries.values() if s.title == "Garage")
    hass.config_entries.async_update_subentry(
        entry, subentry, data={**subentry.data, "priority": 9, "markdown": False}
    )
    await setup_entry(hass, entry)

    await _press(hass, "button.garage_send_test_notification")

    assert last_sent(gotify) == {
        "message": TEXT,
        "title": "Home Assistant",
        "priority": 9,
        "extras": {"client::notification": {"click": {"url": "homeassistant://navigate/"}}},
    }
    assert gotify.messages[max(gotify.messages)].appid == garage.id


@pytest.mark.parametrize(
    ("failure", "options", "key", "text"),
    [
        (
            "500",
            {"queue": False},
            "server_error",
            "failed to take the message to Home Assistant: HTTP 500, database is locked",
        ),
        ("413_html", {}, "payload_too_large", "413 Request Entity Too Large"),
    ],
)
async def test_failure_is_the_button_s_translated_error(
    hass: HomeAssistant, gotify: GotifyDouble, failure: Any, options: dict[str, Any], key: str, text: str
) -> None:
    await setup_entry(hass, mock_entry(gotify, gotify.add_application("Home Assistant"), **options))
    gotify.fail_next(failure, path="/message", method="POST")

    with pytest.raises(HomeAssistantError) as caught:
        await _press(hass)

    assert caught.value.translation_key == key
    assert text in str(caught.value)
    assert delivered(gotify) == []


async def test_queued_test_notification_says_so(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry
) -> None:
    await gotify.stop()

    with pytest.raises(HomeAssistantError) as caught:
        await _press(hass)

    assert caught.value.translation_key == "test_notification_queued"
    assert str(caught.value) == (
        f"Gotify at {home.runtime_data.account.host} cannot take messages now, so the test notification to "
        "Home Assistant waits in the queue; it is delivered once Gotify answers again"
    )
    await gotify.start()
    await wait_for(lambda: delivered(gotify) == [TEXT])
