"""Runtime data kept on each config entry."""

import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from homeassistant.components.notify.legacy import BaseNotificationService
from homeassistant.config_entries import ConfigEntry

from .client import GotifyApplication, GotifyClient, GotifyError, GotifyUser, GotifyVersion
from .tags import TagStore

if TYPE_CHECKING:
    from .outbox import Outbox
    from .sender import GotifySender
    from .stream import GotifyListener, OwnMessages


@dataclass
class GotifyData:
    """One Gotify account: its client, what the server said, the stream, the outbox, the senders."""

    client: GotifyClient
    version: GotifyVersion
    user: GotifyUser
    applications: dict[int, GotifyApplication]
    server_device_id: str
    tags: TagStore
    own: "OwnMessages"
    listener: "GotifyListener"
    outbox: "Outbox"
    senders: "dict[str, GotifySender]" = field(default_factory=dict)
    legacy_services: list[BaseNotificationService] = field(default_factory=list)

    async def async_application_name(self, app_id: int) -> str:
        """An application's name, listing the applications again for one added since setup."""
        if app_id not in self.applications:
            with contextlib.suppress(GotifyError):
                self.applications = {app.id: app for app in await self.client.applications()}
        application = self.applications.get(app_id)
        return application.name if application else str(app_id)

    def watermark(self) -> int:
        """The newest message id this integration knows of."""
        return max(self.listener.last_id, self.own.newest)


type GotifyConfigEntry = ConfigEntry[GotifyData]
