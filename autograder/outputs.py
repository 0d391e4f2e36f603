"""Outputs that appear whole or not at all: commands that write folders or archives build them
in a temporary place beside the target and move them into place at the end, so a failure (or
Ctrl-C) leaves nothing half-written behind and a retry is not refused as "not empty"."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import click

from autograder.errors import EXIT_ENVIRONMENT, KitEnvironmentError


@contextlib.contextmanager
def building_folder(target: Path) -> Iterator[Path]:
    """A fresh folder to fill; it becomes `target` (absent, or an empty folder) at the end."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent))
    try:
        yield staging
        if target.is_dir():
            target.rmdir()  # empty, as the caller checked; rmdir refuses anything else
        os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


@contextlib.contextmanager
def adding_to_folder(target: Path) -> Iterator[Path]:
    """A fresh folder to fill; at the end its files move into `target` (made if absent),
    replacing files of the same name and leaving the others alone."""
    if not target.is_dir():
        with building_folder(target) as staging:
            yield staging
        return
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=target))
    try:
        yield staging
        for path in sorted(staging.rglob("*")):
            if path.is_file():
                destination = target / path.relative_to(staging)
                destination.parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@contextlib.contextmanager
def building_file(target: Path) -> Iterator[Path]:
    """A temporary path to write; it replaces `target` at the end."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(handle)
    try:
        yield Path(name)
        os.replace(name, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


class EnvironmentProblem(click.ClickException):
    """A KitEnvironmentError as the CLI shows it: one line, exit status 3."""

    exit_code = EXIT_ENVIRONMENT


@contextlib.contextmanager
def one_line_errors(*expected: type[Exception]) -> Iterator[None]:
    """Turn the errors a writing command expects into one line naming the fix (no traceback):
    its own `expected` errors and file-system errors exit 1, environment faults exit 3."""
    try:
        yield
    except KitEnvironmentError as error:
        raise EnvironmentProblem(str(error)) from None
    except expected as error:
        raise click.ClickException(str(error)) from None
    except OSError as error:
        where = f": {error.filename}" if error.filename else ""
        raise click.ClickException(f"{error.strerror or error}{where}; check the output folder's "
                                   "permissions and free space (or reinstall nnkit, if the file "
                                   "is one of the kit's)") from None
