"""The integration as a person sees it: a real Home Assistant frontend in headless Chromium.

Starts ``hass`` (real frontend) and the Gotify double on loopback, then clicks through, as a new user
would: onboarding, the config flow (a wrong address, an application token, then the right values), the
application step, the options, *Add application*, an application's settings, the menus the README
names, and the ``gotify.send`` form in the actions tool, which then sends a message. Last, a notification
with buttons (``data.actions``), as the phone's user meets them: each button's link opened in a browser
with no login, with script (the page presses at once) and without (its Send button does); the exact
events (``subscribe_events`` over the websocket API) fire once per press, never on opening, a reload or
second tap says it was pressed already, a tampered link is refused, and no page logs a console error
(a CSP violation is one).

On every screen it checks that no "Translation error" and no raw translation key is shown, and that the
labels and help texts the integration's strings give for that screen are there. Each screen is saved as
a screenshot in ``.artifacts/browser/<Home Assistant version>/``, with the page's accessibility tree
beside it on a failure.

Chromium comes from Debian's ``chromium`` package (scripts/setup installs it) and is driven by
Playwright; no browser is downloaded. Where it is missing the test is skipped with the reason, and
fails under CI (``CI=true``).
"""

import asyncio
import contextlib
import json
import os
import re
import shutil
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from homeassistant.const import MAJOR_VERSION
from homeassistant.const import __version__ as HA_VERSION

from custom_components.gotify.actions import (
    EVENT_MOBILE_APP_ACTION,
    EVENT_NOTIFICATION_ACTION,
)
from custom_components.gotify.config_flow import URL_EXAMPLES
from custom_components.gotify.const import ACTION_PATH

from .gotify_double import V3, GotifyDouble
from .homeassistant_process import (
    REPOSITORY,
    HomeAssistantProcess,
    bus_events,
    login,
    response_json,
    write_configuration,
)


def _chromium() -> Path:
    """Debian's Chromium (scripts/setup installs it), or one the machine has (CHROMIUM to choose)."""
    if chosen := os.environ.get("CHROMIUM"):
        return Path(chosen)
    for name in ("chromium", "google-chrome", "chromium-browser"):
        if found := shutil.which(name):
            return Path(found)
    return Path("/usr/bin/chromium")


CHROMIUM = _chromium()
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENS = REPOSITORY / ".artifacts" / "browser" / HA_VERSION
STRINGS: dict[str, Any] = json.loads(
    (REPOSITORY / "custom_components" / "gotify" / "strings.json").read_text()
)
USERNAME = "owner"
PASSWORD = "browser-test-password"

# The UI paths the README names, each checked on the way below (tests/test_readme.py keeps the README to
# these).
README_UI_PATHS = {
    "Settings → Devices & services → Add integration → Gotify",
    "Settings → Devices & services → Gotify → ⋮ on the account's row → Add application",
    "Settings → Devices & services → Gotify → Configure (⚙) on the account's row",
    "Settings → Devices & services → Gotify → Configure (⚙) on the application's row",
    "Settings → Devices & services → Gotify → ⋮ on the application's row → Rename",
    "Settings → Devices & services → Gotify → ⋮ on the account's row → Reconfigure",
    "Settings → Devices & services → Gotify → ⋮ on the account's row → Download diagnostics",
    "Settings → Devices & services → Gotify → ⋮ on the account's row → Delete",
    "Settings → Devices & services → Gotify → Enable debug logging",
    "Settings → System → Repairs",
    "Settings → System → Network",
}

# Text collected through open shadow roots, as rendered, with the values of fields (what a person can
# read; not passwords).
VISIBLE_TEXT = """() => {
  const parts = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) {
      const text = node.textContent.trim();
      if (text) parts.push(text);
      return;
    }
    if (node.nodeType === Node.ELEMENT_NODE) {
      if (['STYLE', 'SCRIPT', 'TEMPLATE'].includes(node.tagName)) return;
      if (['INPUT', 'TEXTAREA'].includes(node.tagName) && node.type !== 'password' && node.value) {
        parts.push(node.value);
      }
      const style = getComputedStyle(node);
      if (style.display === 'none' || style.visibility === 'hidden') return;
      if (node.tagName === 'SLOT') {
        const assigned = node.assignedNodes();
        if (assigned.length) { assigned.forEach(walk); return; }
      }
      if (node.shadowRoot) { walk(node.shadowRoot); return; }
    }
    node.childNodes.forEach(walk);
  };
  walk(document.body);
  return parts.join(' ');
}"""

RAW_KEY = re.compile(
    r"Translation error|\[%key:|\bcomponent\.[a-z_]+\.|\b(?:config|options|config_subentries|issues|"
    r"exceptions|services|selector|entity)\.[a-z_]+\.[a-z_.]+|\bui\.(?:panel|dialogs|components)\."
)
# A field whose label fell back to its key (``default_priority``) or that has no label at all.
UNLABELLED = re.compile(
    r'^\s*- (?:textbox|spinbutton|combobox)(?: "([a-z]+(?:_[a-z0-9]+)+)\*?")?(?::|$)', re.M
)


def _squash(text: str) -> str:
    """Text without markdown marks and whitespace, to compare strings with what the page renders."""
    return re.sub(r"\s+|\*\*|`", "", text)


def _expected(value: str, placeholders: Mapping[str, str]) -> str:
    for name, replacement in placeholders.items():
        value = value.replace(f"{{{name}}}", replacement)
    return value


def form_texts(step: Mapping[str, Any], placeholders: Mapping[str, str] | None = None) -> list[str]:
    """What a form step of strings.json puts on screen: title, description, labels, help texts."""
    placeholders = placeholders or {}
    texts = [step[key] for key in ("title", "description") if key in step]
    texts += list(step.get("data", {}).values()) + list(step.get("data_description", {}).values())
    texts += list(step.get("menu_options", {}).values())
    return [_expected(text, placeholders) for text in texts]


def strings_at(*path: str) -> Any:
    node: Any = STRINGS
    for part in path:
        node = node[part]
    return node


class Screens:
    """Checks and records every screen of the walk."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.count = 0
        self.names: list[str] = []
        self.page_errors: list[str] = []
        # The README's UI paths this walk went along (each opened, not only seen in a menu).
        self.covered: set[str] = set()
        page.on(
            "pageerror",
            lambda error: self.page_errors.append(f"after {self.names[-1:]}: {error!r} {error.stack}"),
        )
        shutil.rmtree(SCREENS, ignore_errors=True)
        SCREENS.mkdir(parents=True)

    async def check(
        self,
        name: str,
        expected: list[str] | None = None,
        absent: list[str] | None = None,
        *,
        form: bool = False,
        settle: float = 0.0,
    ) -> str:
        """Wait until the screen shows ``expected``, then check it and save it; returns its text.

        ``form``: the screen is a flow's dialog, whose fields must each have a label (elsewhere Home
        Assistant's own search boxes and the actions tool's fields are labelled beside them, not on them).
        ``settle``: seconds that ``absent`` must stay absent once the rest is there (a field that could
        still turn into something else).
        """
        expected = expected or []
        absent = absent or []
        text = ""
        missing: list[str] = []
        shown: list[str] = []
        settled_at: float | None = None
        loop = asyncio.get_running_loop()
        for _ in range(120):
            text = await self.page.evaluate(VISIBLE_TEXT)
            missing = [item for item in expected if _squash(item) not in _squash(text)]
            shown = [item for item in absent if _squash(item) in _squash(text)]
            if missing or shown:
                settled_at = None
            elif settled_at is None:
                settled_at = loop.time()
            if settled_at is not None and loop.time() - settled_at >= settle:
                break
            await asyncio.sleep(0.25)
        await asyncio.sleep(0.3)  # let animations settle for the picture
        self.count += 1
        stem = f"{self.count:02d}-{name}"
        self.names.append(name)
        await self.page.screenshot(path=SCREENS / f"{stem}.png")
        tree = await self.page.locator("body").aria_snapshot()
        dialog = await self.page.locator("dialog-data-entry-flow").aria_snapshot() if form else ""
        problems = [f"missing: {item!r}" for item in missing]
        problems += [f"raw key or translation error: {match.group(0)!r}" for match in RAW_KEY.finditer(text)]
        problems += [
            f"field labelled by its key: {match.group(1)!r}"
            for match in UNLABELLED.finditer(tree)
            if match.group(1)
        ]
        problems += [
            f"field without a label: {match.group(0).strip()!r}"
            for match in UNLABELLED.finditer(dialog)
            if not match.group(1)
        ]
        problems += [f"shown but should not be: {item!r}" for item in shown]
        if problems:
            (SCREENS / f"{stem}.txt").write_text(f"{text}\n\n{tree}\n")
            pytest.fail(f"screen {stem} ({SCREENS / stem}.png):\n  " + "\n  ".join(problems))
        return text

    @contextlib.contextmanager
    def showing(self, page: Any) -> Iterator[None]:
        """Check and save ``page`` (another browser context's) instead of the walk's own, for a while; after
        a failure, ``save_failure`` saves the page it happened on."""
        walk, self.page = self.page, page
        yield
        self.page = walk

    async def save_failure(self) -> None:
        """The page as it was when the walk failed, beside the screens before it."""
        with contextlib.suppress(Exception):
            await self.page.screenshot(path=SCREENS / "failure.png")
            tree = await self.page.locator("body").aria_snapshot()
            (SCREENS / "failure.txt").write_text(f"{self.page.url}\n\n{tree}\n")


def _require_chromium() -> None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        reason = "the playwright package is not installed; run scripts/setup"
    else:
        if CHROMIUM.is_file():
            return
        reason = f"no Chromium at {CHROMIUM}: install Debian's chromium package (scripts/setup does, as root)"
    if IN_CI:
        pytest.fail(f"the browser test cannot run: {reason}")
    pytest.skip(f"BROWSER TEST NOT RUN: {reason}")


@pytest.fixture
def gotify_version() -> str:
    """The browser walk runs against the newest server behaviour."""
    return V3


@pytest.fixture
async def home_assistant(
    tmp_path: Path, unused_tcp_port_factory: Callable[[], int], socket_enabled: None
) -> AsyncIterator[HomeAssistantProcess]:
    _require_chromium()
    config = tmp_path / "ha-config"
    port = unused_tcp_port_factory()
    # Debug logging stays off: the README tells how to turn it on from the integration's page.
    write_configuration(config, port, name="Browser test", debug=False)
    process = HomeAssistantProcess(config, port)
    try:
        async with aiohttp.ClientSession() as session:
            await process.start(session)
        yield process
    finally:
        await process.stop()


@pytest.fixture
async def page(home_assistant: HomeAssistantProcess) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        # launch() gives every run a new, empty profile of its own.
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        context = await browser.new_context(viewport={"width": 1280, "height": 1000}, locale="en-US")
        page = await context.new_page()
        page.set_default_timeout(20_000)
        try:
            yield page
        finally:
            await browser.close()


async def test_browser_walk(
    home_assistant: HomeAssistantProcess,
    page: Any,
    gotify: GotifyDouble,
    unused_tcp_port_factory: Callable[[], int],
    tmp_path: Path,
) -> None:
    ha = home_assistant
    screens = Screens(page)
    backups = gotify.add_application("Backups")
    try:
        await _onboard(page, ha, screens)
        await _config_flow(page, ha, screens, gotify, backups.token, unused_tcp_port_factory())
        await _integration_page(page, screens, gotify, tmp_path)
        await _options(page, screens)
        await _add_application(page, screens, gotify)
        await _application_settings(page, ha, screens, gotify)
        await _send_form(page, ha, screens, gotify)
        await _system_pages(page, screens)
        await _button_pages(page, ha, screens, gotify)
        setup_failures = [line for line in ha.log.read_text().splitlines() if "Setup failed" in line]
        assert not setup_failures, setup_failures
        # Every UI path the README names was walked (2025.4 has no Rename for an application).
        renamed = "Settings → Devices & services → Gotify → ⋮ on the application's row → Rename"
        assert screens.covered == README_UI_PATHS - ({renamed} if MAJOR_VERSION < 2026 else set())
    except BaseException:
        await screens.save_failure()
        # Uncaught errors of the frontend's own scripts (a websocket closed on a reload, say) are not
        # failures by themselves, but help to read one.
        print(f"screens so far: {screens.names}\nfrontend errors: {screens.page_errors}")
        print(f"Home Assistant's log:\n{ha.tail(80)}")
        raise


async def _onboard(page: Any, ha: HomeAssistantProcess, screens: Screens) -> None:
    await page.goto(ha.url)
    await screens.check("onboarding-welcome", ["Create my smart home"])
    await page.get_by_text("Create my smart home").click()
    await screens.check("onboarding-user", ["Create user"])
    await page.get_by_role("textbox", name="Name*", exact=True).fill("Owner")
    await page.get_by_role("textbox", name="Username*").fill(USERNAME)
    await page.get_by_role("textbox", name="Password*", exact=True).fill(PASSWORD)
    await page.get_by_role("textbox", name="Confirm password*").fill(PASSWORD)
    await page.get_by_role("button", name="Create account").click()
    # Location, country, analytics, done: each moves on with "Next", the last with "Finish".
    for step in range(6):
        button = page.get_by_role("button", name=re.compile(r"^(Next|Finish)$")).first
        await button.wait_for()
        last = await page.get_by_role("button", name="Finish").count() > 0
        await screens.check(f"onboarding-step-{step + 1}")
        await button.click()
        if last:
            break
        await asyncio.sleep(0.5)
    await page.wait_for_url(re.compile(r"/(lovelace|home)"), timeout=30_000)


async def _submit(page: Any) -> None:
    await page.locator("dialog-data-entry-flow").get_by_role("button", name="Submit").click()


def _finish_button(page: Any) -> Any:
    """The button that closes the dialog after a new entry or application (devices and areas; "Finish"
    in 2025.4): it shows only once the flow has created it."""
    finish = re.compile(r"^(Skip and finish|Finish)$")
    return page.locator("dialog-data-entry-flow").get_by_role("button", name=finish)


async def _finish_created(page: Any) -> None:
    await _finish_button(page).click()


async def _config_flow(
    page: Any,
    ha: HomeAssistantProcess,
    screens: Screens,
    gotify: GotifyDouble,
    app_token: str,
    closed_port: int,
) -> None:
    """Settings → Devices & services → Add integration → Gotify, as a new user fills it in."""
    user = form_texts(strings_at("config", "step", "user"), URL_EXAMPLES)
    errors = strings_at("config", "error")
    await _devices_and_services(page)
    await page.get_by_role("button", name="Add integration").click()
    await page.locator("dialog-add-integration").get_by_role("textbox").first.fill("Gotify")
    await screens.check("add-integration-search", ["Gotify"])
    await page.locator("dialog-add-integration").get_by_text("Gotify", exact=True).first.click()
    await screens.check("config-user", user, form=True)
    screens.covered.add("Settings → Devices & services → Add integration → Gotify")

    await page.get_by_role("textbox", name=re.compile(r"^Server URL")).fill(f"http://127.0.0.1:{closed_port}")
    await page.get_by_role("textbox", name=re.compile(r"^Client token")).fill(gotify.client_token)
    await _submit(page)
    await screens.check(
        "config-user-cannot-connect", [errors["cannot_connect"].split("{")[0], *user], form=True
    )

    await page.get_by_role("textbox", name=re.compile(r"^Server URL")).fill(gotify.url)
    await page.get_by_role("textbox", name=re.compile(r"^Client token")).fill(app_token)
    await _submit(page)
    await screens.check("config-user-application-token", [errors["application_token"], *user], form=True)

    await page.get_by_role("textbox", name=re.compile(r"^Client token")).fill(gotify.client_token)
    await _submit(page)
    await screens.check(
        "config-application", form_texts(strings_at("config", "step", "application")), form=True
    )

    create = strings_at("config", "step", "create_application")
    menu = strings_at("config", "step", "application", "menu_options")
    await page.locator("dialog-data-entry-flow").get_by_text(menu["create_application"]).click()
    await screens.check("config-create-application", form_texts(create), form=True)
    assert await page.get_by_role("textbox", name=re.compile(r"^Name")).input_value() == "Home Assistant"

    await _submit(page)
    await _finish_button(page).wait_for()
    await screens.check("config-created", [])
    await _finish_created(page)
    assert gotify.application_named("Home Assistant").default_priority == 4


def _sidebar(page: Any, name: str) -> Any:
    """An item of the sidebar (a link in Home Assistant 2026, a list option in 2025.4)."""
    link = page.get_by_role("link", name=name, exact=True)
    return link.or_(page.get_by_role("option", name=name, exact=True)).first


def _settings_item(page: Any, name: str) -> Any:
    """An entry of a settings page (a link in Home Assistant 2026, a menu item in 2025.4)."""
    label = re.compile(f"^{re.escape(name)}")
    return page.get_by_role("link", name=label).or_(page.get_by_role("menuitem", name=label)).first


async def _devices_and_services(page: Any) -> None:
    """Settings → Devices & services, clicked in the sidebar and on the settings page."""
    await _sidebar(page, "Settings").click()
    await _settings_item(page, "Devices & services").click()
    await page.wait_for_url(re.compile(r"/config/integrations"))


async def _open_flow(button: Any) -> None:
    """Click a button that opens a flow's dialog; again if a row re-rendered under the first click."""
    close = button.page.locator("dialog-data-entry-flow").get_by_role("button", name="Close")
    for _ in range(5):
        with contextlib.suppress(Exception):
            await button.click(timeout=5_000)
            await close.wait_for(timeout=3_000)
            return
    await close.wait_for(timeout=1_000)


async def _account_row(page: Any) -> Any:
    """The account's row on the integration's page (an element of its own in 2026, a list item in 2025.4)."""
    await page.get_by_role("button", name="Configure").first.wait_for()
    if await page.locator("ha-config-entry-row").count():
        return page.locator("ha-config-entry-row").first
    return page.locator("ha-md-list-item").filter(has_text="admin@").first


async def _application_row(page: Any, name: str) -> Any:
    """An application's row, below the account's."""
    await page.get_by_role("button", name="Configure").first.wait_for()
    if await page.locator("ha-config-sub-entry-row").count():
        return page.locator("ha-config-sub-entry-row").filter(has_text=name).first
    return page.locator("ha-md-list-item").filter(has_text=name).filter(has_text="Application").first


async def _account_menu(page: Any, item: str) -> None:
    """⋮ on the account's row → ``item`` (the ⋮ again if the menu was still closing from before)."""
    entry = page.get_by_role("menuitem", name=item).first
    for _ in range(5):
        await (await _account_row(page)).get_by_role("button", name="Menu").first.click()
        with contextlib.suppress(Exception):
            await entry.wait_for(timeout=3_000)
            break
        await page.keyboard.press("Escape")
    await entry.click()


async def _integration_page(page: Any, screens: Screens, gotify: GotifyDouble, tmp_path: Path) -> None:
    """Settings → Devices & services → Gotify: its account's ⋮ entries, and debug logging."""
    account = f"admin@{gotify.url.removeprefix('http://')}"
    await _devices_and_services(page)
    await page.get_by_role("link", name=re.compile(r"^Gotify")).first.click()
    await screens.check("integration-page", [account])
    await (await _account_row(page)).get_by_role("button", name="Menu").first.click()
    await screens.check("account-menu", ["Add application", "Reconfigure", "Download diagnostics", "Delete"])
    await page.keyboard.press("Escape")

    reconfigure = strings_at("config", "step", "reconfigure")
    await _account_menu(page, "Reconfigure")
    await screens.check("account-reconfigure", form_texts(reconfigure, {"account": account}), form=True)
    await page.locator("dialog-data-entry-flow").get_by_role("button", name="Close").click()
    screens.covered.add("Settings → Devices & services → Gotify → ⋮ on the account's row → Reconfigure")

    async with page.expect_download() as download:
        await _account_menu(page, "Download diagnostics")
    saved = tmp_path / "diagnostics.json"
    await (await download.value).save_as(saved)
    diagnostics = json.loads(saved.read_text())
    assert diagnostics["data"]["entry"]["title"] == account
    assert gotify.client_token not in saved.read_text()
    screens.covered.add(
        "Settings → Devices & services → Gotify → ⋮ on the account's row → Download diagnostics"
    )

    await _account_menu(page, "Delete")
    await screens.check("account-delete", ["Cancel"])
    await page.get_by_role("button", name="Cancel").click()
    screens.covered.add("Settings → Devices & services → Gotify → ⋮ on the account's row → Delete")

    # Enable debug logging: in the ⋮ at the top of the page (2026) or the card beside the rows (2025.4).
    # The frontend learns which integrations are loaded when it connects, so an integration set up since
    # offers its logging entries after a reload.
    await page.reload()
    await _account_row(page)
    debug = page.get_by_text("Enable debug logging", exact=True).first
    with contextlib.suppress(Exception):
        await debug.wait_for(timeout=3_000)
    if not await debug.is_visible():
        await page.locator("hass-subpage").get_by_role("button", name="Menu").first.click()
    await screens.check("integration-debug-logging", ["Enable debug logging"])
    await page.keyboard.press("Escape")
    screens.covered.add("Settings → Devices & services → Gotify → Enable debug logging")


async def _options(page: Any, screens: Screens) -> None:
    """Configure (⚙) on the account's row: the options."""
    options = strings_at("options", "step", "init")
    await _open_flow((await _account_row(page)).get_by_role("button", name="Configure").first)
    await screens.check("options", form_texts(options), form=True)
    screens.covered.add("Settings → Devices & services → Gotify → Configure (⚙) on the account's row")
    await _submit(page)
    await screens.check("options-saved", ["Options successfully saved"], absent=[options["title"]])
    await page.locator("dialog-data-entry-flow").get_by_role("button", name="Finish").click()


async def _add_application(page: Any, screens: Screens, gotify: GotifyDouble) -> None:
    """⋮ on the account's row → Add application → Create a new application."""
    subentry = strings_at("config_subentries", "application")
    await _account_menu(page, subentry["initiate_flow"]["user"])
    await screens.check("add-application", form_texts(subentry["step"]["user"]), form=True)
    screens.covered.add("Settings → Devices & services → Gotify → ⋮ on the account's row → Add application")
    create = subentry["step"]["create_application"]
    await (
        page.locator("dialog-data-entry-flow")
        .get_by_text(subentry["step"]["user"]["menu_options"]["create_application"])
        .click()
    )
    await screens.check("add-application-create", form_texts(create), form=True)
    name = await page.get_by_role("textbox", name=re.compile(r"^Name")).input_value()
    assert name.casefold() not in {app.name.casefold() for app in gotify.applications.values()}, name
    await page.get_by_role("textbox", name=re.compile(r"^Name")).fill("Garage")
    priority = page.get_by_role("spinbutton", name=re.compile(r"^Default priority"))
    await priority.fill("11")
    await _submit(page)
    error = subentry["error"]["invalid_priority"]
    await screens.check("add-application-priority-11", [error, *form_texts(create)], form=True)
    await priority.fill("6")
    await _submit(page)
    await _finish_button(page).wait_for()
    await screens.check("add-application-created", [])
    await _finish_created(page)
    assert gotify.application_named("Garage").default_priority == 6


async def _application_settings(
    page: Any, ha: HomeAssistantProcess, screens: Screens, gotify: GotifyDouble
) -> None:
    """Configure (⚙) on an application's row changes it in Gotify; ⋮ → Rename only in Home Assistant."""
    reconfigure = strings_at("config_subentries", "application", "step", "reconfigure")
    row = await _application_row(page, "Garage")
    await _open_flow(row.get_by_role("button", name="Configure").first)
    await screens.check("application-settings", form_texts(reconfigure, {"name": "Garage"}), form=True)
    await page.locator("dialog-data-entry-flow").get_by_role("button", name="Close").click()
    screens.covered.add("Settings → Devices & services → Gotify → Configure (⚙) on the application's row")

    await row.get_by_role("button", name="Menu").first.click()
    if not await page.locator("ha-config-sub-entry-row").count():
        # Home Assistant 2025.4 offers no Rename for an application (the README says so).
        await screens.check("application-menu", ["Delete"])
        await page.keyboard.press("Escape")
        return
    await screens.check("application-menu", ["Rename", "Delete"])
    await page.get_by_role("menuitem", name="Rename").click()
    await page.get_by_role("textbox", name="Entry name").fill("Garage door")
    await page.get_by_role("button", name="OK", exact=True).click()
    await screens.check("application-renamed", ["Garage door"])
    async with aiohttp.ClientSession() as session:
        auth = await login(session, ha.url, USERNAME, PASSWORD)
        async with asyncio.timeout(15):
            while True:
                async with session.get(f"{ha.url}/api/services", headers=auth) as response:
                    services = {item["domain"]: item["services"] for item in await response.json()}
                if "gotify_garage_door" in services["notify"]:
                    break
                await asyncio.sleep(0.25)
    assert "gotify_garage" not in services["notify"]
    assert gotify.application_named("Garage") is not None  # unchanged in Gotify
    screens.covered.add("Settings → Devices & services → Gotify → ⋮ on the application's row → Rename")


async def _send_form(page: Any, ha: HomeAssistantProcess, screens: Screens, gotify: GotifyDouble) -> None:
    """gotify.send in the actions tool: every field labelled, the attachment a picker whatever the
    target, and performing it sends."""
    send = strings_at("services", "send")
    texts = [send["name"], send["description"]]
    texts += [text for field in send["fields"].values() for text in (field["name"], field["description"])]
    await page.goto(f"{ha.url}/developer-tools/action")
    combobox = page.get_by_role("combobox", name="Action")
    await page.get_by_text("Action", exact=True).first.wait_for()
    if await combobox.count():  # Home Assistant 2025.4: a combo box
        await combobox.fill("gotify.send")
        await page.get_by_role("option").filter(has_text="gotify.send").first.click()
    else:  # 2026: a field that opens a searchable list
        await page.get_by_text("Action", exact=True).first.click()
        await page.get_by_role("dialog").get_by_role("textbox").first.fill("gotify.send")
        await page.get_by_text("gotify.send", exact=True).first.click()
    await screens.check("action-send", texts)

    await page.get_by_role("button", name=re.compile(r"^(Add target|Choose entity)")).first.click()
    entity = page.get_by_role("combobox", name="Choose entity")
    if await entity.count():  # Home Assistant 2025.4
        await entity.fill("notify.home_assistant")
        await page.get_by_role("option").filter(has_text="notify.home_assistant").first.click()
    else:
        await page.get_by_role("dialog").get_by_role("textbox").first.fill("notify.home_assistant")
        await page.get_by_role("dialog").get_by_text("Home Assistant", exact=True).first.click()
    # The target is set (its chip shows) before the attachment field is judged: a media selector that
    # follows the target turns into a media player's form at that moment.
    chip = page.locator("ha-selector-target, ha-target-picker").get_by_text("Home Assistant").first
    await chip.wait_for()
    media_player = ["does not support browsing media", "Media content ID", "Media content type"]
    await page.get_by_text(
        send["fields"]["attachment"]["name"], exact=True
    ).first.scroll_into_view_if_needed()
    await screens.check("action-send-with-target", texts, absent=media_player, settle=1.5)

    await page.locator("ha-service-control").get_by_role("textbox").first.fill("Hello from the browser test")
    await page.get_by_role("button", name="Perform action").click()
    async with asyncio.timeout(10):
        while not gotify.requests_to("POST", "/message"):
            await asyncio.sleep(0.1)
    await screens.check("action-send-performed")
    assert gotify.requests_to("POST", "/message")[-1].json["message"] == "Hello from the browser test"


async def _system_pages(page: Any, screens: Screens) -> None:
    """Settings → System → Repairs and Settings → System → Network, which the README points to."""
    for name, path in (("Repairs", "/config/repairs"), ("Network", "/config/network")):
        await _sidebar(page, "Settings").click()
        await _settings_item(page, "System").click()
        await page.wait_for_url(re.compile(r"/config/system"))
        await _settings_item(page, name).click()
        await page.wait_for_url(re.compile(re.escape(path)))
        await screens.check(f"system-{name.lower()}", [name])
        screens.covered.add(f"Settings → System → {name}")


# A phone, for the pages behind a notification's buttons (opened from the Gotify app, with no login).
PHONE: dict[str, Any] = {
    "viewport": {"width": 412, "height": 915},
    "is_mobile": True,
    "has_touch": True,
    "locale": "en-US",
}
BUTTON_LINK = re.escape(ACTION_PATH) + r"/[A-Za-z0-9_-]+\.[0-9]+\.[A-Za-z0-9_-]+"


def _button_page_text(key: str, **placeholders: str) -> str:
    text: str = strings_at("exceptions", f"action_page_{key}", "message")
    return _expected(text, placeholders)


def _phone_tab_watch(tab: Any, problems: list[str]) -> list[tuple[str, int]]:
    """Record a button page's console errors and warnings (a CSP violation is one) and uncaught script
    errors in ``problems``; return the list its documents' (method, status) are recorded in."""
    documents: list[tuple[str, int]] = []

    def console(message: Any) -> None:
        if message.type not in ("error", "warning"):
            return
        # Chromium notes that the document itself answered with an error status (which the walk checks).
        refused = re.fullmatch(
            r"Failed to load resource: the server responded with a status of (\d+) .*", message.text
        )
        if (
            refused
            and documents
            and int(refused[1]) == documents[-1][1] >= 400
            and message.location.get("url") == tab.url
        ):
            return
        problems.append(f"console {message.type} on {tab.url}: {message.text}")

    def response(answer: Any) -> None:
        if answer.request.resource_type == "document":
            documents.append((answer.request.method, answer.status))

    tab.on("console", console)
    tab.on("pageerror", lambda error: problems.append(f"script error on {tab.url}: {error!r}"))
    tab.on("response", response)
    return documents


async def _button_pages(page: Any, ha: HomeAssistantProcess, screens: Screens, gotify: GotifyDouble) -> None:
    """A notification's buttons as the phone's user meets them: links in the Gotify message to pages of
    Home Assistant's, opened in a browser with no login. Tapping the notification opens the first one's page,
    which asks; opening a button's link with script presses it at once; without script the page asks, and
    its Send button presses it. Each press fires its events once."""
    problems: list[str] = []
    try:
        await _press_buttons(page, ha, screens, gotify, problems)
    except BaseException:
        print(f"button pages' console: {problems}")
        raise
    assert not problems, problems


async def _press_buttons(
    page: Any, ha: HomeAssistantProcess, screens: Screens, gotify: GotifyDouble, problems: list[str]
) -> None:
    application = gotify.application_named("Home Assistant")
    browser = page.context.browser
    async with aiohttp.ClientSession() as session:
        auth = await login(session, ha.url, USERNAME, PASSWORD)
        async with session.get(f"{ha.url}/api/config/config_entries/entry", headers=auth) as response:
            entries = await response_json(response)
        [entry_id] = [entry["entry_id"] for entry in entries if entry["domain"] == "gotify"]
        known = set(gotify.messages)
        data = {
            "actions": [
                {"action": "OPEN_GARAGE", "title": "Open the garage"},
                {"action": "IGNORE", "title": "Ignore"},
            ],
            "tag": "gate",
        }
        async with session.post(
            f"{ha.url}/api/services/notify/gotify_home_assistant",
            json={"message": "Someone is at the gate", "data": data},
            headers=auth,
        ) as response:
            await response_json(response)
        async with asyncio.timeout(10):
            while not (sent := [message for key, message in gotify.messages.items() if key not in known]):
                await asyncio.sleep(0.1)
        [message] = sent
        assert message.appid == application.id
        buttons = re.findall(rf"\[([^\]]*)\]\(({re.escape(ha.url)}{BUTTON_LINK})\)", message.message)
        assert [title for title, _ in buttons] == ["Open the garage", "Ignore"], message.message
        [(_, garage), (_, ignore)] = buttons

        def fired(action: str, title: str) -> list[tuple[str, dict[str, Any]]]:
            ours = {
                "action": action,
                "title": title,
                "message_id": message.id,
                "tag": "gate",
                "application": "Home Assistant",
                "application_id": application.id,
                "entry_id": entry_id,
            }
            return [
                (EVENT_NOTIFICATION_ACTION, ours),
                (EVENT_MOBILE_APP_ACTION, {"action": action, "tag": "gate"}),
            ]

        async with bus_events(
            session, ha.url, auth, EVENT_NOTIFICATION_ACTION, EVENT_MOBILE_APP_ACTION
        ) as events:
            # With script: the page submits itself and shows that Home Assistant has the press.
            phone = await browser.new_context(**PHONE)
            tab = await phone.new_page()
            tab.set_default_timeout(20_000)
            documents = _phone_tab_watch(tab, problems)
            with screens.showing(tab):
                # Tapping the notification opens the first button's page, which asks: nothing fires.
                assert message.extras is not None
                tapped = message.extras["client::notification"]["click"]["url"]
                assert tapped == f"{garage}#ask"
                await tab.goto(tapped)
                ask = _button_page_text("ask", title="Open the garage")
                await tab.get_by_text(ask).wait_for()
                await screens.check("button-tapped", ["Open the garage", ask])
                assert documents == [("GET", 200)]
                assert await events.settled() == []
                documents.clear()

                done = _button_page_text("done", title="Open the garage")
                await tab.goto(garage, wait_until="commit")
                await tab.get_by_text(done).wait_for()
                await screens.check("button-pressed", ["Open the garage", done])
                assert documents == [("GET", 200), ("POST", 200)]
                assert await events.wait_for(2) == fired("OPEN_GARAGE", "Open the garage")

                # The page reloaded (Chromium posts again) and the link tapped again: spent, nothing fires.
                documents.clear()
                await tab.reload()
                used = _button_page_text("used")
                await screens.check("button-reloaded", [used], absent=[done])
                assert documents == [("POST", 409)]
                assert await events.settled() == fired("OPEN_GARAGE", "Open the garage")
                documents.clear()
                await tab.goto(garage)
                await screens.check("button-opened-again", [used], absent=[done])
                assert documents == [("GET", 409)]
                assert await events.settled() == fired("OPEN_GARAGE", "Open the garage")

                # A link whose signature was changed: not valid, and nothing fires.
                documents.clear()
                await tab.goto(garage[:-1] + ("B" if garage.endswith("A") else "A"))
                await screens.check("button-link-tampered", [_button_page_text("invalid")], absent=[used])
                assert documents == [("GET", 404)]
                assert await events.settled() == fired("OPEN_GARAGE", "Open the garage")
            await phone.close()

            # Without script: the page names the button and waits for Send; opening it presses nothing.
            quiet = await browser.new_context(java_script_enabled=False, **PHONE)
            tab = await quiet.new_page()
            tab.set_default_timeout(20_000)
            documents = _phone_tab_watch(tab, problems)
            with screens.showing(tab):
                await tab.goto(ignore)
                send = tab.get_by_role("button", name=_button_page_text("press"), exact=True)
                await screens.check(
                    "button-without-script",
                    ["Ignore", _button_page_text("pressing", title="Ignore"), _button_page_text("press")],
                )
                assert documents == [("GET", 200)]
                assert await send.is_enabled()
                assert await events.settled() == fired("OPEN_GARAGE", "Open the garage")
                await send.click()
                done = _button_page_text("done", title="Ignore")
                await tab.get_by_text(done).wait_for()
                await screens.check("button-without-script-pressed", ["Ignore", done])
                assert documents == [("GET", 200), ("POST", 200)]
                assert await events.wait_for(4) == fired("OPEN_GARAGE", "Open the garage") + fired(
                    "IGNORE", "Ignore"
                )
            await quiet.close()
