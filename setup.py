"""The build step setuptools cannot express in pyproject.toml: the wheel carries the kit's
top-level data folders (assignments/, source_data/, tests/stages, the project file) as the
`nnkit_data` package beside `autograder` (see autograder/resources.py). In the repository they
stay where they are; everything else about the package is in pyproject.toml."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

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


setup(cmdclass={"build_py": BuildWithData})
