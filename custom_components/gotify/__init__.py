"""The Gotify integration: notifications to a self-hosted Gotify server, and messages from it."""

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_TOKEN, CONF_URL, CONF_VERIFY_SSL, Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.storage import STORAGE_DIR
from homeassistant.helpers.typing import ConfigType

from .account import Delivery, GotifyAccount
from .actions import ACTION_STORE, ActionStore, GotifyActionView
from .attachments import ATTACHMENT_STORE, AttachmentStore, GotifyAttachmentView
from .autodelete import AutoDelete, async_remove_autodelete
from .client import (
    GotifyAuthenticationError,
    GotifyClient,
    GotifyError,
    GotifyMessage,
    GotifyVersion,
    UserCredentials,
    display_url,
)
from .const import (
    CONF_APP_ID,
    CONF_APP_TOKEN,
    DOMAIN,
    SUBENTRY_APPLICATION,
    signal_status,
)
from .coordinator import GotifyServerCoordinator
from .data import GotifyConfigEntry, GotifyData
from .escalation import Escalations, async_remove_escalations
from .listener import GotifyListener
from .notify import async_register_legacy_services, async_unregister_legacy_services
from .options import AccountOptions
from .outbox import Outbox, async_delete_refused_issues, async_remove_outbox
from .sender import GotifySender
from .services import async_setup_services
from .tags import TagStore, async_remove_tags

PLATFORMS = [Platform.BINARY_SENSOR, Platform.BUTTON, Platform.EVENT, Platform.NOTIFY, Platform.SENSOR]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)
CLEANUP_INTERVAL = timedelta(hours=1)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Set up what every entry shares: attachments, buttons, their views and cleanup, the entity actions."""
    store = AttachmentStore(hass, Path(hass.config.path(STORAGE_DIR, DOMAIN, "attachments")))
    hass.data[ATTACHMENT_STORE] = store
    hass.http.register_view(GotifyAttachmentView(store))
    await async_load_actions(hass)
    hass.http.register_view(GotifyActionView(hass))
    async_setup_services(hass)

    async def _async_cleanup(_: datetime | None = None) -> None:
        hass.data[ACTION_STORE].cleanup()
        await store.async_cleanup()

    async_track_time_interval(hass, _async_cleanup, CLEANUP_INTERVAL, cancel_on_shutdown=True)
    hass.async_create_background_task(_async_cleanup(), f"{DOMAIN} attachment cleanup", eager_start=False)
    return True


async def async_load_actions(hass: HomeAssistant) -> ActionStore:
    """Read the buttons' records (kept across restarts) into the store the action view answers from."""
    actions = ActionStore(hass)
    await actions.async_load()
    hass.data[ACTION_STORE] = actions
    return actions


def client_for(
    hass: HomeAssistant,
    url: str,
    token: str | UserCredentials,
    verify_ssl: bool,
    on_token_refused: Callable[[], None] | None = None,
) -> GotifyClient:
    """Return a client on Home Assistant's shared session (one with or one without certificate checks).

    ``token``: the client token, or a user's name and password (while a flow signs in).
    """
    return GotifyClient(
        async_get_clientsession(hass, verify_ssl),
        url,
        token,
        verify_ssl=verify_ssl,
        on_token_refused=on_token_refused,
    )


async def async_setup_entry(hass: HomeAssistant, entry: GotifyConfigEntry) -> bool:
    """Connect to the server, then set up the applications' services, entities, stream and outbox."""
    client = client_for(
        hass,
        entry.data[CONF_URL],
        entry.data[CONF_TOKEN],
        entry.data[CONF_VERIFY_SSL],
        on_token_refused=lambda: _async_token_refused(hass, entry),
    )
    version, account = await _async_connect(client, TagStore(hass, entry.entry_id))
    entry.async_on_unload(account.tags.async_flush)
    server_device = _async_server_device(hass, entry, client, version)
    coordinator = GotifyServerCoordinator(hass, entry, client, version, server_device.id)

    def status_changed() -> None:
        async_dispatcher_send(hass, signal_status(entry.entry_id))

    outbox = Outbox(hass, entry.entry_id, account, on_change=status_changed)
    await outbox.async_load()
    autodelete = AutoDelete(hass, entry.entry_id, client)
    await autodelete.async_load()
    entry.async_on_unload(autodelete.async_stop)
    entry.async_on_unload(autodelete.async_flush)
    account.on_delivered(_delivered_handler(hass, autodelete))
    escalations = Escalations(hass, entry.entry_id, account, hass.data[ACTION_STORE], status_changed)
    entry.async_on_unload(escalations.async_stop)
    entry.async_on_unload(escalations.async_flush)
    await escalations.async_load()

    def connected() -> None:
        outbox.kick()
        autodelete.kick()
        escalations.kick()
        hass.async_create_task(coordinator.async_request_refresh(), eager_start=False)

    listener = GotifyListener(hass, entry.entry_id, account, on_connected=connected)
    entry.runtime_data = GotifyData(
        account=account,
        coordinator=coordinator,
        listener=listener,
        outbox=outbox,
        autodelete=autodelete,
        escalations=escalations,
        senders=_senders(
            hass, entry, account=account, outbox=outbox, autodelete=autodelete, escalations=escalations
        ),
        server_device_id=server_device.id,
    )
    _async_check_applications(hass, entry)

    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    await async_register_legacy_services(hass, entry)
    entry.async_on_unload(entry.add_update_listener(_async_reload_on_change))
    entry.async_create_background_task(hass, listener.async_run(), f"{DOMAIN} stream {entry.title}")
    entry.async_create_background_task(hass, outbox.async_run(), f"{DOMAIN} outbox {entry.title}")
    return True


def _delivered_handler(
    hass: HomeAssistant, autodelete: AutoDelete
) -> Callable[[Delivery, GotifyMessage], None]:
    """Return what follows a delivery: its buttons learn the message id, its timeout starts."""

    def delivered(delivery: Delivery, sent: GotifyMessage) -> None:
        if delivery.actions:
            hass.data[ACTION_STORE].bind(delivery.actions, sent.id)
        if delivery.timeout is not None:
            autodelete.schedule(sent.id, delivery.timeout)

    return delivered


async def _async_connect(client: GotifyClient, tags: TagStore) -> tuple[GotifyVersion, GotifyAccount]:
    """Return the server's version and the account; what goes wrong is a translated setup error."""
    try:
        return await client.version(), await GotifyAccount.async_connect(client, tags)
    except GotifyAuthenticationError as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN,
            translation_key="auth_failed",
            translation_placeholders={"host": client.host},
        ) from err
    except GotifyError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="setup_failed",
            translation_placeholders={"host": client.host, "reason": str(err)},
        ) from err


@callback
def _async_token_refused(hass: HomeAssistant, entry: GotifyConfigEntry) -> None:
    """Start reauthentication: the server refused the client token (the one place it starts).

    During setup, ConfigEntryAuthFailed starts it instead.
    """
    if entry.state is ConfigEntryState.LOADED:
        entry.async_start_reauth(hass)


def _async_server_device(
    hass: HomeAssistant, entry: GotifyConfigEntry, client: GotifyClient, version: GotifyVersion
) -> dr.DeviceEntry:
    return dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, entry.entry_id)},
        entry_type=dr.DeviceEntryType.SERVICE,
        manufacturer="Gotify",
        model="Gotify server",
        name=entry.title,
        sw_version=version.version,
        configuration_url=display_url(client.base_url),
    )


def _senders(
    hass: HomeAssistant,
    entry: GotifyConfigEntry,
    *,
    account: GotifyAccount,
    outbox: Outbox,
    autodelete: AutoDelete,
    escalations: Escalations,
) -> dict[str, GotifySender]:
    """One sender per application subentry, with the account's options as that application sets them."""
    applications = {
        subentry_id: subentry
        for subentry_id, subentry in entry.subentries.items()
        if subentry.subentry_type == SUBENTRY_APPLICATION
    }
    app_tokens = {s.data[CONF_APP_ID]: s.data.get(CONF_APP_TOKEN) for s in applications.values()}
    return {
        subentry_id: GotifySender(
            hass,
            subentry,
            entry_id=entry.entry_id,
            account=account,
            outbox=outbox,
            autodelete=autodelete,
            escalations=escalations,
            options=AccountOptions.of(entry.options, overrides=subentry.data),
            app_tokens=app_tokens,
        )
        for subentry_id, subentry in applications.items()
    }


@callback
def _async_check_applications(hass: HomeAssistant, entry: GotifyConfigEntry) -> None:
    """Raise a fixable repair for every application subentry whose application the server lost."""
    applications = entry.runtime_data.account.applications
    for subentry_id, subentry in entry.subentries.items():
        issue_id = f"application_deleted_{subentry_id}"
        if subentry.data[CONF_APP_ID] in applications:
            ir.async_delete_issue(hass, DOMAIN, issue_id)
            continue
        ir.async_create_issue(
            hass,
            DOMAIN,
            issue_id,
            is_fixable=True,
            severity=ir.IssueSeverity.ERROR,
            translation_key="application_deleted",
            translation_placeholders={"application": subentry.title, "account": entry.title},
            data={"entry_id": entry.entry_id, "subentry_id": subentry_id},
        )


async def _async_reload_on_change(hass: HomeAssistant, entry: GotifyConfigEntry) -> None:
    """Options and application subentries shape the services: reload to apply a change."""
    hass.config_entries.async_schedule_reload(entry.entry_id)


async def async_remove_entry(hass: HomeAssistant, entry: GotifyConfigEntry) -> None:
    """Forget the entry's tags, queue, timeouts, escalations, buttons and refused messages' repairs."""
    await async_remove_tags(hass, entry.entry_id)
    await async_remove_outbox(hass, entry.entry_id)
    await async_remove_autodelete(hass, entry.entry_id)
    await async_remove_escalations(hass, entry.entry_id)
    if ACTION_STORE in hass.data:
        hass.data[ACTION_STORE].forget_entry(entry.entry_id)
    async_delete_refused_issues(hass, entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: GotifyConfigEntry) -> bool:
    """Remove the services and entities this entry registered."""
    await async_unregister_legacy_services(entry)
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
