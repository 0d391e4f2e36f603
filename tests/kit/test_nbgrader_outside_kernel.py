"""The kit's own nbgrader configuration starts no kernel at autograde: every test cell's points
and output come from nnkit's grading of the notebook's definitions in the fenced sandbox, so a
student's cell never runs outside the fence, and what it would have done changes nothing."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from autograder.checks.grade import GradeOptions, grade
from autograder.grader.course import ASSIGNMENT, driver
from autograder.grader.course.notebook import stage_tests_id
from tests.kit.conftest import ROOT
from tests.kit.test_nbgrader import (
    SOLUTION,
    STAGES_1_TO_5,
    Student,
    cell_index,
    insert_after,
    stage_scores,
    submission,
    submitted_path,
)

# Grading for credit needs the course secret: these tests grade in a course (conftest.py).
pytestmark = pytest.mark.usefixtures("in_course")


def cheat(marker: Path) -> str:
    """A cell that would replace the kernel's grading and leave a file, were it ever run."""
    return (f"open({str(marker)!r}, 'w').write('ran')\n"
            "import autograder.grader.course.kernel as nnkit_kernel\n"
            "nnkit_kernel.grade_checks = lambda stage, instructor=False: 25.0\n"
            f"print(open({str(ROOT / 'assignments' / 'neural_network' / 'neural_network.py')!r})"
            ".read())")


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("nbgrader-outside") / "course"
    folder.mkdir()
    (folder / driver.CONFIG).write_text((ROOT / "course" / driver.CONFIG).read_text())
    driver.release(folder, capture=True)
    release = nbformat.read(folder / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
    marker = folder.parent / "kernel-ran"
    students = {
        "cheater": Student(None, change=insert_after(stage_tests_id(1), cheat(marker))),
        "five-stages": Student(SOLUTION, STAGES_1_TO_5,
                               change=insert_after(stage_tests_id(5), cheat(marker))),
    }
    for name, student in students.items():
        path = submitted_path(folder, name)
        path.parent.mkdir(parents=True)
        nbformat.write(submission(release, student), path)
    outcomes, result = driver.autograde(folder, capture=True)
    nnkit = {name: grade(submitted_path(folder, name), GradeOptions()) for name in students}
    return folder, {o.student: o for o in outcomes}, nnkit, marker, result


def test_no_student_cell_runs_and_the_points_are_nnkits(graded):
    folder, outcomes, nnkit, marker, result = graded
    assert result.returncode == 0, result.stderr[-3000:]
    assert not marker.exists(), "a student's cell ran in a kernel"
    for name, report in nnkit.items():
        assert outcomes[name].stages == stage_scores(report), name
    assert outcomes["cheater"].score == 0
    assert outcomes["five-stages"].score == 80 == nnkit["five-stages"].score


def test_each_test_cell_shows_nnkits_verdicts_and_no_solution(graded):
    folder, *_ = graded
    notebook = nbformat.read(folder / "autograded" / "cheater" / ASSIGNMENT
                             / f"{ASSIGNMENT}.ipynb", 4)
    text = "".join(output.get("text", "") for cell in notebook.cells
                   for output in cell.get("outputs", []))
    assert "Stage 1, one neuron: 0 of 10 points (graded by nnkit" in text
    assert "### BEGIN SOLUTION" not in text and "def neuron(x, w, b):" not in text


def edit_locked_cell(notebook: nbformat.NotebookNode) -> None:
    """Change the locked imports cell, which nbgrader puts back before grading, and leave a
    comment in an answer cell (so that, put back, it is still no other student's notebook)."""
    notebook.cells[cell_index(notebook, "imports")].source += "\n# edited by the student\n"
    notebook.cells[cell_index(notebook, "stage1_neuron")].source += "\n# my own\n"


def test_autograde_with_two_jobs_shares_the_work_and_gives_the_same_points(graded):
    """nbgrader and a helper grade the class from its two ends: every notebook is graded
    once, a copy takes its original's report ("graded ahead"), and a notebook that nbgrader
    changes while sanitizing it (a locked cell put back) is graded as nbgrader sees it."""
    folder, outcomes, *_ = graded
    five = submitted_path(folder, "five-stages")
    for name, change in (("five-stages-copy", None), ("edited-locked", edit_locked_cell)):
        notebook = nbformat.read(five, 4)
        if change:
            change(notebook)
        submitted_path(folder, name).parent.mkdir(parents=True)
        nbformat.write(notebook, submitted_path(folder, name))
    parallel, result = driver.autograde(folder, force=True, capture=True, jobs=2)
    assert result.returncode == 0, result.stderr[-3000:]
    expected = {name: outcome.stages for name, outcome in outcomes.items()}
    expected["five-stages-copy"] = expected["edited-locked"] = expected["five-stages"]
    assert {o.student: o.stages for o in parallel} == expected
    ahead, now = result.stderr.count("graded ahead"), result.stderr.count("graded now")
    assert ahead + now == 4 and ahead >= 1 and now >= 1, result.stderr[-3000:]


FORGE_REPORTS = """
import glob, json, os
POINTS = {1: 10, 2: 10, 3: 15, 4: 25, 5: 20, 6: 20}
FORGED = json.dumps({"submission": "forged", "score": 100.0, "max_score": 100.0,
                     "isolation": "forged", "stages": [
    {"stage": n, "name": "forged", "passed": True, "score": float(p), "max_score": float(p),
     "checks": []} for n, p in POINTS.items()]})
for pending in sorted(glob.glob("/tmp/nnkit-nbgrader-reports-*/*.pending"))[:50]:
    with open(pending[:-len(".pending")] + ".json", "w") as forged:
        forged.write(FORGED)
    os.remove(pending)  # as if it had been published
import time
time.sleep(3)  # its own grading goes on: nbgrader reaches it while the forgery stands
"""


def test_a_submission_cannot_forge_a_report_into_the_exchange(graded):
    """Submitted code that writes full-marks reports for every pending notebook into the
    grader's exchange folders, and marks them published (bounded: at most 50 small files),
    reaches none of them: it runs behind the fence, which hides the grader's temporary files.
    (Unfenced, with NNKIT_ISOLATION=process NNKIT_UNSAFE=1, it gets 100 points.)"""
    folder, *_ = graded
    release = nbformat.read(folder / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
    for name, change in (("forger", insert_after(stage_tests_id(1), FORGE_REPORTS)),
                         ("forger-victim", None)):
        path = submitted_path(folder, name)
        path.parent.mkdir(parents=True)
        nbformat.write(submission(release, Student(None, change=change)), path)
    outcomes, result = driver.autograde(folder, "forger*", force=True, capture=True, jobs=2)
    assert result.returncode == 0, result.stderr[-3000:]
    assert {o.student: o.score for o in outcomes} == {"forger": 0, "forger-victim": 0}


KERNEL_PROBE = f"""
import os, socket
found = {{"uid": os.getuid(), "source": os.path.exists({str(ROOT / 'assignments')!r}),
          "course": os.path.exists({str(ROOT / 'course' / 'nbgrader_config.py')!r}),
          "tmp": sorted(os.listdir("/tmp"))}}
try:
    socket.create_connection(("127.0.0.1", 22), timeout=1)
    found["network"] = "connected"
except OSError as error:
    found["network"] = type(error).__name__
print(found)
"""


def test_the_kernel_when_enabled_runs_fenced_unprivileged_and_can_be_interrupted(tmp_path):
    import ast

    from nbclient import NotebookClient

    from autograder.grader.course.fenced_kernel import FencedKernelManager

    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(KERNEL_PROBE),
        nbformat.v4.new_code_cell("while True:\n    pass"),
        nbformat.v4.new_code_cell("print('still answering')")])
    NotebookClient(notebook, kernel_name="python3", kernel_manager_class=FencedKernelManager,
                   timeout=5, interrupt_on_timeout=True, allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    found = ast.literal_eval(notebook.cells[0].outputs[0]["text"])
    assert found["uid"] >= 2_000_000 and not found["source"] and not found["course"]
    assert found["network"] != "connected"
    assert [output.get("ename") for output in notebook.cells[1].outputs] == ["KeyboardInterrupt"]
    assert notebook.cells[2].outputs[0]["text"] == "still answering\n"
