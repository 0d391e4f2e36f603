"""Fixtures for the kit's own tests: real MNIST, the reference solution, and edits of it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from autograder import assignment
from autograder.checks.grade import GradeOptions, grade
from autograder.checks.report import Report

ROOT = Path(__file__).resolve().parents[2]
SHARED_MNIST = ROOT.parent / "shared" / "mnist"


@pytest.fixture(scope="session", autouse=True)
def mnist_environment(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Point the kit at the local MNIST copy; fail loudly (never skip) if there is none."""
    folder = Path(os.environ.get("NNKIT_MNIST_DIR", SHARED_MNIST))
    if not (folder / "train-images-idx3-ubyte.gz").exists():
        pytest.fail(f"MNIST not found in {folder}: set NNKIT_MNIST_DIR to a folder holding the "
                    "four MNIST files (see README).")
    os.environ["NNKIT_MNIST_DIR"] = str(folder)
    os.environ.setdefault("NNKIT_CACHE_DIR", str(tmp_path_factory.mktemp("nnkit-cache")))


@pytest.fixture(scope="session")
def solution_text() -> str:
    return assignment.solution(assignment.read_source())


@pytest.fixture(scope="session")
def solution_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return assignment.write_solution(tmp_path_factory.mktemp("solution"))


@pytest.fixture(scope="session")
def stub_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return assignment.write_student_copy(tmp_path_factory.mktemp("stubs"))


def apply_edits(text: str, edits: list[tuple[str, str]]) -> str:
    """Apply (old, new) replacements; each `old` must occur exactly once, so an edit that no
    longer matches the source fails loudly instead of testing the unedited solution."""
    for old, new in edits:
        count = text.count(old)
        assert count == 1, f"edit target found {count} times (expected once): {old!r}"
        text = text.replace(old, new)
    return text


@pytest.fixture
def grade_text(tmp_path: Path):
    """Grade Python source text as a .py submission."""

    def run(text: str, stages: tuple[int, ...] = (1, 2, 3, 4, 5), **options) -> Report:
        path = tmp_path / "submission.py"
        path.write_text(text, encoding="utf-8")
        return grade(path, GradeOptions(stages=stages, **options))

    return run


def failing_checks(report: Report) -> dict[str, str]:
    return {check.id: check.message for stage in report.stages if stage.ran
            for check in stage.checks if not check.passed}


@pytest.fixture(scope="session")
def course_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An instructor's course made by `nnkit course init` (settings, secret, keys, assignment)."""
    from autograder.grader.course_folder import init_course

    folder = tmp_path_factory.mktemp("course") / "course"
    init_course(folder)
    return folder


@pytest.fixture
def graded_in_course(course_folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """One test grading for credit in that course (the rest of its module outside it)."""
    monkeypatch.setenv("NNKIT_COURSE", str(course_folder))
    return course_folder


@pytest.fixture(scope="module")
def in_course(course_folder: Path) -> Iterator[Path]:
    """Grade in that course, as `nnkit --course DIR` does: grading for credit then draws every
    check's inputs from its secret (without one it refuses, see autograder/checks/credit.py).
    Module-scoped, so that a module's own fixtures that grade run in it too."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NNKIT_COURSE", str(course_folder))
        yield course_folder
