"""Config flow: server and client token, or username and password, then an application.

Also reauth, reconfigure, options, subentries.
"""

import contextlib
import importlib.util
import re
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryData,
    ConfigSubentryFlow,
    OptionsFlow,
    SubentryFlowResult,
)
from homeassistant.const import CONF_NAME, CONF_PASSWORD, CONF_TOKEN, CONF_URL, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType, section
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.helpers.typing import DiscoveryInfoType
from yarl import URL

from . import client_for
from .client import (
    GotifyApplication,
    GotifyAuthenticationError,
    GotifyCertificateError,
    GotifyClient,
    GotifyConnectionError,
    GotifyError,
    GotifyInvalidResponseError,
    GotifyRedirectError,
    GotifyResponseError,
    GotifyUser,
    GotifyValidationError,
    GotifyVersion,
    UserCredentials,
    display_url,
    maybe_delivered,
    normalize_url,
)
from .compat import vol
from .const import (
    CLICK_TARGET_APP,
    CLICK_TARGET_BROWSER,
    CLIENT_NAME,
    CONF_APP_ID,
    CONF_APP_TOKEN,
    CONF_ATTACHMENT_EXPIRY,
    CONF_CLICK_TARGET,
    CONF_COMPANION_APP_EVENTS,
    CONF_DEFAULT_PRIORITY,
    CONF_DESCRIPTION,
    CONF_MARKDOWN,
    CONF_PRIORITY,
    CONF_QUEUE,
    CONF_USER_ID,
    CONF_USERNAME,
    DEFAULT_APPLICATION_DESCRIPTION,
    DEFAULT_APPLICATION_NAME,
    DEFAULT_PRIORITY,
    DOMAIN,
    LOGGER,
    SUBENTRY_APPLICATION,
)
from .legacy_yaml import discovery_unique_id, server_of, yaml_application
from .options import APPLICATION_SETTINGS, DEFAULT_OPTIONS, AccountOptions, application_overrides

CONF_APPLICATION = "application"
# The other way in, beside the client token: a section of the form with the username and password.
SECTION_SIGN_IN = "sign_in"
# The URL field's help text gives examples; URLs come in as placeholders, not in the strings.
URL_EXAMPLES: dict[str, str] = {
    "example_url": "http://192.168.1.10:8080",
    "example_proxy_url": "https://example.com/gotify/",
}
STEP_APPLICATION_MENU = ["create_application", "select_application"]
ICON_FILE = "home-assistant.png"


class WholeNumberSelector(NumberSelector):
    """A number box for whole numbers in a range; anything else is the form error ``error``.

    Home Assistant's number selector takes any number in range (``7.5``) and says "Value 11.0 is too
    large" otherwise; the form error is a translation key, which the frontend shows translated.
    """

    def __init__(self, minimum: int, maximum: int, error: str, unit: str | None = None) -> None:
        """Set up a box for ``minimum`` to ``maximum``, in ``unit`` if given."""
        config = NumberSelectorConfig(min=minimum, max=maximum, step=1, mode=NumberSelectorMode.BOX)
        if unit is not None:
            config["unit_of_measurement"] = unit
        super().__init__(config)
        self.minimum = minimum
        self.maximum = maximum
        self.error = error

    def __call__(self, data: Any) -> int:
        """Return ``data`` as a whole number in range, or raise the form error ``error``."""
        if isinstance(data, bool):
            raise vol.Invalid(self.error)
        try:
            value = float(data)
        except (TypeError, ValueError, OverflowError) as err:
            raise vol.Invalid(self.error) from err
        if not value.is_integer() or not self.minimum <= value <= self.maximum:
            raise vol.Invalid(self.error)
        return int(value)


_PRIORITY_SELECTOR = WholeNumberSelector(0, 10, "invalid_priority")
_EXPIRY_SELECTOR = WholeNumberSelector(1, 720, "invalid_expiry", unit="h")


_TOKEN_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))


def _sign_in_section(username: str | None, *, collapsed: bool) -> section:
    """Return the section with the username and password, ``username`` filled in (never the password)."""
    username_key = (
        vol.Optional(CONF_USERNAME)
        if username is None
        else vol.Optional(CONF_USERNAME, description={"suggested_value": username})
    )
    return section(
        vol.Schema(
            {
                username_key: TextSelector(
                    TextSelectorConfig(type=TextSelectorType.TEXT, autocomplete="username")
                ),
                vol.Optional(CONF_PASSWORD): TextSelector(
                    TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="current-password")
                ),
            }
        ),
        {"collapsed": collapsed},
    )


def _sign_in_input(user_input: Mapping[str, Any] | None) -> tuple[str, str]:
    """Return the username and the password a form was sent with (empty where none)."""
    sign_in = (user_input or {}).get(SECTION_SIGN_IN) or {}
    return str(sign_in.get(CONF_USERNAME) or ""), str(sign_in.get(CONF_PASSWORD) or "")


def without_sign_in(user_input: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return what a form may be filled in with again: all but the sign-in section, never the password.

    (A form's suggested values travel to the frontend and stay in the flow's result.)
    """
    return {key: value for key, value in (user_input or {}).items() if key != SECTION_SIGN_IN}


def user_schema(user_input: Mapping[str, Any] | None) -> vol.Schema:
    """Return the first form: the server, then a client token or, in a section, a username and password.

    The section is shown open again when the user filled it in.
    """
    username, password = _sign_in_input(user_input)
    return vol.Schema(
        {
            vol.Required(CONF_URL): TextSelector(TextSelectorConfig(type=TextSelectorType.URL)),
            vol.Required(CONF_VERIFY_SSL, default=True): BooleanSelector(),
            vol.Optional(CONF_TOKEN): _TOKEN_SELECTOR,
            vol.Optional(SECTION_SIGN_IN): _sign_in_section(
                username or None, collapsed=not (username or password)
            ),
        }
    )


def _reconfigure_schema(url: str, verify_ssl: bool) -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_URL, default=url): TextSelector(TextSelectorConfig(type=TextSelectorType.URL)),
            vol.Required(CONF_VERIFY_SSL, default=verify_ssl): BooleanSelector(),
        }
    )


def reauth_schema(username: str, user_input: Mapping[str, Any] | None) -> vol.Schema:
    """Return the reauth form: a new client token, or the password (``username`` filled in).

    The section is shown open again when the user gave a password.
    """
    typed, password = _sign_in_input(user_input)
    return vol.Schema(
        {
            vol.Optional(CONF_TOKEN): _TOKEN_SELECTOR,
            vol.Optional(SECTION_SIGN_IN): _sign_in_section(typed or username, collapsed=not password),
        }
    )


def form_credentials(user_input: Mapping[str, Any]) -> str | UserCredentials:
    """Return what a form with a token field and the sign-in section was sent with: a token or a password.

    A username alone is no choice: the reauth form fills it in.
    """
    token = str(user_input.get(CONF_TOKEN) or "")
    username, password = _sign_in_input(user_input)
    if token.strip():
        if password:
            raise FlowError("token_or_password")
        return token
    if not password:
        raise FlowError("credentials_required")
    if not username:
        raise FlowError("username_required")
    return UserCredentials(username, password)


def free_name(preferred: str, applications: list[GotifyApplication]) -> str | None:
    """``preferred``, unless an application of the account has that name already (then none)."""
    if any(app.name.casefold() == preferred.casefold() for app in applications):
        return None
    return preferred


def create_application_schema(name: str | None) -> vol.Schema:
    """Return the create-application form, its name filled in with ``name`` (a free one, or none)."""
    name_field = vol.Required(CONF_NAME) if name is None else vol.Required(CONF_NAME, default=name)
    return vol.Schema(
        {
            name_field: TextSelector(),
            vol.Optional(CONF_DESCRIPTION, default=DEFAULT_APPLICATION_DESCRIPTION): TextSelector(),
            vol.Required(CONF_DEFAULT_PRIORITY, default=DEFAULT_PRIORITY): _PRIORITY_SELECTOR,
        }
    )


def select_application_schema(applications: list[GotifyApplication]) -> vol.Schema:
    """Return the form that picks one of ``applications``."""
    options = [SelectOptionDict(value=str(app.id), label=app.name) for app in applications]
    return vol.Schema(
        {
            vol.Required(CONF_APPLICATION): SelectSelector(
                SelectSelectorConfig(options=options, mode=SelectSelectorMode.DROPDOWN)
            )
        }
    )


@dataclass(frozen=True, kw_only=True)
class SettingField:
    """An account option an application may set for itself, as the application's settings form offers it.

    The choices are text: ``choices`` the setting's own values, and ``account_<the account's value>``
    to follow the account, so that its label can name what it follows (a select takes no placeholders).
    """

    key: str
    choices: tuple[str, ...]
    translation_key: str
    mode: SelectSelectorMode = SelectSelectorMode.LIST
    to_choice: Callable[[Any], str] = str
    from_choice: Callable[[str], Any] = str

    def account_choice(self, account: AccountOptions) -> str:
        """Return the choice that follows ``account``'s option."""
        return f"{ACCOUNT_CHOICE}_{self.to_choice(account.application_settings()[self.key])}"

    def selector(self, account: AccountOptions) -> SelectSelector:
        """Return the field's select: following ``account``, then the setting's own values."""
        return SelectSelector(
            SelectSelectorConfig(
                options=[self.account_choice(account), *self.choices],
                translation_key=self.translation_key,
                mode=self.mode,
            )
        )


ACCOUNT_CHOICE = "account"
SETTING_FIELDS = (
    SettingField(
        key=CONF_PRIORITY,
        choices=tuple(str(priority) for priority in range(11)),
        translation_key="application_priority",
        mode=SelectSelectorMode.DROPDOWN,
        from_choice=int,
    ),
    SettingField(
        key=CONF_MARKDOWN,
        choices=("on", "off"),
        translation_key="application_markdown",
        to_choice=lambda markdown: "on" if markdown else "off",
        from_choice=lambda choice: choice == "on",
    ),
    SettingField(
        key=CONF_CLICK_TARGET,
        choices=(CLICK_TARGET_APP, CLICK_TARGET_BROWSER),
        translation_key="application_click_target",
    ),
)


def application_settings_choices(data: Mapping[str, Any], account: AccountOptions) -> dict[str, str]:
    """Return the form's choices for a subentry's ``data``: the application's settings, else the account's."""
    overrides = application_overrides(data)
    return {
        field.key: field.to_choice(overrides[field.key])
        if field.key in overrides
        else field.account_choice(account)
        for field in SETTING_FIELDS
    }


def application_settings_schema(name: str, data: Mapping[str, Any], account: AccountOptions) -> vol.Schema:
    """Return an application's settings form: the application in Gotify, then its own settings.

    A setting left out keeps what it is (``data``, the subentry's).
    """
    current = application_settings_choices(data, account)
    return create_application_schema(name).extend(
        {
            vol.Required(field.key, default=current[field.key]): field.selector(account)
            for field in SETTING_FIELDS
        }
    )


def application_settings_data(data: Mapping[str, Any], user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Return an application subentry's ``data`` with the settings the form chose (none: the account's)."""
    updated = {key: value for key, value in data.items() if key not in APPLICATION_SETTINGS}
    for field in SETTING_FIELDS:
        choice = str(user_input[field.key])
        if not choice.startswith(f"{ACCOUNT_CHOICE}_"):
            updated[field.key] = field.from_choice(choice)
    return updated


class FlowError(Exception):
    """A flow form error: ``key`` is the translation key, ``field`` the form field it belongs to."""

    def __init__(self, key: str, field: str = "base", **placeholders: str) -> None:
        """Keep the translation key, the field and the placeholders its text needs."""
        super().__init__(key)
        self.key = key
        self.field = field
        self.placeholders = placeholders


@dataclass
class Account:
    """A verified server and account: with a client token, or signed in with a password.

    Signed in with a password, ``token`` is none and ``client`` sends the password, until
    ``async_client_token`` creates the client Home Assistant keeps the token of.
    """

    client: GotifyClient
    version: GotifyVersion
    user: GotifyUser
    url: URL
    token: str | None
    verify_ssl: bool

    @property
    def url_text(self) -> str:
        """The base URL as stored: no trailing slash."""
        return str(self.url).rstrip("/")

    @property
    def unique_id(self) -> str:
        """Server and user id: the same account twice is the same entry."""
        return f"{display_url(self.url).rstrip('/')}#{self.user.id}"

    @property
    def title(self) -> str:
        """The entry's title: ``user@host``, with the port if the URL names one."""
        host = self.url.host or ""
        if ":" in host:  # an IPv6 address, bracketed as in a URL: admin@[::1]:8080
            host = f"[{host}]"
        if self.url.explicit_port:
            host = f"{host}:{self.url.port}"
        return f"{self.user.name}@{host}"


# A token is printable ASCII without spaces (v2: letters, digits, ``-_.``; v3: ``gtfyc.`` + base64url).
_TOKEN_CHARACTERS = re.compile(r"[!-~]+")


def _base_url(url: str) -> URL:
    try:
        return normalize_url(url)
    except ValueError as err:
        raise FlowError("invalid_url", CONF_URL) from err


@contextlib.contextmanager
def _server_errors(client: GotifyClient) -> Iterator[None]:
    """Turn what keeps the flow from the server into the URL field's errors (a FlowError passes)."""
    try:
        yield
    except GotifyCertificateError as err:
        raise FlowError("certificate_error", CONF_URL) from err
    except GotifyConnectionError as err:
        raise FlowError("cannot_connect", CONF_URL, reason=str(err)) from err
    except GotifyRedirectError as err:
        raise FlowError("redirected", CONF_URL, target=err.target) from err
    except (GotifyInvalidResponseError, GotifyResponseError) as err:
        raise FlowError("not_gotify", CONF_URL, reason=str(err)) from err
    except GotifyError as err:
        LOGGER.exception("Unexpected error while checking %s", client.host)
        raise FlowError("unknown") from err


async def async_verify_account(hass: HomeAssistant, url: str, token: str, verify_ssl: bool) -> Account:
    """Check that ``url`` is a Gotify server and ``token`` one of its client tokens."""
    base = _base_url(url)
    # Spaces and line breaks around a pasted token are safe to drop; inside it they are a broken paste.
    token = token.strip()
    if not _TOKEN_CHARACTERS.fullmatch(token):
        raise FlowError("invalid_token_characters", CONF_TOKEN)
    client = client_for(hass, str(base), token, verify_ssl)
    with _server_errors(client):
        version = await client.version()
        try:
            user = await client.current_user()
        except GotifyAuthenticationError as err:
            if await client.is_application_token(token):
                raise FlowError("application_token", CONF_TOKEN) from err
            raise FlowError("invalid_token", CONF_TOKEN) from err
    return Account(client, version, user, base, token, verify_ssl)


async def async_sign_in(
    hass: HomeAssistant, url: str, credentials: UserCredentials, verify_ssl: bool
) -> Account:
    """Check that ``url`` is a Gotify server that takes this username and password; nothing is created."""
    base = _base_url(url)
    if base.user or base.password:
        # A reverse proxy's own basic authentication: Gotify's would take the same header.
        raise FlowError("sign_in_with_url_credentials", CONF_URL)
    client = client_for(hass, str(base), credentials, verify_ssl)
    with _server_errors(client):
        version = await client.version()
        try:
            user = await client.current_user()
        except GotifyAuthenticationError as err:
            raise FlowError("invalid_auth") from err
    return Account(client, version, user, base, None, verify_ssl)


async def async_connect(
    hass: HomeAssistant, url: str, credentials: str | UserCredentials, verify_ssl: bool
) -> Account:
    """Check the server and the account, with a client token or with a username and password."""
    if isinstance(credentials, UserCredentials):
        return await async_sign_in(hass, url, credentials, verify_ssl)
    return await async_verify_account(hass, url, credentials, verify_ssl)


@contextlib.asynccontextmanager
async def async_client_token(hass: HomeAssistant, account: Account) -> AsyncIterator[Account]:
    """Yield the account with a client token, for what makes the entry (inside the block).

    Signed in with a password, this creates the client "Home Assistant" (on Gotify 3.x one that never
    expires for inactivity) and checks its token; if that check or the block fails, the client is
    deleted again, so that a flow leaves no client behind without an entry.
    """
    if account.token is not None:
        yield account
        return
    # v2 servers have no such field; v3 ones remove a client unused for that long (0: never).
    expiry = 0 if account.version.clients_expire else None
    try:
        created = await account.client.create_client(CLIENT_NAME, expires_after_inactivity=expiry)
    except GotifyAuthenticationError as err:
        raise FlowError("invalid_auth") from err
    except GotifyValidationError as err:
        raise FlowError("client_refused", reason=err.description) from err
    except GotifyError as err:
        if maybe_delivered(err):
            LOGGER.warning(
                "Gotify at %s may have created the client %s although its answer was lost (%s); if"
                " Gotify's web UI lists it under Clients, delete it there",
                account.client.host,
                CLIENT_NAME,
                err,
            )
        raise FlowError("cannot_connect", reason=str(err)) from err
    assert created.token is not None  # GotifyClientInfo.created
    client = client_for(hass, account.url_text, created.token, account.verify_ssl)
    try:
        try:
            await client.current_user()
        except GotifyAuthenticationError as err:
            raise FlowError("new_token_refused", reason=str(err)) from err
        except GotifyError as err:
            raise FlowError("cannot_connect", reason=str(err)) from err
        yield replace(account, client=client, token=created.token)
    except Exception:
        await _async_delete_client(account, created.id)
        raise


async def _async_delete_client(account: Account, client_id: int) -> None:
    """Delete a client this flow created, with the password (a v3 server wants an elevated session)."""
    try:
        await account.client.delete_client(client_id)
    except GotifyError as err:
        LOGGER.warning(
            "Could not delete the client %s (id %s) created in Gotify at %s: %s; delete it in Gotify's web"
            " UI under Clients",
            CLIENT_NAME,
            client_id,
            account.client.host,
            err,
        )


def _home_assistant_icon() -> bytes | None:
    """Read the Home Assistant icon from the installed frontend package, if any (runs in the executor)."""
    spec = importlib.util.find_spec("hass_frontend")
    if spec is None or not spec.submodule_search_locations:
        return None
    icons = Path(next(iter(spec.submodule_search_locations))) / "static" / "icons"
    for name in ("favicon-512x512.png", "favicon-192x192.png"):
        if (icons / name).is_file():
            return (icons / name).read_bytes()
    return None


def application_name(
    existing: list[GotifyApplication], user_input: Mapping[str, Any], set_up: set[int] | None = None
) -> str:
    """Return the name of the application to create, if the account has none of that name.

    ``set_up``: as for ``async_create_application``.
    """
    name = str(user_input[CONF_NAME]).strip()
    if not name:
        raise FlowError("name_required", CONF_NAME)
    clash = next((app for app in existing if app.name.casefold() == name.casefold()), None)
    if clash is not None:
        key = "application_set_up" if clash.id in (set_up or set()) else "application_exists"
        raise FlowError(key, CONF_NAME, name=name)
    return name


async def async_create_application(
    hass: HomeAssistant,
    client: GotifyClient,
    existing: list[GotifyApplication],
    user_input: Mapping[str, Any],
    set_up: set[int] | None = None,
) -> GotifyApplication:
    """Create an application with the Home Assistant icon; the icon is a nicety that never fails this.

    ``set_up``: ids of the applications the entry has already, which "Use an existing application"
    does not offer, so a name clash with one of them has only one way out.
    """
    name = application_name(existing, user_input, set_up)
    try:
        application = await client.create_application(
            name, str(user_input.get(CONF_DESCRIPTION) or ""), user_input[CONF_DEFAULT_PRIORITY]
        )
    except GotifyAuthenticationError as err:
        raise FlowError("invalid_token") from err
    except GotifyValidationError as err:
        raise FlowError("application_rejected", reason=err.description) from err
    except GotifyError as err:
        raise FlowError("cannot_connect", reason=str(err)) from err
    try:
        icon = await hass.async_add_executor_job(_home_assistant_icon)
        if icon is None:
            LOGGER.debug("No Home Assistant frontend icon found; %s keeps Gotify's default image", name)
        else:
            await client.upload_application_image(application.id, icon, ICON_FILE)
    except (GotifyError, OSError) as err:
        LOGGER.warning("Could not set the image of the Gotify application %s: %s", name, err)
    return application


async def async_create_from_form(
    hass: HomeAssistant,
    client: GotifyClient,
    existing: list[GotifyApplication],
    user_input: Mapping[str, Any] | None,
    set_up: set[int] | None = None,
) -> tuple[GotifyApplication | None, dict[str, str], dict[str, str]]:
    """Return the create-application form's outcome: the new application, or the form's errors."""
    errors: dict[str, str] = {}
    placeholders = {"name": "", "reason": ""}
    if user_input is None:
        return None, errors, placeholders
    try:
        application = await async_create_application(hass, client, existing, user_input, set_up)
    except FlowError as err:
        errors[err.field] = err.key
        placeholders.update(err.placeholders)
        return None, errors, placeholders
    return application, errors, placeholders


def set_up_ids(entry: ConfigEntry) -> set[int]:
    """Return the ids of the applications the entry has (as subentries)."""
    return {
        subentry.data[CONF_APP_ID]
        for subentry in entry.subentries.values()
        if subentry.subentry_type == SUBENTRY_APPLICATION
    }


def not_set_up(applications: list[GotifyApplication], entry: ConfigEntry) -> list[GotifyApplication]:
    """Return the applications of the account that the entry does not have yet."""
    set_up = set_up_ids(entry)
    return [app for app in applications if app.id not in set_up]


def subentry_data(application: GotifyApplication) -> dict[str, Any]:
    """Return the data of an application's subentry."""
    # v3 servers show an application's token only when creating it; without one the client token
    # publishes with the application's id.
    return {CONF_APP_ID: application.id, CONF_APP_TOKEN: application.token}


class GotifyConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up one Gotify account."""

    VERSION = 1

    def __init__(self) -> None:
        """Start with no verified account and no applications listed."""
        self._account: Account | None = None
        self._applications: list[GotifyApplication] = []

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """Create the options flow."""
        return GotifyOptionsFlow()

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Return the subentry types this integration supports: applications."""
        return {SUBENTRY_APPLICATION: ApplicationSubentryFlow}

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Handle the user step: the server's URL, and a client token or a username and password.

        With a password nothing is created yet: the client Home Assistant keeps the token of is made
        with the entry (``async_client_token``), once the account is known not to be set up already.
        """
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {**URL_EXAMPLES, "reason": ""}
        if user_input is not None:
            try:
                account = await async_connect(
                    self.hass,
                    user_input[CONF_URL],
                    form_credentials(user_input),
                    user_input[CONF_VERIFY_SSL],
                )
                await self.async_set_unique_id(account.unique_id)
                self._abort_if_unique_id_configured()
                self._applications = await account.client.applications()
            except FlowError as err:
                errors[err.field] = err.key
                placeholders.update(err.placeholders)
            except GotifyError as err:
                errors["base"] = "cannot_connect"
                placeholders["reason"] = str(err)
            else:
                self._account = account
                return await self.async_step_application()
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                user_schema(user_input), without_sign_in(user_input)
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_application(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Handle the application step: create an application, or use one the account has."""
        if not self._applications:
            return await self.async_step_create_application()
        return self.async_show_menu(step_id="application", menu_options=STEP_APPLICATION_MENU)

    async def async_step_select_application(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Handle the select application step."""
        assert self._account is not None
        errors: dict[str, str] = {}
        placeholders = {"reason": ""}
        if user_input is not None:
            chosen = next(app for app in self._applications if str(app.id) == user_input[CONF_APPLICATION])
            try:
                async with async_client_token(self.hass, self._account) as account:
                    return self._create_entry(account, chosen)
            except FlowError as err:
                errors[err.field] = err.key
                placeholders.update(err.placeholders)
        return self.async_show_form(
            step_id="select_application",
            data_schema=self.add_suggested_values_to_schema(
                select_application_schema(self._applications), user_input or {}
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_create_application(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Handle the create application step (signed in with a password: a client, then the application)."""
        assert self._account is not None
        errors: dict[str, str] = {}
        placeholders = {"name": "", "reason": ""}
        if user_input is not None:
            try:
                application_name(self._applications, user_input)  # refused before a client is made for it
                async with async_client_token(self.hass, self._account) as account:
                    application = await async_create_application(
                        self.hass, account.client, self._applications, user_input
                    )
                    return self._create_entry(account, application)
            except FlowError as err:
                errors[err.field] = err.key
                placeholders.update(err.placeholders)
        schema = create_application_schema(free_name(DEFAULT_APPLICATION_NAME, self._applications))
        return self.async_show_form(
            step_id="create_application",
            data_schema=self.add_suggested_values_to_schema(schema, user_input or {}),
            errors=errors,
            description_placeholders=placeholders,
        )

    def _create_entry(self, account: Account, application: GotifyApplication) -> ConfigFlowResult:
        assert account.token is not None  # async_client_token
        return self.async_create_entry(
            title=account.title,
            data={
                CONF_URL: account.url_text,
                CONF_TOKEN: account.token,
                CONF_VERIFY_SSL: account.verify_ssl,
                CONF_USER_ID: account.user.id,
                CONF_USERNAME: account.user.name,
            },
            options=dict(DEFAULT_OPTIONS),
            subentries=[
                ConfigSubentryData(
                    subentry_type=SUBENTRY_APPLICATION,
                    title=application.name,
                    unique_id=str(application.id),
                    data=subentry_data(application),
                )
            ],
        )

    async def async_step_integration_discovery(self, discovery_info: DiscoveryInfoType) -> ConfigFlowResult:
        """Handle the server of a ``platform: gotify`` block of configuration.yaml (``legacy_yaml``)."""
        url = str(discovery_info[CONF_URL])
        await self.async_set_unique_id(discovery_unique_id(url))
        self._abort_if_unique_id_configured()
        host = server_of(url)
        if any(
            server_of(entry.data[CONF_URL]) == host
            for entry in self._async_current_entries(include_ignore=False)
        ):
            return self.async_abort(reason="already_configured")  # the application is added there
        placeholders = {"host": host}
        self.context["title_placeholders"] = placeholders
        return await self.async_step_discovery_confirm()

    async def async_step_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Handle the discovery confirm step: the user step, with the block's server filled in.

        When the account has the block's application, the entry is made with it at once.
        """
        discovered = self.init_data
        placeholders = {"host": server_of(discovered[CONF_URL]), "reason": ""}
        if user_input is None:
            filled_in = {CONF_URL: discovered[CONF_URL], CONF_VERIFY_SSL: discovered[CONF_VERIFY_SSL]}
            return self.async_show_form(
                step_id="discovery_confirm",
                data_schema=self.add_suggested_values_to_schema(user_schema(None), filled_in),
                description_placeholders=placeholders,
            )
        result = await self.async_step_user(user_input)
        if self._account is not None:
            application = yaml_application(self.hass, self._account.url_text, self._applications)
            if application is None:
                return result
            # Chosen as the user would choose it (signed in with a password, its client is made there).
            return await self.async_step_select_application({CONF_APPLICATION: str(application.id)})
        if result["type"] is FlowResultType.FORM:  # the user step's errors, shown on this form
            return self.async_show_form(
                step_id="discovery_confirm",
                data_schema=result["data_schema"],
                errors=result["errors"],
                description_placeholders=placeholders | dict(result["description_placeholders"] or {}),
            )
        return result

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Handle reauthentication: the server refused the client token."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Handle the reauth confirm step: a new client token of the same user, or the user's password.

        With the password, the account is checked to be the same before a new client is created.
        """
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        placeholders = {"account": entry.title, "reason": ""}
        if user_input is not None:
            try:
                account = await async_connect(
                    self.hass, entry.data[CONF_URL], form_credentials(user_input), entry.data[CONF_VERIFY_SSL]
                )
                if account.user.id != entry.data[CONF_USER_ID]:
                    return self.async_abort(
                        reason="account_mismatch",
                        description_placeholders={"account": entry.title, "other": account.title},
                    )
                async with async_client_token(self.hass, account) as account:
                    return self.async_update_reload_and_abort(entry, data_updates={CONF_TOKEN: account.token})
            except FlowError as err:
                errors["base" if err.field == CONF_URL else err.field] = err.key
                placeholders.update(err.placeholders)
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=self.add_suggested_values_to_schema(
                reauth_schema(entry.data[CONF_USERNAME], user_input), without_sign_in(user_input)
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_reconfigure(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Handle the reconfigure step: the same account at a new URL (the stored token must work there)."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        placeholders = {"account": entry.title, "reason": ""}
        if user_input is not None:
            try:
                account = await async_verify_account(
                    self.hass, user_input[CONF_URL], entry.data[CONF_TOKEN], user_input[CONF_VERIFY_SSL]
                )
            except FlowError as err:
                # The stored token not working at the new address means another server.
                if err.key in ("invalid_token", "application_token"):
                    err = FlowError("token_not_valid_here")
                errors[err.field] = err.key
                placeholders.update(err.placeholders)
            else:
                if (account.user.id, account.user.name) != (
                    entry.data[CONF_USER_ID],
                    entry.data[CONF_USERNAME],
                ):
                    return self.async_abort(
                        reason="account_mismatch",
                        description_placeholders={"account": entry.title, "other": account.title},
                    )
                if account.unique_id != entry.unique_id:
                    await self.async_set_unique_id(account.unique_id)
                    self._abort_if_unique_id_configured()
                return self.async_update_reload_and_abort(
                    entry,
                    unique_id=account.unique_id,
                    title=account.title,
                    data_updates={CONF_URL: account.url_text, CONF_VERIFY_SSL: account.verify_ssl},
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                _reconfigure_schema(entry.data[CONF_URL], entry.data[CONF_VERIFY_SSL]), user_input or {}
            ),
            errors=errors,
            description_placeholders=placeholders,
        )


class GotifyOptionsFlow(OptionsFlow):
    """Default priority, markdown, and where a tapped notification goes."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Manage the options."""
        if user_input is not None:
            return self.async_create_entry(data=user_input)
        options = AccountOptions.of(self.config_entry.options)
        schema = vol.Schema(
            {
                vol.Required(CONF_PRIORITY, default=options.priority): _PRIORITY_SELECTOR,
                vol.Required(CONF_MARKDOWN, default=options.markdown): BooleanSelector(),
                vol.Required(CONF_CLICK_TARGET, default=options.click_target): SelectSelector(
                    SelectSelectorConfig(
                        options=[CLICK_TARGET_APP, CLICK_TARGET_BROWSER],
                        translation_key=CONF_CLICK_TARGET,
                        mode=SelectSelectorMode.LIST,
                    )
                ),
                vol.Required(CONF_QUEUE, default=options.queue): BooleanSelector(),
                vol.Required(
                    CONF_ATTACHMENT_EXPIRY, default=round(options.attachment_expiry_hours)
                ): _EXPIRY_SELECTOR,
                vol.Required(
                    CONF_COMPANION_APP_EVENTS, default=options.companion_app_events
                ): BooleanSelector(),
            }
        )
        return self.async_show_form(step_id="init", data_schema=schema)


class ApplicationSubentryFlow(ConfigSubentryFlow):
    """Add another application of the account, or change one."""

    def __init__(self) -> None:
        """Start with no client and no applications listed."""
        self._client: GotifyClient | None = None
        self._applications: list[GotifyApplication] = []

    def _entry_client(self) -> GotifyClient:
        entry = self._get_entry()
        return client_for(
            self.hass, entry.data[CONF_URL], entry.data[CONF_TOKEN], entry.data[CONF_VERIFY_SSL]
        )

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Handle the user step: create an application, or use one the entry does not have yet."""
        self._client = self._entry_client()
        try:
            self._applications = await self._client.applications()
        except GotifyError as err:
            return self.async_abort(reason="cannot_connect", description_placeholders={"reason": str(err)})
        if not not_set_up(self._applications, self._get_entry()):
            return await self.async_step_create_application()
        return self.async_show_menu(step_id="user", menu_options=STEP_APPLICATION_MENU)

    async def async_step_select_application(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Handle the select application step: one the entry does not have yet."""
        if user_input is not None:
            chosen = next(app for app in self._applications if str(app.id) == user_input[CONF_APPLICATION])
            return self.async_create_entry(
                title=chosen.name, data=subentry_data(chosen), unique_id=str(chosen.id)
            )
        return self.async_show_form(
            step_id="select_application",
            data_schema=select_application_schema(not_set_up(self._applications, self._get_entry())),
        )

    async def async_step_create_application(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Handle the create application step."""
        assert self._client is not None
        application, errors, placeholders = await async_create_from_form(
            self.hass, self._client, self._applications, user_input, set_up_ids(self._get_entry())
        )
        if application is not None:
            return self.async_create_entry(
                title=application.name, data=subentry_data(application), unique_id=str(application.id)
            )
        schema = create_application_schema(free_name(DEFAULT_APPLICATION_NAME, self._applications))
        return self.async_show_form(
            step_id="create_application",
            data_schema=self.add_suggested_values_to_schema(schema, user_input or {}),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_reconfigure(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Change the application on the server (name, description, default priority), and its settings.

        The settings (priority, markdown, tap target) are the application's own or the account's; a change
        reloads the entry.
        """
        entry = self._get_entry()
        subentry = self._get_reconfigure_subentry()
        client = self._entry_client()
        app_id = subentry.data[CONF_APP_ID]
        try:
            current = next((app for app in await client.applications() if app.id == app_id), None)
        except GotifyError as err:
            return self.async_abort(reason="cannot_connect", description_placeholders={"reason": str(err)})
        if current is None:
            return self.async_abort(
                reason="application_not_found", description_placeholders={"name": subentry.title}
            )
        errors: dict[str, str] = {}
        placeholders = {"name": subentry.title, "reason": ""}
        name = str(user_input[CONF_NAME]).strip() if user_input is not None else ""
        if user_input is not None and not name:
            errors[CONF_NAME] = "name_required"
        elif user_input is not None:
            try:
                description = str(user_input.get(CONF_DESCRIPTION) or "")
                updated = await client.update_application(
                    app_id, name, description, user_input[CONF_DEFAULT_PRIORITY]
                )
            except GotifyValidationError as err:
                errors["base"] = "application_rejected"
                placeholders["reason"] = err.description
            except GotifyError as err:
                errors["base"] = "cannot_connect"
                placeholders["reason"] = str(err)
            else:
                return self.async_update_and_abort(
                    entry,
                    subentry,
                    title=updated.name,
                    data=application_settings_data(subentry.data, user_input),
                )
        suggested = user_input or {
            CONF_NAME: current.name,
            CONF_DESCRIPTION: current.description,
            CONF_DEFAULT_PRIORITY: current.default_priority,
        }
        schema = application_settings_schema(current.name, subentry.data, AccountOptions.of(entry.options))
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
            description_placeholders=placeholders,
        )
