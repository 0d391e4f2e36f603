"""Autograde's points, from outside the notebook's kernel.

`GradeOutsideKernel` (an nbgrader preprocessor the course runs after execution, before
SaveAutoGrades) grades the submitted notebook's definitions exactly as `nnkit grade` grades the
same file: in the sandboxed worker, under the fence for credit (bubblewrap or the dedicated
user; no fence, no grade). It then writes every stage test cell's output itself: the checks'
verdicts and, as the cell's value, the stage's points, which nbgrader reads as partial credit.
Whatever a student's cell did in the kernel (replacing `grade_checks`, printing into a test
cell, editing the kernel's state) changes no point and no test cell's output.

The kernel does not need to run the test cells at all (`GradingExecute` skips them), and by
default the course does not start a kernel: `c.GradingExecute.enabled = False` in
nbgrader_config.py, so no submitted code runs outside the fence (student cells keep the
outputs they were submitted with). Set it to True to re-run the students' cells for their
feedback; the kernel is then not fenced (it runs as nbgrader's user), but still decides nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor

from autograder.checks.grade import GradeOptions, grade
from autograder.checks.report import Report, StageResult
from autograder.grader.course import ASSIGNMENT
from autograder.sandbox.policy import unsafe_from_environment

_TESTS_ID = re.compile(r"^stage(\d+)_tests$")
# A folder of reports graded beforehand, in parallel (`nnkit nbgrader autograde --jobs N`),
# named by definitions_key: nbgrader then only copies points, in one process and gradebook.
REPORTS_ENV = "NNKIT_NBGRADER_REPORTS"


def test_cell_stage(cell: NotebookNode) -> int | None:
    """The stage of one of the course's locked test cells (grade_id stageN_tests), else None."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    match = _TESTS_ID.match(str(meta.get("grade_id", "")))
    if cell.get("cell_type") != "code" or not meta.get("grade") or meta.get("solution"):
        return None
    return int(match.group(1)) if match else None


def definitions_key(nb: NotebookNode) -> str:
    """What the grading of a notebook depends on: its code cells other than the test cells
    (which nbgrader restores from the gradebook, so the submitted file may differ there)."""
    digest = hashlib.sha256()
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and test_cell_stage(cell) is None:
            digest.update(json.dumps(cell.get("source"), default=str).encode() + b"\0")
    return digest.hexdigest()


def graded_beforehand(nb: NotebookNode) -> Report | None:
    folder = os.environ.get(REPORTS_ENV)
    if not folder:
        return None
    path = Path(folder) / f"{definitions_key(nb)}.json"
    try:
        return Report.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, KeyError):
        return None


def grade_notebook(nb: NotebookNode) -> Report:
    """`nnkit grade` of this notebook, for credit (KitEnvironmentError without a fence)."""
    report = graded_beforehand(nb)
    if report is not None:
        return report
    options = GradeOptions(for_credit=True, unsafe=unsafe_from_environment())
    with tempfile.TemporaryDirectory(prefix="nnkit-nbgrader-") as folder:
        path = Path(folder) / f"{ASSIGNMENT}.ipynb"
        nbformat.write(nb, path)
        return grade(path, options)


def verdicts(stage: StageResult, problems: list[str]) -> str:
    lines = [f"Stage {stage.stage}, {stage.name}: {stage.score:g} of {stage.max_score:g} points "
             "(graded by nnkit from your notebook's definitions, outside its kernel)."]
    lines += [f"Note: {problem}" for problem in problems]
    for check in stage.checks:
        mark = "PASS" if check.passed else "FAIL"
        lines.append(f"  {mark} {check.name} ({check.score:g}/{check.max_score:g})")
        lines += [f"       {line}" for line in check.message.splitlines()]
    return "\n".join(lines) + "\n"


def test_cell_outputs(stage: StageResult, problems: list[str]) -> list[NotebookNode]:
    return [new_output("stream", name="stdout", text=verdicts(stage, problems)),
            new_output("execute_result", data={"text/plain": repr(float(stage.score))},
                       execution_count=None)]


class GradeOutsideKernel(NbGraderPreprocessor):
    """Set every stage test cell's output and points from nnkit's own grading."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        beforehand = graded_beforehand(nb)
        report = beforehand or grade_notebook(nb)
        stages = {stage.stage: stage for stage in report.stages}
        for cell in nb.cells:
            number = test_cell_stage(cell)
            if number in stages:
                cell.outputs = test_cell_outputs(stages[number], report.problems)
                cell.execution_count = None
        self.log.info("nnkit: %g/%g points, %s (%s)", report.score, report.max_score,
                      "graded beforehand" if beforehand else "graded now", report.isolation)
        return nb, resources
