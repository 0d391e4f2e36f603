"""nbgrader from the wheel, end to end: a fresh virtual environment holding only the built wheel
and its nbgrader extra, installed from the package index as the README says
(`pip install "nnkit-VERSION-py3-none-any.whl[nbgrader]"`), outside any checkout.

The instructor makes a course (`nnkit course init`), adapts it as the README's worked example
does, makes the nbgrader course with one command, and autogrades and exports a small class;
nothing is copied out of site-packages by hand.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.grader.course import ASSIGNMENT
from tests.kit.test_course_checks import adapt
from tests.kit.test_nbgrader_course import answers, filled
from tests.kit.test_wheel import dist, outside, wheel  # noqa: F401 - the build's fixtures

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def nbgrader_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811
    """The wheel with its nbgrader extra, and what they ask for, from the package index."""
    folder = tmp_path_factory.mktemp("nbgrader-venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, timeout=300)
    run = outside(folder / "bin", folder, "python", "-m", "pip", "install", "--quiet",
                  f"{wheel}[nbgrader]")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return folder / "bin"


def test_an_adapted_course_is_graded_by_nbgrader_from_the_installed_wheel(
        nbgrader_venv: Path, tmp_path: Path):
    work = tmp_path / "work"
    run = outside(nbgrader_venv, work, "nnkit", "course", "init", "course")
    assert run.returncode == 0, run.stdout + run.stderr
    course = work / "course"
    adapt(course)
    run = outside(nbgrader_venv, work, "nnkit", "--course", "course", "nbgrader", "init",
                  "course/nbgrader")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    nbgrader = course / "nbgrader"
    released = nbgrader / "release" / ASSIGNMENT
    assert (released / "requirements.txt").is_file() and list((released / "vendor").glob("*.whl"))
    release = nbformat.read(released / f"{ASSIGNMENT}.ipynb", 4)
    for name, notebook in (("untouched", release), ("right", filled(release, answers(course)))):
        path = nbgrader / "submitted" / name / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(notebook, path)
    run = outside(nbgrader_venv, work, "nnkit", "--course", "course", "nbgrader", "autograde",
                  "course/nbgrader")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    log = run.stdout + run.stderr
    assert "WARNING" not in log and "Warning" not in log, log[-3000:]
    rows = {line.split()[0]: line.split() for line in run.stdout.splitlines() if line.strip()}
    assert rows["student"][1:9] == ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "total"]
    assert rows["right"][1:9] == ["10", "12", "15", "25", "20", "0", "12", "94"]
    assert rows["untouched"][8] == "0"
    run = outside(nbgrader_venv, work / "elsewhere", "nnkit", "--course", "../course",
                  "nbgrader", "run", "../course/nbgrader", "export", "--to", "grades.csv")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    with open(work / "elsewhere" / "grades.csv", newline="", encoding="utf-8") as file:
        exported = {row["student_id"]: row for row in csv.DictReader(file)}
    assert float(exported["right"]["stage7"]) == 12 and float(exported["right"]["score"]) == 94
