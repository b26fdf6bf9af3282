"""The account's options: what they are by default, read once; an application may set some itself."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Self

from .const import (
    CONF_ATTACHMENT_EXPIRY,
    CONF_CLICK_TARGET,
    CONF_COMPANION_APP_EVENTS,
    CONF_MARKDOWN,
    CONF_PRIORITY,
    CONF_QUEUE,
    DEFAULT_ATTACHMENT_EXPIRY_HOURS,
    DEFAULT_CLICK_TARGET,
    DEFAULT_COMPANION_APP_EVENTS,
    DEFAULT_MARKDOWN,
    DEFAULT_PRIORITY,
    DEFAULT_QUEUE,
)

# What a new entry stores; an entry created before an option existed reads its default.
DEFAULT_OPTIONS: Final[Mapping[str, Any]] = {
    CONF_PRIORITY: DEFAULT_PRIORITY,
    CONF_MARKDOWN: DEFAULT_MARKDOWN,
    CONF_CLICK_TARGET: DEFAULT_CLICK_TARGET,
    CONF_ATTACHMENT_EXPIRY: DEFAULT_ATTACHMENT_EXPIRY_HOURS,
    CONF_QUEUE: DEFAULT_QUEUE,
    CONF_COMPANION_APP_EVENTS: DEFAULT_COMPANION_APP_EVENTS,
}

# The options an application subentry may set for its own notifications, stored in its data under the
# option's own key; a key it does not have follows the account.
APPLICATION_SETTINGS: Final = (CONF_PRIORITY, CONF_MARKDOWN, CONF_CLICK_TARGET)


def application_overrides(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return the account options an application subentry's ``data`` sets for that application."""
    return {key: data[key] for key in APPLICATION_SETTINGS if key in data}


@dataclass(frozen=True, slots=True)
class AccountOptions:
    """The options of one account (a change reloads the entry, so they are read once)."""

    priority: int
    markdown: bool
    click_target: str
    attachment_expiry_hours: float
    queue: bool
    # Pressing a button also fires the companion app's event, so that its automations work unchanged.
    companion_app_events: bool

    @classmethod
    def of(cls, options: Mapping[str, Any], overrides: Mapping[str, Any] | None = None) -> Self:
        """Read the options as stored, with the default for any that is missing.

        ``overrides``: an application subentry's data, whose own settings (``APPLICATION_SETTINGS``) win.
        """
        merged = {**DEFAULT_OPTIONS, **options, **application_overrides(overrides or {})}
        return cls(
            priority=int(merged[CONF_PRIORITY]),
            markdown=bool(merged[CONF_MARKDOWN]),
            click_target=str(merged[CONF_CLICK_TARGET]),
            attachment_expiry_hours=float(merged[CONF_ATTACHMENT_EXPIRY]),
            queue=bool(merged[CONF_QUEUE]),
            companion_app_events=bool(merged[CONF_COMPANION_APP_EVENTS]),
        )

    def application_settings(self) -> dict[str, Any]:
        """Return the options an application may set for itself (``APPLICATION_SETTINGS``), by key."""
        return {
            CONF_PRIORITY: self.priority,
            CONF_MARKDOWN: self.markdown,
            CONF_CLICK_TARGET: self.click_target,
        }
