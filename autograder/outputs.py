"""Outputs that appear whole or not at all: THE way the kit writes a file or a folder.

A file is written under a temporary name of its own (unpredictable, beside the target, so no
prepared file or link is followed) and renamed over the target when complete (`building_file`,
`write_atomically`); commands that write folders or archives build them in a temporary place
beside the target and move them into place at the end (`building_folder`, `adding_to_folder`).
A failure (or Ctrl-C) leaves nothing half-written behind, and a retry is not refused as "not
empty". Reports, grades.csv, results.json, the MNIST cache, the student's notebook: all of
them go through here (the MNIST download too, so this module is allowed beside submitted code:
see sandbox/worker_side/allowed.py)."""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

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
def building_file(target: Path, suffix: str = "") -> Iterator[Path]:
    """A temporary path of an unpredictable name beside `target` (ending in `suffix`, for tools
    that read the format from it); it replaces `target` (readable by all, 0644) at the end."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".part{suffix}",
                                    dir=target.parent)
    os.close(handle)
    try:
        yield Path(name)
        os.chmod(name, 0o644)
        os.replace(name, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def write_atomically(target: Path, content: str | bytes) -> Path:
    """Write `content` (text as UTF-8, unencodable characters escaped) whole, or not at all."""
    with building_file(target) as partial:
        if isinstance(content, bytes):
            partial.write_bytes(content)
        else:
            with open(partial, "w", encoding="utf-8", errors="backslashreplace",
                      newline="") as file:
                file.write(content)
    return Path(target)


@contextlib.contextmanager
def one_line_errors(*expected: type[Exception]) -> Iterator[None]:
    """Turn the errors a writing command expects into one line naming the fix (no traceback):
    its own `expected` errors and file-system errors exit 1, environment faults exit 3."""
    import click  # (here: the MNIST cache writes through this module in every graded notebook)

    try:
        yield
    except KitEnvironmentError as error:
        problem = click.ClickException(str(error))  # one line, as the CLI shows a fault
        problem.exit_code = EXIT_ENVIRONMENT
        raise problem from None
    except expected as error:
        raise click.ClickException(str(error)) from None
    except OSError as error:
        where = f": {error.filename}" if error.filename else ""
        raise click.ClickException(f"{error.strerror or error}{where}; check the output folder's "
                                   "permissions and free space (or reinstall nnkit, if the file "
                                   "is one of the kit's)") from None
