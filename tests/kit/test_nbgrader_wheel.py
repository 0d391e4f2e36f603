"""nbgrader and grade-batch from the wheel, end to end: a fresh virtual environment holding only
the built wheel and its nbgrader extra, installed from the package index as the README says
(`pip install "nnkit-VERSION-py3-none-any.whl[nbgrader]"`), outside any checkout.

The instructor makes a course (`nnkit course init`), adapts it as the README's worked example
does, makes the nbgrader course with one command, and autogrades and exports a small class;
nothing is copied out of site-packages by hand. The same course then grades a class of .py
files with grade-batch, and its class report ranks the mistakes the students made, with who, in
the right counts, and its Canvas and Moodle files have the columns those systems import.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder import assignment
from autograder.grader.course import ASSIGNMENT
from tests.kit.catalogue.mistakes import MISTAKES
from tests.kit.conftest import apply_edits
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
    # The class report reads the reports autograde kept in the course, from the wheel too.
    run = outside(nbgrader_venv, work, "nnkit", "class-report", "course/nbgrader", "--out",
                  "report")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    data = json.loads((work / "report" / "class_report.json").read_text(encoding="utf-8"))
    named = {m["id"]: sorted(m["students"]) for m in data["mistakes"] if m["named"]}
    assert named.get("not-written-yet") == ["untouched"], named  # the stubs, and who left them
    assert data["graded"] == 2 and not data["not_graded"], data["not_graded"]


def class_of_students(folder: Path) -> dict[str, str | None]:
    """Honest students, a catalogued mistake made by two and another by one, and the stubs."""
    reference = assignment.solution(assignment.read_source())
    made = {"ann": None, "bob": "init-weights-transposed", "cat": "init-weights-transposed",
            "dan": "backward-missing-sigma-prime"}
    folder.mkdir(parents=True)
    for student, mistake in made.items():
        edits = next(entry.edits for entry in MISTAKES if entry.id == mistake) if mistake else ()
        (folder / f"{student}.py").write_text(apply_edits(reference, list(edits)),
                                              encoding="utf-8")
    (folder / "eve.py").write_text(assignment.student(assignment.read_source()),
                                   encoding="utf-8")
    return {**made, "eve": "not-written-yet"}


def test_a_class_graded_by_grade_batch_from_the_wheel_gets_its_report_and_lms_files(
        nbgrader_venv: Path, tmp_path: Path):
    work = tmp_path / "work"
    run = outside(nbgrader_venv, work, "nnkit", "course", "init", "course")
    assert run.returncode == 0, run.stdout + run.stderr
    made = class_of_students(work / "class")
    run = outside(nbgrader_venv, work, "nnkit", "--course", "course", "grade-batch", "class",
                  "--out", "reports", "--stages", "1-5")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    run = outside(nbgrader_venv, work, "nnkit", "class-report", "reports", "--out", "report")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    data = json.loads((work / "report" / "class_report.json").read_text(encoding="utf-8"))
    named = {m["id"]: sorted(m["students"]) for m in data["mistakes"] if m["named"]}
    wanted: dict[str, list[str]] = {}
    for student, mistake in made.items():
        if mistake:
            wanted.setdefault(mistake, []).append(student)
    assert named == wanted, named
    assert [m["id"] for m in data["mistakes"] if m["named"]][0] == "init-weights-transposed"
    for kind, first in (("canvas", ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]),
                        ("moodle", None)):
        run = outside(nbgrader_venv, work, "nnkit", "export-grades", "reports", "--format",
                      kind, "--out", f"{kind}.csv")
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        with open(work / f"{kind}.csv", newline="", encoding="utf-8") as file:
            rows = list(csv.reader(file))
        if first:  # Canvas: its five leading columns, then "Points Possible" under the header
            assert rows[0][:5] == first and rows[1][0] == "Points Possible", rows[:2]
        students = rows[2:] if first else rows[1:]
        assert len(students) == len(made), rows
