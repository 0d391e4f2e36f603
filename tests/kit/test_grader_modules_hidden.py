"""While a submission is graded, the kit shows it only the files the worker imports
(autograder/sandbox/worker_side/): under bubblewrap the rest is not mounted, also when the kit is
installed inside site-packages (which is mounted whole); in the fallback the worker runs on a
copy of the allowed files. Either way a grader-only import answers in plain words."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from autograder.sandbox import isolation
from autograder.sandbox.client import SandboxedSubmission, SubmissionProblem
from autograder.sandbox.isolation import BubblewrapIsolation, Isolation
from autograder.sandbox.policy import choose_isolation
from autograder.sandbox.worker_side import allowed
from tests.kit.redteam import as_source

LISTING = '''
import os

import autograder


def listing():
    root = os.path.dirname(autograder.__file__)
    return sorted(os.path.relpath(os.path.join(folder, name), root)
                  for folder, subfolders, files in os.walk(root) for name in files
                  if "__pycache__" not in folder)


def read(relative):
    with open(os.path.join(os.path.dirname(autograder.__file__), relative)) as file:
        return file.read()


def use_numerics():
    from autograder.grader import arithmetic

    return arithmetic.logistic(0.0)
'''


def expected_listing(package: Path) -> list[str]:
    found = []
    for path in allowed.allowed_files(package):
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()
                                                and "__pycache__" not in p.parts]
        found += [str(file.relative_to(package)) for file in files]
    return sorted(found)


def see(fence: Isolation) -> tuple[list[str], str, str]:
    """What a submission sees of the kit under `fence`: its files, whether it can read the
    grader's arithmetic, and what importing it says."""
    with SandboxedSubmission(as_source(LISTING), fence) as sub:
        files = sub.call("listing").value
        try:
            sub.call("read", "grader/arithmetic.py")
            readable = "read"
        except SubmissionProblem as problem:
            readable = problem.detail.get("type", problem.kind)
        with pytest.raises(SubmissionProblem) as raised:
            sub.call("use_numerics")
        return files, readable, raised.value.detail.get("message", "")


@pytest.fixture(scope="module")
def bubblewrap() -> BubblewrapIsolation:
    fence = choose_isolation()
    assert isinstance(fence, BubblewrapIsolation), fence.name
    return fence


def test_under_bubblewrap_only_the_allowed_files_of_the_kit_exist(bubblewrap):
    files, readable, message = see(bubblewrap)
    assert files == expected_listing(isolation.PACKAGE_DIR)
    assert "grader/arithmetic.py" not in files and "checks/gradcheck.py" not in files
    assert readable == "FileNotFoundError"
    assert "autograder.grader.arithmetic is part of the grader and not available" in message


def test_a_kit_installed_in_site_packages_is_hidden_too(bubblewrap, tmp_path, monkeypatch):
    site = tmp_path / "lib" / "site-packages"
    package = site / "autograder"
    shutil.copytree(isolation.PACKAGE_DIR, package,
                    ignore=shutil.ignore_patterns("__pycache__"))
    trees = isolation.python_trees()
    monkeypatch.setattr(isolation, "PACKAGE_DIR", package)
    monkeypatch.setattr(isolation, "python_trees", lambda: [*trees, site])
    files, readable, message = see(BubblewrapIsolation(bubblewrap.limits, bubblewrap.bwrap))
    assert files == expected_listing(package)
    assert readable == "FileNotFoundError"
    assert "is part of the grader" in message


def test_the_fallback_runs_on_a_copy_of_the_allowed_files():
    files, readable, message = see(Isolation())
    assert files == expected_listing(isolation.PACKAGE_DIR)
    assert readable == "FileNotFoundError"
    assert "autograder.grader.arithmetic is part of the grader and not available" in message


def test_the_allow_list_holds_no_grader_module():
    names = [*allowed.ALLOWED_MODULES, *allowed.ALLOWED_PACKAGES]
    assert not any(name.startswith(("autograder.grader", "autograder.checks")) for name in names)
    assert not allowed.is_allowed("autograder.checks.gradcheck")
    assert allowed.is_allowed("autograder.student.plots") and allowed.is_allowed("numpy")
