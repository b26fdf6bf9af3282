"""``platform: gotify`` in configuration.yaml, as the older Gotify custom components were set up.

Such a block names a server and an application token, nothing else. Its action publishes to that one
application through the same sender as the config entries. A target (another application) is refused
with a translated error; what would delete messages later (``data.tag``, ``data.timeout``, an alert's
``data.retry`` / ``data.expire``, ``clear_notification``) needs a client token too, and is left out with
a warning once, so that the message still goes out. The queue and receiving messages are not available
either (the queue looks up a message whose answer was lost before it sends again).

Each block raises a repair issue that leads to the UI, where Gotify is discovered with the block's server
filled in. Once a config entry holds the block's application, the issue says the block can go. Which
application a token belongs to: v2 lists each application's token (an application subentry keeps it);
v3 does not, and then Gotify's answer to the block's first message names it (``appid``). The issues are
not persistent, so after a restart without the block there is none.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from homeassistant.components.notify import PLATFORM_SCHEMA as NOTIFY_PLATFORM_SCHEMA
from homeassistant.components.notify.const import ATTR_DATA, ATTR_TARGET, ATTR_TITLE
from homeassistant.components.notify.legacy import BaseNotificationService
from homeassistant.config_entries import (
    SIGNAL_CONFIG_ENTRY_CHANGED,
    SOURCE_INTEGRATION_DISCOVERY,
    ConfigEntry,
    ConfigEntryChange,
    ConfigSubentry,
)
from homeassistant.const import CONF_NAME, CONF_TOKEN, CONF_URL, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import discovery_flow
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.util import slugify
from homeassistant.util.hass_dict import HassKey

from .account import Delivery, GotifyAccount
from .actions import ACTION_STORE
from .autodelete import AutoDelete
from .client import GotifyApplication, GotifyClient, GotifyMessage, display_url, normalize_url
from .compat import vol
from .const import (
    CONF_APP_ID,
    CONF_APP_TOKEN,
    CONF_QUEUE,
    DOMAIN,
    LOGGER,
    SUBENTRY_APPLICATION,
)
from .message import ATTR_EXPIRE, ATTR_RETRY, ATTR_TAG, ATTR_TIMEOUT, CLEAR_NOTIFICATION, phone_command
from .options import AccountOptions
from .outbox import Outbox
from .sender import GotifySender
from .tags import TagStore

CONF_MSG_BLACKLIST: Final = "msg_blacklist"
DEFAULT_NAME: Final = "gotify"
ISSUE_PREFIX: Final = "legacy_yaml_"
ISSUE_TO_MIGRATE: Final = "legacy_yaml"
ISSUE_MIGRATED: Final = "legacy_yaml_migrated"
MIGRATION_URL: Final = "https://github.com/ha-gotify/gotify-homeassistant#migrating-from-platform-gotify"
# The account options' defaults, without the queue: it needs a client token to send exactly once.
YAML_OPTIONS: Final = AccountOptions.of({CONF_QUEUE: False})
# The entry and application ids in the events of a block's buttons: a block is no config entry.
NO_ENTRY: Final = ""
NO_APPLICATION: Final = 0


def server_of(url: str) -> str:
    """Return the server an address names, as shown: what blocks and config entries are compared by."""
    return display_url(normalize_url(url)).rstrip("/")


def discovery_unique_id(url: str) -> str:
    """Return the unique id of the discovery flow of a block's server (what "Ignore" remembers)."""
    return f"{server_of(url)}#yaml"


def _base_url(value: Any) -> str:
    """Return the server's base URL as a config entry stores it; what users paste is accepted."""
    try:
        return str(normalize_url(cv.string(value))).rstrip("/")
    except ValueError as err:
        raise vol.Invalid("expected the http(s) address of the Gotify server") from err


def _token(value: Any) -> str:
    token = cv.string(value).strip()
    if not token:
        raise vol.Invalid("expected the token of a Gotify application")
    return token


# The keys of the older custom components, with ``name`` defaulting to ``gotify`` (``notify.gotify``).
PLATFORM_SCHEMA: Final = NOTIFY_PLATFORM_SCHEMA.extend(
    {
        vol.Required(CONF_URL): _base_url,
        vol.Required(CONF_TOKEN): _token,
        vol.Optional(CONF_NAME, default=DEFAULT_NAME): cv.string,
        vol.Optional(CONF_VERIFY_SSL, default=True): cv.boolean,
        vol.Optional(CONF_MSG_BLACKLIST, default=list): vol.All(cv.ensure_list, [cv.string]),
    }
)


@dataclass
class LegacyYaml:
    """One ``platform: gotify`` block, and what Gotify's answers told about it."""

    service: str  # ``notify.<service>``
    name: str
    url: str
    token: str
    verify_ssl: bool
    # The token's application, as Gotify's answer to a message names it (a v3 server tells no other way).
    app_id: int | None = None

    @property
    def action(self) -> str:
        """The block's action, as the user calls it."""
        return f"notify.{self.service}"

    @property
    def host(self) -> str:
        """The block's server, as it may be shown."""
        return server_of(self.url)

    @property
    def issue_id(self) -> str:
        """The id of the block's repair issue."""
        return f"{ISSUE_PREFIX}{self.service}"


LEGACY_YAML: HassKey[dict[str, LegacyYaml]] = HassKey(f"{DOMAIN}_legacy_yaml")


def _blocks(hass: HomeAssistant) -> dict[str, LegacyYaml]:
    """Return the blocks set up so far, by issue id; the first one starts following the entries."""
    if (blocks := hass.data.get(LEGACY_YAML)) is not None:
        return blocks
    blocks = hass.data[LEGACY_YAML] = {}

    @callback
    def entry_changed(change: ConfigEntryChange, entry: ConfigEntry) -> None:
        if entry.domain == DOMAIN:
            for block in blocks.values():
                async_update_issue(hass, block)

    async_dispatcher_connect(hass, SIGNAL_CONFIG_ENTRY_CHANGED, entry_changed)
    return blocks


def _entries(hass: HomeAssistant, *, include_disabled: bool = True) -> list[ConfigEntry]:
    return hass.config_entries.async_entries(DOMAIN, include_ignore=False, include_disabled=include_disabled)


def _holding(hass: HomeAssistant, block: LegacyYaml) -> tuple[ConfigEntry, ConfigSubentry] | None:
    """Return the enabled config entry and subentry of the block's application, if one is set up.

    The same token is the same application on any address of the server; the same id only on the same
    address (ids are counted per server).
    """
    for entry in _entries(hass, include_disabled=False):
        same_server = server_of(entry.data[CONF_URL]) == block.host
        for subentry in entry.subentries.values():
            if subentry.subentry_type != SUBENTRY_APPLICATION:
                continue
            if subentry.data.get(CONF_APP_TOKEN) == block.token or (
                same_server and block.app_id is not None and subentry.data[CONF_APP_ID] == block.app_id
            ):
                return entry, subentry
    return None


@callback
def async_update_issue(hass: HomeAssistant, block: LegacyYaml) -> None:
    """Raise the block's repair issue: how to move it to the UI, or, once it is there, that it can go.

    Gotify is discovered while no config entry has the block's server; a discovery flow still open when
    one is added (not through it) is withdrawn.
    """
    holding = _holding(hass, block)
    if holding is None:
        key, placeholders = ISSUE_TO_MIGRATE, {"service": block.action, "host": block.host}
    else:
        entry, subentry = holding
        key = ISSUE_MIGRATED
        placeholders = {"service": block.action, "account": entry.title, "application": subentry.title}
    ir.async_create_issue(
        hass,
        DOMAIN,
        block.issue_id,
        is_fixable=False,
        # Not kept across a restart: a restart without the block is what ends it.
        is_persistent=False,
        severity=ir.IssueSeverity.WARNING,
        learn_more_url=MIGRATION_URL,
        translation_key=key,
        translation_placeholders=placeholders,
    )
    if any(server_of(entry.data[CONF_URL]) == block.host for entry in _entries(hass)):
        _abort_discovery(hass, block)
    elif holding is None:
        discovery_flow.async_create_flow(
            hass,
            DOMAIN,
            context={"source": SOURCE_INTEGRATION_DISCOVERY},
            data={CONF_URL: block.url, CONF_VERIFY_SSL: block.verify_ssl},
        )


def _abort_discovery(hass: HomeAssistant, block: LegacyYaml) -> None:
    unique_id = discovery_unique_id(block.url)
    for flow in hass.config_entries.flow.async_progress_by_handler(
        DOMAIN, match_context={"source": SOURCE_INTEGRATION_DISCOVERY}
    ):
        if flow["context"].get("unique_id") == unique_id:
            hass.config_entries.flow.async_abort(flow["flow_id"])


def yaml_application(
    hass: HomeAssistant, url: str, applications: Iterable[GotifyApplication]
) -> GotifyApplication | None:
    """Return the application of a block of that server among ``applications``, if it can tell.

    By its token (v2 lists them) or by the id Gotify's answer to the block's message named (v3).
    """
    host = server_of(url)
    blocks = [block for block in hass.data.get(LEGACY_YAML, {}).values() if block.host == host]
    for application in applications:
        for block in blocks:
            if (application.token is not None and application.token == block.token) or (
                application.id == block.app_id
            ):
                return application
    return None


def async_get_yaml_service(hass: HomeAssistant, config: Mapping[str, Any]) -> "LegacyYamlService":
    """Set up the action of one block (validated by ``PLATFORM_SCHEMA``) and raise its repair issue."""
    name = str(config[CONF_NAME])
    block = LegacyYaml(
        # As Home Assistant names the action.
        service=slugify(name),
        name=name,
        url=config[CONF_URL],
        token=config[CONF_TOKEN],
        verify_ssl=config[CONF_VERIFY_SSL],
    )
    _blocks(hass)[block.issue_id] = block
    async_update_issue(hass, block)
    return LegacyYamlService(hass, block, config[CONF_MSG_BLACKLIST])


# What deletes messages later (a tag's previous message, a timeout, the copies of an alert that repeats).
_NEEDS_CLIENT_TOKEN: Final = (ATTR_TAG, ATTR_TIMEOUT, ATTR_RETRY, ATTR_EXPIRE)


class LegacyYamlService(BaseNotificationService):
    """The action of one block: its messages, published with its application token."""

    def __init__(self, hass: HomeAssistant, block: LegacyYaml, ignored: Iterable[str]) -> None:
        """Set up the action of ``block``; messages equal to one of ``ignored`` are not sent."""
        self.hass = hass
        self.block = block
        self._ignored = frozenset(ignored)
        self._warned: set[str] = set()  # what was left out of a call, said once each
        client = GotifyClient(
            async_get_clientsession(hass, block.verify_ssl),
            block.url,
            block.token,
            verify_ssl=block.verify_ssl,
        )
        key = block.issue_id
        self.account = GotifyAccount.publish_only(client, TagStore(hass, key))
        self.account.on_delivered(self._delivered)
        application = ConfigSubentry(
            # Home Assistant does not know the application (only Gotify's answers name it): the events
            # of the block's buttons name the block and no application id, and no entry.
            data=MappingProxyType({CONF_APP_ID: NO_APPLICATION, CONF_APP_TOKEN: block.token}),
            subentry_type=SUBENTRY_APPLICATION,
            title=block.name,
            unique_id=None,
        )
        # The sender takes a queue and a deletion timer; neither is ever used (nor stored): the queue is
        # off, and tags, timeouts, escalations and clear_notification are left out before the sender.
        self.sender = GotifySender(
            hass,
            application,
            entry_id=NO_ENTRY,
            account=self.account,
            outbox=Outbox(hass, key, self.account, on_change=lambda: None),
            autodelete=AutoDelete(hass, key, client),
            options=YAML_OPTIONS,
            app_tokens={},
        )

    async def async_send_message(self, message: str = "", **kwargs: Any) -> None:
        """Send a message with the title and data of the call; what needs a client token is refused."""
        if isinstance(message, str) and message.strip() in self._ignored:
            LOGGER.debug("Not sending a message that msg_blacklist of %s lists", self.block.action)
            return
        data = kwargs.get(ATTR_DATA)
        if kwargs.get(ATTR_TARGET) not in (None, [], ""):
            # Finding another application by name lists the applications: a client token's work.
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="yaml_needs_client_token",
                translation_placeholders={"field": "target", "service": self.block.action},
            )
        if phone_command(message) == CLEAR_NOTIFICATION:
            self._left_out(CLEAR_NOTIFICATION)  # deleting a message needs a client token
            return
        if isinstance(data, Mapping) and (unusable := [key for key in _NEEDS_CLIENT_TOKEN if key in data]):
            # The message still goes out (an alert matters more than what it cannot do here), without
            # what deletes messages; a notify group shared with the companion app sends ``tag`` often.
            for key in unusable:
                self._left_out(f"data.{key}")
            data = {key: value for key, value in data.items() if key not in _NEEDS_CLIENT_TOKEN}
        try:
            await self.sender.async_send(message, kwargs.get(ATTR_TITLE), data)
        except HomeAssistantError as err:
            if err.translation_key != "application_token_refused":
                raise
            # The sender's text sends the user to "Add application", which a YAML block has not.
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="yaml_token_refused",
                translation_placeholders={
                    "service": self.block.action,
                    "host": self.block.host,
                    "reason": (err.translation_placeholders or {}).get("reason", ""),
                },
            ) from err

    def _left_out(self, field: str) -> None:
        """Say once per field that a call's ``field`` was left out: it needs a client token."""
        if field in self._warned:
            return
        self._warned.add(field)
        LOGGER.warning(
            "%s comes from configuration.yaml with an application token, so %s is left out of its "
            "messages (replacing and deleting messages needs a client token); set Gotify up in the UI to "
            "use it: the repair in Settings > Repairs says how",
            self.block.action,
            field,
        )

    def _delivered(self, delivery: Delivery, sent: GotifyMessage) -> None:
        if delivery.actions:
            self.hass.data[ACTION_STORE].bind(delivery.actions, sent.id)
        if self.block.app_id != sent.appid:
            self.block.app_id = sent.appid
            async_update_issue(self.hass, self.block)
