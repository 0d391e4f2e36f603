"""`nnkit nbgrader init COURSE`: an nbgrader course made by one command, from the installed kit.

It writes COURSE/nbgrader_config.py (the kit's, read from the installed package: nothing is
copied out of site-packages by hand), pinned to the nnkit course in force (its settings, its
own checks, its secret) when there is one, and then releases the assignment (driver.release):
the source notebook, the student kit beside it, `nbgrader generate_assignment`, and the check
that the release holds stubs and no solution or hidden test.

What an nbgrader student installs is the student kit the release carries beside the notebook:
`vendor/nnkit-VERSION+student-py3-none-any.whl` (the same wheel as `nnkit release` writes: no
`autograder/grader`, no solution, no hidden check, the expected values recorded for the public
inputs) and `requirements.txt`, which installs it: `pip install -r requirements.txt`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from autograder import settings
from autograder.grader.course import CONFIG, CourseError
from autograder.rendering import render
from autograder.resources import KitLayout, kit_file

PIN = '''# The nnkit course this nbgrader course grades for: its settings (nnkit-course.toml), its
# own checks (checks/*.py) and its secret, wherever nbgrader runs (`nnkit nbgrader init`).
import os as _os

_os.environ.setdefault("{variable}", {folder!r})
'''


def config_text(course: settings.CourseSettings) -> str:
    """The kit's nbgrader_config.py, pinned to `course` when it is a course folder."""
    source = kit_file(f"course/{CONFIG}")
    try:
        text = source.read_text(encoding="utf-8")
    except OSError:
        raise CourseError(f"the kit's {source} is missing: reinstall nnkit (its wheel carries "
                          "it)") from None
    if course.folder is None:
        return text
    return PIN.format(variable=settings.COURSE_ENV, folder=str(course.folder)) + "\n" + text


def write_config(folder: Path) -> tuple[Path, bool]:
    """COURSE/nbgrader_config.py, unless the instructor has one there already (kept: it may
    hold their own changes); the path, and whether it was written."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / CONFIG
    if path.exists():
        return path, False
    path.write_text(config_text(settings.current()), encoding="utf-8")
    return path, True


def write_student_kit(folder: Path) -> Path:
    """The student wheel and the requirements.txt that installs it, into the assignment's
    source folder (nbgrader's generate_assignment hands them out with the notebook); the
    wheel's path."""
    from autograder.grader.release import (
        VENDOR,
        ReleaseError,
        release_package_files,
        release_project,
        requirements_line,
    )
    from autograder.wheelfile import write_wheel

    layout = KitLayout.of(None)
    try:
        project = release_project(layout)
        files = release_package_files(layout)
    except ReleaseError as error:
        raise CourseError(str(error)) from None
    shutil.rmtree(folder / VENDOR, ignore_errors=True)  # no stale wheel of an older release
    wheel = write_wheel(folder / VENDOR, project, files)
    (folder / "requirements.txt").write_text(
        render("release_requirements.txt.j2", line=requirements_line(project)), encoding="utf-8")
    write_public_settings(folder)
    return wheel


def write_public_settings(folder: Path) -> None:
    """The course's public settings beside the notebook (threshold, time budget, points of the
    visible checks; never the secret or a hidden check's name), so that the student's test
    cells and `nnkit check` there use the course's points and threshold; none without a
    course."""
    course = settings.current()
    path = folder / settings.SETTINGS_FILE
    if course.folder is None:
        path.unlink(missing_ok=True)
        return
    path.write_text("# The course's public settings (written by nnkit: the instructor's "
                    "nnkit-course.toml, minus what\n# students must not see).\n"
                    + settings.dumps(course.public()), encoding="utf-8")
