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


def csv_columns() -> list[str]:
    """CSV_COLUMNS with a column for each stage of the course in force (its own stages too)."""
    from autograder.checks.grade import all_stages

    stages = [f"stage{n}" for n in all_stages()]
    return [*CSV_COLUMNS[:3], *stages, *CSV_COLUMNS[3 + len(ALL_STAGES):]]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run these as formulas


def csv_row(student: str, submission: str | Path, report: Report | None,
            error: str | None) -> dict:
    row = dict.fromkeys(csv_columns(), "")
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


def write_grades_csv(path: Path, rows: Iterable[dict], columns: list[str] | None = None) -> Path:
    """`rows` (dicts by column; missing columns are left empty) as `path`, written whole; the
    columns are by default `csv_columns()`, the course's stages included."""
    columns = csv_columns() if columns is None else columns
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=columns, restval="")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: spreadsheet_safe(value) for key, value in row.items()})
    return write_atomically(path, text.getvalue())
