"""The class report and the LMS export from a real nbgrader class: `nnkit nbgrader autograde`
keeps each student's report in COURSE/reports/<assignment>/, and `nnkit class-report COURSE` and
`nnkit export-grades COURSE` read them like grade-batch's."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import nbformat
import pytest

from autograder.grader.course import ASSIGNMENT, driver
from tests.kit import simulated_students as simulated
from tests.kit.catalogue.mistakes import MISTAKES
from tests.kit.conftest import ROOT, apply_edits
from tests.kit.test_class_report import nnkit
from tests.kit.test_nbgrader import SOLUTION, Student, submission, submitted_path

# Grading for credit needs a course secret: these tests grade the class in a course.
pytestmark = pytest.mark.usefixtures("in_course")

BY_ID = {mistake.id: mistake for mistake in MISTAKES}
TRANSPOSED = apply_edits(SOLUTION, list(BY_ID["init-weights-transposed"].edits))
DERIVATIVE = apply_edits(SOLUTION, list(BY_ID["sigmoid-prime-of-z-not-sigmoid"].edits))
# Answers filled in for the first stages only; the rest are the release's stubs.
CLASS = {"cat": Student(TRANSPOSED, (1, 2, 3)), "dan": Student(TRANSPOSED, (1, 2, 3)),
         "hal": Student(DERIVATIVE, (1, 2)), "ivy": Student(None),
         "val": Student(simulated.weak(), (1, 2, 3, 4, 5, 6))}  # trains, below the threshold


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("nbgrader") / "course"
    folder.mkdir()
    config = (ROOT / "course" / driver.CONFIG).read_text(encoding="utf-8")
    (folder / driver.CONFIG).write_text(config, encoding="utf-8")
    driver.release(folder, capture=True)
    release = nbformat.read(folder / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
    for name, student in CLASS.items():
        path = submitted_path(folder, name)
        path.parent.mkdir(parents=True)
        nbformat.write(submission(release, student), path)
    done = nnkit("nbgrader", "autograde", str(folder))
    assert done.returncode == 0, f"autograde failed: {done.stdout}\n{done.stderr}"
    return folder


def test_autograde_keeps_every_students_report_in_the_course(course: Path):
    found = {path.stem for path in (course / "reports" / ASSIGNMENT).glob("*.json")}
    assert found == set(CLASS)
    data = json.loads((course / "reports" / ASSIGNMENT / "cat.json").read_text(encoding="utf-8"))
    assert data["student"] == "cat" and data["stages"][0]["passed"]
    val = json.loads((course / "reports" / ASSIGNMENT / "val.json").read_text(encoding="utf-8"))
    assert val["mnist"]["train_seconds"] and val["calibration"] > 0  # measured once per run
    assert "calibration" not in data or data["calibration"] is None  # cat did not train


def test_the_class_report_of_an_nbgrader_course_ranks_its_mistakes(course: Path,
                                                                    tmp_path: Path):
    done = nnkit("class-report", str(course), "--out", str(tmp_path / "report"))
    assert done.returncode == 0, done.stderr
    data = json.loads((tmp_path / "report" / "class_report.json").read_text(encoding="utf-8"))
    named = {m["id"]: sorted(m["students"]) for m in data["mistakes"] if m["named"]}
    unfinished = ["cat", "dan", "hal", "ivy"]  # later stages are the stubs, HYPERPARAMS too
    assert named == {"init-weights-transposed": ["cat", "dan"],
                     "sigmoid-prime-of-z-not-sigmoid": ["hal"],
                     "not-written-yet": unfinished, "function-missing": unfinished,
                     "mnist-hyperparameters-too-weak": ["val"]}
    assert [m["id"] for m in data["mistakes"] if m["named"]] == [
        "not-written-yet", "function-missing", "init-weights-transposed",
        "sigmoid-prime-of-z-not-sigmoid", "mnist-hyperparameters-too-weak"]
    trained = data["training"]
    assert [row["student"] for row in trained] == ["val"]
    assert trained[0]["normalised_time"] and trained[0]["learning_rate"] == \
        simulated.WEAK["learning_rate"]


def test_the_canvas_export_of_an_nbgrader_course_has_a_column_per_stage(course: Path,
                                                                         tmp_path: Path):
    done = nnkit("export-grades", str(course), "--format", "canvas", "--out",
                 str(tmp_path / "canvas.csv"))
    assert done.returncode == 0, done.stderr
    with (tmp_path / "canvas.csv").open(encoding="utf-8", newline="") as file:
        header, points, *rows = list(csv.reader(file))
    assert points[0] == "Points Possible" and len(header) == 5 + 6 + 1
    by_login = {row[3]: [float(cell) for cell in row[5:]] for row in rows}
    assert set(by_login) == set(CLASS)
    assert by_login["ivy"][-1] == 0 and by_login["hal"][0] == 10  # stage 1 in full
