"""Where the kit's own files are: the assignment's source, the MNIST manifest, the student suite
(tests/stages) and the kit's project file.

Installed from a wheel they are package data: the `nnkit_data` package beside `autograder`.
It is outside `autograder` on purpose: the sandbox shows the worker the `autograder` package,
and the assignment's source holds the reference solution. Run from a checkout (an editable
install, or PYTHONPATH) they are the repository's own top-level folders.
"""

from __future__ import annotations

import functools
import importlib.resources
import os
from dataclasses import dataclass
from pathlib import Path

from autograder.errors import KitEnvironmentError

DATA_PACKAGE = "nnkit_data"
PACKAGE = Path(__file__).resolve().parent  # the `autograder` package itself
CHECKOUT = PACKAGE.parent  # a source tree, when the kit runs from one
ASSIGNMENT_ENV = "NNKIT_ASSIGNMENT"  # an instructor's own copy of the assignment
# Where MNIST comes from and where the kit caches it (autograder/data/mnist.py), named here, where
# the fence (which hides them from submitted code) can read them without importing NumPy.
DATA_DIR_ENV = "NNKIT_MNIST_DIR"  # a local folder holding the MNIST files (tests, CI)
CACHE_DIR_ENV = "NNKIT_CACHE_DIR"
DEFAULT_CACHE_DIR = "~/.cache/nnkit"
# What the wheel carries as package data, as (path in a checkout) -> (path under nnkit_data/).
DATA_FILES = ("assignments", "source_data", "tests/__init__.py", "tests/stages", "pyproject.toml",
              "course/nbgrader_config.py")


def _from_checkout(root: Path) -> bool:
    return (root / "source_data").is_dir()


@functools.cache
def data_root() -> Path:
    """The folder holding assignments/, source_data/, tests/stages and pyproject.toml: the
    checkout around the package, else the installed `nnkit_data` package. Never raises (modules
    compute paths from it as they are imported, in the sandbox's worker too, where the data is
    hidden): a file missing from it is reported when it is read (`missing_data`)."""
    if _from_checkout(CHECKOUT):
        return CHECKOUT
    try:
        root = importlib.resources.files(DATA_PACKAGE)
    except ModuleNotFoundError:
        return CHECKOUT
    # Not a plain folder: a zipped install, or the empty folder the sandbox puts over it.
    return root if isinstance(root, Path) else CHECKOUT


def kit_file(relative: str) -> Path:
    """One of the kit's data files or folders, e.g. kit_file("source_data/mnist.json")."""
    return data_root() / relative


def assignment_source(name: str) -> Path:
    """The assignment's source: $NNKIT_ASSIGNMENT (an instructor's own copy: the .py file, or
    the folder holding <name>.py) if set, else the kit's."""
    override = os.environ.get(ASSIGNMENT_ENV)
    if override:
        path = Path(override).expanduser()
        return path / f"{name}.py" if path.is_dir() else path
    return kit_file("assignments") / name / f"{name}.py"


@dataclass(frozen=True)
class KitLayout:
    """Where a kit's code (`package`, the autograder folder), its data (`data`: source_data/,
    tests/, pyproject.toml) and its assignment's source (`source`) are."""

    package: Path
    data: Path
    source: Path

    @classmethod
    def of(cls, kit_root: str | Path | None = None, name: str = "neural_network") -> KitLayout:
        """This kit (None; $NNKIT_ASSIGNMENT applies), or a source tree laid out like the
        repository."""
        if kit_root is None:
            return cls(PACKAGE, data_root(), assignment_source(name))
        root = Path(kit_root)
        return cls(root / "autograder", root, root / "assignments" / name / f"{name}.py")


def missing_data(path: Path, what: str) -> KitEnvironmentError:
    """The one-line error for a data file the kit cannot find."""
    if os.environ.get(ASSIGNMENT_ENV) and what == "assignment":
        fix = (f"{ASSIGNMENT_ENV} should name your copy of the assignment: a folder holding "
               "neural_network.py, or the .py file itself")
    else:
        fix = "reinstall nnkit (its wheel carries this file), or run it from a complete checkout"
    return KitEnvironmentError(f"the kit's {what} file {path} is missing: {fix}")
