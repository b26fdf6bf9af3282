"""The Gotify integration: notifications to a self-hosted Gotify server, and messages from it."""

from datetime import datetime, timedelta
from pathlib import Path

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

from .attachments import AttachmentStore, GotifyAttachmentView
from .client import GotifyAuthenticationError, GotifyClient, GotifyError
from .const import ATTACHMENT_STORE, CONF_APP_ID, DOMAIN, SUBENTRY_APPLICATION
from .data import GotifyConfigEntry, GotifyData
from .notify import async_register_legacy_services, async_unregister_legacy_services
from .outbox import Outbox, async_remove_outbox
from .sender import GotifySender, async_find_delivered, async_publish
from .services import async_setup_services
from .stream import GotifyListener, OwnMessages, signal_status
from .tags import TagStore, async_remove_tags

PLATFORMS: list[Platform] = [Platform.BINARY_SENSOR, Platform.EVENT, Platform.NOTIFY, Platform.SENSOR]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)
ATTACHMENT_CLEANUP_INTERVAL = timedelta(hours=1)
HEALTH_CHECK_INTERVAL = timedelta(minutes=1)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """The attachment store and its view, and the entity actions, shared by every entry."""
    store = AttachmentStore(hass, Path(hass.config.path(STORAGE_DIR, DOMAIN, "attachments")))
    hass.data[ATTACHMENT_STORE] = store
    hass.http.register_view(GotifyAttachmentView(store))
    async_setup_services(hass)
    return True


def client_for(hass: HomeAssistant, url: str, token: str, verify_ssl: bool) -> GotifyClient:
    """A client on Home Assistant's shared session (one with or one without certificate checks)."""
    return GotifyClient(async_get_clientsession(hass, verify_ssl), url, token, verify_ssl=verify_ssl)


async def async_setup_entry(hass: HomeAssistant, entry: GotifyConfigEntry) -> bool:
    """Connect to the server, then set up the applications' services, entities, stream and outbox."""
    client = client_for(hass, entry.data[CONF_URL], entry.data[CONF_TOKEN], entry.data[CONF_VERIFY_SSL])
    try:
        version = await client.version()
        user = await client.current_user()
        applications = {application.id: application for application in await client.applications()}
        newest = await client.newest_message_id()
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

    server_device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, entry.entry_id)},
        entry_type=dr.DeviceEntryType.SERVICE,
        manufacturer="Gotify",
        model="Gotify server",
        name=entry.title,
        sw_version=version.version,
        configuration_url=str(client.base_url.with_user(None).with_password(None)),
    )
    tags = TagStore(hass, entry.entry_id)
    await tags.async_load()
    entry.async_on_unload(tags.async_flush)

    @callback
    def status_changed() -> None:
        async_dispatcher_send(hass, signal_status(entry.entry_id))

    @callback
    def auth_failed() -> None:
        entry.async_start_reauth(hass)

    # The callbacks below look up entry.runtime_data when called: it is set further down.
    own = OwnMessages()
    listener = GotifyListener(
        hass,
        entry.entry_id,
        client,
        own,
        application_name=lambda app_id: entry.runtime_data.async_application_name(app_id),  # noqa: PLW0108
        on_auth_failed=auth_failed,
        on_connected=lambda: entry.runtime_data.outbox.kick(),  # noqa: PLW0108
    )
    outbox = Outbox(
        hass,
        entry.entry_id,
        publish=lambda item: async_publish(entry, item),
        find=lambda item: async_find_delivered(entry, item),
        watermark=lambda: entry.runtime_data.watermark(),  # noqa: PLW0108
        on_change=status_changed,
        on_auth_failed=auth_failed,
    )
    await outbox.async_load()
    entry.runtime_data = GotifyData(
        client=client,
        version=version,
        user=user,
        applications=applications,
        server_device_id=server_device.id,
        tags=tags,
        own=own,
        listener=listener,
        outbox=outbox,
    )
    entry.runtime_data.senders = {
        subentry_id: GotifySender(hass, entry, subentry)
        for subentry_id, subentry in entry.subentries.items()
        if subentry.subentry_type == SUBENTRY_APPLICATION
    }
    _async_check_applications(hass, entry)

    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    await async_register_legacy_services(hass, entry)
    entry.async_on_unload(entry.add_update_listener(_async_reload_on_change))

    entry.async_create_background_task(hass, listener.async_run(newest), f"{DOMAIN} stream {entry.title}")
    entry.async_create_background_task(hass, outbox.async_run(), f"{DOMAIN} outbox {entry.title}")

    store = hass.data[ATTACHMENT_STORE]
    await store.async_cleanup()

    async def _async_cleanup(_: datetime) -> None:
        await store.async_cleanup()

    entry.async_on_unload(async_track_time_interval(hass, _async_cleanup, ATTACHMENT_CLEANUP_INTERVAL))

    async def _async_check_health(_: datetime) -> None:
        await listener.async_check_health()

    entry.async_on_unload(async_track_time_interval(hass, _async_check_health, HEALTH_CHECK_INTERVAL))
    return True


@callback
def _async_check_applications(hass: HomeAssistant, entry: GotifyConfigEntry) -> None:
    """Raise a fixable repair for every application subentry whose application the server lost."""
    applications = entry.runtime_data.applications
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
    """Forget the entry's tags and queue."""
    await async_remove_tags(hass, entry.entry_id)
    await async_remove_outbox(hass, entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: GotifyConfigEntry) -> bool:
    """Remove the services and entities this entry registered."""
    await async_unregister_legacy_services(entry)
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
