"""Headless Chromium (Debian's `chromium` package) for the leaderboard tests: the rendered DOM,
a phone-size screenshot, and the leaderboard's rows as the browser sees them."""

from __future__ import annotations

import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

PHONE = (390, 844)  # CSS pixels of a common phone, portrait
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--hide-scrollbars")


def executable() -> str:
    """The browser, or a failing test that says how to install it (never a skip)."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("headless Chromium is needed for the leaderboard tests but `chromium` is not on "
                "PATH; install Debian's package: apt-get install -y chromium (.ci/run does)")


def run(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess:
    command = [executable(), *FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, (f"chromium exited with {done.returncode} on {page}\n"
                                  f"stderr (end): {done.stderr[-2000:]}")
    return done


def dump_dom(page: Path, profile: Path) -> str:
    return run(page, profile, "--dump-dom").stdout


def screenshot(page: Path, profile: Path, png: Path, size: tuple[int, int] = PHONE) -> Path:
    run(page, profile, f"--screenshot={png}", f"--window-size={size[0]},{size[1]}")
    return png


def png_size(png: Path) -> tuple[int, int]:
    """Width and height from the PNG header (and proof that the file is a PNG)."""
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{png} is not a PNG (starts with {data[:8]!r})"
    return struct.unpack(">II", data[16:24])


class _Rows(HTMLParser):
    """Collects the leaderboard's rows (<tr class="entry" data-rank data-student>), their stage
    boxes, and the counters (<b data-count="...">)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict] = []
        self.counts: dict[str, str] = {}
        self._count: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if tag == "tr" and "entry" in classes:
            self.rows.append({"rank": int(attributes["data-rank"]),
                              "student": attributes["data-student"], "stages": []})
        elif tag == "span" and "stage" in classes and self.rows and "title" in attributes:
            self.rows[-1]["stages"].append(next(c for c in classes if c != "stage"))
        elif "data-count" in attributes:
            self._count = attributes["data-count"]

    def handle_data(self, data: str) -> None:
        if self._count and data.strip():
            self.counts[self._count] = data.strip()
            self._count = None


def leaderboard(dom: str) -> tuple[list[dict], dict[str, int]]:
    """The rows (rank, student, stage statuses) in page order, and the counters."""
    parser = _Rows()
    parser.feed(dom)
    return parser.rows, {key: int(value) for key, value in parser.counts.items()}
