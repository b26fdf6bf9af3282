"""The README names only UI paths that the browser test walks in the real frontend."""

import re
from pathlib import Path

from .test_browser import README_UI_PATHS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()
# HACS is not part of the test installation; its paths come from HACS' own documentation.
UNCHECKED = {"HACS → Integrations → ⋮ → Custom repositories"}


def test_every_ui_path_is_one_the_browser_test_checks() -> None:
    paths = re.findall(r"\*\*([^*\n]*→[^*\n]*)\*\*", README)
    assert paths
    unknown = sorted(set(paths) - README_UI_PATHS - UNCHECKED)
    assert not unknown, f"README names UI paths the browser test does not check: {unknown}"


def test_no_ui_path_outside_a_marked_one() -> None:
    """A path is written as one bold run (``**Settings → …**``), so the check above sees all of them."""
    unmarked = re.sub(r"\*\*[^*\n]*→[^*\n]*\*\*", "", README)
    stray = [line.strip() for line in unmarked.splitlines() if "→" in line]
    assert not stray, stray
