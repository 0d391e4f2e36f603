"""The nbgrader source notebook, generated from the assignment's single source of truth.

The source (assignments/neural_network/neural_network.py, or the course's own copy) already
holds nbgrader's answer cells (`# %% nbgrader={...}`, solutions between `### BEGIN SOLUTION` and
`### END SOLUTION`). After each stage's last answer cell this adds a locked autograder test cell
worth the stage's points (the course's, its own checks and hidden ones included), which runs the
stage's visible checks in the student's kernel (`autograder.checks.notebook_cells.grade_checks`,
from the student wheel). The cell is the same in the source and the release: no hidden-test
block. nbgrader restores such a block into every submission at autograde by overwriting the
locked cell, which it reports as a changed checksum for every notebook, untouched ones too; and
the points come from nnkit's grading outside the kernel (outside.py), where the instructor-only
checks (training on MNIST, the hidden ones) are graded anyway.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from autograder import assignment
from autograder.checks.stages import STAGES
from autograder.grader.course import ASSIGNMENT, TEST_CELL_MARKER

BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
_ANSWER_ID = re.compile(r"^stage(\d+)_")


class SourceNotebookError(ValueError):
    """The assignment source does not have the answer cells the course needs."""


def stage_tests_id(number: int) -> str:
    return f"stage{number}_tests"


def stage_of(cell: nbformat.NotebookNode) -> int | None:
    """The stage of an autograded answer cell (grade_id `stageN_...`), else None."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    match = _ANSWER_ID.match(meta.get("grade_id", ""))
    return int(match.group(1)) if match and meta.get("solution") else None


def stage_tests_source(number: int) -> str:
    stage = STAGES.by_number(number)
    lines = [f"{TEST_CELL_MARKER} stage {number} ({stage.name}), {stage.max_score:g} points.",
             "# The kit's own checks, the same as `nnkit grade` runs; the number shown last is "
             "your score.",
             "from autograder.checks.notebook_cells import grade_checks", ""]
    return "\n".join([*lines, f"grade_checks({number})"])


def stage_tests_cell(number: int) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(stage_tests_source(number))
    cell.metadata["nbgrader"] = {
        "grade": True, "grade_id": stage_tests_id(number), "locked": True,
        "points": float(STAGES.by_number(number).max_score), "schema_version": 3,
        "solution": False, "task": False,
    }
    return cell


def source_notebook(text: str | None = None) -> nbformat.NotebookNode:
    """The assignment as an nbgrader source notebook, with one test cell per stage."""
    notebook = assignment.notebook(assignment.read_source() if text is None else text)
    cells = list(notebook.cells)
    last_answer = {stage_of(cell): index for index, cell in enumerate(cells)
                   if stage_of(cell) is not None}
    missing = [stage.number for stage in STAGES if stage.number not in last_answer]
    if missing:
        raise SourceNotebookError(
            f"the assignment source has no answer cell for stage(s) "
            f"{', '.join(map(str, missing))}: each stage needs a cell with nbgrader metadata "
            f"grade_id 'stageN_...' and solution true, so its test cell can follow it")
    for number, index in sorted(last_answer.items(), key=lambda item: -item[1]):
        cells.insert(index + 1, stage_tests_cell(number))
    notebook.cells = cells
    nbformat.validate(notebook)
    return notebook


def write_source(course: str | Path, text: str | None = None) -> Path:
    """Write COURSE/source/neural_network/neural_network.ipynb; return its path."""
    path = Path(course) / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(source_notebook(text), path)
    return path
