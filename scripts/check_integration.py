"""Static checks of the integration's files, run by scripts/lint (and by tests/test_check_integration.py).

- translations/en.json is strings.json with every ``[%key:...%]`` reference resolved from Home Assistant's
  own strings.json (Home Assistant resolves references only for its core integrations; a custom
  integration ships the texts): ``--fix`` writes it;
- every string is one the frontend can show and hassfest accepts: no HTML or ICU tags (``<name>``), no
  URLs (they come in through placeholders), balanced ``{placeholders}`` that are plain identifiers and not
  quoted, none in entity states, no surrounding whitespace, references only as the whole string; and
  every placeholder is one the code provides where the string is shown (a flow's by that flow, an
  exception's or issue's by every raise of it; actions, selectors and entities get none);
- every translation key the code uses (errors, aborts, exceptions, issues, selectors, entities) exists;
- every action in services.yaml, with each of its fields, is translated;
- manifest.json and hacs.json hold what Home Assistant, hassfest and HACS expect, and the version is only
  in manifest.json (not in pyproject.toml or hacs.json);
- icons.json has an ``mdi:`` icon for every action and icons only for entities strings.json names;
- quality_scale.yaml rates every rule of Home Assistant's integration quality scale, and only those.
"""

import ast
import importlib.metadata
import importlib.util
import json
import re
import sys
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPONENT = ROOT / "custom_components" / "gotify"
problems: list[str] = []


def fail(message: str) -> None:
    """Record a problem; ``main`` prints them all at the end."""
    problems.append(message)


def keys(mapping: Any, *path: str) -> set[str]:
    """Return the keys of the mapping at ``path`` in ``mapping``, none where there is no mapping."""
    for part in path:
        mapping = mapping.get(part, {}) if isinstance(mapping, dict) else {}
    return set(mapping) if isinstance(mapping, dict) else set()


# Home Assistant's frontend formats every string as an ICU message: ``<`` before a letter or ``/`` opens a
# tag, an apostrophe before a brace quotes it, and ``{...}`` is an argument. hassfest refuses HTML (a
# ``<`` before a letter) and URLs with these schemes, or starting with ``www.``.
TAG = re.compile(r"</?[A-Za-z][^<>\s]*>?")
URL = re.compile(
    r"\b(?:(?:https?|ftps?|scp|mqtts?|socket|socks5)://|www\.)[a-z0-9]+(?:[-.][a-z0-9]+)*\.[a-z]{2,5}",
    re.IGNORECASE,
)
REFERENCE = re.compile(r"\[%key:[a-z0-9_:-]+%\]")
QUOTE = re.compile(r"'[{}<>]")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def strings_of(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string of a translations file with its dotted path."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from strings_of(value, f"{path}.{key}" if path else key)
    elif isinstance(node, str):
        yield path, node


def placeholders_in(value: str) -> list[str]:
    """Return what is inside each pair of braces of a string, as written."""
    return re.findall(r"\{([^{}]*)\}", value)


def string_problems(path: str, value: str) -> list[str]:
    """Return what makes one string unusable in the frontend or refused by hassfest."""
    found = []
    if match := TAG.search(value):
        found.append(f"{path}: {match.group(0)!r} is an HTML/ICU tag (the frontend shows an error)")
    if match := URL.search(value):
        found.append(f"{path}: contains the URL {match.group(0)!r}; pass URLs in as placeholders")
    if value != value.strip():
        found.append(f"{path}: leading or trailing whitespace")
    if QUOTE.search(value):
        found.append(f"{path}: an apostrophe before a brace or angle bracket quotes it in ICU")
    depth = 0
    for character in value:
        depth += {"{": 1, "}": -1}.get(character, 0)
        if depth not in (0, 1):
            found.append(f"{path}: unbalanced or nested braces")
            break
    else:
        if depth:
            found.append(f"{path}: unbalanced braces")
    for name in placeholders_in(value):
        if not IDENTIFIER.fullmatch(name):
            found.append(f"{path}: placeholder {{{name}}} is not a plain identifier")
    if ".state." in f".{path}." and placeholders_in(value):
        found.append(f"{path}: entity states take no placeholders")
    if "[%key:" in value and not REFERENCE.fullmatch(value):
        found.append(f"{path}: a reference must be the whole string")
    return found


# Where a flow's strings get their placeholders: the steps of the flow class with this base (and helpers
# outside any class, which every flow calls). Sections no code gives placeholders to take none.
FLOW_BASES = {
    "config": "ConfigFlow",
    "options": "OptionsFlow",
    "config_subentries": "ConfigSubentryFlow",
    "fix_flow": "RepairsFlow",
}
NO_PLACEHOLDERS = ("services", "selector", "entity", "device")
CARRIERS = {"FlowError", "MessageError", "_invalid", "_page_text"}


@dataclass
class Provided:
    """Placeholder names the code passes: per flow class base and per step, and per literal key."""

    # A flow class's names (with the helpers it calls), for its errors and aborts.
    by_base: dict[str, set[str]] = field(default_factory=dict)
    # One step's names: its ``async_step_<id>`` method's and those of the helpers it calls.
    by_step: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    outside: set[str] = field(default_factory=set)
    # Every call site's names for a translation key given literally; None where one passes them on
    # from a variable (then only the flow-level check applies).
    by_key: dict[str, list[set[str]] | None] = field(default_factory=dict)

    @property
    def anywhere(self) -> set[str]:
        """Every name the code passes, in a flow or outside of one."""
        return self.outside.union(*self.by_base.values())


def _names(tree: ast.AST, constants: dict[str, set[str]], provided: Provided) -> set[str]:
    """Return the placeholder names ``tree`` passes, recording per-key call sites in ``provided``."""

    def keys(node: ast.AST | None) -> set[str] | None:
        if not isinstance(node, ast.Dict):
            return None
        found = set()
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                found.add(key.value)
            elif key is None and isinstance(value, ast.Name):  # {**CONSTANT, ...}
                found |= constants.get(value.id, set())
        return found

    def record(key: str, names: set[str] | None) -> None:
        sites = provided.by_key.setdefault(key, [])
        if names is None or sites is None:
            provided.by_key[key] = None
        else:
            sites.append(names)

    def is_placeholders(node: ast.AST) -> bool:
        return isinstance(node, ast.Name) and node.id == "placeholders"

    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            keywords = {keyword.arg: keyword.value for keyword in node.keywords if keyword.arg}
            for name in ("translation_placeholders", "description_placeholders"):
                names |= keys(keywords.get(name)) or set()
            key = keywords.get("translation_key")
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                passed = keywords.get("translation_placeholders")
                record(key.value, set() if passed is None else keys(passed))
            function = node.func.id if isinstance(node.func, ast.Name) else None
            if function in CARRIERS:
                carried = {keyword.arg for keyword in node.keywords if keyword.arg}
                names |= carried
                first = node.args[0] if node.args else None
                if (
                    function != "FlowError"
                    and isinstance(first, ast.Constant)
                    and isinstance(first.value, str)
                ):
                    unpacked = any(keyword.arg is None for keyword in node.keywords)
                    record(first.value, None if unpacked else carried)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if is_placeholders(target):
                    names |= keys(node.value) or set()
                elif (
                    isinstance(target, ast.Subscript)
                    and is_placeholders(target.value)
                    and isinstance(target.slice, ast.Constant)
                ):
                    names.add(str(target.slice.value))
    return names


def _called(tree: ast.AST) -> set[str]:
    return {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }


def provided_placeholders(code: str) -> Provided:
    """Find what placeholders the code passes, and where (see ``Provided``)."""
    tree = ast.parse(code)
    constants: dict[str, set[str]] = {}
    for node in tree.body:  # module-level dict constants, for ``{**CONSTANT}``
        if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Dict):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            literal = {
                k.value for k in node.value.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)
            }
            constants.update({target.id: literal for target in targets if isinstance(target, ast.Name)})
    provided = Provided()
    functions: dict[str, tuple[set[str], set[str]]] = {}
    classes: list[tuple[str, ast.ClassDef]] = []
    for node in tree.body:
        bases = {base.id for base in getattr(node, "bases", []) if isinstance(base, ast.Name)}
        flow = next((base for base in FLOW_BASES.values() if base in bases), None)
        if flow is not None and isinstance(node, ast.ClassDef):
            classes.append((flow, node))
            continue
        names = _names(node, constants, provided)
        provided.outside |= names
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            functions[node.name] = (names, _called(node))

    def through(called: set[str]) -> set[str]:
        """Return the placeholder names passed by the module's functions in ``called`` and all they call."""
        names: set[str] = set()
        seen: set[str] = set()
        pending = [name for name in called if name in functions]
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            own, calls = functions[name]
            names |= own
            pending += [other for other in calls if other in functions]
        return names

    for flow, node in classes:
        provided.by_base.setdefault(flow, set()).update(
            _names(node, constants, provided) | through(_called(node))
        )
        for method in node.body:
            if isinstance(method, ast.AsyncFunctionDef) and method.name.startswith("async_step_"):
                step = method.name.removeprefix("async_step_")
                names = _names(method, constants, Provided()) | through(_called(method))
                provided.by_step.setdefault((flow, step), set()).update(names)
    return provided


def translation_problems(strings: dict[str, Any], code: str) -> list[str]:
    """Every problem of the strings, given the integration's code (its modules joined)."""
    found = []
    provided = provided_placeholders(code)
    for path, value in strings_of(strings):
        found += string_problems(path, value)
        used = set(placeholders_in(value))
        if not used:
            continue
        parts = path.split(".")
        raised = parts[0] == "exceptions" or (parts[0] == "issues" and parts[2] != "fix_flow")
        if raised and (sites := provided.by_key.get(parts[1])):
            for names in sites:
                if missing := used - names:
                    found.append(f"{path}: uses {sorted(missing)}, which a raise of it does not pass")
                    break
            continue
        flow = "fix_flow" if "fix_flow" in parts else parts[0]
        if parts[0] in NO_PLACEHOLDERS:
            available: set[str] = set()
        elif flow in FLOW_BASES:
            base = FLOW_BASES[flow]
            if "step" in parts:
                step = parts[parts.index("step") + 1]
                available = provided.by_step.get((base, step), set())
            else:
                available = provided.by_base.get(base, set())
            if flow == "fix_flow":  # the frontend adds the issue's own placeholders to its fix flow's
                available = available.union(*(provided.by_key.get(parts[1]) or []))
        else:
            available = provided.anywhere
        for name in sorted(used - available):
            found.append(f"{path}: placeholder {{{name}}} is never provided there by the code")
    return found


# References: ``[%key:common::config_flow::data::url%]`` names a string of Home Assistant's strings.json,
# ``[%key:component::<domain>::...%]`` one of an integration's. Home Assistant's translation loader reads
# translations/<language>.json as it is (homeassistant/helpers/translation.py); only core's build resolves
# references. So strings.json (what hassfest checks) may use them, and en.json holds the resolved texts.
Lookup = Callable[[str], str | None]


def reference_key(value: str) -> str | None:
    """``common::config_flow::data::url`` for ``[%key:common::config_flow::data::url%]``, else None."""
    return value.removeprefix("[%key:").removesuffix("%]") if REFERENCE.fullmatch(value) else None


def _at(node: Any, parts: list[str]) -> str | None:
    for part in parts:
        node = node.get(part) if isinstance(node, dict) else None
    return node if isinstance(node, str) else None


def core_lookup(root: Path) -> Lookup:
    """Look references up in the Home Assistant package at ``root``.

    In its strings.json, and in the translations/en.json of its integrations, which the wheel ships
    instead of their strings.json.
    """
    common = json.loads((root / "strings.json").read_text())

    def lookup(key: str) -> str | None:
        parts = key.split("::")
        if parts[0] == "component" and len(parts) > 2:
            path = root / "components" / parts[1] / "translations" / "en.json"
            return _at(json.loads(path.read_text()), parts[2:]) if path.is_file() else None
        return _at(common, parts)

    return lookup


def resolve_references(strings: dict[str, Any], lookup: Lookup) -> tuple[dict[str, Any], list[str]]:
    """strings.json with every reference replaced by its text, and the references that resolve to none."""
    found: list[str] = []

    def text(key: str, seen: set[str]) -> str | None:
        parts = key.split("::")
        value = _at(strings, parts[2:]) if parts[:2] == ["component", "gotify"] else lookup(key)
        inner = reference_key(value) if value is not None else None
        if inner is None or value is None:
            return value
        return None if inner in seen else text(inner, seen | {inner})

    def walk(node: Any, path: str) -> Any:
        if isinstance(node, dict):
            return {key: walk(value, f"{path}.{key}" if path else key) for key, value in node.items()}
        if isinstance(node, str) and (key := reference_key(node)) is not None:
            value = text(key, {key})
            if value is None:
                found.append(f"{path}: {node} names no string of Home Assistant or of this integration")
                return node
            return value
        return node

    return walk(strings, ""), found


def english_problems(
    strings: dict[str, Any], english: dict[str, Any], lookup: Lookup, exact: bool = True
) -> list[str]:
    """Where translations/en.json is not strings.json with its references resolved.

    ``exact`` False (on the oldest supported Home Assistant, whose common texts differ in places from
    the newest one's, which en.json is made with) checks the references resolve but not their texts.
    """
    resolved, found = resolve_references(strings, lookup)
    found = [f"strings.json: {problem}" for problem in found]
    expected, actual = dict(strings_of(resolved)), dict(strings_of(english))
    source = dict(strings_of(strings))
    for path in sorted(expected.keys() - actual.keys()):
        found.append(f"translations/en.json: {path} is missing (run scripts/check_integration.py --fix)")
    for path in sorted(actual.keys() - expected.keys()):
        found.append(f"translations/en.json: {path} is not in strings.json")
    for path in sorted(expected.keys() & actual.keys()):
        if reference_key(actual[path]) is not None:
            found.append(
                f"translations/en.json: {path} is a reference, which Home Assistant does not resolve for a "
                "custom integration (run scripts/check_integration.py --fix)"
            )
        elif actual[path] != expected[path] and (exact or reference_key(source[path]) is None):
            found.append(
                f"translations/en.json: {path} is {actual[path]!r}, strings.json gives {expected[path]!r} "
                "(run scripts/check_integration.py --fix)"
            )
    return found


# Every rule of Home Assistant's integration quality scale, by tier: ALL_RULES in home-assistant/core's
# script/hassfest/quality_scale.py (hassfest checks quality_scale.yaml for core integrations only).
QUALITY_SCALE_RULES: dict[str, tuple[str, ...]] = {
    "bronze": (
        "action-setup",
        "appropriate-polling",
        "brands",
        "common-modules",
        "config-flow",
        "config-flow-test-coverage",
        "dependency-transparency",
        "docs-actions",
        "docs-conditions",
        "docs-high-level-description",
        "docs-installation-instructions",
        "docs-removal-instructions",
        "docs-triggers",
        "entity-event-setup",
        "entity-unique-id",
        "has-entity-name",
        "runtime-data",
        "test-before-configure",
        "test-before-setup",
        "unique-config-entry",
    ),
    "silver": (
        "action-exceptions",
        "config-entry-unloading",
        "docs-configuration-parameters",
        "docs-installation-parameters",
        "entity-unavailable",
        "integration-owner",
        "log-when-unavailable",
        "parallel-updates",
        "reauthentication-flow",
        "test-coverage",
    ),
    "gold": (
        "devices",
        "diagnostics",
        "discovery",
        "discovery-update-info",
        "docs-data-update",
        "docs-examples",
        "docs-known-limitations",
        "docs-supported-devices",
        "docs-supported-functions",
        "docs-troubleshooting",
        "docs-use-cases",
        "dynamic-devices",
        "entity-category",
        "entity-device-class",
        "entity-disabled-by-default",
        "entity-translations",
        "exception-translations",
        "icon-translations",
        "reconfiguration-flow",
        "repair-issues",
        "stale-devices",
    ),
    "platinum": ("async-dependency", "inject-websession", "strict-typing"),
}


def quality_scale_problems(document: Any) -> list[str]:
    """Return what hassfest's schema refuses in quality_scale.yaml, and every rule it does not rate.

    A rule is ``done`` or ``todo``, or ``status`` (``done``, ``todo`` or ``exempt``) with a ``comment``;
    an exempt rule always says why.
    """
    rules = document.get("rules") if isinstance(document, dict) else None
    if not isinstance(rules, dict) or set(document) != {"rules"}:
        return ["quality_scale.yaml: must be a mapping with only `rules`"]
    known = [rule for tier in QUALITY_SCALE_RULES.values() for rule in tier]
    found = [f"quality_scale.yaml: {rule} is missing" for rule in known if rule not in rules]
    for rule, value in rules.items():
        if rule not in known:
            found.append(f"quality_scale.yaml: {rule} is not a rule of the quality scale")
        elif isinstance(value, dict):
            status, comment = value.get("status"), value.get("comment")
            if status not in ("done", "todo", "exempt"):
                found.append(f"quality_scale.yaml: {rule}: status must be done, todo or exempt")
            if not isinstance(comment, str) or not comment.strip():
                found.append(f"quality_scale.yaml: {rule}: a status needs a comment (why it is {status})")
            if set(value) - {"status", "comment"}:
                found.append(f"quality_scale.yaml: {rule}: only status and comment")
        elif value not in ("done", "todo"):
            found.append(
                f"quality_scale.yaml: {rule}: {value!r} is not done or todo (exempt needs a comment)"
            )
    return found


ICON = re.compile(r"mdi:[a-z0-9]+(?:-[a-z0-9]+)*")
# hassfest's translation_key_validator: state and translation keys.
TRANSLATION_KEY = re.compile(r"^(?!.+[_-]{2})(?![_-])[a-z0-9-_]+(?<![_-])$")


def frontend_icons() -> set[str] | None:
    """Return the Material Design Icons the installed frontend knows (``mdi:name``), if there is one."""
    spec = importlib.util.find_spec("hass_frontend")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "static" / "mdi" / "iconList.json"
    if not path.is_file():
        return None
    names = [icon["name"] if isinstance(icon, dict) else icon for icon in json.loads(path.read_text())]
    return {f"mdi:{name}" for name in names}


@dataclass
class IconCheck:
    """Collects what is wrong in icons.json."""

    known_icons: set[str] | None
    found: list[str] = field(default_factory=list)

    def problem(self, path: str, message: str) -> None:
        """Record a problem at ``path``."""
        self.found.append(f"icons.json: {path}: {message}")

    def icon(self, path: str, icon: Any) -> None:
        """Check an icon name, and that the frontend has it where the frontend's icons are known."""
        if not isinstance(icon, str) or not ICON.fullmatch(icon):
            self.problem(path, f"{icon!r} is not an icon name such as mdi:bell")
        elif self.known_icons is not None and icon not in self.known_icons:
            self.problem(path, f"the frontend has no icon {icon}")

    def states(self, path: str, states: Any, default: Any) -> None:
        """Check state icons: valid state keys, and no icon that repeats the default."""
        if not isinstance(states, dict):
            self.problem(path, "must map states to icons")
            return
        for state, icon in states.items():
            if not TRANSLATION_KEY.match(state):
                self.problem(f"{path}.{state}", "not a valid state key")
            self.icon(f"{path}.{state}", icon)
            if icon == default:
                self.problem(f"{path}.{state}", "the same as the default icon, so not needed")

    def entity(self, path: str, entry: Any) -> None:
        """Check an entity's ``default``, ``state`` and ``state_attributes`` icons, and no other key."""
        if not isinstance(entry, dict) or not entry:
            self.problem(path, "must give a default and/or state icons")
            return
        for name in sorted(set(entry) - {"default", "state", "state_attributes"}):
            self.problem(f"{path}.{name}", "unknown key")
        if "default" in entry:
            self.icon(f"{path}.default", entry["default"])
        if "state" in entry:
            self.states(f"{path}.state", entry["state"], entry.get("default"))
        for attribute, spec in (entry.get("state_attributes") or {}).items():
            where = f"{path}.state_attributes.{attribute}"
            if not isinstance(spec, dict) or set(spec) - {"default", "state"}:
                self.problem(where, "only default and state")
                continue
            if "default" in spec:
                self.icon(f"{where}.default", spec["default"])
            self.states(f"{where}.state", spec.get("state", {}), spec.get("default"))

    def action(self, service: str, spec: Any, fields: dict[str, Any]) -> None:
        """Check an action's ``service`` icon, and its ``sections`` against services.yaml's."""
        path = f"services.{service}"
        spec = {"service": spec} if isinstance(spec, str) else spec  # hassfest's shorthand
        if not isinstance(spec, dict) or "service" not in spec or set(spec) - {"service", "sections"}:
            self.problem(path, "give `service` (and `sections`)")
            return
        self.icon(f"{path}.service", spec["service"])
        for section, icon in (spec.get("sections") or {}).items():
            if not isinstance(fields.get(section), dict) or "fields" not in fields[section]:
                self.problem(f"{path}.sections.{section}", "services.yaml has no such section")
            self.icon(f"{path}.sections.{section}", icon)


def icon_problems(
    text: str,
    strings: dict[str, Any],
    services: dict[str, Any],
    platforms: set[str],
    known_icons: set[str] | None = None,
) -> list[str]:
    """Return what is wrong in icons.json: hassfest's schema, and what only this integration knows.

    Entities by a platform the integration sets up and a translation key of strings.json's ``entity``;
    ``default``, ``state`` and ``state_attributes`` icons (a state's not the default's); an icon for every
    action of services.yaml (``service``, and its ``sections``), and only for those; every icon an
    ``mdi:`` name, one of the installed frontend's where there is one.
    """
    try:
        icons = json.loads(text)
    except ValueError as err:
        return [f"icons.json: invalid JSON: {err}"]
    if not isinstance(icons, dict):
        return ["icons.json: must be an object"]
    check = IconCheck(known_icons)
    for key in icons.keys() - {"entity", "services"}:
        check.problem(key, "unknown section")
    entity = icons.get("entity", {})
    for platform, entries in entity.items() if isinstance(entity, dict) else []:
        if platform not in platforms:
            check.problem(f"entity.{platform}", "the integration sets up no such platform")
            continue
        for key, entry in entries.items() if isinstance(entries, dict) else []:
            path = f"entity.{platform}.{key}"
            if key not in strings.get("entity", {}).get(platform, {}):
                check.problem(path, "strings.json has no entity with this translation key")
            check.entity(path, entry)
    actions = icons.get("services", {})
    actions = actions if isinstance(actions, dict) else {}
    for service in services.keys() - actions.keys():
        check.problem(f"services.{service}", "this action of services.yaml has no icon")
    for service, spec in actions.items():
        if service not in services:
            check.problem(f"services.{service}", "services.yaml has no such action")
        else:
            check.action(service, spec, (services[service] or {}).get("fields", {}))
    return check.found


def version_problems(version: str, pyproject: str, hacs: dict[str, Any]) -> list[str]:
    """Check the version is only in manifest.json: a second copy (pyproject.toml, hacs.json) goes stale."""
    found = []
    if "version" in tomllib.loads(pyproject).get("project", {}):
        found.append("pyproject.toml: [project] has a version; the version lives in manifest.json only")
    elif re.search(rf"[\"']{re.escape(version)}[\"']", pyproject):
        found.append(f"pyproject.toml: repeats the version {version}; it lives in manifest.json only")
    if "version" in hacs:
        found.append("hacs.json: no version (HACS reads it from manifest.json and the release)")
    return found


def home_assistant() -> tuple[Path, str] | None:
    """Where the installed Home Assistant package is, and its version."""
    spec = importlib.util.find_spec("homeassistant")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent, importlib.metadata.version("homeassistant")


def release(version: str) -> tuple[int, int]:
    """Return a Home Assistant version's year and month, which releases are compared by."""
    year, month = version.split(".")[:2]
    return int(year), int(month)


def _unknown(key: str) -> str | None:
    return None


def check_english(strings: dict[str, Any], hacs: dict[str, Any], fix: bool) -> dict[str, Any]:
    """translations/en.json (written first with ``fix``), checked against strings.json."""
    lookup: Lookup = _unknown
    exact = True
    if (installed := home_assistant()) is None:
        fail("Home Assistant is not installed, so the references in strings.json cannot be resolved")
    else:
        lookup = core_lookup(installed[0])
        # en.json holds the newest release's texts; the oldest supported one's differ in places.
        exact = release(installed[1]) > release(str(hacs.get("homeassistant", "0.0")))
    path = COMPONENT / "translations" / "en.json"
    if fix:
        resolved, unresolved = resolve_references(strings, lookup)
        if not exact:
            fail("--fix needs a Home Assistant newer than the oldest supported one (.venv/py3.14)")
        elif unresolved or installed is None:
            fail("--fix: not writing translations/en.json while references do not resolve")
        else:
            path.write_text(json.dumps(resolved, indent=2, ensure_ascii=False) + "\n")
    english: dict[str, Any] = json.loads(path.read_text())
    for problem in english_problems(strings, english, lookup, exact):
        fail(problem)
    return english


def check_conventions(
    strings: dict[str, Any], services: dict[str, Any], code: str, version: str, hacs: dict[str, Any]
) -> None:
    """icons.json, quality_scale.yaml and the one copy of the version."""
    for problem in version_problems(version, (ROOT / "pyproject.toml").read_text(), hacs):
        fail(problem)
    platforms = {name.lower() for name in re.findall(r"\bPlatform\.([A-Z_]+)\b", code)}
    icons = (COMPONENT / "icons.json").read_text()
    for problem in icon_problems(icons, strings, services, platforms, frontend_icons()):
        fail(problem)
    for problem in quality_scale_problems(yaml.safe_load((COMPONENT / "quality_scale.yaml").read_text())):
        fail(problem)


def main(argv: list[str] | None = None) -> int:
    """Every check; ``--fix`` first writes translations/en.json from strings.json."""
    problems.clear()
    strings = json.loads((COMPONENT / "strings.json").read_text())
    hacs = json.loads((ROOT / "hacs.json").read_text())
    english = check_english(strings, hacs, fix="--fix" in (argv or []))

    code = "\n".join(path.read_text() for path in sorted(COMPONENT.rglob("*.py")))
    for name, document in (("strings.json", strings), ("translations/en.json", english)):
        for problem in translation_problems(document, code):
            fail(f"{name}: {problem}")
    subentry = strings["config_subentries"]["application"]
    fix_flow = strings["issues"]["application_deleted"]["fix_flow"]
    form_errors = keys(strings, "config", "error") | keys(subentry, "error") | keys(fix_flow, "error")
    form_errors |= keys(strings, "options", "error")
    aborts = keys(strings, "config", "abort") | keys(subentry, "abort") | keys(fix_flow, "abort")
    aborts |= {"already_configured", "reauth_successful", "reconfigure_successful"}
    exceptions = keys(strings, "exceptions")
    named = exceptions | keys(strings, "issues") | keys(strings, "selector")
    named |= {key for platform in keys(strings, "entity") for key in keys(strings, "entity", platform)}

    constants = dict(re.findall(r'^(CONF_[A-Z_]+|[A-Z_]+): Final = "([a-z_]+)"', code, re.MULTILINE))
    checks = [
        (r'translation_key="([a-z_]+)"', named, "translation key"),
        (r"translation_key=([A-Z_]+)\b", named, "translation key"),
        (r'(?:MessageError|_invalid)\(\s*"([a-z_]+)"', exceptions, "exception"),
        (r'FlowError\(\s*"([a-z_]+)"', form_errors, "form error"),
        (r'errors\[[^\]]+\] = "([a-z_]+)"', form_errors, "form error"),
        (r'WholeNumberSelector\([^)]*?"([a-z_]+)"', form_errors, "form error"),
        (r'async_abort\(\s*reason="([a-z_]+)"', aborts, "abort reason"),
        (r'_attr_translation_key = "([a-z_]+)"', named, "entity translation key"),
        (r'super\(\).__init__\(entry, "([a-z_]+)"\)', named, "entity translation key"),
    ]
    for pattern, known, kind in checks:
        for key in re.findall(pattern, code):
            key = constants.get(key, key)
            if key not in known:
                fail(f"{kind} {key!r} is used in the code but not in strings.json")

    services = yaml.safe_load((COMPONENT / "services.yaml").read_text())
    for service, spec in services.items():
        translated = strings.get("services", {}).get(service)
        if translated is None:
            fail(f"action {service} has no translation")
            continue
        for name in (spec or {}).get("fields", {}):
            if name not in translated.get("fields", {}):
                fail(f"field {name} of action {service} has no translation")

    manifest = json.loads((COMPONENT / "manifest.json").read_text())
    expected = {
        "domain": "gotify",
        "config_flow": True,
        "integration_type": "service",
        "iot_class": "local_push",
    }
    for key, value in expected.items():
        if manifest.get(key) != value:
            fail(f"manifest.json: {key} should be {value!r}")
    for key in ("name", "codeowners", "documentation", "issue_tracker", "version"):
        if not manifest.get(key):
            fail(f"manifest.json: {key} is missing")
    if manifest.get("requirements"):
        fail("manifest.json: no requirements expected (aiohttp comes with Home Assistant)")
    if not re.fullmatch(r"\d+\.\d+\.\d+", str(manifest.get("version"))):
        fail("manifest.json: version must be x.y.z")
    if list(manifest)[:2] != ["domain", "name"] or list(manifest)[2:] != sorted(list(manifest)[2:]):
        fail("manifest.json: keys must be domain, name, then sorted (hassfest)")

    if hacs.get("name") != manifest.get("name") or not hacs.get("render_readme"):
        fail("hacs.json: name must match the manifest and render_readme be true")
    if hacs.get("homeassistant") != "2025.4.0":
        fail("hacs.json: homeassistant must be the oldest supported release, 2025.4.0")
    for path in ("brand/icon.png", "brand/icon@2x.png"):
        if not (COMPONENT / path).is_file():
            fail(f"{path} is missing")
    check_conventions(strings, services, code, str(manifest.get("version")), hacs)

    for problem in problems:
        print(f"check_integration: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
