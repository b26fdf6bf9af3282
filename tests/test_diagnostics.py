"""Diagnostics: what the integration knows, every secret redacted."""

import json

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import paths

from custom_components.gotify.actions import ACTION_STORE
from custom_components.gotify.diagnostics import async_get_config_entry_diagnostics

from .gotify_double import GotifyDouble
from .helpers import mock_entry, notify, setup_entry, wait_for


async def test_diagnostics(
    hass: HomeAssistant,
    gotify: GotifyDouble,
    home: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    snapshot: SnapshotAssertion,
) -> None:
    await notify(
        hass, "washer running", tag="washer", timeout=3600, actions=[{"action": "STOP", "title": "Stop"}]
    )
    washer = max(gotify.messages)
    await wait_for(lambda: home.runtime_data.listener.last_id == washer)  # its echo, ignored

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, home)

    assert diagnostics["entry"]["data"]["url"] == gotify.url  # type: ignore[index,call-overload]
    # The double's port differs from run to run.
    assert diagnostics == snapshot(exclude=paths("entry.data.url"))


async def test_diagnostics_redact_secrets(hass: HomeAssistant, gotify: GotifyDouble) -> None:
    application = gotify.add_application("Home Assistant")
    entry = mock_entry(gotify, application)
    entry.add_to_hass(hass)
    # Reverse-proxy credentials in the address.
    proxied = gotify.url.replace("http://", "http://proxyuser:proxysecret@")
    hass.config_entries.async_update_entry(entry, data={**entry.data, "url": proxied})
    await setup_entry(hass, entry)

    diagnostics = await async_get_config_entry_diagnostics(hass, entry)

    await hass.config.async_update(external_url="https://ha.example.com")
    await notify(hass, "gate", actions=[{"action": "OPEN", "title": "Open"}])
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)

    text = json.dumps(diagnostics)
    link = gotify.messages[max(gotify.messages)].message.rsplit("/", 1)[1].rstrip(")")
    signing_key = hass.data[ACTION_STORE]._key.hex()
    for secret in (gotify.client_token, application.token, "proxysecret", "proxyuser", signing_key, link):
        assert secret not in text
    assert diagnostics["buttons"] == {"active": 1, "pressed": 0}
    assert diagnostics["entry"]["data"]["token"] == "**REDACTED**"
    assert diagnostics["entry"]["data"]["url"] == gotify.url
    assert diagnostics["applications_configured"][0]["data"]["app_token"] == "**REDACTED**"
    assert diagnostics["server"]["version"] == gotify.version
    assert diagnostics["outbox"] == {"queued": 0}
