"""Runtime data kept on each config entry."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from homeassistant.components.notify.legacy import BaseNotificationService
from homeassistant.config_entries import ConfigEntry

from .api import GotifyApplication, GotifyClient, GotifyUser, GotifyVersion
from .tags import TagStore

if TYPE_CHECKING:
    from .sender import GotifySender


@dataclass
class GotifyData:
    """One Gotify account: its client, what the server said at setup, and a sender per application."""

    client: GotifyClient
    version: GotifyVersion
    user: GotifyUser
    applications: dict[int, GotifyApplication]
    server_device_id: str
    senders: "dict[str, GotifySender]"
    tags: TagStore
    legacy_services: list[BaseNotificationService] = field(default_factory=list)


type GotifyConfigEntry = ConfigEntry[GotifyData]
