"""Entity actions of the Gotify notify entities.

gotify.send, gotify.delete_message, gotify.clear_messages and gotify.acknowledge.
"""

from dataclasses import dataclass
from typing import Any

from homeassistant.components.notify.const import DOMAIN as NOTIFY_DOMAIN
from homeassistant.core import HomeAssistant, SupportsResponse, callback
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.entity_platform import async_get_current_platform

from .compat import HAS_PLATFORM_ENTITY_SERVICE, async_register_platform_entity_service, vol
from .const import DOMAIN

ATTR_MESSAGE_ID = "message_id"

_DATA_FIELDS: tuple[str, ...] = ("priority", "link", "url_title", "markdown", "attachment", "image")
_DATA_FIELDS += ("intent_url", "tag", "actions", "timeout", "retry", "expire", "extras", "target")
# The fields go on as given: the sender validates them exactly as it validates the legacy service's data
# (a priority of 7.5 or true is refused by both, not turned into 7 or 1 here).
SEND_FIELDS: dict[Any, Any] = {
    vol.Required("message"): cv.string,
    vol.Optional("title"): cv.string,
    **{vol.Optional(name): object for name in _DATA_FIELDS},
}
DELETE_FIELDS: dict[Any, Any] = {
    vol.Optional(ATTR_MESSAGE_ID): vol.Coerce(int),
    vol.Optional("tag"): cv.string,
}


@dataclass(frozen=True)
class EntityAction:
    """An entity action: its name, its fields, the entity method that runs it, and its response."""

    name: str
    fields: dict[Any, Any]
    method: str
    response: SupportsResponse


ACTIONS = (
    EntityAction("send", SEND_FIELDS, "async_send_action", SupportsResponse.OPTIONAL),
    EntityAction("delete_message", DELETE_FIELDS, "async_delete_message_action", SupportsResponse.NONE),
    EntityAction("clear_messages", {}, "async_clear_messages_action", SupportsResponse.NONE),
    EntityAction("acknowledge", DELETE_FIELDS, "async_acknowledge_action", SupportsResponse.NONE),
)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the entity actions (on Home Assistant versions that register them at setup)."""
    if not HAS_PLATFORM_ENTITY_SERVICE:
        return
    for action in ACTIONS:
        async_register_platform_entity_service(
            hass,
            DOMAIN,
            action.name,
            entity_domain=NOTIFY_DOMAIN,
            schema=action.fields,
            func=action.method,
            supports_response=action.response,
        )


@callback
def async_setup_platform_services() -> None:
    """Register the entity actions from the notify platform (Home Assistant 2025.4)."""
    if HAS_PLATFORM_ENTITY_SERVICE:
        return
    platform = async_get_current_platform()
    for action in ACTIONS:
        platform.async_register_entity_service(
            action.name, action.fields, action.method, supports_response=action.response
        )
