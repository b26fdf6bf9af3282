"""Diagnostics: what the integration knows, with every secret redacted."""

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_TOKEN, CONF_URL
from homeassistant.core import HomeAssistant

from .const import CONF_APP_TOKEN
from .data import GotifyConfigEntry

TO_REDACT = {CONF_TOKEN, CONF_APP_TOKEN, "token"}


async def async_get_config_entry_diagnostics(hass: HomeAssistant, entry: GotifyConfigEntry) -> dict[str, Any]:
    data = entry.runtime_data
    return {
        "entry": {
            "title": entry.title,
            # The URL may carry reverse-proxy credentials: keep the address, drop those.
            "data": async_redact_data({**entry.data, CONF_URL: data.client.host}, TO_REDACT),
            "options": dict(entry.options),
        },
        "applications_configured": [
            {"title": subentry.title, "data": async_redact_data(dict(subentry.data), TO_REDACT)}
            for subentry in entry.subentries.values()
        ],
        "server": {
            "version": data.version.version,
            "api_v3": data.version.client_token_can_publish,
            "user": {"id": data.user.id, "name": data.user.name, "admin": data.user.admin},
            "applications": [
                {
                    "id": app.id,
                    "name": app.name,
                    "default_priority": app.default_priority,
                    "token_known": app.token is not None,
                }
                for app in data.applications.values()
            ],
        },
        "stream": {
            "connected": data.listener.status.connected,
            "error": data.listener.status.error,
            "last_message_id": data.listener.last_id,
        },
        "outbox": {"queued": len(data.outbox)},
        "tags": sum(len(tags) for tags in data.tags.snapshot().values()),
    }
