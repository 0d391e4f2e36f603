"""Grading a class: every student's submission graded side by side into a report each and a CSV;
a crash, hang or memory blow-up costs only its own submission; runs resume; results repeat."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import assignment
from autograder.checks.grade import GradeOptions, grade
from autograder.checks.report import Report
from autograder.grader.batch import (
    BatchError,
    Submission,
    find_submissions,
    grade_batch,
    grade_one,
)
from autograder.grader.grades_csv import CSV_COLUMNS
from tests.kit.conftest import apply_edits

NEURON = "    return b + w * np.asarray(x, dtype=float)"
SMALL_NETWORK = ('    "layer_sizes": [784, 100, 10],\n    "epochs": 4,\n    "batch_size": 24,',
                 '    "layer_sizes": [784, 10],\n    "epochs": 1,\n    "batch_size": 200,')


def passes(report: Report) -> dict[str, bool]:
    return {check.id: check.passed for stage in report.stages if stage.ran
            for check in stage.checks}


@pytest.fixture(scope="module")
def class_folder(tmp_path_factory, solution_text) -> Path:
    """A reference, a stub notebook in a folder, a hang, a crash at import and a memory hog."""
    folder = tmp_path_factory.mktemp("class")
    (folder / "alice.py").write_text(solution_text)
    assignment.write_student_copy(folder / "bob")
    (folder / "carol.py").write_text(apply_edits(solution_text, [
        (NEURON, "    while True:\n        pass")]))
    (folder / "dave.py").write_text(solution_text + "\nSTOP = __import__('os')._exit(3)\n")
    (folder / "erin.py").write_text(apply_edits(solution_text, [
        (NEURON, "    hoard = [np.empty(8 << 20) for _ in range(40)]  # 2.5 GiB of addresses\n"
         + NEURON)]))
    (folder / ".ipynb_checkpoints").mkdir()  # not a student
    return folder


OPTIONS = GradeOptions(stages=(1, 2), call_timeout=0.5)


@pytest.fixture(scope="module")
def graded_class(class_folder, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NNKIT_MEMORY_MB", "768")  # the pool's processes inherit it
        result = grade_batch(class_folder, out, OPTIONS, jobs=2, progress=False)
        alone = {path.stem: grade(path, OPTIONS) for path in sorted(class_folder.iterdir())
                 if not path.name.startswith(".")}
    return result, out, alone


def test_every_student_gets_a_report_and_a_csv_row(graded_class):
    result, out, _ = graded_class
    students = ["alice", "bob", "carol", "dave", "erin"]
    assert [s.student for s in result.submissions] == students
    assert sorted(result.graded) == students and result.errors == {}
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{s}.json" for s in students] + ["grades.csv"])
    rows = list(csv.DictReader((out / "grades.csv").open()))
    assert list(rows[0]) == CSV_COLUMNS and [row["student"] for row in rows] == students
    alice = rows[0]
    assert (alice["score"], alice["stage1"], alice["stage2"], alice["stage3"]) == (
        "20", "10", "10", "")
    assert alice["status"] == "graded" and alice["isolation"].startswith("bubblewrap")
    assert json.loads((out / "alice.json").read_text())["student"] == "alice"


def test_a_crash_a_hang_or_a_memory_blow_up_costs_only_its_own_submission(graded_class):
    result, out, alone = graded_class
    reports = {name: Report.from_dict(json.loads((out / f"{name}.json").read_text()))
               for name in alone}
    for name, report in reports.items():  # side by side, exactly as when graded alone
        assert passes(report) == passes(alone[name]), name
    assert reports["alice"].score == 20 and reports["bob"].score == 0
    assert reports["carol"].stages[1].passed and not reports["carol"].stages[0].passed
    assert "exited with code 3" in reports["dave"].problems[0]
    erin = reports["erin"].stages[0].checks[0].message
    assert "MemoryError" in erin and reports["erin"].stages[1].passed


def test_a_second_run_grades_only_what_is_missing_and_force_grades_all(class_folder,
                                                                        graded_class, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(graded_class[1], out)  # a finished first run
    (out / "bob.json").unlink()
    (out / "carol.json").write_text('{"score": 10')  # half written: not a report
    options = GradeOptions(stages=(2,))
    second = grade_batch(class_folder, out, options, jobs=2, progress=False)
    assert sorted(second.graded) == ["bob", "carol"]
    assert second.skipped == ["alice", "dave", "erin"]
    forced = grade_batch(class_folder, out, options, jobs=2, force=True, progress=False)
    assert len(forced.graded) == 5 and forced.skipped == []


def test_nbgrader_submitted_layout_is_read_one_assignment_per_student(tmp_path, solution_text):
    for student in ("ann", "ben"):
        folder = tmp_path / "course" / "submitted" / student / "neural_network"
        folder.mkdir(parents=True)
        (folder / "neural_network.py").write_text(solution_text)
        (folder / "timestamp.txt").write_text("2026-11-25 15:00:00")
    submitted = tmp_path / "course" / "submitted"
    assert find_submissions(tmp_path / "course") == [
        Submission("ann", submitted / "ann" / "neural_network"),
        Submission("ben", submitted / "ben" / "neural_network")]
    (tmp_path / "course" / "submitted" / "ben" / "week2").mkdir()
    with pytest.raises(BatchError, match="should hold one assignment folder .* --assignment"):
        find_submissions(tmp_path / "course")
    chosen = find_submissions(tmp_path / "course", assignment="neural_network")
    assert [s.path.name for s in chosen] == ["neural_network", "neural_network"]


def test_a_folder_without_submissions_is_refused_with_what_was_expected(tmp_path):
    (tmp_path / "notes.txt").write_text("nothing to grade")
    with pytest.raises(BatchError, match="no submissions in .* one .py file, .ipynb notebook"):
        find_submissions(tmp_path)
    (tmp_path / "amy.py").write_text("")
    (tmp_path / "amy.ipynb").write_text("{}")
    with pytest.raises(BatchError, match=r"several submissions would share a report \(amy.json"):
        find_submissions(tmp_path)


def dies_for_mallory(submission: Submission, options: GradeOptions, out: Path) -> float:
    """A grading process that dies (as if killed by the kernel) on mallory's submission."""
    if submission.student == "mallory":
        os._exit(9)
    return grade_one(submission, options, out)


def test_a_grading_process_that_dies_takes_no_other_result_with_it(tmp_path, solution_text):
    folder = tmp_path / "class"
    folder.mkdir()
    for student in ("ann", "mallory", "zoe", "zack"):
        (folder / f"{student}.py").write_text(solution_text)
    result = grade_batch(folder, tmp_path / "out", GradeOptions(stages=(1,)), jobs=2,
                         progress=False, task=dies_for_mallory)
    assert sorted(result.graded) == ["ann", "zack", "zoe"]
    assert result.errors == {"mallory": "its grading process died twice (out of memory?)"}
    rows = {row["student"]: row for row in csv.DictReader((tmp_path / "out" / "grades.csv")
                                                           .open())}
    assert rows["mallory"]["status"].startswith("error: its grading process died")
    assert [rows[s]["score"] for s in ("ann", "zack", "zoe")] == ["10", "10", "10"]


def test_grading_the_same_submission_twice_gives_the_same_scores_mnist_included(
        tmp_path, solution_text):
    folder = tmp_path / "class"
    folder.mkdir()
    text = apply_edits(solution_text, [SMALL_NETWORK])  # one epoch of 784-10: seconds
    for student in ("first", "second"):
        (folder / f"{student}.py").write_text(text)
    options = GradeOptions(stages=(6,))
    result = grade_batch(folder, tmp_path / "out", options, jobs=2, progress=False)
    assert sorted(result.graded) == ["first", "second"]
    reports = [Report.from_dict(json.loads((tmp_path / "out" / f"{s}.json").read_text()))
               for s in ("first", "second")]
    again = grade(folder / "first.py", options)
    accuracies = {report.mnist["accuracy"] for report in [*reports, again]}
    assert len(accuracies) == 1 and 0.8 < accuracies.pop() < 1.0
    assert len({report.score for report in [*reports, again]}) == 1
    assert all(report.seed == 0 and report.kit_version for report in reports)


def test_the_command_line_grades_a_class_and_says_what_it_did(tmp_path, solution_text):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "ann.py").write_text(solution_text)
    (folder / "ben.py").write_text("def neuron(x, w, b):\n    return 0\n")
    command = [sys.executable, "-m", "autograder.cli", "grade-batch", str(folder), "--out",
               str(tmp_path / "out"), "--jobs", "2", "--stages", "1"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "2 graded, 0 already done" in done.stdout and "grading" in done.stderr  # tqdm bar
    rows = list(csv.DictReader((tmp_path / "out" / "grades.csv").open()))
    assert [(row["student"], row["score"]) for row in rows] == [("ann", "10"), ("ben", "0")]
    again = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert "0 graded, 2 already done" in again.stdout
    empty = subprocess.run([sys.executable, "-m", "autograder.cli", "grade-batch",
                            str(tmp_path / "out"), "--out", str(tmp_path / "x")],
                           capture_output=True, text=True, timeout=60)
    assert empty.returncode == 2 and "no submissions in" in empty.stderr
