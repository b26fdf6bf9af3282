"""Notify entities and the legacy ``notify.gotify_<application>`` services; both use the same sender."""

from typing import Any

from homeassistant.components.notify import (
    ATTR_DATA,
    ATTR_TITLE,
    BaseNotificationService,
    NotifyEntity,
    NotifyEntityFeature,
)
from homeassistant.components.notify import (
    DOMAIN as NOTIFY_DOMAIN,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import slugify

from .const import NOTIFY_SERVICE_PREFIX, SUBENTRY_APPLICATION
from .data import GotifyConfigEntry
from .entity import GotifyApplicationEntity
from .sender import GotifySender

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: GotifyConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """One notify entity per application subentry."""
    for subentry_id, subentry in entry.subentries.items():
        if subentry.subentry_type == SUBENTRY_APPLICATION:
            async_add_entities([GotifyNotifyEntity(entry, subentry)], config_subentry_id=subentry_id)


class GotifyNotifyEntity(GotifyApplicationEntity, NotifyEntity):
    """Target of ``notify.send_message``."""

    _attr_name = None
    _attr_supported_features = NotifyEntityFeature.TITLE

    def __init__(self, entry: GotifyConfigEntry, subentry: Any) -> None:
        super().__init__(entry, subentry, "notify")

    async def async_send_message(self, message: str, title: str | None = None) -> None:
        await self.sender.async_send(message, title)


class GotifyNotificationService(BaseNotificationService):
    """The legacy ``notify.gotify_<application>`` service of one application."""

    def __init__(self, sender: GotifySender) -> None:
        self.sender = sender

    async def async_send_message(self, message: str = "", **kwargs: Any) -> None:
        await self.sender.async_send(message, kwargs.get(ATTR_TITLE), kwargs.get(ATTR_DATA))


def legacy_service_name(hass: HomeAssistant, application: str) -> str:
    """``gotify_<application slug>``, with a number added if another account took that name first."""
    base = slugify(f"{NOTIFY_SERVICE_PREFIX}_{application}")
    name, number = base, 1
    while hass.services.has_service(NOTIFY_DOMAIN, name):
        number += 1
        name = f"{base}_{number}"
    return name


async def async_register_legacy_services(hass: HomeAssistant, entry: GotifyConfigEntry) -> None:
    """Register ``notify.gotify_<application>`` for each application of the entry."""
    data = entry.runtime_data
    for sender in data.senders.values():
        service = GotifyNotificationService(sender)
        name = legacy_service_name(hass, sender.name)
        await service.async_setup(hass, name, name)
        await service.async_register_services()
        data.legacy_services.append(service)


async def async_unregister_legacy_services(entry: GotifyConfigEntry) -> None:
    data = entry.runtime_data
    for service in data.legacy_services:
        await service.async_unregister_services()
    data.legacy_services.clear()
