"""scripts/check_integration.py: the integration's own files pass, and each class of bad string is caught.

The string rules are the frontend's (every string is an ICU message) and hassfest's (what the workflow's
hassfest job refuses), so lint fails locally where the frontend or GitHub would.
"""

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "check_integration.py"


@pytest.fixture(scope="module")
def checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_integration", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_integration"] = module
    spec.loader.exec_module(module)
    return module


def test_the_integration_passes(checker: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    assert checker.main() == 0, capsys.readouterr().out


CODE = """
raise ServiceValidationError(translation_key="literal", translation_placeholders={"a": x})
raise MessageError("twice", value=x)
raise MessageError("twice", value=x, other=y)

def async_check(x):
    raise FlowError("cannot_connect", reason=x)

class GotifyConfigFlow(ConfigFlow):
    async def async_step_user(self, user_input=None):
        placeholders = {"name": ""}
        placeholders["example_url"] = x
        await async_check(user_input)
        return self.async_show_form(step_id="user", description_placeholders=placeholders)

    async def async_step_reauth_confirm(self, user_input=None):
        return self.async_show_form(step_id="reauth_confirm", description_placeholders={"account": x})

class GotifyOptionsFlow(OptionsFlow):
    async def async_step_init(self, user_input=None):
        return self.async_show_form(step_id="init")
"""


def _problems(checker: ModuleType, path: str, value: str) -> list[str]:
    strings: dict[str, object] = {}
    node = strings
    *parents, last = path.split(".")
    for part in parents:
        node = node.setdefault(part, {})  # type: ignore[assignment]
    node[last] = value
    return list(checker.translation_problems(strings, CODE))


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        ("config.step.user.description", "Its action is `notify.gotify_<name>`.", "HTML/ICU tag"),
        ("config.step.user.description", "Bold <b>text</b>", "HTML/ICU tag"),
        ("config.step.user.description", "For example https://example.com/gotify/.", "URL"),
        ("config.step.user.description", "See www.gotify.net for more.", "URL"),
        ("config.error.cannot_connect", "Cannot connect: '{reason}'", "apostrophe before a brace"),
        ("config.error.cannot_connect", "Cannot connect: {reason", "unbalanced braces"),
        ("config.error.cannot_connect", "Cannot connect: {{reason}}", "nested braces"),
        ("config.error.cannot_connect", "Cannot connect: {1reason}", "not a plain identifier"),
        ("config.error.cannot_connect", "Cannot connect: {reason} ", "whitespace"),
        ("config.error.cannot_connect", "Cannot connect: {detail}", "never provided"),
        ("entity.sensor.state.state.on", "On for {name}", "entity states take no placeholders"),
        (
            "config.step.user.title",
            "Setup [%key:common::config_flow::title::oauth2_pick_implementation%]",
            "whole",
        ),
        (
            "exceptions.literal.message",
            "Failed: {a} and {b}",
            "uses ['b'], which a raise of it does not pass",
        ),
        ("exceptions.twice.message", "Bad {value}: {other}", "uses ['other'], which a raise of it does not"),
        # Passed somewhere, but not where the string is shown:
        ("config.step.reauth_confirm.description", "Hello {name}", "never provided there"),
        ("options.step.init.description", "Options of {account}", "never provided there"),
        ("services.send.fields.link.description", "Opened for {name}", "never provided there"),
        ("selector.click_target.options.app", "App of {account}", "never provided there"),
    ],
)
def test_bad_strings_are_caught(checker: ModuleType, path: str, value: str, problem: str) -> None:
    found = _problems(checker, path, value)
    assert any(problem in item for item in found), found


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("config.error.cannot_connect", "Cannot connect to the server: {reason}"),
        ("config.error.cannot_connect", 'An application named "{name}" exists already.'),
        ("config.step.user.description", "For example `{example_url}`; a < b and 1 <2 are fine."),
        ("config.step.user.description", "Failed: {reason}"),  # from the helper the step calls
        ("config.error.cannot_connect", "[%key:common::config_flow::error::cannot_connect%]"),
        (
            "config.error.cannot_connect",
            "Priority 0-10; `data.priority` and homeassistant://navigate/ paths.",
        ),
        ("config.step.user.description", "{name}'s application, and it's fine"),
        ("exceptions.twice.message", "Bad {value}"),
    ],
)
def test_good_strings_pass(checker: ModuleType, path: str, value: str) -> None:
    assert _problems(checker, path, value) == []
