"""The kit as an nbgrader course, driven through the real nbgrader CLI and real Jupyter kernels.

A temporary course (the kit's own nbgrader_config.py, with shorter limits for the students' own
cells so that the hanging submissions cost seconds) is released, seven submissions are
autograded, feedback is generated and grades exported; every student's points per stage are
compared with what `nnkit grade` gives for the very same notebook.

Affordability: only the correct student completes stage 6, so MNIST is trained three times in
this file (that student under nbgrader and under `nnkit grade`, and `nbgrader validate` on the
source notebook), each with the reference's real hyperparameters, the real 95% threshold and the
real time budget. The other students have not reached stage 6 (its answer cell is still the
stub), which fails fast in both paths. `nnkit grade` and `nbgrader validate` run in threads while
nbgrader autogrades.
"""

from __future__ import annotations

import copy
import csv
import html
import re
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from autograder import assignment
from autograder.checks.grade import GradeOptions, grade
from autograder.checks.report import Report
from autograder.checks.stages import STAGES
from autograder.cli import main
from autograder.grader.course import ASSIGNMENT, TEST_CELL_MARKER, driver, kernel
from autograder.grader.course.notebook import (
    BEGIN_HIDDEN,
    SourceNotebookError,
    source_notebook,
    stage_tests_id,
)
from autograder.grader.course.preprocessors import (
    EXPERIMENT_NOTE,
    KERNEL_DIED,
    KERNEL_STUCK,
    NOT_RUN,
    TIMED_OUT,
)
from tests.kit.conftest import ROOT, apply_edits

# Grading for credit needs the course secret: these tests grade in a course (conftest.py).
pytestmark = pytest.mark.usefixtures("in_course")

STUDENT_CELL_SECONDS = 8  # the hanging cells are interrupted after this (the kit's config: 300)
INTERRUPT_GRACE = 3  # seconds a kernel gets to answer after the interrupt (the kit's: 10)
TEST_OVERRIDES = f"""
# The test's course: students' own cells get {STUDENT_CELL_SECONDS} s; test cells the real limit.
c.Execute.timeout_func = CellTimeouts(test_cells=TEST_CELL_SECONDS,
                                      student_cells={STUDENT_CELL_SECONDS})
c.GradingExecute.interrupt_grace = {INTERRUPT_GRACE}
# The kit's config starts no kernel; this course re-runs the students' cells, to show that what
# they do in the kernel (hang, crash, cheat) changes no point.
c.GradingExecute.enabled = True
"""
SOLUTION = assignment.solution(assignment.read_source())
ALL_STAGES = tuple(stage.number for stage in STAGES)
STAGES_1_TO_5 = ALL_STAGES[:-1]


# -- submissions -----------------------------------------------------------------------------------
def answers(text: str, stages: tuple[int, ...]) -> dict[str, str]:
    """grade_id -> source of the answer cells of these stages in a percent-format text."""
    found = {}
    for cell in assignment.notebook(text).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and int(meta["grade_id"].split("_")[0][5:]) in stages:
            found[meta["grade_id"]] = cell.source
    return found


def cell_index(notebook: nbformat.NotebookNode, grade_id: str) -> int:
    ids = [cell.metadata.get("nbgrader", {}).get("grade_id") for cell in notebook.cells]
    return ids.index(grade_id)


def insert_after(grade_id: str, source: str) -> Callable[[nbformat.NotebookNode], None]:
    def change(notebook: nbformat.NotebookNode) -> None:
        notebook.cells.insert(cell_index(notebook, grade_id) + 1,
                              nbformat.v4.new_code_cell(source))

    return change


def tamper(notebook: nbformat.NotebookNode) -> None:
    """Claim full marks in stage 2's locked test cell; delete stage 3's."""
    notebook.cells[cell_index(notebook, stage_tests_id(2))].source = "10.0"
    del notebook.cells[cell_index(notebook, stage_tests_id(3))]


@dataclass
class Student:
    text: str | None  # the answers, as a percent-format text; None: the release untouched
    stages: tuple[int, ...] = STAGES_1_TO_5  # the stages whose answer cells are filled in
    change: Callable[[nbformat.NotebookNode], None] | None = None
    finished_stages: tuple[int, ...] = ALL_STAGES  # stages nbgrader reaches; 0 points after


MEAN_COST = apply_edits(SOLUTION, [("return float(np.sum(residual**2))",
                                    "return float(np.mean(residual**2))")])
FLIPPED_SIGMOID = apply_edits(SOLUTION, [
    ("return 0.5 + 0.5 * np.tanh(0.5 * z)", "return 0.5 - 0.5 * np.tanh(0.5 * z)")])
STUDENTS = {
    "correct": Student(SOLUTION, ALL_STAGES),
    "stubs": Student(None),
    "early-mistake": Student(MEAN_COST),
    "tampered": Student(FLIPPED_SIGMOID, change=tamper),
    # Hangs that are not experiments (a top-level `while` is one, and is not run at autograde).
    "hanging": Student(SOLUTION, change=insert_after(stage_tests_id(2), (
        "import time\ntime.sleep(10**6)  # hangs"))),
    "stuck": Student(SOLUTION, change=insert_after(stage_tests_id(3), (
        "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)  # ignore interrupts\n"
        "for _ in iter(int, 1):\n    time.sleep(0.1)")), finished_stages=(1, 2, 3)),
    "crashing": Student(SOLUTION, change=insert_after(stage_tests_id(4), "import os\nos._exit(1)"),
                        finished_stages=(1, 2, 3, 4)),
    # Stubs, plus a cell that makes every later test cell of the kernel claim full marks.
    "cheater": Student(None, change=insert_after(stage_tests_id(1), (
        "import autograder.grader.course.kernel as nnkit_kernel\n"
        "nnkit_kernel.grade_checks = lambda stage, instructor=False: 25.0"))),
}


def submission(release: nbformat.NotebookNode, student: Student) -> nbformat.NotebookNode:
    notebook = copy.deepcopy(release)
    filled = answers(student.text, student.stages) if student.text else {}
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in filled:
            cell.source = filled[grade_id]
    if student.change:
        student.change(notebook)
    return notebook


def submitted_path(course: Path, name: str) -> Path:
    return course / "submitted" / name / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"


# -- the course, graded once for the whole module --------------------------------------------------
@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("nbgrader") / "course"
    folder.mkdir()
    config = (ROOT / "course" / driver.CONFIG).read_text(encoding="utf-8")
    (folder / driver.CONFIG).write_text(config + TEST_OVERRIDES, encoding="utf-8")
    driver.release(folder, capture=True)
    return folder


@dataclass
class Graded:
    outcomes: dict[str, driver.Outcome]
    autograde_exit: int
    nnkit: dict[str, Report]
    validate_source: object
    validate_release: object
    feedback_exit: int
    grades_csv: list[dict[str, str]] = field(default_factory=list)


@pytest.fixture(scope="module")
def graded(course: Path) -> Graded:
    release = nbformat.read(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
    for name, student in STUDENTS.items():
        path = submitted_path(course, name)
        path.parent.mkdir(parents=True)
        nbformat.write(submission(release, student), path)
    source = f"source/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
    with ThreadPoolExecutor(max_workers=2) as pool:  # beside nbgrader autograde, not after it
        validating = pool.submit(driver.run_nbgrader, course, ["validate", source], True)
        nnkit = {name: pool.submit(grade, submitted_path(course, name), GradeOptions())
                 for name in STUDENTS}
        outcomes, result = driver.autograde(course, capture=True)
        feedback = driver.run_nbgrader(course, ["generate_feedback", ASSIGNMENT], True)
        # --to is relative to the caller's folder (not nbgrader's): given in full here.
        export = driver.run_nbgrader(course, ["export", "--to", str(course / "grades.csv")],
                                     True)
        release_check = driver.run_nbgrader(
            course, ["validate", f"release/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"], True)
        graded = Graded({o.student: o for o in outcomes}, result.returncode,
                        {name: future.result() for name, future in nnkit.items()},
                        validating.result(), release_check, feedback.returncode)
    assert export.returncode == 0, export.stderr
    with open(course / "grades.csv", newline="", encoding="utf-8") as file:
        graded.grades_csv = list(csv.DictReader(file))
    return graded


def autograded(course: Path, name: str) -> nbformat.NotebookNode:
    return nbformat.read(course / "autograded" / name / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)


def stage_scores(report: Report) -> dict[int, float]:
    return {stage.stage: stage.score for stage in report.stages}


def errors(notebook: nbformat.NotebookNode, containing: str = "") -> list[str]:
    """The error names in the outputs of the code cells whose source contains `containing`."""
    return [output.ename for cell in notebook.cells if containing in cell.source
            for output in cell.get("outputs", []) if output.output_type == "error"]


# -- the source notebook (no nbgrader needed) ------------------------------------------------------
def test_source_notebook_has_a_locked_test_cell_per_stage_worth_the_stages_points():
    cells = [cell for cell in source_notebook().cells
             if cell.metadata.get("nbgrader", {}).get("grade")]
    assert [cell.metadata.nbgrader.grade_id for cell in cells] == [
        stage_tests_id(stage.number) for stage in STAGES]
    points = [cell.metadata.nbgrader.points for cell in cells]
    assert points == [stage.max_score for stage in STAGES] == [10, 10, 15, 25, 20, 20]
    assert sum(points) == 100
    assert all(cell.metadata.nbgrader.locked and cell.source.startswith(TEST_CELL_MARKER)
               for cell in cells)


def test_each_test_cell_follows_its_stages_last_answer_cell_and_calls_the_kits_checks():
    notebook = source_notebook()
    for stage in STAGES:
        index = cell_index(notebook, stage_tests_id(stage.number))
        before = notebook.cells[index - 1].metadata.get("nbgrader", {})
        assert before.get("solution") and before["grade_id"].startswith(f"stage{stage.number}_")
        assert f"grade_checks({stage.number})" in notebook.cells[index].source


def test_test_cells_hold_no_hidden_test_block_so_the_release_keeps_them_as_they_are():
    """nbgrader restores a hidden-test block by overwriting the locked cell at autograde, and
    warns that its checksum changed, for every notebook; the points come from outside the
    kernel, where the instructor-only checks are graded anyway."""
    notebook = source_notebook()
    assert not [cell for cell in notebook.cells if BEGIN_HIDDEN in cell.source
                or "instructor=True" in cell.source]
    stage6 = notebook.cells[cell_index(notebook, stage_tests_id(6))].source
    assert stage6.splitlines()[-1] == "grade_checks(6)"
    instructor = [check.run.__name__ for check in kernel.checks_of(6, instructor=True).checks]
    assert instructor == ["mnist_training_finishes", "mnist_accuracy"]
    assert all(not kernel.checks_of(n, instructor=True).checks for n in STAGES_1_TO_5)


def test_the_generator_refuses_a_source_without_an_answer_cell_for_a_stage():
    text = assignment.read_source().replace('"grade_id": "stage4_backprop"',
                                            '"grade_id": "backprop_answers"')
    with pytest.raises(SourceNotebookError, match="no answer cell for stage.*4"):
        source_notebook(text)


def test_test_cells_are_left_out_of_the_code_that_is_graded():
    cells = ["import numpy as np", f"{TEST_CELL_MARKER} stage 1\ngrade_checks(1)",
             "def neuron(x, w, b):\n    return b + w * x", "def broken(:\n    pass"]
    source = kernel.submission_source(cells, {"import numpy as np": "nb.ipynb [code cell 1]"})
    assert [block.filename for block in source.blocks] == ["nb.ipynb [code cell 1]",
                                                           "notebook In [3]"]
    assert len(source.problems) == 1 and "notebook In [4] has a syntax error" in source.problems[0]


def test_grade_checks_outside_a_kernel_says_where_it_runs():
    with pytest.raises(RuntimeError, match="Jupyter kernel.*nnkit grade"):
        kernel.grade_checks(1)


# -- release, validate -----------------------------------------------------------------------------
def test_release_holds_stubs_and_no_solution_or_hidden_test(course: Path):
    source = (course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text()
    release = (course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text()
    texts = {"source": source, "release": release}
    bodies = ["\n".join(block.splitlines()[1:-1])
              for block in assignment.solution_blocks(assignment.read_source())]
    notebooks = {name: "\n".join(cell.source for cell in nbformat.reads(text, 4).cells)
                 for name, text in texts.items()}
    assert all(body in notebooks["source"] for body in bodies)  # what the release must drop
    assert not [body for body in bodies if body in notebooks["release"]]
    assert "BEGIN SOLUTION" not in release
    assert BEGIN_HIDDEN not in release and "instructor=True" not in release
    assert notebooks["release"].count("raise NotImplementedError") == len(bodies)
    assert driver.release_leaks(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb") == []


def test_nbgrader_validate_passes_on_the_source_notebook_and_fails_on_the_stubs(graded: Graded):
    assert graded.validate_source.returncode == 0, graded.validate_source.stdout[-3000:]
    assert "Success! Your notebook passes all the tests." in graded.validate_source.stdout
    assert "VALIDATION FAILED" in graded.validate_release.stdout


# -- autograde -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(STUDENTS))
def test_autograde_gives_each_stage_the_points_nnkit_grade_gives(graded: Graded, name: str):
    """Whatever the kernel did (hang, die, cheat): the points are nnkit's, from outside it."""
    assert graded.outcomes[name].graded
    assert graded.outcomes[name].stages == stage_scores(graded.nnkit[name])


def test_the_students_are_graded_from_zero_to_full_marks(graded: Graded):
    """The comparison above means something: the class spans the whole range of points."""
    totals = {name: graded.outcomes[name].score for name in STUDENTS}
    assert totals["correct"] == 100 and totals["stubs"] == 0 == totals["cheater"]
    assert 0 < totals["early-mistake"] < 90 and 0 < totals["tampered"] < 90
    assert graded.nnkit["correct"].mnist["accuracy"] >= 0.95


def test_an_edited_or_deleted_test_cell_is_graded_with_the_instructors_version(
        course: Path, graded: Graded):
    source = nbformat.read(course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
    notebook = autograded(course, "tampered")
    for stage in (2, 3):
        restored = notebook.cells[cell_index(notebook, stage_tests_id(stage))].source
        assert restored.endswith(source.cells[cell_index(source, stage_tests_id(stage))].source)
    points, nnkit = graded.outcomes["tampered"].stages, stage_scores(graded.nnkit["tampered"])
    assert points[2] == nnkit[2] < 10  # not the 10.0 the edited cell claimed
    assert points[3] == nnkit[3] > 0  # the deleted cell was put back and run


def test_a_hanging_cell_is_interrupted_and_the_rest_of_the_notebook_is_graded(
        course: Path, graded: Graded):
    found = errors(autograded(course, "hanging"), "# hangs")
    assert TIMED_OUT in found and KERNEL_STUCK not in found  # interrupted, and it stopped
    assert graded.outcomes["hanging"].stages == stage_scores(graded.nnkit["hanging"])


def test_a_dead_or_stuck_kernel_costs_only_the_unfinished_cells_and_the_batch_goes_on(
        course: Path, graded: Graded):
    assert graded.autograde_exit == 0  # stock nbgrader exits 1 and grades neither notebook
    for name, culprit, ename in (("stuck", "SIG_IGN", KERNEL_STUCK),
                                 ("crashing", "os._exit", KERNEL_DIED)):
        notebook = autograded(course, name)
        assert ename in errors(notebook, culprit)
        assert NOT_RUN in errors(notebook, "def ")  # answer cells after it were not re-run
        assert graded.outcomes[name].problems
        assert stage_scores(graded.nnkit[name])[5] == 20  # nnkit grade: the code is right
        assert graded.outcomes[name].stages[5] == 20  # and the points come from outside
    assert all(outcome.graded for outcome in graded.outcomes.values())


def test_the_notebooks_demo_cells_are_not_run_at_autograde_and_the_answer_cells_are(
        course: Path, graded: Graded):
    notebook = autograded(course, "correct")
    demos = [cell for cell in notebook.cells if cell.cell_type == "code"
             and ("train_with_progress" in cell.source or "plots." in cell.source)]
    assert len(demos) >= 5
    for cell in demos:  # its own MNIST training and every figure: a note, and nothing else
        assert [output.get("text") for output in cell.outputs] == [EXPERIMENT_NOTE], cell.source
    answers = [cell for cell in notebook.cells
               if cell.metadata.get("nbgrader", {}).get("solution")]
    assert answers and all(cell.get("execution_count") for cell in answers)  # re-run
    assert not [output for cell in answers for output in cell.outputs
                if output.output_type == "error"]


def test_nnkit_nbgrader_autograde_reports_every_student_and_what_went_wrong(
        course: Path, graded: Graded):
    result = CliRunner().invoke(main, ["nbgrader", "autograde", str(course)])
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line for line in result.output.splitlines()[1:] if line.strip()}
    assert set(STUDENTS) <= set(rows)
    assert rows["correct"].split()[1:8] == ["10", "10", "15", "25", "20", "20", "100"]
    assert "stopped" in rows["stuck"] and "kernel died" in rows["crashing"]


# -- feedback and export ---------------------------------------------------------------------------
def feedback_html(course: Path, name: str) -> str:
    return (course / "feedback" / name / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()


def test_feedback_shows_the_stage_messages_and_not_the_hidden_tests(course: Path,
                                                                   graded: Graded):
    assert graded.feedback_exit == 0
    for name in STUDENTS:
        page = feedback_html(course, name)
        assert BEGIN_HIDDEN not in page and "instructor=True" not in page, name
        for stage in graded.nnkit[name].stages:
            if stage.stage not in STUDENTS[name].finished_stages:
                continue
            for check in stage.checks:  # (a passed check's note may hold a time: not compared)
                shown = [check.name] + ([] if check.passed else check.message.splitlines()[:1])
                for text in shown:
                    assert html.escape(text, quote=False) in page, (name, check.id, text)
    correct = feedback_html(course, "correct")
    assert "test accuracy reaches the threshold" in correct  # the hidden checks' verdicts
    # Readable offline (autograder/grader/course/feedback.py; tests/kit/test_feedback_page.py
    # looks at it in Chromium): messages wrap, and the maths is MathML, not raw $$ for MathJax.
    body = re.sub(r"<script.*?</script>", "", correct, flags=re.S)
    assert "white-space: pre-wrap" in correct and "<math" in correct and "$$" not in body


def test_exported_csv_has_every_students_points_per_stage(graded: Graded):
    rows = {row["student_id"]: row for row in graded.grades_csv}
    assert set(rows) == set(STUDENTS)
    for name, outcome in graded.outcomes.items():
        assert [float(rows[name][f"stage{n}"]) for n in ALL_STAGES] == [
            outcome.stages[n] for n in ALL_STAGES]
        assert float(rows[name]["score"]) == outcome.score
        assert float(rows[name]["max_score"]) == 100


# -- the gradebook is never left half-created ------------------------------------------------------
def test_a_gradebook_left_half_created_by_a_missing_alembic_is_removed(tmp_path: Path,
                                                                      monkeypatch):
    (tmp_path / driver.CONFIG).write_text((ROOT / "course" / driver.CONFIG).read_text())
    monkeypatch.setattr(driver, "environment", lambda: {"PATH": str(tmp_path / "no-bin"),
                                                        "HOME": str(tmp_path)})
    with pytest.raises(driver.CourseError, match="half-created .* was removed"):
        driver.run_nbgrader(tmp_path, ["db", "student", "add", "someone"], capture=True)
    assert not (tmp_path / driver.GRADEBOOK).exists()


def test_a_half_created_gradebook_is_refused_before_nbgrader_runs(tmp_path: Path):
    (tmp_path / driver.CONFIG).write_text((ROOT / "course" / driver.CONFIG).read_text())
    with sqlite3.connect(tmp_path / driver.GRADEBOOK) as connection:
        connection.execute("CREATE TABLE student (id VARCHAR(128) PRIMARY KEY)")
    with pytest.raises(driver.CourseError, match="half-created.*no alembic_version"):
        driver.run_nbgrader(tmp_path, ["db", "student", "list"], capture=True)
    assert (tmp_path / driver.GRADEBOOK).exists()  # refused, not deleted: it may hold grades


def test_a_folder_without_the_course_config_is_refused(tmp_path: Path):
    with pytest.raises(driver.CourseError, match="no nbgrader_config.py.*only from the folder"):
        driver.run_nbgrader(tmp_path, ["db", "student", "list"])
