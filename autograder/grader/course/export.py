"""`nbgrader export` with one column per stage, beside nbgrader's usual columns.

The course's nbgrader_config.py makes it the default exporter; `nbgrader export --to FILE`.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins import ExportPlugin

from autograder.checks.stages import STAGES
from autograder.grader.course.driver import CALLER_CWD_ENV
from autograder.grader.course.notebook import stage_tests_id


def stage_columns() -> list[str]:
    """A column per stage of the course in force (the kit's six and the course's own)."""
    return [f"stage{stage.number}" for stage in STAGES]


def columns() -> list[str]:
    return ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name",
            "email", *stage_columns(), "raw_score", "late_submission_penalty", "score",
            "max_score"]


def destination(to: str | None) -> Path:
    """Where the CSV goes: a relative `--to` is relative to the folder the instructor ran
    `nnkit nbgrader run COURSE export` in (nbgrader itself runs in the course folder)."""
    path = Path(to or "grades.csv").expanduser()
    caller = os.environ.get(CALLER_CWD_ENV)
    return path if path.is_absolute() or not caller else Path(caller) / path


def stage_points(submission) -> dict[str, float | str]:
    """Points per stage test cell; '' for a stage that was not graded."""
    grades = {grade.name: grade.score for notebook in submission.notebooks
              for grade in notebook.grades}
    points = {}
    for stage in STAGES:
        score = grades.get(stage_tests_id(stage.number))
        points[f"stage{stage.number}"] = "" if score is None else score
    return points


class StageCsvExport(ExportPlugin):
    """A CSV row per student and assignment, with the points of every stage."""

    def export(self, gradebook: Gradebook) -> None:
        target = destination(self.to)
        self.log.info("Exporting grades per stage to %s", target)
        with open(target, "w", newline="", encoding="utf-8") as file:
            writer = csv.DictWriter(file, columns())
            writer.writeheader()
            for assignment in gradebook.assignments:
                if self.assignment and assignment.name not in self.assignment:
                    continue
                for student in gradebook.students:
                    if self.student and student.id not in self.student:
                        continue
                    writer.writerow(self.row(gradebook, assignment, student))

    def row(self, gradebook: Gradebook, assignment, student) -> dict:
        row = {"assignment": assignment.name, "duedate": assignment.duedate or "",
               "student_id": student.id, "last_name": student.last_name or "",
               "first_name": student.first_name or "", "email": student.email or "",
               "max_score": assignment.max_score}
        try:
            submission = gradebook.find_submission(assignment.name, student.id)
        except MissingEntry:  # nothing submitted: zero, as nbgrader's own CSV export says
            return {**row, "timestamp": "", "raw_score": 0.0, "late_submission_penalty": 0.0,
                    "score": 0.0, **dict.fromkeys(stage_columns(), 0.0)}
        penalty = submission.late_submission_penalty or 0.0
        return {**row, **stage_points(submission), "timestamp": submission.timestamp or "",
                "raw_score": submission.score, "late_submission_penalty": penalty,
                "score": max(0.0, submission.score - penalty)}
