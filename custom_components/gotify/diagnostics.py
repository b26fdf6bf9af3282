"""Diagnostics: what the integration knows, with every secret redacted."""

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_TOKEN, CONF_URL
from homeassistant.core import HomeAssistant

from .actions import ACTION_STORE
from .const import CONF_APP_TOKEN
from .data import GotifyConfigEntry
from .options import AccountOptions, application_overrides

TO_REDACT = {CONF_TOKEN, CONF_APP_TOKEN, "token"}


async def async_get_config_entry_diagnostics(hass: HomeAssistant, entry: GotifyConfigEntry) -> dict[str, Any]:
    """Return diagnostics for a config entry."""
    data = entry.runtime_data
    account = data.account
    server = data.coordinator.data
    return {
        "entry": {
            "title": entry.title,
            # The URL may carry reverse-proxy credentials: keep the address, drop those.
            "data": async_redact_data({**entry.data, CONF_URL: account.host}, TO_REDACT),
            "options": dict(entry.options),
        },
        "applications_configured": [
            {
                "title": subentry.title,
                "data": async_redact_data(dict(subentry.data), TO_REDACT),
                "overrides": application_overrides(subentry.data),
                "settings": AccountOptions.of(entry.options, overrides=subentry.data).application_settings(),
            }
            for subentry in entry.subentries.values()
        ],
        "server": {
            "version": server.version.version,
            "api_v3": server.version.client_token_can_publish,
            "health": None if server.health is None else server.health.health,
            "database": None if server.health is None else server.health.database,
            "user": {"id": account.user.id, "name": account.user.name, "admin": account.user.admin},
            "applications": [
                {
                    "id": app.id,
                    "name": app.name,
                    "default_priority": app.default_priority,
                    "token_known": app.token is not None,
                }
                for app in account.applications.values()
            ],
        },
        "stream": {
            "connected": data.listener.status.connected,
            "error": data.listener.status.error,
            "last_message_id": data.listener.last_id,
        },
        "outbox": {"queued": len(data.outbox)},
        "tags": sum(len(tags) for tags in account.tags.snapshot().values()),
        "timeouts_pending": len(data.autodelete),
        "escalations_active": len(data.escalations),
        "buttons": hass.data[ACTION_STORE].counts(entry.entry_id),
    }
