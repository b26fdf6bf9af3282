"""The server's version and health, asked for every minute."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .client import GotifyClient, GotifyError, GotifyHealth, GotifyVersion
from .const import DOMAIN, LOGGER

UPDATE_INTERVAL: Final = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class ServerState:
    """What ``/version`` and ``/health`` said; ``health`` is None until it was first asked."""

    version: GotifyVersion
    health: GotifyHealth | None = None

    @property
    def healthy(self) -> bool:
        """Gotify and its database are fine (or not known to be otherwise yet)."""
        return self.health is None or self.health.healthy


class GotifyServerCoordinator(DataUpdateCoordinator[ServerState]):
    """Keeps the version sensor, the device's software version and the health entities current."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        client: GotifyClient,
        version: GotifyVersion,
        server_device_id: str,
    ) -> None:
        """Start from the version setup read; the first refresh asks for the health."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=UPDATE_INTERVAL,
        )
        self.client = client
        self.server_device_id = server_device_id
        self.data = ServerState(version)

    async def _async_update_data(self) -> ServerState:
        try:
            version = await self.client.version()
            health = await self.client.health()
        except GotifyError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="update_failed",
                translation_placeholders={"host": self.client.host, "reason": str(err)},
            ) from err
        previous = self.data
        if version.version != previous.version.version:
            LOGGER.info("Gotify at %s is now version %s", self.client.host, version.version)
            dr.async_get(self.hass).async_update_device(self.server_device_id, sw_version=version.version)
        if previous.health is None or (health.health, health.database) != (
            previous.health.health,
            previous.health.database,
        ):
            if not health.healthy:
                LOGGER.warning(
                    "Gotify at %s reports health %s, database %s",
                    self.client.host,
                    health.health,
                    health.database,
                )
            elif previous.health is not None:
                LOGGER.info("Gotify at %s is healthy again", self.client.host)
        return ServerState(version, health)
