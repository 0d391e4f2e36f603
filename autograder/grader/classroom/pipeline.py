"""`nnkit classroom grade` and `merge`: fetch the class, grade it, sign it, rank it.

OUT/ after `grade`:
    checkouts/<student>/   each repository at its last commit before the deadline
    reports/<student>.json the instructor's report (signed when a key is given)
    sources/<student>.json the graded functions' code, for the class-wide similarity
    fetched.json           per student: repository, commit and commit time, or why not graded
and, from those only (`merge` writes the same from several shards' OUT folders):
    board/                 the leaderboard (index.html, leaderboard.md), rejected reports listed
    grades.csv             accepted reports only, with repository, commit and commit time
    rejected.txt           every report or student left out, with the reason
    similarity.html/.json  the closest pairs of the class, code side by side (instructor only)
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from autograder.checks import calibration
from autograder.checks.grade import GradeOptions
from autograder.checks.report import read_report
from autograder.grader import batch
from autograder.grader.classroom import signing, similarity
from autograder.grader.classroom.fetch import Fetched, FetchError, fetch
from autograder.grader.classroom.leaderboard import (
    BadReport,
    Entry,
    load_entries,
    read_entry,
    write_board,
)
from autograder.grader.classroom.roster import Student
from autograder.grader.classroom.validation import Policy, Rejection
from autograder.grader.grades_csv import CSV_NAME, csv_columns, csv_row, write_grades_csv
from autograder.outputs import write_atomically

FETCHED = "fetched.json"
REPORT_BYTES = 1_000_000  # an nnkit report stays under 1 MB; a larger file is not one
SOURCE_COLUMNS = ["repository", "commit", "commit_time", "similar_to_reference"]

Say = Callable[[str], None]


@dataclass
class ClassBoard:
    entries: list[Entry]
    rejected: list[Rejection]
    pairs: list[similarity.Pair] = field(default_factory=list)
    out: Path | None = None


def write_json(path: Path, data: object) -> None:
    write_atomically(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _stale(report: Path, fetched: Fetched) -> bool:
    """A report from an earlier run is reused only for the same commit."""
    try:
        return json.loads(report.read_text(encoding="utf-8"))["source"]["commit"] != \
            fetched.commit
    except (OSError, ValueError, KeyError, TypeError):
        return True


def grade_class(students: list[Student], deadline: datetime, out: Path, options: GradeOptions,
                jobs: int = 1, key: signing.Key | None = None, token: str | None = None,
                progress: bool = False, say: Say = lambda message: None) -> dict[str, dict]:
    """Fetch, grade, record and sign (see the module's docstring); returns fetched.json."""
    checkouts, reports, sources = out / "checkouts", out / "reports", out / "sources"
    shutil.rmtree(checkouts, ignore_errors=True)
    for folder in (checkouts, reports, sources):
        folder.mkdir(parents=True, exist_ok=True)
    record: dict[str, dict] = {}
    fetched: dict[str, Fetched] = {}
    for student in students:
        if student.url is None:
            record[student.name] = {"error": "no repository (has not accepted the assignment)"}
            continue
        try:
            fetched[student.name] = fetch(student.url, deadline, checkouts / student.name, token)
        except FetchError as error:
            record[student.name] = {"repository": student.url,
                                    "error": f"repository could not be fetched: {error}"}
            say(f"{student.name}: {record[student.name]['error']}")
    for name in {path.stem for path in reports.glob("*.json")} - set(fetched):
        (reports / f"{name}.json").unlink()  # from an earlier run: not what was fetched now
    for name, got in fetched.items():
        if _stale(reports / f"{name}.json", got):
            (reports / f"{name}.json").unlink(missing_ok=True)
    for name in {path.stem for path in sources.glob("*.json")} - set(fetched):
        (sources / f"{name}.json").unlink()
    if fetched:
        result = batch.grade_batch(checkouts, reports, options, jobs, progress=progress)
        (reports / CSV_NAME).unlink(missing_ok=True)  # unsigned: grades.csv comes later
        for name, error in result.errors.items():
            record[name] = {**fetched.pop(name).as_dict(), "error": f"not graded: {error}"}
    speed = None  # this runner's speed, measured once, so shards on other runners compare
    for name, got in fetched.items():
        path = reports / f"{name}.json"
        functions, note = similarity.read_functions(checkouts / name)
        if note:
            say(f"{name}: similarity: {note}")
        write_json(sources / f"{name}.json", functions)
        data = json.loads(path.read_text(encoding="utf-8"))
        data.update(student=name, source=got.as_dict(),
                    similarity=similarity.against_reference(functions, note, normalised=True))
        data.pop(signing.FIELD, None)
        if (data.get("mnist") or {}).get("accuracy") is not None and not data.get("calibration"):
            speed = speed or calibration.measure()
            data["calibration"] = speed
        if key is not None:
            data = signing.sign(data, key)
        write_json(path, data)
        record[name] = got.as_dict()
    write_json(out / FETCHED, record)
    return record


def reports_in_repositories(out: Path) -> list[Path]:
    """JSON files in the checked-out repositories that look like nnkit reports: never used,
    listed so the instructor sees who tried."""
    found = []
    for path in sorted((out / "checkouts").rglob("*.json")):
        try:
            if not path.is_file() or path.stat().st_size > REPORT_BYTES:
                continue
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and isinstance(data.get("stages"), list):
            found.append(path)
    return found


def not_graded(folders: Iterable[Path]) -> list[Rejection]:
    missing = []
    for folder in folders:
        try:
            record = json.loads((folder / FETCHED).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        missing += [Rejection(name, entry["error"]) for name, entry in record.items()
                    if isinstance(entry, dict) and "error" in entry]
    return missing


def write_grades(entries: list[Entry], missing: list[Rejection], path: Path) -> Path:
    """grades.csv: one row per accepted report (then one per student not graded)."""
    rows = []
    for entry in entries:
        report = read_report(entry.source)  # accepted by the board: a report the kit wrote
        row = csv_row(entry.student, Path(report.submission), report, None)
        flagged = (report.similarity or {}).get("flagged") or []
        row.update({name: (report.source or {}).get(name, "") for name in SOURCE_COLUMNS[:3]},
                   similar_to_reference=" ".join(flagged))
        rows.append(row)
    rows += [{"student": item.source, "status": f"error: {item.reason}"} for item in missing]
    return write_grades_csv(path, rows, [*csv_columns(), *SOURCE_COLUMNS])


def build(folders: list[Path], out: Path, policy: Policy, extra: Iterable[Path] = (),
          title: str = "Leaderboard", anonymise: bool = False, salt: str = "",
          say: Say = lambda message: None) -> ClassBoard:
    """The board, grades.csv, rejected.txt and the similarity report of `folders` (OUT folders
    of `grade`, one per shard) into `out`. Only reports under <folder>/reports, and `extra`
    files given on purpose, are considered; the policy decides which are accepted."""
    out.mkdir(parents=True, exist_ok=True)
    rejected: list[Rejection] = []
    entries = load_entries([folder / "reports" for folder in folders] + list(extra),
                           warn=say, policy=policy, rejected=rejected)
    for folder in folders:
        for path in reports_in_repositories(folder):
            student = path.relative_to(folder / "checkouts").parts[0]
            reason = "found in the student's repository; the board uses only the instructor's " \
                     "grading of the code"
            try:
                read_entry(path, policy)
            except BadReport as problem:
                reason += f" ({problem})"
            rejected.append(Rejection(f"{student}: {path.name}", reason))
    missing = not_graded(folders)
    write_board(entries, out / "board", anonymise, salt, title, rejected + missing,
                verified=policy.key is not None)
    write_grades(entries, missing, out / "grades.csv")
    lines = "".join(f"{item}\n" for item in rejected + missing)
    write_atomically(out / "rejected.txt", lines)
    sources, notes = {}, {}
    for folder in folders:
        for path in sorted((folder / "sources").glob("*.json")):
            sources[path.stem] = json.loads(path.read_text(encoding="utf-8"))
            notes[path.stem] = similarity.note_in(folder / "reports" / path.name)
    pairs = similarity.write_report(sources, out, notes=notes) if sources else []
    return ClassBoard(entries, rejected + missing, pairs, out)
