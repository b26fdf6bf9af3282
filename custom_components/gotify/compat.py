"""Named shims for Home Assistant APIs that the oldest supported release (2025.4) lacks."""

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

__all__ = ["DEVICE_INFO_HAS_VIA_DEVICE_ID", "via_device", "vol"]
