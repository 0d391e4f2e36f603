"""Each autograded notebook's nnkit report, kept in the course folder for the class report.

`nnkit nbgrader autograde` (GradeOutsideKernel) writes every student's full report to
COURSE/reports/<assignment>/<student>.json, the same JSON as `nnkit grade --json`, so that
`nnkit class-report COURSE` and `nnkit export-grades COURSE` read nbgrader's class like any other.
nbgrader runs in the course folder (driver.py), so the path is relative to it.
"""

from __future__ import annotations

import re
from pathlib import Path

from autograder.checks.report import Report

FOLDER = "reports"


def report_path(root: Path, assignment: str, student: str) -> Path:
    safe = re.sub(r"[^\w.-]", "_", student).lstrip(".") or "_"
    return root / FOLDER / (re.sub(r"[^\w.-]", "_", assignment) or "_") / f"{safe}.json"


def save(report: Report, resources: dict, root: Path | None = None) -> Path | None:
    """Write the report under the student's id from nbgrader's resources (None: not known)."""
    from autograder.outputs import write_atomically

    info = resources.get("nbgrader") or {}
    student, assignment = info.get("student"), info.get("assignment")
    if not student or not assignment:
        return None
    path = report_path(root or Path.cwd(), str(assignment), str(student))
    path.parent.mkdir(parents=True, exist_ok=True)
    report.student = str(student)
    write_atomically(path, report.to_json() + "\n")
    return path
