"""Static checks of the integration's files, run by scripts/lint (and by tests/test_check_integration.py).

- strings.json and translations/en.json agree;
- every string is one the frontend can show and hassfest accepts: no HTML or ICU tags (``<name>``), no
  URLs (they come in through placeholders), balanced ``{placeholders}`` that are plain identifiers and not
  quoted, none in entity states, no surrounding whitespace, references only as the whole string; and
  every placeholder is one the code provides where the string is shown (a flow's by that flow, an
  exception's or issue's by every raise of it; actions, selectors and entities get none);
- every translation key the code uses (errors, aborts, exceptions, issues, selectors, entities) exists;
- every action in services.yaml, with each of its fields, is translated;
- manifest.json and hacs.json hold what Home Assistant, hassfest and HACS expect.
"""

import ast
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPONENT = ROOT / "custom_components" / "gotify"
problems: list[str] = []


def fail(message: str) -> None:
    problems.append(message)


def keys(mapping: Any, *path: str) -> set[str]:
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
    return re.findall(r"\{([^{}]*)\}", value)


def string_problems(path: str, value: str) -> list[str]:
    """What makes one string unusable in the frontend or refused by hassfest."""
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
CARRIERS = {"FlowError", "MessageError", "_invalid"}


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
        return self.outside.union(*self.by_base.values())


def _names(tree: ast.AST, constants: dict[str, set[str]], provided: Provided) -> set[str]:
    """The placeholder names ``tree`` passes, recording per-key call sites in ``provided``."""

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
    """What placeholders the code passes, where (see ``Provided``)."""
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
        """The names of the module's functions in ``called``, and of those they call, and so on."""
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


def main() -> int:
    strings = json.loads((COMPONENT / "strings.json").read_text())
    english = json.loads((COMPONENT / "translations" / "en.json").read_text())
    if strings != english:
        fail("translations/en.json differs from strings.json")

    code = "\n".join(path.read_text() for path in sorted(COMPONENT.glob("*.py")))
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

    hacs = json.loads((ROOT / "hacs.json").read_text())
    if hacs.get("name") != manifest.get("name") or not hacs.get("render_readme"):
        fail("hacs.json: name must match the manifest and render_readme be true")
    if hacs.get("homeassistant") != "2025.4.0":
        fail("hacs.json: homeassistant must be the oldest supported release, 2025.4.0")
    for path in ("brand/icon.png", "brand/icon@2x.png"):
        if not (COMPONENT / path).is_file():
            fail(f"{path} is missing")

    for problem in problems:
        print(f"check_integration: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
