"""Static checks of the integration's files, run by scripts/lint (and by tests/test_check_integration.py).

- strings.json and translations/en.json agree;
- every string is one the frontend can show and hassfest accepts: no HTML or ICU tags (``<name>``), no
  URLs (they come in through placeholders), balanced ``{placeholders}`` that are plain identifiers and not
  quoted, none in entity states, no surrounding whitespace, references only as the whole string; and
  every placeholder is one the code provides (for exceptions raised with literal placeholders: exactly
  those);
- every translation key the code uses (errors, aborts, exceptions, issues, selectors, entities) exists;
- every action in services.yaml, with each of its fields, is translated;
- manifest.json and hacs.json hold what Home Assistant, hassfest and HACS expect.
"""

import ast
import json
import re
import sys
from collections.abc import Iterator
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
REFERENCE = re.compile(r"\[%key:[a-z0-9_:]+%\]")
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
    if "'{" in value or "}'" in value:
        found.append(f"{path}: a quoted placeholder (an apostrophe beside a brace quotes it in ICU)")
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


def _literal_keys(node: ast.AST | None) -> set[str] | None:
    """The string keys of a dict literal; None for anything else."""
    if not isinstance(node, ast.Dict):
        return None
    return {key.value for key in node.keys if isinstance(key, ast.Constant) and isinstance(key.value, str)}


def _is_placeholders(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id == "placeholders"


def provided_placeholders(code: str) -> tuple[set[str], dict[str, set[str]]]:
    """Placeholder names the code passes anywhere, and those passed literally with an exception's key.

    Anywhere: keys of dict literals given as ``translation_placeholders``/``description_placeholders`` or
    assigned to (or stored in) a variable called ``placeholders``, and keyword arguments of the error
    classes and helpers that carry placeholders (``FlowError``, ``MessageError``, ``_invalid``). With a
    literal key: only where every raise of that key passes its placeholders literally.
    """
    anywhere: set[str] = set()
    by_key: dict[str, set[str]] = {}
    dynamic: set[str] = set()
    carriers = {"FlowError", "MessageError", "_invalid"}

    def record(key: str, names: set[str] | None) -> None:
        if names is None:
            dynamic.add(key)
        else:
            by_key.setdefault(key, set()).update(names)

    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Call):
            keywords = {keyword.arg: keyword.value for keyword in node.keywords if keyword.arg}
            for name in ("translation_placeholders", "description_placeholders"):
                anywhere |= _literal_keys(keywords.get(name)) or set()
            key = keywords.get("translation_key")
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                passed = keywords.get("translation_placeholders")
                record(key.value, set() if passed is None else _literal_keys(passed))
            function = node.func.id if isinstance(node.func, ast.Name) else None
            if function in carriers:
                names = {keyword.arg for keyword in node.keywords if keyword.arg}
                anywhere |= names
                first = node.args[0] if node.args else None
                literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
                if function != "FlowError" and literal:
                    record(first.value, names)  # type: ignore[union-attr]
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if _is_placeholders(target):
                    anywhere |= _literal_keys(node.value) or set()
                elif (
                    isinstance(target, ast.Subscript)
                    and _is_placeholders(target.value)
                    and isinstance(target.slice, ast.Constant)
                ):
                    anywhere.add(str(target.slice.value))
    return anywhere, {key: names for key, names in by_key.items() if key not in dynamic}


def translation_problems(strings: dict[str, Any], code: str) -> list[str]:
    """Every problem of the strings, given the integration's code (its modules joined)."""
    found = []
    anywhere, by_key = provided_placeholders(code)
    for path, value in strings_of(strings):
        found += string_problems(path, value)
        used = set(placeholders_in(value))
        parts = path.split(".")
        if parts[0] == "exceptions" and parts[1] in by_key:
            exact = by_key[parts[1]]
            if used != exact:
                found.append(f"{path}: uses {sorted(used)} but the code passes {sorted(exact)}")
            continue
        for name in sorted(used - anywhere):
            found.append(f"{path}: placeholder {{{name}}} is never provided by the code")
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
        for field in (spec or {}).get("fields", {}):
            if field not in translated.get("fields", {}):
                fail(f"field {field} of action {service} has no translation")

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
