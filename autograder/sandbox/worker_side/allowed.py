"""What of the kit a submission may import while it is graded, and the guard that enforces it.

The worker needs only its own folder (worker_side/, this module's) and NumPy; a
notebook also imports the student-facing helpers (autograder.student, autograder.data), the
kit's error types and the folder names in autograder.assignment. Everything else of the kit
(autograder.grader.*, autograder.checks.*, the reference solution) is the grader's: none of its
arithmetic may reach submitted code.

Two fences say so. Under bubblewrap only the allowed files are mounted (isolation.py builds its
view from `allowed_files`), so the rest does not exist for the worker. In every mode the worker
installs `GraderOnlyFinder` before any submitted code runs: importing a grader-only module then
gives a stand-in whose every use raises ImportError in plain words. The import itself succeeds,
so a notebook's `from autograder.grader import arithmetic` does not stop the rest of its cell from
being defined; only the checks whose code uses it fail. Without bubblewrap the fallback also
starts the worker on a private copy of the allowed files (`copy_allowed`), so undoing the guard
finds nothing more to import there.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import shutil
import sys
import types
from pathlib import Path
from typing import Any

PACKAGE = "autograder"
# Modules a submission may import. The parents of the worker side are packages a submission's
# import walks through; autograder.assignment only names the kit's folders for
# autograder.student.handwriting (the reference solution it points at is not mounted);
# autograder.outputs is the kit's one way to write a file whole (the MNIST download uses it).
ALLOWED_MODULES = ("autograder", "autograder.assignment", "autograder.errors",
                   "autograder.outputs", "autograder.resources", "autograder.sandbox")
# Packages, with everything below them: the worker side (this folder: its modules are not
# listed again anywhere) and the notebook's helpers.
WORKER_SIDE = __name__.rpartition(".")[0]
ALLOWED_PACKAGES = (WORKER_SIDE, "autograder.student", "autograder.data")


def is_allowed(name: str) -> bool:
    if name.split(".")[0] != PACKAGE:
        return True  # not the kit's: the fence, not this guard, decides what exists
    return name in ALLOWED_MODULES or any(name == package or name.startswith(package + ".")
                                          for package in ALLOWED_PACKAGES)


def unavailable_message(name: str) -> str:
    return (f"{name} is part of the grader and not available while your code is graded; "
            "write this part yourself (your functions may use NumPy and each other)")


def allowed_files(package_dir: Path) -> list[Path]:
    """The files (and whole folders, for packages) of the kit the worker may see."""
    found: list[Path] = []
    for name in ALLOWED_MODULES:
        parts = name.split(".")[1:]
        path = package_dir.joinpath(*parts)
        found.append(path / "__init__.py" if path.is_dir() else path.with_suffix(".py"))
    found += [package_dir.joinpath(*name.split(".")[1:]) for name in ALLOWED_PACKAGES]
    return [path for path in found if path.exists()]


def copy_allowed(package_dir: Path, destination: Path) -> Path:
    """A copy of the allowed files under `destination`/autograder; returns `destination`."""
    for path in allowed_files(package_dir):
        target = destination / PACKAGE / path.relative_to(package_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            shutil.copytree(path, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copyfile(path, target)
    return destination


class Unavailable:
    """What a grader-only name stands for: any use says it is not available."""

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "_name", name)

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        raise ImportError(unavailable_message(object.__getattribute__(self, "_name")))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise ImportError(unavailable_message(object.__getattribute__(self, "_name")))

    def __repr__(self) -> str:
        return f"<{object.__getattribute__(self, '_name')}: not available while graded>"


class GraderOnlyModule(types.ModuleType):
    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        return Unavailable(f"{self.__name__}.{attribute}")


class GraderOnlyFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """First on sys.meta_path: a grader-only module imports as a GraderOnlyModule."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if is_allowed(name):
            return None
        return importlib.machinery.ModuleSpec(name, self, is_package=True)

    def create_module(self, spec: Any) -> types.ModuleType:
        module = GraderOnlyModule(spec.name)
        module.__path__ = []  # a package: submodules come back here, to this finder
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        pass


def install_guard() -> None:
    """Before submitted code runs: grader-only modules already imported are forgotten, and
    importing one gives a stand-in from now on."""
    for name in [name for name in sys.modules if not is_allowed(name)]:
        del sys.modules[name]
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] == PACKAGE:  # the parents' attributes pointing at what went
            for attribute, value in list(vars(module).items()):
                child = f"{name}.{attribute}"
                if getattr(value, "__name__", None) == child and not is_allowed(child):
                    delattr(module, attribute)
    sys.meta_path.insert(0, GraderOnlyFinder())
