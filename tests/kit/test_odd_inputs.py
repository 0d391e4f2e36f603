"""Inputs that are not what they claim never crash the grader: damaged notebooks are graded 0
with a note, every folder name gets a report of its own or is listed with the reason, names
cannot run as spreadsheet formulas or inject Markdown/HTML, and one time bound covers a whole
submission's grading."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import pytest

from autograder.checks.grade import GradeOptions, grade
from autograder.checks.report import Report
from autograder.checks.summary import markdown
from autograder.grader.batch import Submission, find_submissions, grade_batch
from autograder.grader.grades_csv import CSV_NAME
from autograder.rendering import markdown_cell
from tests.kit.conftest import apply_edits, failing_checks

# Grading for credit needs the course secret: these tests grade in a course (conftest.py).
pytestmark = pytest.mark.usefixtures("in_course")


def write_notebook(path: Path, cells: list) -> Path:
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                                "cells": cells}), encoding="utf-8")
    return path


def code(source: object) -> dict:
    return {"cell_type": "code", "source": source, "metadata": {}, "outputs": [],
            "execution_count": None}


@pytest.mark.filterwarnings("ignore::Warning")  # nbformat warns about such notebooks too
def test_a_notebook_with_damaged_cells_is_graded_zero_with_a_note_for_each(tmp_path):
    path = write_notebook(tmp_path / "neural_network.ipynb", [
        {"source": "x = 1", "metadata": {}},  # no cell_type
        code(12), code({"a": 1}),
        code(["def neuron(x, w, b):\n", "    return 0 * x\n"]),  # a list of lines is fine
    ])
    report = grade(path, GradeOptions(stages=(1,)))
    assert report.stages[0].ran and report.score == 0
    notes = " ".join(report.problems)
    assert "cell 1 of the notebook is damaged (it has no cell_type)" in notes
    assert "the 1st code cell is damaged (its source is a int, not text)" in notes
    assert "the 2nd code cell is damaged (its source is a dict, not text)" in notes
    assert "is wrong" in failing_checks(report)["stage1.neuron_values"]  # cell 3 was run


@pytest.mark.filterwarnings("ignore::Warning")
@pytest.mark.parametrize("cells", [{"not": "a list"}, [code([3, "x"])]], ids=["cells", "lines"])
def test_a_notebook_nbformat_cannot_read_is_a_clear_zero(tmp_path, cells):
    path = write_notebook(tmp_path / "neural_network.ipynb", cells)
    report = grade(path, GradeOptions(stages=(1,)))
    assert report.score == 0 and not report.stages[0].ran
    assert "neural_network.ipynb" in report.problems[0] and (
        "could not be read as a notebook" in report.problems[0]
        or "no list of cells" in report.problems[0])


ODD_NAMES = ["alice!", "alice?", "_bob", "zoë", "=HYPERLINK(\"x\")", "+1", "-x", "@me"]


def test_every_odd_folder_name_is_graded_into_a_report_of_its_own(tmp_path, solution_text):
    folder = tmp_path / "class"
    for name in ODD_NAMES:
        (folder / name).mkdir(parents=True)
        (folder / name / "neural_network.py").write_text(solution_text, encoding="utf-8")
    (folder / ".hidden").mkdir()
    (folder / "__pycache__").mkdir()
    (folder / "notes.txt").write_text("not a submission")
    options = GradeOptions(stages=(1,))
    result = grade_batch(folder, tmp_path / "out", options, jobs=2, progress=False)
    assert sorted(result.graded) == sorted(ODD_NAMES) and result.errors == {}
    assert set(result.ignored) == {".hidden", "__pycache__", "notes.txt"}
    assert all(result.ignored.values())  # each with its reason
    names = {Submission(name, folder / name).report_name for name in ODD_NAMES}
    assert len(names) == len(ODD_NAMES)  # alice! and alice? do not share a report
    for name in ODD_NAMES:
        report = Report.from_dict(json.loads(
            (tmp_path / "out" / Submission(name, folder / name).report_name).read_text()))
        assert report.student == name and report.score == 10
    with (tmp_path / "out" / CSV_NAME).open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    students = [row["student"] for row in rows]
    assert "'=HYPERLINK(\"x\")" in students and "'+1" in students
    assert "'-x" in students and "'@me" in students and "zoë" in students
    assert not [cell for row in rows for cell in row.values()
                if cell and cell[0] in "=+-@"], "a cell would run as a formula"


def test_find_submissions_lists_what_it_skips_with_the_reason(tmp_path):
    (tmp_path / "ada.py").write_text("")
    (tmp_path / "photo.png").write_bytes(b"")
    (tmp_path / ".git").mkdir()
    ignored: dict[str, str] = {}
    found = find_submissions(tmp_path, ignored=ignored)
    assert [s.student for s in found] == ["ada"]
    assert ignored == {".git": "a hidden file or folder (its name starts with a dot)",
                       "photo.png": "not a .py file, .ipynb notebook or folder"}


def test_names_and_messages_cannot_inject_markdown_or_html():
    hostile = "<img src=x onerror=alert(1)> [prize](http://evil) ![t](http://t) **b** a|b `c`"
    cell = markdown_cell(hostile)
    assert "<" not in cell and ">" not in cell and "](" not in cell.replace("\\](", "")
    assert "\\|" in cell and "\\*\\*b\\*\\*" in cell and "\\`c\\`" in cell
    from tests.kit.reports import report

    made = report(hostile, passed=2)
    made.stages[0].checks[0].message = hostile
    text = markdown(made)
    assert "<img" not in text and "[prize](" not in text


def test_one_time_bound_covers_the_whole_grading_of_a_submission(grade_text, solution_text):
    """Every call stays under its own limits (0.7 s against 5 s per call, 120 s per stage), yet
    the whole grading stops at the submission's bound: the sum of the stages' limits is not."""
    text = apply_edits(solution_text, [
        ("    return b + w * np.asarray(x, dtype=float)",
         "    import time\n    time.sleep(0.7)\n    return b + w * np.asarray(x, dtype=float)"),
    ])
    started = time.monotonic()
    report = grade_text(text, stages=(1, 2, 3), submission_timeout=3.0)
    elapsed = time.monotonic() - started
    failed = failing_checks(report)
    assert "the time for grading your whole submission (3 s) ran out" in " ".join(
        failed.values())
    assert "stage3.forward_values" in failed  # later stages get no time of their own
    assert elapsed < 60  # a bound, not a measurement: without it the stages take minutes
