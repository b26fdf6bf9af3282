"""Named shims for Home Assistant APIs that the oldest supported release (2025.4) lacks."""

from pathlib import Path
from typing import Any
from urllib.parse import unquote

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.selector import validate_selector
from homeassistant.helpers.service import async_set_service_schema
from homeassistant.util.yaml import load_yaml_dict

from .const import DOMAIN

# Home Assistant 2026 links a device to its parent by device id and deprecates the identifier tuple
# (removed in 2027.8); 2025.4 knows only the tuple.
DEVICE_INFO_HAS_VIA_DEVICE_ID = "via_device_id" in DeviceInfo.__annotations__


def via_device(entry_id: str, server_device_id: str) -> DeviceInfo:
    """Return the ``DeviceInfo`` part that puts a device under the account's server device."""
    if DEVICE_INFO_HAS_VIA_DEVICE_ID:
        return DeviceInfo(via_device_id=server_device_id)  # type: ignore[typeddict-unknown-key,unused-ignore]
    return DeviceInfo(via_device=(DOMAIN, entry_id))  # type: ignore[typeddict-unknown-key,unused-ignore]


# Home Assistant 2026 validates and serializes with probatio, a voluptuous-compatible library it installs
# in voluptuous' place; importing it by its own name keeps the types right. 2025.4 has only voluptuous.
try:
    import probatio as vol
except ImportError:  # Home Assistant < 2026
    import voluptuous as vol  # type: ignore[no-redef,unused-ignore]


def media_source_path(hass: HomeAssistant, media: Any) -> Path | None:
    """Return the local file a resolved media-source item stands for, if it is one.

    Home Assistant 2026 says so in ``PlayMedia.path``; 2025.4 gives only the URL it serves the file on,
    ``/media/<media dir>/<path>``, which maps back onto the configured media folders.
    """
    if (path := getattr(media, "path", None)) is not None:
        return Path(path)
    url = str(media.url)
    if not url.startswith("/media/"):
        return None
    directory, _, relative = unquote(url.removeprefix("/media/").split("?", 1)[0]).partition("/")
    root = hass.config.media_dirs.get(directory)
    if root is None or not relative:
        return None
    candidate = (Path(root) / relative).resolve()
    return candidate if candidate.is_relative_to(Path(root).resolve()) else None


# Newer Home Assistant registers entity actions once in async_setup; 2025.4 only knows the per-platform
# registration, done when the notify platform of an entry is set up.
try:
    from homeassistant.helpers.service import async_register_platform_entity_service
except ImportError:  # Home Assistant 2025.4
    async_register_platform_entity_service = None  # type: ignore[assignment,unused-ignore]

HAS_PLATFORM_ENTITY_SERVICE = async_register_platform_entity_service is not None

# Home Assistant 2026's media selector picks a file or media item on its own (``accept``); 2025.4's only
# browses the media player of the action's target, and refuses ``accept`` in services.yaml (which then
# leaves all of this integration's actions undescribed). There the attachment is a text field.
try:
    validate_selector({"media": {"accept": ["*"]}})
except vol.Invalid:  # Home Assistant 2025.4
    MEDIA_SELECTOR_ACCEPTS_FILES = False
else:
    MEDIA_SELECTOR_ACCEPTS_FILES = True


async def async_load_descriptions_for_media_selector(hass: HomeAssistant) -> dict[str, Any] | None:
    """On 2025.4, the actions' descriptions from services.yaml with a text field for the attachment."""
    if MEDIA_SELECTOR_ACCEPTS_FILES:
        return None
    services = await hass.async_add_executor_job(load_yaml_dict, str(Path(__file__).parent / "services.yaml"))
    for description in services.values():
        fields = (description or {}).get("fields", {})
        if "attachment" in fields:
            fields["attachment"]["selector"] = {"text": {}}
    return dict(services)


@callback
def async_describe_actions(hass: HomeAssistant, descriptions: dict[str, Any] | None) -> None:
    """Give the actions those descriptions.

    Call it right after registering them, with no await between: then Home Assistant never reads the
    services.yaml it would refuse.
    """
    for name, description in (descriptions or {}).items():
        async_set_service_schema(hass, DOMAIN, name, description or {})


# Home Assistant 2026 types repair flow results on their own; 2025.4 uses the generic flow result.
try:
    from homeassistant.components.repairs.models import RepairsFlowResult
except ImportError:  # Home Assistant 2025.4
    from homeassistant.data_entry_flow import FlowResult as RepairsFlowResult  # type: ignore[assignment,unused-ignore]


def record_notification(entity: Any) -> None:
    """Set a notify entity's state to now, as ``notify.send_message`` does, for ``gotify.send``.

    Newer Home Assistant has ``NotifyEntity._async_record_notification``; on 2025.4 only
    ``notify.send_message`` updates the state.
    """
    if (record := getattr(entity, "_async_record_notification", None)) is not None:
        record()


__all__ = [
    "DEVICE_INFO_HAS_VIA_DEVICE_ID",
    "HAS_PLATFORM_ENTITY_SERVICE",
    "MEDIA_SELECTOR_ACCEPTS_FILES",
    "RepairsFlowResult",
    "async_describe_actions",
    "async_load_descriptions_for_media_selector",
    "async_register_platform_entity_service",
    "media_source_path",
    "record_notification",
    "via_device",
    "vol",
]
