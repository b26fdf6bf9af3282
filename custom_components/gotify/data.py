"""Runtime data kept on each config entry."""

from dataclasses import dataclass, field

from homeassistant.components.notify.legacy import BaseNotificationService
from homeassistant.config_entries import ConfigEntry

from .account import GotifyAccount
from .autodelete import AutoDelete
from .coordinator import GotifyServerCoordinator
from .escalation import Escalations
from .listener import GotifyListener
from .outbox import Outbox
from .sender import GotifySender


@dataclass
class GotifyData:
    """One loaded account: account, server state, stream, outbox, timeouts, escalations, senders."""

    account: GotifyAccount
    coordinator: GotifyServerCoordinator
    listener: GotifyListener
    outbox: Outbox
    autodelete: AutoDelete
    escalations: Escalations
    senders: dict[str, GotifySender]
    server_device_id: str
    legacy_services: list[BaseNotificationService] = field(default_factory=list)


type GotifyConfigEntry = ConfigEntry[GotifyData]
