"""Notify entities and the legacy ``notify.gotify_<application>`` services; both use the same sender.

Also the platform of ``platform: gotify`` in configuration.yaml (``legacy_yaml``), through the same sender.
"""

from typing import Any

from homeassistant.components.notify import NotifyEntity, NotifyEntityFeature
from homeassistant.components.notify.const import ATTR_DATA, ATTR_TARGET, ATTR_TITLE
from homeassistant.components.notify.const import DOMAIN as NOTIFY_DOMAIN
from homeassistant.components.notify.legacy import BaseNotificationService
from homeassistant.core import HomeAssistant, ServiceResponse
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import ConfigType, DiscoveryInfoType
from homeassistant.util import slugify

from .client import GotifyMessage
from .compat import async_describe_actions, async_load_descriptions_for_media_selector, record_notification
from .const import NOTIFY_SERVICE_PREFIX, SUBENTRY_APPLICATION
from .data import GotifyConfigEntry
from .entity import GotifyApplicationEntity
from .legacy_yaml import PLATFORM_SCHEMA as LEGACY_YAML_SCHEMA
from .legacy_yaml import async_get_yaml_service
from .sender import GotifySender, QueuedReceipt
from .services import async_setup_platform_services

PARALLEL_UPDATES = 0
# ``platform: gotify`` in configuration.yaml, as the older custom components had it.
PLATFORM_SCHEMA = LEGACY_YAML_SCHEMA


async def async_get_service(
    hass: HomeAssistant, config: ConfigType, discovery_info: DiscoveryInfoType | None = None
) -> BaseNotificationService:
    """Set up the ``notify.<name>`` action of a ``platform: gotify`` block of configuration.yaml."""
    return async_get_yaml_service(hass, config)


async def async_setup_entry(
    hass: HomeAssistant, entry: GotifyConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Set up a notify entity per application from a config entry."""
    descriptions = await async_load_descriptions_for_media_selector(hass)
    async_setup_platform_services()
    async_describe_actions(hass, descriptions)
    for subentry_id, subentry in entry.subentries.items():
        if subentry.subentry_type == SUBENTRY_APPLICATION:
            async_add_entities([GotifyNotifyEntity(entry, subentry)], config_subentry_id=subentry_id)


class GotifyNotifyEntity(GotifyApplicationEntity, NotifyEntity):
    """Target of ``notify.send_message``."""

    _attr_name = None
    _attr_supported_features = NotifyEntityFeature.TITLE

    def __init__(self, entry: GotifyConfigEntry, subentry: Any) -> None:
        """Set up the notify entity of ``subentry``."""
        super().__init__(entry, subentry, "notify")

    async def async_send_message(self, message: str, title: str | None = None) -> None:
        """Send a message (``notify.send_message``); the options decide everything else."""
        await self.sender.async_send(message, title)

    async def async_send_action(self, **fields: Any) -> ServiceResponse:
        """``gotify.send``: every field, and the created messages in the response."""
        message = fields.pop("message")
        title = fields.pop("title", None)
        target = fields.pop("target", None)
        sent = await self.sender.async_send(message, title, fields, target)
        record_notification(self)
        return {"messages": [_response(item, self.sender) for item in sent]}

    async def async_delete_message_action(
        self, message_id: int | None = None, tag: str | None = None
    ) -> None:
        """``gotify.delete_message``: by id, or the last message sent with a tag."""
        await self.sender.async_delete(message_id, tag)

    async def async_acknowledge_action(self, message_id: int | None = None, tag: str | None = None) -> None:
        """``gotify.acknowledge``: end the alert that repeats with that tag, or whose copy that id is."""
        await self.sender.async_acknowledge(message_id, tag, self._context.id if self._context else "")

    async def async_clear_messages_action(self) -> None:
        """``gotify.clear_messages``: every message of this application."""
        await self.sender.async_clear()


def _response(item: GotifyMessage | QueuedReceipt, sender: GotifySender) -> dict[str, Any]:
    """One created (or queued) message, as the ``gotify.send`` response lists it."""
    if isinstance(item, QueuedReceipt):
        return {"id": None, "appid": item.app_id, "application": item.application, "queued": True}
    applications = sender.account.applications
    name = applications[item.appid].name if item.appid in applications else sender.name
    return {"id": item.id, "appid": item.appid, "application": name}


class GotifyNotificationService(BaseNotificationService):
    """The legacy ``notify.gotify_<application>`` service of one application."""

    def __init__(self, sender: GotifySender) -> None:
        """Set up the service of ``sender``'s application."""
        self.sender = sender

    async def async_send_message(self, message: str = "", **kwargs: Any) -> None:
        """Send a message with the title, data and target of the legacy call."""
        await self.sender.async_send(
            message, kwargs.get(ATTR_TITLE), kwargs.get(ATTR_DATA), kwargs.get(ATTR_TARGET)
        )


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
    """Remove the entry's ``notify.gotify_<application>`` services."""
    data = entry.runtime_data
    for service in data.legacy_services:
        await service.async_unregister_services()
    data.legacy_services.clear()
