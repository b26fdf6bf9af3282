"""Print the Python requirements a real Home Assistant needs for what the project runs, one per line.

Run by scripts/setup with each environment's interpreter, so the requirements are the ones the installed
Home Assistant release pins. A real ``hass`` (scripts/develop, the end-to-end and browser tests) sets up
the integrations it always sets up, the ones the development configuration names, the ones onboarding
adds, and this integration's own dependencies; without their requirements installed beforehand it
installs them itself at its first start (slow) or, with ``--skip-pip``, fails to set them up (and the
frontend, which asks for every action's description, stays on "Loading...").

Only requirements that are not installed already at the pinned version are printed.
"""

import importlib.metadata
import json
import sys
from pathlib import Path

from homeassistant import bootstrap
from homeassistant.components import onboarding
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.homeassistant_process import CONFIGURED_INTEGRATIONS  # noqa: E402

COMPONENTS = Path(bootstrap.__file__).parent / "components"

# What onboarding sets up when its location step is done (homeassistant/components/onboarding/views.py),
# and isal, which Home Assistant's HTTP server uses when it is installed (and warns when it is not).
ONBOARDING_INTEGRATIONS = {"google_translate", "met", "radio_browser", "shopping_list"}
OPTIONAL = {"isal"}


def manifest(domain: str) -> dict[str, object]:
    """Return a domain's manifest (this integration's own for ``gotify``); empty if there is none."""
    path = COMPONENTS / domain / "manifest.json"
    if domain == "gotify":
        path = ROOT / "custom_components" / "gotify" / "manifest.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def closure(domains: set[str]) -> set[str]:
    """Return the domains and all they depend on (after_dependencies too: they are all set up here)."""
    seen: set[str] = set()
    stack = list(domains)
    while stack:
        domain = stack.pop()
        if domain in seen:
            continue
        seen.add(domain)
        data = manifest(domain)
        for key in ("dependencies", "after_dependencies"):
            stack.extend(str(name) for name in data.get(key, []) or [])  # type: ignore[union-attr]
    return seen


def missing_requirements() -> list[str]:
    """Return the requirements of what a real ``hass`` sets up that are not installed as pinned."""
    domains = (
        set(bootstrap.CORE_INTEGRATIONS)
        | set(bootstrap.DEFAULT_INTEGRATIONS)
        | set(CONFIGURED_INTEGRATIONS)
        | ONBOARDING_INTEGRATIONS
        | OPTIONAL
        | {"gotify", onboarding.DOMAIN}
    )
    wanted: dict[str, str] = {}
    for domain in sorted(closure(domains)):
        for line in manifest(domain).get("requirements", []) or []:  # type: ignore[union-attr]
            requirement = Requirement(str(line))
            wanted.setdefault(requirement.name.lower(), str(line))
    missing = []
    for name, line in sorted(wanted.items()):
        requirement = Requirement(line)
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(line)
            continue
        if requirement.specifier and installed not in requirement.specifier:
            missing.append(line)
    return missing


if __name__ == "__main__":
    for line in missing_requirements():
        print(line)
