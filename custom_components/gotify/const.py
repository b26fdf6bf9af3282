"""Names shared by several modules of the Gotify integration."""

import logging
from typing import Final

DOMAIN: Final = "gotify"
LOGGER = logging.getLogger(__package__)

# Config entry data (the account).
CONF_USER_ID: Final = "user_id"
CONF_USERNAME: Final = "username"
# The client Home Assistant creates for itself when the user signs in with a password; only its token is kept.
CLIENT_NAME: Final = "Home Assistant"

# Application subentries.
SUBENTRY_APPLICATION: Final = "application"
CONF_APP_ID: Final = "app_id"
CONF_APP_TOKEN: Final = "app_token"  # noqa: S105 - a key name
CONF_DESCRIPTION: Final = "description"
CONF_DEFAULT_PRIORITY: Final = "default_priority"

# Options.
CONF_PRIORITY: Final = "priority"
CONF_MARKDOWN: Final = "markdown"
CONF_CLICK_TARGET: Final = "click_target"
CONF_ATTACHMENT_EXPIRY: Final = "attachment_expiry"
CONF_QUEUE: Final = "queue"
CONF_COMPANION_APP_EVENTS: Final = "companion_app_events"
CLICK_TARGET_APP: Final = "app"
CLICK_TARGET_BROWSER: Final = "browser"

DEFAULT_PRIORITY: Final = 4
DEFAULT_MARKDOWN: Final = True
DEFAULT_CLICK_TARGET: Final = CLICK_TARGET_APP
DEFAULT_QUEUE: Final = True
DEFAULT_ATTACHMENT_EXPIRY_HOURS: Final = 24
DEFAULT_COMPANION_APP_EVENTS: Final = True
DEFAULT_APPLICATION_NAME: Final = "Home Assistant"
DEFAULT_APPLICATION_DESCRIPTION: Final = "Notifications from Home Assistant"

NOTIFY_SERVICE_PREFIX: Final = "gotify"
ACTION_PATH: Final = "/api/gotify/action"  # where the links of buttons point
EVENT_MESSAGE_RECEIVED: Final = "gotify_message_received"


def signal_message(entry_id: str) -> str:
    """Dispatcher signal with each new message from elsewhere (a ``GotifyMessage``)."""
    return f"{DOMAIN}_{entry_id}_message"


def signal_status(entry_id: str) -> str:
    """Dispatcher signal when the connection comes or goes, or the outbox changes."""
    return f"{DOMAIN}_{entry_id}_status"
