"""Static checks of the integration's files, run by scripts/lint.

- strings.json and translations/en.json agree;
- every translation key the code uses (errors, aborts, exceptions, issues, selectors, entities) exists;
- every action in services.yaml, with each of its fields, is translated;
- manifest.json and hacs.json hold what Home Assistant, hassfest and HACS expect.
"""

import json
import re
import sys
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


def main() -> int:
    strings = json.loads((COMPONENT / "strings.json").read_text())
    english = json.loads((COMPONENT / "translations" / "en.json").read_text())
    if strings != english:
        fail("translations/en.json differs from strings.json")

    code = "\n".join(path.read_text() for path in sorted(COMPONENT.glob("*.py")))
    subentry = strings["config_subentries"]["application"]
    fix_flow = strings["issues"]["application_deleted"]["fix_flow"]
    form_errors = keys(strings, "config", "error") | keys(subentry, "error") | keys(fix_flow, "error")
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
