"""Config flow: server and client token, then an application; reauth, reconfigure, options, subentries."""

import importlib.util
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
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
from homeassistant.const import CONF_NAME, CONF_TOKEN, CONF_URL, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType
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
    display_url,
    normalize_url,
)
from .compat import vol
from .const import (
    CLICK_TARGET_APP,
    CLICK_TARGET_BROWSER,
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


_USER_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_URL): TextSelector(TextSelectorConfig(type=TextSelectorType.URL)),
        vol.Required(CONF_TOKEN): TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD)),
        vol.Required(CONF_VERIFY_SSL, default=True): BooleanSelector(),
    }
)


def _reconfigure_schema(url: str, verify_ssl: bool) -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_URL, default=url): TextSelector(TextSelectorConfig(type=TextSelectorType.URL)),
            vol.Required(CONF_VERIFY_SSL, default=verify_ssl): BooleanSelector(),
        }
    )


_TOKEN_SCHEMA = vol.Schema(
    {vol.Required(CONF_TOKEN): TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))}
)


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
    """A verified server and client token."""

    client: GotifyClient
    version: GotifyVersion
    user: GotifyUser
    url: URL
    token: str
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


async def async_verify_account(hass: HomeAssistant, url: str, token: str, verify_ssl: bool) -> Account:
    """Check that ``url`` is a Gotify server and ``token`` one of its client tokens."""
    try:
        base = normalize_url(url)
    except ValueError as err:
        raise FlowError("invalid_url", CONF_URL) from err
    # Spaces and line breaks around a pasted token are safe to drop; inside it they are a broken paste.
    token = token.strip()
    if not _TOKEN_CHARACTERS.fullmatch(token):
        raise FlowError("invalid_token_characters", CONF_TOKEN)
    client = client_for(hass, str(base), token, verify_ssl)
    try:
        version = await client.version()
        try:
            user = await client.current_user()
        except GotifyAuthenticationError as err:
            if await client.is_application_token(token):
                raise FlowError("application_token", CONF_TOKEN) from err
            raise FlowError("invalid_token", CONF_TOKEN) from err
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
    return Account(client, version, user, base, token, verify_ssl)


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
    name = str(user_input[CONF_NAME]).strip()
    if not name:
        raise FlowError("name_required", CONF_NAME)
    clash = next((app for app in existing if app.name.casefold() == name.casefold()), None)
    if clash is not None:
        key = "application_set_up" if clash.id in (set_up or set()) else "application_exists"
        raise FlowError(key, CONF_NAME, name=name)
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
        """Handle the user step: the server's URL and a client token."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {**URL_EXAMPLES, "reason": ""}
        if user_input is not None:
            try:
                account = await async_verify_account(
                    self.hass, user_input[CONF_URL], user_input[CONF_TOKEN], user_input[CONF_VERIFY_SSL]
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
            data_schema=self.add_suggested_values_to_schema(_USER_SCHEMA, user_input or {}),
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
        if user_input is not None:
            chosen = next(app for app in self._applications if str(app.id) == user_input[CONF_APPLICATION])
            return self._create_entry(chosen)
        return self.async_show_form(
            step_id="select_application", data_schema=select_application_schema(self._applications)
        )

    async def async_step_create_application(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Handle the create application step."""
        assert self._account is not None
        application, errors, placeholders = await async_create_from_form(
            self.hass, self._account.client, self._applications, user_input
        )
        if application is not None:
            return self._create_entry(application)
        schema = create_application_schema(free_name(DEFAULT_APPLICATION_NAME, self._applications))
        return self.async_show_form(
            step_id="create_application",
            data_schema=self.add_suggested_values_to_schema(schema, user_input or {}),
            errors=errors,
            description_placeholders=placeholders,
        )

    def _create_entry(self, application: GotifyApplication) -> ConfigFlowResult:
        assert self._account is not None
        account = self._account
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
                data_schema=self.add_suggested_values_to_schema(_USER_SCHEMA, filled_in),
                description_placeholders=placeholders,
            )
        result = await self.async_step_user(user_input)
        if self._account is not None:
            application = yaml_application(self.hass, self._account.url_text, self._applications)
            return result if application is None else self._create_entry(application)
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
        """Handle the reauth confirm step: a new client token of the same user."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        placeholders = {"account": entry.title, "reason": ""}
        if user_input is not None:
            try:
                account = await async_verify_account(
                    self.hass, entry.data[CONF_URL], user_input[CONF_TOKEN], entry.data[CONF_VERIFY_SSL]
                )
            except FlowError as err:
                errors["base" if err.field == CONF_URL else err.field] = err.key
                placeholders.update(err.placeholders)
            else:
                if account.user.id != entry.data[CONF_USER_ID]:
                    return self.async_abort(
                        reason="account_mismatch",
                        description_placeholders={"account": entry.title, "other": account.title},
                    )
                return self.async_update_reload_and_abort(entry, data_updates={CONF_TOKEN: account.token})
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=_TOKEN_SCHEMA,
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
