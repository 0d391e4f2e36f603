"""`nnkit --course DIR`: the one place the command line chooses the course every command reads.

The course in force is `--course DIR`, else $NNKIT_COURSE, else the nearest folder above the
current one holding nnkit-course.toml (autograder/settings.py). Whichever it is, it is pinned
in $NNKIT_COURSE for the command's run, so that every process the command starts (grade-batch's
pool, nbgrader and its preprocessors, Gradescope's run) reads the same course wherever its
working folder is. The course's own `assignment/` stands in for the kit's, by the same mechanism
as `--assignment` ($NNKIT_ASSIGNMENT), which still wins when given.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from autograder import settings
from autograder.resources import ASSIGNMENT_ENV

course_option = click.option(
    "--course", "course_folder", type=click.Path(file_okay=False, path_type=Path),
    help="Your course folder (`nnkit course init DIR`): its settings, secret, keys and "
         f"assignment are used by every command. [env: {settings.COURSE_ENV}; default: the "
         f"nearest folder above this one holding {settings.SETTINGS_FILE}]")


def use_course(context: click.Context, folder: Path | None) -> settings.CourseSettings:
    """Pin the course in force for this command (see the module's docstring); its settings.
    A bad course (no settings file, a wrong value) is an environment fault: exit 3, one line."""
    if folder is not None:
        if not (folder / settings.SETTINGS_FILE).is_file():
            raise settings.CourseSettingsError(
                f"--course {folder} holds no {settings.SETTINGS_FILE}: make the course with "
                f"`nnkit course init {folder}`")
        _set(context, settings.COURSE_ENV, str(folder.resolve()))
    found = settings.find_course()
    if found is None:
        return settings.current()
    _set(context, settings.COURSE_ENV, str(found))
    course = settings.current()
    if course.assignment is not None and course.assignment.is_dir() \
            and not os.environ.get(ASSIGNMENT_ENV):
        _set(context, ASSIGNMENT_ENV, str(course.assignment))
    return course


def _set(context: click.Context, name: str, value: str) -> None:
    """Set an environment variable for this command only (the CLI may run inside another
    program, or a test): put back as it was when the command ends."""
    previous = os.environ.get(name)
    os.environ[name] = value
    context.call_on_close(lambda: _restore(name, previous))


def _restore(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
