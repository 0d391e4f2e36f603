"""The kit a student release carries: its wheel (vendor/), and that wheel unpacked as pip would
install it, for tests that run or search the release's own `autograder`.

Tests that look at the release's package (what it holds, what it imports, what its checks do)
look at `installed(release)`, never at the release folder itself: the folder holds no loose copy
of the kit, so a search there finds nothing, whatever the wheel holds."""

from __future__ import annotations

import zipfile
from pathlib import Path


def the_wheel(release: Path) -> Path:
    (wheel,) = (release / "vendor").glob("nnkit-*+student-py3-none-any.whl")
    return wheel


def installed(release: Path) -> Path:
    """The release's wheel unpacked beside the release (what pip installs into site-packages,
    minus the `nnkit` script): the folder to put first on PYTHONPATH."""
    site = release.parent / f"{release.name}-site"
    if not site.is_dir():
        with zipfile.ZipFile(the_wheel(release)) as archive:
            archive.extractall(site)
    return site
