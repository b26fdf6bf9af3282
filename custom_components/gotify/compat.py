"""Named shims for Home Assistant APIs that the oldest supported release (2025.4) lacks."""

from pathlib import Path
from typing import Any
from urllib.parse import unquote

from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo

from .const import DOMAIN

# Home Assistant 2026 links a device to its parent by device id and deprecates the identifier tuple
# (removed in 2027.8); 2025.4 knows only the tuple.
DEVICE_INFO_HAS_VIA_DEVICE_ID = "via_device_id" in DeviceInfo.__annotations__


def via_device(entry_id: str, server_device_id: str) -> DeviceInfo:
    """The ``DeviceInfo`` part that puts a device under the account's server device."""
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
    """The local file a resolved media-source item stands for, if it is one.

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

# Home Assistant 2026 types repair flow results on their own; 2025.4 uses the generic flow result.
try:
    from homeassistant.components.repairs.models import RepairsFlowResult
except ImportError:  # Home Assistant 2025.4
    from homeassistant.data_entry_flow import FlowResult as RepairsFlowResult  # type: ignore[assignment,unused-ignore]


__all__ = [
    "DEVICE_INFO_HAS_VIA_DEVICE_ID",
    "HAS_PLATFORM_ENTITY_SERVICE",
    "RepairsFlowResult",
    "async_register_platform_entity_service",
    "media_source_path",
    "via_device",
    "vol",
]
