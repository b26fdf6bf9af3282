"""Repairs: an application deleted on the server; recreate it, or pick another one."""

from typing import Any

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow
from homeassistant.core import HomeAssistant

from .client import GotifyApplication, GotifyError
from .compat import RepairsFlowResult
from .config_flow import (
    CONF_APPLICATION,
    async_create_from_form,
    create_application_schema,
    free_name,
    not_set_up,
    select_application_schema,
    set_up_ids,
    subentry_data,
)
from .data import GotifyConfigEntry
from .outbox import REFUSED_ISSUE_PREFIX


class ApplicationDeletedRepair(RepairsFlow):
    """Point an application subentry at a recreated or another existing application."""

    def __init__(self, entry: GotifyConfigEntry, subentry_id: str) -> None:
        """Set up the repair of the subentry ``subentry_id``, whose application the server lost."""
        self.entry = entry
        self.subentry = entry.subentries[subentry_id]
        self._applications: list[GotifyApplication] = []

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        """Handle the first step: recreate the application, or pick another one."""
        try:
            self._applications = await self.entry.runtime_data.account.client.applications()
        except GotifyError as err:
            return self.async_abort(reason="cannot_connect", description_placeholders={"reason": str(err)})
        placeholders = {"application": self.subentry.title}
        if not not_set_up(self._applications, self.entry):
            return await self.async_step_create_application()
        return self.async_show_menu(
            step_id="init",
            menu_options=["create_application", "select_application"],
            description_placeholders=placeholders,
        )

    async def async_step_create_application(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Handle the create application step, the lost application's name filled in if it is free."""
        application, errors, placeholders = await async_create_from_form(
            self.hass,
            self.entry.runtime_data.account.client,
            self._applications,
            user_input,
            set_up_ids(self.entry),
        )
        if application is not None:
            return self._finish(application)
        schema = create_application_schema(free_name(self.subentry.title, self._applications))
        return self.async_show_form(
            step_id="create_application",
            data_schema=self.add_suggested_values_to_schema(schema, user_input or {}),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_select_application(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Handle the select application step: one the entry does not have yet."""
        if user_input is not None:
            chosen = next(app for app in self._applications if str(app.id) == user_input[CONF_APPLICATION])
            return self._finish(chosen)
        return self.async_show_form(
            step_id="select_application",
            data_schema=select_application_schema(not_set_up(self._applications, self.entry)),
        )

    def _finish(self, application: GotifyApplication) -> RepairsFlowResult:
        # Updating the subentry reloads the entry, which checks the applications again.
        self.hass.config_entries.async_update_subentry(
            self.entry,
            self.subentry,
            data=subentry_data(application),
            title=application.name,
            unique_id=str(application.id),
        )
        return self.async_create_entry(data={})


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """Create the flow that fixes a repair issue of this integration."""
    if issue_id.startswith(REFUSED_ISSUE_PREFIX):
        return ConfirmRepairFlow()  # read, then dismissed
    assert data is not None
    entry = hass.config_entries.async_get_entry(str(data["entry_id"]))
    assert entry is not None
    return ApplicationDeletedRepair(entry, str(data["subentry_id"]))
