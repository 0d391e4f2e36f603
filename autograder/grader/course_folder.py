"""`nnkit course init DIR` and `nnkit course show`: the instructor's course folder.

One folder defines the course, and every command reads it (autograder/course_option.py finds
it): `nnkit-course.toml` (the settings, autograder/settings.py), `secret` (the course secret the
checks' inputs are drawn from when grading for credit; never in a release, a student's
repository or the sandbox), `keys/course.key` and `keys/course.pub` (signing the class's
reports, as `nnkit classroom keygen` makes them) and `assignment/` (a copy of the assignment the
instructor owns and may edit; used in place of the kit's).
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

import click

from autograder import assignment, settings
from autograder.checks import inputs
from autograder.errors import KitEnvironmentError
from autograder.resources import ASSIGNMENT_ENV, kit_file

KEY, PUBLIC_KEY = "course.key", "course.pub"

SETTINGS_TEMPLATE = f'''\
# The course's settings: every nnkit command run with --course DIR, with $NNKIT_COURSE set, or
# in this folder (or below it) reads them. Options given on the command line still win.
# A student release carries the public part (threshold, time budget, allowed packages, points
# of the checks that are not hidden), never the secret, the keys or a hidden check.

[grading]
threshold = {settings.DEFAULT_THRESHOLD}            # MNIST test accuracy that passes stage 6
time_budget = {settings.DEFAULT_TIME_BUDGET:g}            # seconds for train() on MNIST
allowed_packages = []       # importable at grading besides NumPy and the standard library
# Grading for credit draws every check's inputs from the `secret` file beside this one. true
# grades on the public inputs instead (a release's recorded answers then earn points).
grading_on_public_inputs = false

[points]                    # a check's points, by check id (see `nnkit course show`)
# "stage2.sigmoid_values" = 3

[hidden]
checks = []                 # check ids shown to students only after grading

[deadlines]
# neural_network = "2026-12-18T23:59:00+01:00"
'''


def secret_file(course: settings.CourseSettings) -> Path:
    assert course.secret_file is not None, "no course folder"
    return course.secret_file


def ensure_secret(course: settings.CourseSettings) -> Path | None:
    """The course's secret file, made (32 random bytes, hex, mode 0600) if the course has none
    yet; None without a course. Made with O_EXCL: two commands at once cannot both write it."""
    if course.folder is None:
        return None
    path = secret_file(course)
    if path.is_file():
        return path
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path
    except OSError as error:
        raise KitEnvironmentError(f"cannot write the course secret {path} "
                                  f"({error.strerror})") from None
    with os.fdopen(handle, "w", encoding="ascii") as file:
        file.write(secrets.token_hex(32) + "\n")
    return path


def course_secret_for(course: settings.CourseSettings) -> bytes | None:
    """Make or find the course's secret and read it (None without a course)."""
    path = ensure_secret(course)
    return None if path is None else inputs.read_secret(path)


def signing_key_file(course: settings.CourseSettings, private: bool = True) -> Path | None:
    """keys/course.key (or course.pub) of the course in force, if it is there."""
    if course.folder is None:
        return None
    path = course.folder / settings.KEYS_FOLDER / (KEY if private else PUBLIC_KEY)
    return path if path.is_file() else None


def init_course(folder: Path) -> list[str]:
    """Set up (or complete) a course in `folder`; what was made, one line each. Nothing that
    exists is overwritten: running it again on a course only adds what is missing."""
    from autograder.grader.classroom import signing

    folder.mkdir(parents=True, exist_ok=True)
    made = []
    toml = folder / settings.SETTINGS_FILE
    if not toml.exists():
        toml.write_text(SETTINGS_TEMPLATE, encoding="utf-8")
        made.append(f"{toml}: the settings (threshold, time budget, packages, points...)")
    copy = folder / settings.ASSIGNMENT_FOLDER
    if not copy.exists():
        source = kit_file("assignments") / assignment.DEFAULT
        if not (source / f"{assignment.DEFAULT}.py").is_file():
            raise KitEnvironmentError(f"the kit's assignment {source} is missing: reinstall "
                                      "nnkit")
        shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        made.append(f"{copy}/: your copy of the assignment (edit it; every command uses it)")
    keys = folder / settings.KEYS_FOLDER
    if not (keys / KEY).exists():
        keys.mkdir(exist_ok=True)
        signing.generate(keys / KEY, keys / PUBLIC_KEY)
        made.append(f"{keys / KEY} (private: signs the class's reports) and {keys / PUBLIC_KEY}")
    course = settings.load(folder)
    if not secret_file(course).exists():
        ensure_secret(course)
        made.append(f"{secret_file(course)}: the course secret (mode 0600; never share it)")
    return made


def describe(course: settings.CourseSettings) -> str:
    """The settings in force and where each comes from."""
    from autograder.checks.stages import STAGES

    if course.folder is None:
        where = "no course: the kit's defaults (make one with `nnkit course init DIR`)"
    elif os.environ.get(settings.COURSE_ENV):
        where = f"{course.folder / settings.SETTINGS_FILE}"
    else:
        where = f"{course.folder / settings.SETTINGS_FILE} (found above this folder)"
    secret = course.secret_file
    assignment_env = os.environ.get(ASSIGNMENT_ENV)
    lines = [f"Course: {where}",
             f"  threshold: {course.threshold:g}",
             f"  time budget: {course.time_budget:g} s",
             "  allowed packages: " + (", ".join(course.allowed_packages)
                                       or "none (NumPy and the standard library)"),
             f"  grading on public inputs: {'yes' if course.grading_on_public_inputs else 'no'}",
             "  secret: " + (str(secret) if secret is not None and secret.is_file()
                             else "none (grading for credit refuses; `nnkit course init`)"),
             "  signing key: " + str(signing_key_file(course) or "none"),
             "  assignment: " + (assignment_env or str(assignment.source_path())),
             "Points per check (id: points):"]
    for stage in STAGES:
        for check in stage.checks:
            mark = " (course)" if check.id in course.points else ""
            hidden = ", hidden" if check.hidden or check.id in course.hidden else ""
            lines.append(f"  {check.id}: {check.points:g}{mark}{hidden}")
        lines.append(f"  stage {stage.number} total: {stage.max_score:g}")
    unknown = sorted(set(course.points) - {c.id for s in STAGES for c in s.checks})
    if unknown:
        lines.append("Not checks of the kit (in [points]): " + ", ".join(unknown))
    return "\n".join(lines)


@click.group(name="course")
def course_group() -> None:
    """Your course: one folder (settings, secret, signing key, your assignment) every command
    reads, through --course DIR, $NNKIT_COURSE or the folder you are in."""


@course_group.command(name="init")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def init_command(folder: Path) -> None:
    """Set up a course in FOLDER: nnkit-course.toml, secret, keys/ and assignment/."""
    made = init_course(folder)
    for line in made:
        click.echo(f"wrote {line}")
    if not made:
        click.echo(f"{folder} is a complete course already (nothing overwritten)")
    click.echo(f"Every command now uses it with `nnkit --course {folder} ...`, with "
               f"NNKIT_COURSE={folder}, or when run in {folder}.")


@course_group.command(name="show")
def show_command() -> None:
    """The settings in force and where they come from."""
    click.echo(describe(settings.current()))
