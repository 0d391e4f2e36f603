"""`nnkit export-grades`: the class's grades in a learning-management system's import format.

From the reports of any class run (read as the class report reads them, class_data.py: the
newest report per student), one grade column per stage that anyone was graded on, and the total.

- Canvas (Grades > Import, a CSV like the Gradebook's export): the leading columns Student, ID,
  SIS User ID, SIS Login ID, Section identify the student (Canvas matches on them), then one
  column per assignment; a column whose name Canvas does not know becomes a new assignment, and
  the second row, "Points Possible", gives each one's points.
- Moodle (Grades > Import > CSV file): a header and one row per student; at import the
  instructor maps one identifier column ("Email address" to useremail, "ID number" to
  useridnumber, or "Username" to username) and each grade column to a grade item. Grades are
  plain numbers with a '.' decimal point.

An optional roster (CSV with a header: student, and any of name, email, id, sis_id, login,
section, idnumber, username) gives each student's LMS identifiers; without one, the kit's
student name stands in for the login and the username. A student on the roster without a report
gets a row with blank grades (both systems leave a blank cell's grade as it was).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import click

from autograder.grader.classroom import class_data
from autograder.grader.grades_csv import spreadsheet_safe
from autograder.outputs import write_atomically

FORMATS = ("canvas", "moodle")
CANVAS_LEADING = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_LEADING = ["First name", "Last name", "ID number", "Email address", "Username"]
ROSTER_COLUMNS = {"student": ("student", "github_username", "login_name", "nnkit"),
                  "name": ("name", "full_name"), "email": ("email", "email_address"),
                  "id": ("id", "canvas_id", "user_id"), "sis_id": ("sis_id", "sis_user_id"),
                  "login": ("login", "sis_login_id"), "section": ("section",),
                  "idnumber": ("idnumber", "id_number"), "username": ("username",)}


class ExportError(ValueError):
    """The roster or the reports cannot be exported; the message says why."""


@dataclass(frozen=True)
class Person:
    student: str
    name: str = ""
    email: str = ""
    id: str = ""
    sis_id: str = ""
    login: str = ""
    section: str = ""
    idnumber: str = ""
    username: str = ""


def read_lms_roster(path: str | Path) -> dict[str, Person]:
    """student (case-insensitive) -> their LMS identifiers, from a CSV with a header."""
    path = Path(path)
    try:
        rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    except OSError as error:
        raise ExportError(f"cannot read the roster {path}: {error.strerror}") from None
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise ExportError(f"the roster {path} is empty")
    header = [cell.strip().casefold().replace(" ", "_") for cell in rows[0]]
    where = {field: next((header.index(name) for name in names if name in header), None)
             for field, names in ROSTER_COLUMNS.items()}
    if where["student"] is None:
        raise ExportError(f"{path}: the first line should be a header with a 'student' column "
                          "(the kit's name for each student) and any of name, email, id, "
                          "sis_id, login, section, idnumber, username")
    people = {}
    for number, row in enumerate(rows[1:], start=2):
        cells = [cell.strip() for cell in row] + [""] * len(header)
        values = {field: cells[index] if index is not None else ""
                  for field, index in where.items()}
        if not values["student"]:
            raise ExportError(f"{path} line {number}: no student name")
        if values["student"].casefold() in people:
            raise ExportError(f"{path} line {number}: {values['student']} is on the roster twice")
        people[values["student"].casefold()] = Person(**values)
    return people


@dataclass(frozen=True)
class Column:
    title: str
    stage: int | None  # None: the total
    points: float


def grade_columns(students: list[class_data.Student], prefix: str, total: bool) -> list[Column]:
    """A column per stage that some student was graded on, then the total."""
    stages: dict[int, tuple[str, float]] = {}
    for student in students:
        for number, stage in student.stages.items():
            if stage["ran"]:
                stages.setdefault(number, (stage["name"], stage["max_score"]))
    columns = [Column(f"{prefix} stage {number}: {name}", number, points)
               for number, (name, points) in sorted(stages.items())]
    if total:
        columns.append(Column(f"{prefix} total", None, sum(c.points for c in columns)))
    return columns


def _points(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def grades_of(student: class_data.Student | None, columns: list[Column]) -> list[str]:
    if student is None:
        return [""] * len(columns)
    cells = []
    for column in columns:
        if column.stage is None:
            cells.append(_points(sum(student.stages[c.stage]["score"] for c in columns
                                     if c.stage is not None and c.stage in student.stages)))
        else:
            stage = student.stages.get(column.stage)
            cells.append(_points(stage["score"]) if stage else "0")
    return cells


def _split_name(name: str) -> tuple[str, str]:
    first, _, last = name.strip().rpartition(" ")
    return (first, last) if first else (last, "")


def table(run: class_data.ClassRun, people: dict[str, Person], form: str, prefix: str = "nnkit",
          total: bool = True) -> list[list[str]]:
    """The rows of the export (header first), in roster order, then students off the roster."""
    if form not in FORMATS:
        raise ExportError(f"unknown format {form!r}: choose one of {', '.join(FORMATS)}")
    graded = {s.name.casefold(): s for s in run.students if s.graded}
    columns = grade_columns(list(graded.values()), prefix, total)
    keys = list(people) + sorted(set(graded) - set(people))
    leading = CANVAS_LEADING if form == "canvas" else MOODLE_LEADING
    rows = [leading + [c.title for c in columns]]
    if form == "canvas":
        rows.append(["Points Possible", "", "", "", ""] + [_points(c.points) for c in columns])
    for key in keys:
        student = graded.get(key)
        person = people.get(key) or Person(student.name if student else key)
        if form == "canvas":
            name = person.name or person.student
            if " " in name and "," not in name:  # Canvas lists students as "Last, First"
                first, last = _split_name(name)
                name = f"{last}, {first}"
            ident = [name, person.id, person.sis_id, person.login or person.student,
                     person.section]
        else:
            first, last = _split_name(person.name or person.student)
            ident = [first, last, person.idnumber or person.sis_id, person.email,
                     person.username or person.login or person.student]
        rows.append(ident + grades_of(student, columns))
    return rows


def write_export(rows: list[list[str]], path: str | Path) -> Path:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    for row in rows:
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    write_atomically(Path(path), text.getvalue())
    return Path(path)


def export(reports: Iterable[str | Path], form: str, out: str | Path,
           roster: str | Path | None = None, prefix: str = "nnkit", total: bool = True,
           warn: class_data.Warn = lambda message: None) -> tuple[Path, list[list[str]]]:
    run = class_data.read_run(reports, warn)
    people = read_lms_roster(roster) if roster else {}
    for name in sorted({s.name.casefold() for s in run.students} - set(people)):
        if people:
            warn(f"{name} has a report but is not on the roster: exported under the kit's name")
    rows = table(run, people, form, prefix, total)
    return write_export(rows, out), rows


@click.command(name="export-grades")
@click.argument("reports", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--format", "form", required=True, type=click.Choice(FORMATS),
              help="canvas: Canvas's Gradebook import CSV; moodle: Moodle's grade import CSV.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The CSV to write.")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False),
              help="CSV with a header: student, and any of name, email, id, sis_id, login, "
                   "section, idnumber, username (each student's identifiers in the LMS).")
@click.option("--prefix", default="nnkit", show_default=True,
              help="The start of every grade column's name (the assignment's name).")
@click.option("--total/--no-total", default=True, show_default=True,
              help="Add a column with the total (the LMS may add up the stages itself).")
def export_grades_command(reports: tuple[str, ...], form: str, out: str, roster: str | None,
                          prefix: str, total: bool) -> None:
    """Write the grades of REPORTS (any class run: grade-batch's --out, classroom's OUT, an
    nbgrader course, or report files) as Canvas's or Moodle's grade import CSV: a column per
    stage, and the total."""
    try:
        path, rows = export(reports, form, out, roster, prefix, total,
                            warn=lambda message: click.echo(f"warning: {message}", err=True))
    except ExportError as error:
        raise click.UsageError(str(error)) from None
    students = len(rows) - (2 if form == "canvas" else 1)
    click.echo(f"wrote {path} ({students} students, {len(rows[0]) - 5} grade columns)")
