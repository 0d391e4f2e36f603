"""The build steps setuptools cannot express in pyproject.toml: the wheel carries the kit's
top-level data files (assignments/, source_data/, tests/stages, the project file: the one list
is autograder/resources.py's DATA_FILES) as the `nnkit_data` package beside `autograder`, and
the sdist carries them too, from the same list (MANIFEST.in does not repeat it). In the
repository they stay where they are; everything else about the package is in pyproject.toml."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # the build backend runs this file without its folder on the path
from autograder.resources import DATA_FILES, DATA_PACKAGE  # noqa: E402 (stdlib imports only)

SKIPPED = ("__pycache__", ".pytest_cache", ".ipynb_checkpoints")


class BuildWithData(build_py):
    """build_py, then the data files copied into build/lib/nnkit_data/."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout itself
        target = Path(self.build_lib) / DATA_PACKAGE
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        (target / "__init__.py").write_text('"""nnkit\'s data files (read by '
                                            'autograder.resources)."""\n', encoding="utf-8")
        for relative in DATA_FILES:
            source = HERE / relative
            if source.is_dir():
                shutil.copytree(source, target / relative,
                                ignore=shutil.ignore_patterns(*SKIPPED, "*.pyc"))
            elif source.is_file():
                (target / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target / relative)
            else:
                raise FileNotFoundError(f"{source} is missing: the wheel needs it "
                                        "(is MANIFEST.in including it in the sdist?)")


def data_files() -> list[str]:
    """Every file of DATA_FILES, relative to the project (caches and checkpoints left out)."""
    found: list[str] = []
    for relative in DATA_FILES:
        source = HERE / relative
        paths = sorted(path for path in source.rglob("*") if path.is_file()) \
            if source.is_dir() else [source]
        found += [path.relative_to(HERE).as_posix() for path in paths
                  if not set(path.relative_to(HERE).parts) & set(SKIPPED)
                  and path.suffix not in (".pyc", ".pyo")]
    return found


class SdistWithData(sdist):
    """sdist, with the data files the wheel's build copies (its build runs from the sdist)."""

    def make_distribution(self) -> None:
        for relative in data_files():
            self.filelist.append(relative)
        self.filelist.sort()
        self.filelist.remove_duplicates()
        super().make_distribution()


setup(cmdclass={"build_py": BuildWithData, "sdist": SdistWithData})
