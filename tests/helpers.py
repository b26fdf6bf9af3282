"""Helpers for tests that run the integration in Home Assistant against the server double."""

import asyncio
from collections.abc import Callable
from typing import Any

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import CONF_TOKEN, CONF_URL, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gotify.const import (
    CONF_APP_ID,
    CONF_APP_TOKEN,
    CONF_CLICK_TARGET,
    CONF_MARKDOWN,
    CONF_PRIORITY,
    CONF_USER_ID,
    CONF_USERNAME,
    DOMAIN,
    SUBENTRY_APPLICATION,
)

from .gotify_double import Application, GotifyDouble


def application_subentry(application: Application, *, with_token: bool = True) -> ConfigSubentryData:
    return ConfigSubentryData(
        subentry_type=SUBENTRY_APPLICATION,
        title=application.name,
        unique_id=str(application.id),
        data={CONF_APP_ID: application.id, CONF_APP_TOKEN: application.token if with_token else None},
    )


def mock_entry(
    gotify: GotifyDouble, *applications: Application, with_token: bool = True, **options: Any
) -> MockConfigEntry:
    host = gotify.url.split("://", 1)[1]
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"admin@{host}",
        unique_id=f"{gotify.url}#{gotify.admin.id}",
        data={
            CONF_URL: gotify.url,
            CONF_TOKEN: gotify.client_token,
            CONF_VERIFY_SSL: True,
            CONF_USER_ID: gotify.admin.id,
            CONF_USERNAME: gotify.admin.name,
        },
        options={
            CONF_PRIORITY: 4,
            CONF_MARKDOWN: True,
            CONF_CLICK_TARGET: "app",
            "attachment_expiry": 24,
            "queue": True,
        }
        | options,
        subentries_data=[application_subentry(app, with_token=with_token) for app in applications],
    )


async def setup_entry(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def notify_entity(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    """The entity id of the entry's (first) notify entity."""
    return next(
        e.entity_id
        for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        if e.domain == "notify"
    )


async def setup_with_deleted_application(
    hass: HomeAssistant, gotify: GotifyDouble, *others: str
) -> tuple[MockConfigEntry, str]:
    """An entry whose application was deleted in Gotify while Home Assistant was off.

    ``others`` are applications the account has besides; returns the entry and its repair issue's id.
    """
    application = gotify.add_application("Home Assistant")
    entry = mock_entry(gotify, application)
    gotify.remove_application(application.id)
    for name in others:
        gotify.add_application(name)
    assert await async_setup_component(hass, "repairs", {})
    await setup_entry(hass, entry)
    return entry, f"application_deleted_{next(iter(entry.subentries))}"


async def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait until ``condition()`` holds, checking at every turn of the event loop (and then some)."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


def refused_reports(hass: HomeAssistant) -> list[dict[str, str]]:
    """The repair issues about queued messages Gotify refused, oldest first: their placeholders and key."""
    return [
        {**(issue.translation_placeholders or {}), "translation_key": issue.translation_key or ""}
        for (domain, issue_id), issue in ir.async_get(hass).issues.items()
        if domain == DOMAIN and issue_id.startswith("queued_message_refused_")
    ]
