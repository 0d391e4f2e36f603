"""Autograde's points, from outside the notebook's kernel.

`GradeOutsideKernel` (an nbgrader preprocessor the course runs after execution, before
SaveAutoGrades) grades the submitted notebook's definitions exactly as `nnkit grade` grades the
same file: in the sandboxed worker, under the fence for credit (bubblewrap or the dedicated
user; no fence, no grade). It then writes every stage test cell's output itself: the checks'
verdicts and, as the cell's value, the stage's points, which nbgrader reads as partial credit.
Whatever a student's cell did in the kernel (replacing `grade_checks`, printing into a test
cell, editing the kernel's state) changes no point and no test cell's output.

The points are those of the notebook's definitions, test cells blank (exchange.py). With
`nnkit nbgrader autograde --jobs N`, helper processes grade the class from its other end: a
report one of them made is taken from there ("graded ahead"); otherwise the notebook is graded
here and now.

The kernel does not need to run the test cells at all (`GradingExecute` skips them), and by
default the course does not start a kernel (`c.GradingExecute.enabled = False` in
nbgrader_config.py): students' cells keep no output (nbgrader clears it). Set it to True
to re-run the students' cells for their feedback; the kernel then runs fenced
(fenced_kernel.py), and still decides nothing.
"""

from __future__ import annotations

import re

from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor

from autograder.checks.report import StageResult
from autograder.grader.course import saved_reports
from autograder.grader.course.exchange import (
    Exchange,
    definitions_key,
    grade_definitions,
    is_test_cell,
)

_TESTS_ID = re.compile(r"^stage(\d+)_tests$")


def test_cell_stage(cell: NotebookNode) -> int | None:
    """The stage of one of the course's locked test cells (grade_id stageN_tests), else None."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    match = _TESTS_ID.match(str(meta.get("grade_id", "")))
    return int(match.group(1)) if match and is_test_cell(cell) else None


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
        exchange, key = Exchange.from_environment(), definitions_key(nb)
        beforehand = exchange.take(key) if exchange else None
        report = beforehand or grade_definitions(nb)
        if exchange and not beforehand:  # another student's identical notebook may wait for it
            exchange.publish(key, report.to_json())
        stages = {stage.stage: stage for stage in report.stages}
        for cell in nb.cells:
            number = test_cell_stage(cell)
            if number in stages:
                cell.outputs = test_cell_outputs(stages[number], report.problems)
                cell.execution_count = None
        saved_reports.save(report, resources)  # for `nnkit class-report COURSE`
        self.log.info("nnkit: %g/%g points, %s (%s)", report.score, report.max_score,
                      "graded ahead" if beforehand else "graded now", report.isolation)
        return nb, resources
