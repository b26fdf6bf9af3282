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
raise MessageError("carried", value=x)
raise FlowError("cannot_connect", reason=x)
placeholders = {"name": ""}
"""


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        ("config.step.user.description", "Its action is `notify.gotify_<name>`.", "HTML/ICU tag"),
        ("config.step.user.description", "Bold <b>text</b>", "HTML/ICU tag"),
        ("config.step.user.description", "For example https://example.com/gotify/.", "URL"),
        ("config.step.user.description", "See www.gotify.net for more.", "URL"),
        ("config.error.cannot_connect", "Cannot connect: '{reason}'", "quoted placeholder"),
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
        ("exceptions.literal.message", "Failed: {a} and {b}", "the code passes ['a']"),
        ("exceptions.carried.message", "Bad value", "the code passes ['value']"),
    ],
)
def test_bad_strings_are_caught(checker: ModuleType, path: str, value: str, problem: str) -> None:
    strings: dict[str, object] = {}
    node = strings
    *parents, last = path.split(".")
    for part in parents:
        node = node.setdefault(part, {})  # type: ignore[assignment]
    node[last] = value
    found = checker.translation_problems(strings, CODE)
    assert any(problem in item for item in found), found


@pytest.mark.parametrize(
    "value",
    [
        "Cannot connect to the server: {reason}",
        'An application named "{name}" exists already.',
        "The address, for example `{example_url}`; a < b and 1 <2 are fine.",
        "[%key:common::config_flow::error::cannot_connect%]",
        "Priority 0-10; `data.priority` and homeassistant://navigate/ paths.",
    ],
)
def test_good_strings_pass(checker: ModuleType, value: str) -> None:
    strings = {"config": {"error": {"cannot_connect": value}}}
    code = CODE + '\nplaceholders["example_url"] = x\n'
    assert checker.translation_problems(strings, code) == []
