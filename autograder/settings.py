"""The instructor's course settings: one file every command reads.

A course folder holds `nnkit-course.toml` (this module reads it), the course secret (`secret`,
never shipped), the signing key pair (`keys/`), the assignment the instructor owns
(`assignment/`) and the instructor's own checks (`checks/*.py`). Commands find it through
`--course DIR`, else `$NNKIT_COURSE`, else the nearest folder above the current one holding the
file. Without a course every setting keeps the kit's default, so a student's `nnkit check` in a
plain folder behaves as before. A student release carries the public part of the settings
(threshold, time budget, allowed packages, points) in its own `nnkit-course.toml`, without a
secret, keys or hidden checks.

    [grading]
    threshold = 0.97            # MNIST test accuracy that passes stage 6
    time_budget = 300           # seconds for train() on MNIST
    allowed_packages = []       # importable at grading besides NumPy and the standard library
    grading_on_public_inputs = false

    [points]                    # check id -> points
    "stage2.sigmoid_values" = 3

    [hidden]
    checks = ["stage6.mnist_accuracy"]   # shown to students only after grading

    [deadlines]
    neural_network = "2026-12-18T23:59:00+01:00"
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.errors import KitEnvironmentError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

SETTINGS_FILE = "nnkit-course.toml"
COURSE_ENV = "NNKIT_COURSE"
SECRET_FILE = "secret"  # the course secret, inside the course folder (mode 0600)
KEYS_FOLDER = "keys"  # course.key (private, signs reports) and course.pub
ASSIGNMENT_FOLDER = "assignment"  # the instructor's own copy of the assignment
CHECKS_FOLDER = "checks"  # the instructor's own check modules

DEFAULT_THRESHOLD = 0.95
DEFAULT_TIME_BUDGET = 600.0


class CourseSettingsError(KitEnvironmentError):
    """The course's settings file cannot be used (message: which file, which key, the fix)."""


@dataclass(frozen=True)
class CourseSettings:
    """What an instructor decides; the kit's defaults where no course says otherwise."""

    folder: Path | None = None  # the course folder; None: no course (the kit's defaults)
    threshold: float = DEFAULT_THRESHOLD
    time_budget: float = DEFAULT_TIME_BUDGET
    allowed_packages: tuple[str, ...] = ()
    grading_on_public_inputs: bool = False
    points: dict[str, int] = field(default_factory=dict)
    hidden: tuple[str, ...] = ()
    deadlines: dict[str, str] = field(default_factory=dict)

    def path(self, name: str) -> Path | None:
        """A file or folder of the course (None without a course)."""
        return None if self.folder is None else self.folder / name

    @property
    def secret_file(self) -> Path | None:
        return self.path(SECRET_FILE)

    @property
    def assignment(self) -> Path | None:
        return self.path(ASSIGNMENT_FOLDER)

    @property
    def checks_folder(self) -> Path | None:
        return self.path(CHECKS_FOLDER)

    def public(self) -> dict[str, Any]:
        """The part a student release may carry: nothing secret, no hidden check's name."""
        return {"grading": {"threshold": self.threshold, "time_budget": self.time_budget,
                            "allowed_packages": list(self.allowed_packages)},
                "points": {key: value for key, value in self.points.items()
                           if key not in self.hidden}}


def find_course(start: Path | None = None) -> Path | None:
    """The course folder in force: $NNKIT_COURSE, else the nearest folder (from `start`, by
    default the current one, upwards) holding nnkit-course.toml; None when there is none."""
    named = os.environ.get(COURSE_ENV)
    if named:
        folder = Path(named).expanduser()
        if not (folder / SETTINGS_FILE).is_file():
            raise CourseSettingsError(
                f"{COURSE_ENV}={named} holds no {SETTINGS_FILE}: set it to a course folder made "
                "by `nnkit course init`, or unset it")
        return folder.resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / SETTINGS_FILE).is_file():
            return folder
    return None


def _number(table: dict, key: str, default: float, where: Path, low: float, high: float) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low < value <= high:
        raise CourseSettingsError(
            f"{where}: [grading] {key} = {value!r} should be a number above {low} and at most "
            f"{high}")
    return float(value)


def parse(text: str, where: Path) -> dict[str, Any]:
    """The settings file's tables, or a one-line error naming the file and the problem."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CourseSettingsError(f"{where} is not valid TOML: {error}") from None


def load(folder: Path) -> CourseSettings:
    """The settings of the course in `folder`, checked (unknown keys are errors, not ignored)."""
    where = folder / SETTINGS_FILE
    try:
        text = where.read_text(encoding="utf-8")
    except OSError as error:
        raise CourseSettingsError(f"cannot read {where}: {error.strerror}") from None
    data = parse(text, where)
    unknown = set(data) - {"grading", "points", "hidden", "deadlines"}
    if unknown:
        raise CourseSettingsError(f"{where}: unknown table(s) {', '.join(sorted(unknown))}")
    grading = data.get("grading", {})
    known = {"threshold", "time_budget", "allowed_packages", "grading_on_public_inputs"}
    if set(grading) - known:
        raise CourseSettingsError(
            f"{where}: unknown [grading] key(s) {', '.join(sorted(set(grading) - known))}; "
            f"known: {', '.join(sorted(known))}")
    packages = grading.get("allowed_packages", [])
    if not isinstance(packages, list) or not all(isinstance(p, str) and p for p in packages):
        raise CourseSettingsError(f"{where}: [grading] allowed_packages should be a list of "
                                  "package names, like [\"scipy\"]")
    points = data.get("points", {})
    bad = [key for key, value in points.items()
           if isinstance(value, bool) or not isinstance(value, int) or value < 0]
    if bad:
        raise CourseSettingsError(f"{where}: [points] {bad[0]} should be a whole number >= 0")
    hidden = data.get("hidden", {}).get("checks", [])
    if not isinstance(hidden, list) or not all(isinstance(name, str) for name in hidden):
        raise CourseSettingsError(f"{where}: [hidden] checks should be a list of check ids")
    deadlines = data.get("deadlines", {})
    return CourseSettings(
        folder=folder.resolve(),
        threshold=_number(grading, "threshold", DEFAULT_THRESHOLD, where, 0.0, 1.0),
        time_budget=_number(grading, "time_budget", DEFAULT_TIME_BUDGET, where, 0.0, 86400.0),
        allowed_packages=tuple(packages),
        grading_on_public_inputs=bool(grading.get("grading_on_public_inputs", False)),
        points={str(key): int(value) for key, value in points.items()},
        hidden=tuple(hidden),
        deadlines={str(key): str(value) for key, value in deadlines.items()},
    )


def current(start: Path | None = None) -> CourseSettings:
    """The settings in force here: the course found by `find_course`, else the kit's defaults.
    Read once per version of the file (checks ask for their points often while grading)."""
    folder = find_course(start)
    if folder is None:
        return _DEFAULTS
    try:
        stamp = (folder / SETTINGS_FILE).stat().st_mtime_ns
    except OSError:
        stamp = None
    key = (folder, stamp)
    if key not in _loaded:
        _loaded[key] = load(folder)
    return _loaded[key]


_DEFAULTS = CourseSettings()
_loaded: dict[tuple[Path, int | None], CourseSettings] = {}


def points_of(check_id: str, kit_points: float) -> float:
    """A check's points: the course's [points] entry for it, else the kit's."""
    return current().points.get(check_id, kit_points)


def hidden_by_course(check_id: str) -> bool:
    """Whether the course's [hidden] checks list this check (graded, never shown beforehand)."""
    return check_id in current().hidden


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    raise TypeError(f"no TOML for {value!r}")


def _toml_key(key: str) -> str:
    return key if key and all(c.isascii() and (c.isalnum() or c in "_-") for c in key) \
        else _toml_value(key)


def dumps(tables: dict[str, dict[str, Any]]) -> str:
    """`tables` (one level of tables of plain values, as `public()` gives) as TOML text."""
    lines: list[str] = []
    for name, table in tables.items():
        lines.append(f"[{name}]")
        lines += [f"{_toml_key(str(key))} = {_toml_value(value)}" for key, value in table.items()]
        lines.append("")
    return "\n".join(lines)
