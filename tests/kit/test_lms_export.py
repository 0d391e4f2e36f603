"""`nnkit export-grades`: Canvas's and Moodle's grade import CSVs from every class run's layout,
parsed by the rules those systems document.

Canvas (Canvas Instructor Guide, "How do I import grades in the Gradebook?", and the same rules
restated in Ohio State's "Import CSV File for Carmen Grades"): a CSV whose leading columns are
Student, ID, SIS User ID, SIS Login ID and Section (the student is matched on them), then one
column per assignment (an unknown name creates a new assignment); as in the Gradebook's own
export, the row after the header is "Points Possible", each assignment's points.

Moodle (MoodleDocs, "Grade import", CSV import): a header line and one line per student; at
import one identifier column is mapped to a user field (Email address to useremail, ID number to
useridnumber, or a username to username), and each grade column to a grade item; grades are
numbers.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from autograder.checks.stages import STAGES
from autograder.cli import main
from autograder.grader.classroom.lms_export import CANVAS_LEADING
from tests.kit.reports import report

# Grading for credit needs a course secret: these tests grade the class in a course.
pytestmark = pytest.mark.usefixtures("in_course")

POINTS = {stage.number: float(stage.max_score) for stage in STAGES}


def layouts(root: Path) -> dict[str, Path]:
    """The same three students as each class run leaves them: grade-batch's --out (with its
    grades.csv naming one it could not grade), classroom's OUT (reports/ and fetched.json), and
    an nbgrader course (reports/<assignment>/, as `nnkit nbgrader autograde` keeps them)."""
    made = {"ada": report("ada", 6, accuracy=0.97, train_seconds=10.0, calibration=0.2),
            "bo": report("bo", 3), "cy": report("cy", 1)}
    folders = {"grade-batch": root / "batch", "classroom": root / "class" / "reports",
               "nbgrader": root / "course" / "reports" / "neural_network"}
    for folder in folders.values():
        folder.mkdir(parents=True)
        for name, value in made.items():
            value.write(folder / f"{name}.json")
    (folders["grade-batch"] / "grades.csv").write_text(
        "student,score,status\ndee,,error: the grader failed: boom\n", encoding="utf-8")
    (root / "class" / "fetched.json").write_text(json.dumps({"eve": {"error": "no repository"}}),
                                                 encoding="utf-8")
    return {"grade-batch": folders["grade-batch"], "classroom": root / "class",
            "nbgrader": root / "course"}


def export(source: Path, form: str, out: Path, *extra: str) -> list[list[str]]:
    result = CliRunner().invoke(main, ["export-grades", str(source), "--format", form,
                                       "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8", newline="") as file:
        return list(csv.reader(file))


def stage_total(name: str, passed: int) -> float:
    """What tests.kit.reports.report gives: stages 1..passed in full, the next one half."""
    made = report(name, passed)
    return sum(stage.score for stage in made.stages)


@pytest.mark.parametrize("run", ["grade-batch", "classroom", "nbgrader"])
def test_canvas_import_file_follows_canvas_rules(tmp_path: Path, run: str):
    rows = export(layouts(tmp_path)[run], "canvas", tmp_path / "canvas.csv")
    header, points, *students = rows
    assert header[:5] == CANVAS_LEADING, "Canvas needs Student, ID, SIS User ID, SIS Login ID, " \
                                         "Section first"
    assignments = header[5:]
    assert assignments == [f"nnkit stage {n}: {s.name}" for n, s in
                           ((s.number, s) for s in STAGES)] + ["nnkit total"]
    assert points[0] == "Points Possible" and points[1:5] == ["", "", "", ""]
    assert [float(value) for value in points[5:]] == [*POINTS.values(), sum(POINTS.values())]
    by_login = {row[3]: row for row in students}  # SIS Login ID: the kit's name, no roster
    assert set(by_login) == {"ada", "bo", "cy"}
    for name, passed in (("ada", 6), ("bo", 3), ("cy", 1)):
        grades = [float(value) for value in by_login[name][5:]]
        assert all(0 <= g <= p for g, p in zip(grades, [*POINTS.values(), 100.0]))
        assert grades[-1] == stage_total(name, passed) == sum(grades[:-1])


@pytest.mark.parametrize("run", ["grade-batch", "classroom", "nbgrader"])
def test_moodle_import_file_follows_moodle_rules(tmp_path: Path, run: str):
    roster = tmp_path / "roster.csv"
    roster.write_text("student,name,email,idnumber\nada,Ada Byron,ada@uni.example,1001\n"
                      "bo,Bo Li,bo@uni.example,1002\ncy,Cy Twombly,cy@uni.example,1003\n"
                      "dee,Dee Dee,dee@uni.example,1004\n", encoding="utf-8")
    header, *students = export(layouts(tmp_path)[run], "moodle", tmp_path / "moodle.csv",
                               "--roster", str(roster))
    identifier = header.index("Email address")  # mapped to useremail at import
    assert "ID number" in header and "Username" in header
    grade_columns = [i for i, title in enumerate(header) if title.startswith("nnkit ")]
    assert len(grade_columns) == len(STAGES) + 1
    emails = [row[identifier] for row in students]
    assert emails == ["ada@uni.example", "bo@uni.example", "cy@uni.example", "dee@uni.example"]
    by_email = {row[identifier]: row for row in students}
    assert by_email["ada@uni.example"][:3] == ["Ada", "Byron", "1001"]
    for email, name, passed in (("ada@uni.example", "ada", 6), ("cy@uni.example", "cy", 1)):
        grades = [float(by_email[email][i]) for i in grade_columns]  # numbers, '.' decimals
        assert grades[-1] == stage_total(name, passed)
    # dee is on the roster but has no report: blank grades, which Moodle leaves as they were.
    assert all(by_email["dee@uni.example"][i] == "" for i in grade_columns)


def test_stages_nobody_was_graded_on_get_no_column(tmp_path: Path):
    folder = tmp_path / "reports"
    folder.mkdir()
    made = report("ada", 5)
    made.stages[5].ran = False  # stage 6 not selected (grade-batch --stages 1-5)
    made.write(folder / "ada.json")
    header, points, *_ = export(folder, "canvas", tmp_path / "canvas.csv", "--no-total")
    assert header[5:] == [f"nnkit stage {s.number}: {s.name}" for s in STAGES[:5]]


def test_a_roster_without_a_student_column_is_a_usage_error(tmp_path: Path):
    layouts(tmp_path)
    roster = tmp_path / "bad.csv"
    roster.write_text("email,name\nada@uni.example,Ada\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["export-grades", str(tmp_path / "batch"), "--format",
                                       "canvas", "--out", str(tmp_path / "x.csv"), "--roster",
                                       str(roster)])
    assert result.exit_code == 2 and "'student' column" in result.output
