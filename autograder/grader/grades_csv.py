"""grades.csv: one row per student, the same columns wherever it is written (grade-batch, and
the classroom pipeline, which adds where the code came from). Written whole or not at all, with
every cell a spreadsheet shows as text (a leading formula character is escaped)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from autograder.checks.grade import ALL_STAGES
from autograder.checks.report import Report
from autograder.outputs import write_atomically

CSV_NAME = "grades.csv"
CSV_COLUMNS = ["student", "score", "max_score", *(f"stage{n}" for n in ALL_STAGES),
               "mnist_accuracy", "train_seconds", "isolation", "status", "seconds", "submission"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run these as formulas


def csv_row(student: str, submission: str | Path, report: Report | None,
            error: str | None) -> dict:
    row = dict.fromkeys(CSV_COLUMNS, "")
    row.update(student=student, submission=str(submission))
    if report is None:
        row["status"] = f"error: {error or 'no report'}"
        return row
    ran = [stage for stage in report.stages if stage.ran]
    row.update(score=f"{report.score:g}", max_score=f"{report.max_score:g}",
               isolation=report.isolation, seconds=report.seconds,
               status="graded" if ran else f"not graded: {'; '.join(report.problems)}")
    for stage in ran:
        row[f"stage{stage.stage}"] = f"{stage.score:g}"
    if report.mnist.get("accuracy") is not None:
        row["mnist_accuracy"] = report.mnist["accuracy"]
        row["train_seconds"] = report.mnist["train_seconds"]
    return row


def spreadsheet_safe(value: object) -> object:
    """Text a spreadsheet shows as text: a leading formula character is escaped with '."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_grades_csv(path: Path, rows: Iterable[dict], columns: list[str] = CSV_COLUMNS) -> Path:
    """`rows` (dicts by column; missing columns are left empty) as `path`, written whole."""
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=columns, restval="")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: spreadsheet_safe(value) for key, value in row.items()})
    return write_atomically(path, text.getvalue())
