"""Which message each tag last sent, per application; kept across restarts.

Gotify cannot replace a message. Sending with a tag deletes the message sent before with the same tag,
which gives Home Assistant's notification-id semantics.
"""

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from .const import DOMAIN

STORAGE_VERSION = 1
SAVE_DELAY = 1.0


class TagStore:
    """``application id -> tag -> message id`` for one config entry."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Start empty; ``async_load`` reads the entry's stored tags."""
        self._store: Store[dict[str, dict[str, int]]] = Store(hass, STORAGE_VERSION, storage_key(entry_id))
        self._tags: dict[str, dict[str, int]] = {}

    async def async_load(self) -> None:
        """Read the stored tags."""
        self._tags = await self._store.async_load() or {}

    def get(self, app_id: int, tag: str) -> int | None:
        """Return the message an application last sent with ``tag``, if any."""
        return self._tags.get(str(app_id), {}).get(tag)

    def set(self, app_id: int, tag: str, message_id: int) -> None:
        """Record the message sent with ``tag``; it is stored after the save delay."""
        self._tags.setdefault(str(app_id), {})[tag] = message_id
        self._store.async_delay_save(self._data, SAVE_DELAY)

    def forget(self, app_id: int, tag: str | None = None) -> None:
        """Forget one tag, or every tag of an application."""
        tags = self._tags.get(str(app_id), {})
        if tag is None:
            tags.clear()
        else:
            tags.pop(tag, None)
        self._store.async_delay_save(self._data, SAVE_DELAY)

    def snapshot(self) -> dict[str, dict[str, int]]:
        """Return a copy of the tags, without the applications that have none."""
        return self._data()

    def _data(self) -> dict[str, Any]:
        return {app: dict(tags) for app, tags in self._tags.items() if tags}

    async def async_flush(self) -> None:
        """Write pending changes now (on unload) rather than after the save delay."""
        await self._store.async_save(self._data())


def storage_key(entry_id: str) -> str:
    """Where an entry's tags are stored (``.storage/gotify.<entry id>.tags``)."""
    return f"{DOMAIN}.{entry_id}.tags"


async def async_remove_tags(hass: HomeAssistant, entry_id: str) -> None:
    """Forget a removed entry's tags."""
    await Store[dict[str, Any]](hass, STORAGE_VERSION, storage_key(entry_id)).async_remove()
