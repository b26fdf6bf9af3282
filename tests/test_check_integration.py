"""scripts/check_integration.py: the integration's own files pass, and each class of bad string is caught.

The string rules are the frontend's (every string is an ICU message) and hassfest's (what the workflow's
hassfest job refuses), so lint fails locally where the frontend or GitHub would.
"""

import importlib.util
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

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


@pytest.fixture
def copy(checker: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the repository's checked files, which the checker then looks at."""
    shutil.copytree(checker.COMPONENT, tmp_path / "custom_components" / "gotify")
    for name in ("hacs.json", "pyproject.toml"):
        shutil.copy(checker.ROOT / name, tmp_path / name)
    monkeypatch.setattr(checker, "ROOT", tmp_path)
    monkeypatch.setattr(checker, "COMPONENT", tmp_path / "custom_components" / "gotify")
    return tmp_path / "custom_components" / "gotify"


@pytest.mark.parametrize(
    ("name", "change", "problem"),
    [
        (
            "icons.json",
            lambda text: text.replace('"send"', '"sent"'),
            "services.send: this action of services.yaml has no icon",
        ),
        ("quality_scale.yaml", lambda text: text.replace("  brands:", "  brand:"), "brands is missing"),
        (
            "../../pyproject.toml",
            lambda text: f'[project]\nversion = "1.0.0"\n{text}',
            "[project] has a version",
        ),
        (
            "translations/en.json",
            lambda text: text.replace('"Connect to Gotify"', '"Connect"'),
            "config.step.user.title is 'Connect'",
        ),
    ],
)
def test_main_runs_every_check(
    checker: ModuleType,
    copy: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    change: Callable[[str], str],
    problem: str,
) -> None:
    (copy / name).write_text(change((copy / name).read_text()))
    assert checker.main() == 1
    assert problem in capsys.readouterr().out


def test_fix_writes_english_from_strings(
    checker: ModuleType, copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    english = copy / "translations" / "en.json"
    good = english.read_text()
    english.write_text(good.replace('"Connect to Gotify"', '"Connect"'))
    installed = checker.home_assistant()
    assert installed is not None
    hacs = json.loads((copy.parent.parent / "hacs.json").read_text())
    if checker.release(installed[1]) > checker.release(hacs["homeassistant"]):
        assert checker.main(["--fix"]) == 0, capsys.readouterr().out
        assert english.read_text() == good
    else:  # the oldest supported release's common texts are not the ones en.json carries
        assert checker.main(["--fix"]) == 1
        assert "--fix needs a Home Assistant newer" in capsys.readouterr().out


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


# translations/en.json: strings.json with its references resolved (Home Assistant resolves none for a
# custom integration).
COMMON = {
    "common::config_flow::abort::reauth_successful": "Re-authentication was successful",
    "common::config_flow::data::name": "Name",
    "common::config_flow::title::reauth": "[%key:common::config_flow::title::other%]",
    "common::config_flow::title::other": "Authentication expired",
}
STRINGS = {
    "config": {
        "step": {
            "user": {"title": "Connect", "data": {"name": "[%key:common::config_flow::data::name%]"}},
            "reauth_confirm": {"title": "[%key:common::config_flow::title::reauth%]"},
        },
        "abort": {
            "reauth_successful": "[%key:common::config_flow::abort::reauth_successful%]",
            "again": "[%key:component::gotify::config::abort::reauth_successful%]",
        },
    }
}
ENGLISH = {
    "config": {
        "step": {
            "user": {"title": "Connect", "data": {"name": "Name"}},
            "reauth_confirm": {"title": "Authentication expired"},
        },
        "abort": {
            "reauth_successful": "Re-authentication was successful",
            "again": "Re-authentication was successful",
        },
    }
}


def _english(path: str, value: object, document: object = None) -> dict[str, Any]:
    """A copy of ``document`` (ENGLISH) with ``path`` set to ``value`` (removed for None)."""
    copy: dict[str, Any] = json.loads(json.dumps(ENGLISH if document is None else document))
    node = copy
    *parents, last = path.split(".")
    for part in parents:
        node = node[part]
    if value is None:
        del node[last]
    else:
        node[last] = value
    return copy


def test_english_is_strings_with_references_resolved(checker: ModuleType) -> None:
    assert checker.english_problems(STRINGS, ENGLISH, COMMON.get) == []
    resolved, unresolved = checker.resolve_references(STRINGS, COMMON.get)
    assert (resolved, unresolved) == (ENGLISH, [])


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        ("config.step.user.title", "Connect to Gotify", "strings.json gives 'Connect'"),
        ("config.step.user.data.name", "Server name", "strings.json gives 'Name'"),
        (
            "config.abort.reauth_successful",
            "[%key:common::config_flow::abort::reauth_successful%]",
            "does not resolve for a custom integration",
        ),
        ("config.step.user.title", None, "config.step.user.title is missing"),
        ("config.step.user.description", "Hello", "is not in strings.json"),
    ],
)
def test_english_that_is_not_strings_resolved_is_caught(
    checker: ModuleType, path: str, value: str | None, problem: str
) -> None:
    found = checker.english_problems(STRINGS, _english(path, value), COMMON.get)
    assert any(problem in item for item in found), found


def test_unknown_references_are_caught(checker: ModuleType) -> None:
    strings = json.loads(json.dumps(STRINGS))
    strings["config"]["abort"]["gone"] = "[%key:common::config_flow::abort::no_such_key%]"
    strings["config"]["abort"]["loop"] = "[%key:component::gotify::config::abort::loop%]"
    english = _english("config.abort.gone", "Gone")
    english["config"]["abort"]["loop"] = "Loop"
    found = checker.english_problems(strings, english, COMMON.get)
    assert any("config.abort.gone" in item and "names no string" in item for item in found), found
    assert any("config.abort.loop" in item and "names no string" in item for item in found), found


def test_on_the_oldest_release_only_reference_texts_may_differ(checker: ModuleType) -> None:
    """en.json has the newest release's common texts; the oldest supported one's are older."""
    english = _english("config.abort.reauth_successful", "Re-authenticated")
    assert checker.english_problems(STRINGS, english, COMMON.get, exact=False) == []
    assert checker.english_problems(STRINGS, english, COMMON.get, exact=True)
    plain = _english("config.step.user.title", "Connect to Gotify")
    assert checker.english_problems(STRINGS, plain, COMMON.get, exact=False)


def test_references_resolve_in_the_installed_home_assistant(checker: ModuleType) -> None:
    installed = checker.home_assistant()
    assert installed is not None
    lookup = checker.core_lookup(installed[0])
    assert lookup("common::config_flow::data::name") == "Name"
    assert lookup("common::config_flow::data::no_such_key") is None
    assert lookup("component::no_such_integration::title") is None


# quality_scale.yaml: every rule of the quality scale, each done, todo, or exempt with a reason.
def _scale(checker: ModuleType, **changes: object) -> dict[str, object]:
    """Every rule done, but for ``changes`` (``brands=None`` drops the rule)."""
    rules: dict[str, object] = {
        rule: "done" for tier in checker.QUALITY_SCALE_RULES.values() for rule in tier
    }
    for name, value in changes.items():
        rule = name.replace("_", "-")
        if value is None:
            del rules[rule]
        else:
            rules[rule] = value
    return {"rules": rules}


def test_quality_scale_rules_are_home_assistants(checker: ModuleType) -> None:
    rules = [rule for tier in checker.QUALITY_SCALE_RULES.values() for rule in tier]
    assert len(rules) == len(set(rules)) == 54
    assert set(checker.QUALITY_SCALE_RULES) == {"bronze", "silver", "gold", "platinum"}
    # The installed Home Assistant's own integrations rate no rule the list lacks.
    installed = checker.home_assistant()
    assert installed is not None
    rated: set[str] = set()
    for path in (installed[0] / "components").glob("*/quality_scale.yaml"):
        rated |= set(yaml.safe_load(path.read_text())["rules"])
    assert rated
    assert rated <= set(rules)


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"brands": None}, "brands is missing"),
        ({"no_such_rule": "done"}, "no-such-rule is not a rule"),
        ({"brands": "exempt"}, "exempt needs a comment"),
        ({"brands": "finished"}, "is not done or todo"),
        ({"brands": {"status": "exempt"}}, "needs a comment"),
        ({"brands": {"status": "exempt", "comment": " "}}, "needs a comment"),
        ({"brands": {"status": "todo"}}, "needs a comment"),
        ({"brands": {"status": "skipped", "comment": "why"}}, "status must be"),
        ({"brands": {"status": "done", "comment": "why", "tier": "gold"}}, "only status and comment"),
    ],
)
def test_bad_quality_scales_are_caught(checker: ModuleType, changes: dict[str, object], problem: str) -> None:
    found = checker.quality_scale_problems(_scale(checker, **changes))
    assert any(problem in item for item in found), found


def test_good_quality_scales_pass(checker: ModuleType) -> None:
    scale = _scale(
        checker,
        brands={"status": "exempt", "comment": "Why."},
        devices="todo",
        diagnostics={"status": "todo", "comment": "x"},
    )
    assert checker.quality_scale_problems(scale) == []


@pytest.mark.parametrize("document", [None, {"rules": []}, {"rules": {}, "tier": "gold"}])
def test_a_quality_scale_without_rules_is_caught(checker: ModuleType, document: object) -> None:
    assert checker.quality_scale_problems(document) == [
        "quality_scale.yaml: must be a mapping with only `rules`"
    ]


# icons.json
ICON_STRINGS = {"entity": {"binary_sensor": {"connection": {"name": "Connection"}}, "sensor": {"v": {}}}}
ICON_SERVICES: dict[str, Any] = {
    "send": {"fields": {"message": {}, "advanced": {"fields": {"tag": {}}}}},
    "clear": None,
}
ICONS = {
    "entity": {
        "binary_sensor": {
            "connection": {"default": "mdi:lan-disconnect", "state": {"on": "mdi:lan-connect"}}
        },
        "sensor": {"v": {"default": "mdi:tag", "state_attributes": {"x": {"state": {"a": "mdi:alpha"}}}}},
    },
    "services": {"send": {"service": "mdi:send", "sections": {"advanced": "mdi:cog"}}, "clear": "mdi:delete"},
}
PLATFORMS = {"binary_sensor", "sensor"}


def _icons(path: str, value: object) -> str:
    return json.dumps(_english(path, value, ICONS))


def test_good_icons_pass(checker: ModuleType) -> None:
    assert checker.icon_problems(json.dumps(ICONS), ICON_STRINGS, ICON_SERVICES, PLATFORMS) == []
    known = {
        "mdi:lan-disconnect",
        "mdi:lan-connect",
        "mdi:tag",
        "mdi:alpha",
        "mdi:send",
        "mdi:cog",
        "mdi:delete",
    }
    assert checker.icon_problems(json.dumps(ICONS), ICON_STRINGS, ICON_SERVICES, PLATFORMS, known) == []


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        ("entity.light", {"connection": {"default": "mdi:lamp"}}, "sets up no such platform"),
        ("entity.binary_sensor.online", {"default": "mdi:lan"}, "no entity with this translation key"),
        ("entity.binary_sensor.connection.default", "lan-disconnect", "is not an icon name"),
        ("entity.binary_sensor.connection.default", "mdi:Lan", "is not an icon name"),
        ("entity.binary_sensor.connection.state.on", "mdi:lan-disconnect", "the same as the default"),
        ("entity.binary_sensor.connection.state.On", "mdi:lan", "not a valid state key"),
        ("entity.binary_sensor.connection.color", "red", "unknown key"),
        ("entity.binary_sensor.connection", {}, "must give a default"),
        ("entity.sensor.v.state_attributes.x.range", {}, "only default and state"),
        ("services.clear", None, "clear: this action of services.yaml has no icon"),
        ("services.delete", "mdi:delete", "services.yaml has no such action"),
        ("services.send", {"icon": "mdi:send"}, "give `service`"),
        ("services.send.sections.basic", "mdi:cog", "no such section"),
        ("services.send.service", "mdi:", "is not an icon name"),
        ("stuff", {}, "unknown section"),
    ],
)
def test_bad_icons_are_caught(checker: ModuleType, path: str, value: object, problem: str) -> None:
    found = checker.icon_problems(_icons(path, value), ICON_STRINGS, ICON_SERVICES, PLATFORMS)
    assert any(problem in item for item in found), found


def test_icons_the_frontend_does_not_have_are_caught(checker: ModuleType) -> None:
    found = checker.icon_problems(json.dumps(ICONS), ICON_STRINGS, ICON_SERVICES, PLATFORMS, {"mdi:send"})
    assert any("the frontend has no icon mdi:lan-connect" in item for item in found), found
    assert checker.icon_problems("{", ICON_STRINGS, ICON_SERVICES, PLATFORMS)[0].startswith(
        "icons.json: invalid JSON"
    )
    assert checker.icon_problems("[]", ICON_STRINGS, ICON_SERVICES, PLATFORMS) == [
        "icons.json: must be an object"
    ]


def test_the_installed_frontend_knows_icons(checker: ModuleType) -> None:
    known = checker.frontend_icons()
    assert known is not None
    assert {"mdi:send", "mdi:bell"} <= known


# The version lives in manifest.json only.
@pytest.mark.parametrize(
    ("pyproject", "hacs", "problem"),
    [
        ('[project]\nname = "x"\nversion = "1.2.3"\n', {}, "[project] has a version"),
        ('[tool.bumpversion]\ncurrent_version = "1.2.3"\n', {}, "repeats the version 1.2.3"),
        ("[tool.ruff]\nline-length = 110\n", {"version": "1.2.3"}, "hacs.json: no version"),
    ],
)
def test_second_copies_of_the_version_are_caught(
    checker: ModuleType, pyproject: str, hacs: dict[str, str], problem: str
) -> None:
    found = checker.version_problems("1.2.3", pyproject, hacs)
    assert any(problem in item for item in found), found


def test_one_version_passes(checker: ModuleType) -> None:
    assert (
        checker.version_problems("1.2.3", '[tool.ruff]\ntarget-version = "py313"\n', {"name": "Gotify"}) == []
    )
