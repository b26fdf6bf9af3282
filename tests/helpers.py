"""Helpers for tests that run the integration in Home Assistant against the server double."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp.test_utils import TestClient
from homeassistant.components import persistent_notification
from homeassistant.config_entries import ConfigSubentryData, ConfigSubentryDataWithId
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

# The ``home`` entry (tests/conftest.py) has fixed ids and a title without the double's port, so that
# entity ids, unique ids and snapshots are the same in every run.
HOME_ENTRY_ID = "01JGOTIFYHOMEENTRY00000000"
HOME_TITLE = "admin@gotify.test"
EXTERNAL_URL = "https://ha.example.com"


def application_subentry(
    application: Application, *, with_token: bool = True, subentry_id: str | None = None
) -> ConfigSubentryData | ConfigSubentryDataWithId:
    data = {CONF_APP_ID: application.id, CONF_APP_TOKEN: application.token if with_token else None}
    if subentry_id is None:
        return ConfigSubentryData(
            subentry_type=SUBENTRY_APPLICATION,
            title=application.name,
            unique_id=str(application.id),
            data=data,
        )
    return ConfigSubentryDataWithId(
        subentry_type=SUBENTRY_APPLICATION,
        title=application.name,
        unique_id=str(application.id),
        data=data,
        subentry_id=subentry_id,
    )


def mock_entry(
    gotify: GotifyDouble,
    *applications: Application,
    with_token: bool = True,
    entry_id: str | None = None,
    title: str | None = None,
    **options: Any,
) -> MockConfigEntry:
    """An entry for the double's admin; with ``entry_id``, its subentries get fixed ids too."""
    host = gotify.url.split("://", 1)[1]
    return MockConfigEntry(
        domain=DOMAIN,
        entry_id=entry_id,
        title=title or f"admin@{host}",
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
        subentries_data=[
            application_subentry(
                app,
                with_token=with_token,
                subentry_id=None if entry_id is None else f"{entry_id}_APP{app.id}",
            )
            for app in applications
        ],
    )


async def setup_entry(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait until ``condition()`` holds, checking at every turn of the event loop (and then some)."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


# --- sending and what arrived -------------------------------------------------------------------


async def notify(hass: HomeAssistant, message: str = "m", *, target: Any = None, **data: Any) -> None:
    """``notify.gotify_home_assistant`` with ``data`` (and ``target`` when given)."""
    call: dict[str, Any] = {"message": message, "data": data}
    if target is not None:
        call["target"] = target
    await hass.services.async_call("notify", "gotify_home_assistant", call, blocking=True)


def delivered(gotify: GotifyDouble) -> list[str]:
    """The texts of the messages Gotify holds, oldest first."""
    return [gotify.messages[key].message for key in sorted(gotify.messages)]


def last_sent(gotify: GotifyDouble) -> dict[str, Any]:
    """The body of the last ``POST /message``."""
    return dict(gotify.requests_to("POST", "/message")[-1].json)


# --- entities -----------------------------------------------------------------------------------


def entity_of(hass: HomeAssistant, entry: MockConfigEntry, domain: str, key: str = "") -> str:
    """The entity id of the entry's (first) ``domain`` entity whose unique id ends with ``key``."""
    return next(
        e.entity_id
        for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        if e.domain == domain and e.unique_id.endswith(key)
    )


def notify_entity(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    """The entity id of the entry's (first) notify entity."""
    return entity_of(hass, entry, "notify")


def state_of(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


def queue_state(hass: HomeAssistant) -> str:
    """The state of the queued messages sensor."""
    state = next(s for s in hass.states.async_all("sensor") if s.entity_id.endswith("_queued_messages"))
    return state.state


def user_notices(hass: HomeAssistant) -> list[str]:
    """What the integration shows the user outside of a log: persistent notifications and repair issues.

    The one place that knows how a notice is shown, so that tests need not change when that does.
    """
    notifications = persistent_notification._async_get_or_create_notifications(hass)
    issues = [issue_id for (domain, issue_id) in ir.async_get(hass).issues if domain == DOMAIN]
    return [notification["message"] for notification in notifications.values()] + issues


def refused_reports(hass: HomeAssistant) -> list[dict[str, str]]:
    """The repair issues about queued messages Gotify refused, oldest first: their placeholders and key."""
    return [
        {**(issue.translation_placeholders or {}), "translation_key": issue.translation_key or ""}
        for (domain, issue_id), issue in ir.async_get(hass).issues.items()
        if domain == DOMAIN and issue_id.startswith("queued_message_refused_")
    ]


# --- over Home Assistant's HTTP API, as the frontend does it -------------------------------------


async def post_json(client: TestClient[Any, Any], path: str, body: Any, status: int = 200) -> dict[str, Any]:
    response = await client.post(path, json=body)
    assert response.status == status, await response.text()
    return dict(await response.json())


def form_field(result: dict[str, Any], name: str) -> dict[str, Any]:
    """A field of a form as the frontend gets it."""
    return dict(next(field for field in result["data_schema"] if field["name"] == name))


def form_fields(result: dict[str, Any]) -> list[str]:
    return [field["name"] for field in result["data_schema"]]


# --- repairs ------------------------------------------------------------------------------------


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


# --- another server ------------------------------------------------------------------------------


@dataclass
class Elsewhere:
    """Another server on loopback (``elsewhere`` in tests/conftest.py): the headers of what reached it."""

    url: str
    seen: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Backoff:
    """One reconnect delay the stream listener drew (``reconnects`` in tests/conftest.py).

    ``stream_requests`` is how many ``GET /stream`` requests (one handshake per attempt) the double had
    seen by then.
    """

    attempt: int
    delay: float
    stream_requests: int


async def drop_streams_and_reconnect(gotify: GotifyDouble, entry: MockConfigEntry) -> None:
    """Drop the stream and wait until the listener is connected again, its catch-up done."""
    listener = entry.runtime_data.listener
    requests = len(gotify.requests_to("GET", "/stream"))
    await gotify.drop_streams()
    # A new handshake happens only after the listener saw the old socket close.
    await wait_for(
        lambda: len(gotify.requests_to("GET", "/stream")) >= requests + 1 and listener.status.connected
    )
