"""The class leaderboard: JSON reports in, a static web page and a Markdown table out.

Ranked by MNIST test accuracy, then by training time normalised by the speed of the machine
that trained (train_seconds / calibration, see autograder/checks/calibration.py); everyone who has
not trained on MNIST yet comes after, by score, and so does a report graded with the reference's
code substituted (labelled: its MNIST result is the reference's). Every row shows per-stage
progress and when it was graded. Reports that are not nnkit reports are skipped with a warning
naming the file; of several reports for one student, the newest (by graded_at) counts. Reports
with impossible values, and (given a roster or a key) names not on the roster or signatures that
do not verify, are rejected with their reasons (autograder/grader/classroom/validation.py),
listed on the page.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import click

from autograder.checks.report import ReportError, report_data
from autograder.grader.classroom import board_notes
from autograder.grader.classroom.validation import Policy, Rejection
from autograder.rendering import render
from autograder.sandbox.isolation import WEAK

ANIMALS = ("Otter", "Heron", "Lynx", "Puffin", "Badger", "Gecko", "Marten", "Ibis", "Wombat",
           "Falcon", "Newt", "Bison", "Koala", "Orca", "Tapir", "Quokka", "Stoat", "Walrus",
           "Yak", "Zebu", "Dingo", "Egret", "Ferret", "Hare")


class BadReport(ValueError):
    """A file that is not a usable nnkit report; the message says what is wrong with it."""


@dataclass(frozen=True)
class StageProgress:
    number: int
    name: str
    status: str  # "passed", "partial" (some points), "failed" (none) or "not-run"
    score: float
    max_score: float

    @property
    def label(self) -> str:
        shown = {"not-run": "not run yet"}.get(self.status, self.status)
        return f"stage {self.number} {self.name}: {self.score:g}/{self.max_score:g} ({shown})"


@dataclass(frozen=True)
class Entry:
    student: str
    source: Path
    graded_at: datetime
    score: float
    max_score: float
    stages: tuple[StageProgress, ...]
    accuracy: float | None
    train_seconds: float | None
    calibration: float | None
    # Graded with --substitute-reference: some checks ran the reference's code. Such a row is
    # labelled, and its MNIST result (the reference's training) is never ranked.
    substituted: bool = False
    # The fence's own verdict, carried in the report (sandbox/isolation.py `strength`): a row
    # graded behind a weak fence (the process fallback) says so; "" for older reports.
    fence: str = ""

    @property
    def normalised(self) -> float | None:
        """Training time in units of this machine's reference workload."""
        if self.train_seconds is None or not self.calibration:
            return None
        return self.train_seconds / self.calibration

    @property
    def stages_passed(self) -> int:
        return sum(stage.status == "passed" for stage in self.stages)

    def rank_key(self) -> tuple:
        if self.accuracy is not None and not self.substituted:
            time = self.normalised if self.normalised is not None else math.inf
            raw = self.train_seconds if self.train_seconds is not None else math.inf
            return (0, -self.accuracy, time, raw, self.student.casefold())
        return (1, -self.score, -self.stages_passed, self.student.casefold())


# -- reading reports ---------------------------------------------------------------------------
def _number(data: dict, key: str, where: str, optional: bool = False) -> float | None:
    value = data.get(key)
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BadReport(f"{where}{key!r} should be a number, found {value!r}")
    return float(value)


def _stage(data: object, index: int) -> StageProgress:
    where = f"stages[{index}]."
    if not isinstance(data, dict):
        raise BadReport(f"stages[{index}] should be an object, found {type(data).__name__}")
    number, name = data.get("stage"), data.get("name")
    if isinstance(number, bool) or not isinstance(number, int) or not isinstance(name, str):
        raise BadReport(f"stages[{index}] needs a whole-number 'stage' and a 'name'")
    score, max_score = _number(data, "score", where), _number(data, "max_score", where)
    if not data.get("ran", True):
        status = "not-run"
    elif data.get("passed") is True:
        status = "passed"
    else:
        status = "partial" if score > 0 else "failed"
    return StageProgress(number, name, status, score, max_score)


def _graded_at(text: object) -> datetime:
    if not isinstance(text, str) or not text:
        raise BadReport("'graded_at' (when it was graded) is missing")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadReport(f"'graded_at' is not an ISO date and time: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _student(data: dict, path: Path) -> str:
    """The report's `student`; reports from older kits fall back to the submission's folder,
    then to the report file's name."""
    name = data.get("student")
    if isinstance(name, str) and name.strip():
        return name.strip()
    folder = Path(str(data.get("submission", ""))).parent.name
    return folder if folder not in ("", ".") else path.stem


def read_entry(path: Path, policy: Policy | None = None) -> Entry:
    try:
        data = report_data(path, hostile=True)  # the kit's one report reader, hostile mode
    except ReportError as error:
        raise BadReport(str(error)) from None
    stages = tuple(_stage(stage, index) for index, stage in enumerate(data["stages"]))
    mnist = data.get("mnist") or {}
    if not isinstance(mnist, dict):
        raise BadReport(f"'mnist' should be an object, found {mnist!r}")
    entry = Entry(
        student=_student(data, path),
        source=path,
        graded_at=_graded_at(data.get("graded_at")),
        score=_number(data, "score", ""),
        max_score=_number(data, "max_score", ""),
        stages=stages,
        accuracy=_number(mnist, "accuracy", "mnist.", optional=True),
        train_seconds=_number(mnist, "train_seconds", "mnist.", optional=True),
        calibration=_number(data, "calibration", "", optional=True),
        substituted=bool(mnist.get("substituted")) or any(
            isinstance(stage, dict) and stage.get("substituted") for stage in data["stages"]),
        fence=data.get("fence") if isinstance(data.get("fence"), str) else "",
    )
    reasons = (policy or Policy()).reasons(data, entry)
    if reasons:
        raise BadReport("rejected: " + "; ".join(reasons))
    return entry


def report_files(paths: Iterable[str | Path]) -> list[Path]:
    """The given files, and every *.json inside the given folders (CI artifacts come as
    one folder per student)."""
    files: list[Path] = []
    for path in map(Path, paths):
        files += sorted(path.rglob("*.json")) if path.is_dir() else [path]
    return files


def load_entries(paths: Iterable[str | Path],
                 warn: Callable[[str], None] = lambda message: None,
                 policy: Policy | None = None,
                 rejected: list[Rejection] | None = None) -> list[Entry]:
    """Read every report; skip bad ones (warning, and into `rejected`), keep each student's
    newest report."""
    newest: dict[str, Entry] = {}
    for path in report_files(paths):
        try:
            entry = read_entry(path, policy)
        except BadReport as problem:
            warn(f"skipped {path}: {problem}")
            if rejected is not None:
                rejected.append(Rejection(str(path), str(problem)))
            continue
        key = entry.student.casefold()
        kept = newest.get(key)
        if kept is None or entry.graded_at > kept.graded_at:
            if kept is not None:
                warn(f"{entry.student}: using {path} (graded {iso(entry.graded_at)}), the newer "
                     f"of it and {kept.source}")
            newest[key] = entry
        else:
            warn(f"{entry.student}: using {kept.source} (graded {iso(kept.graded_at)}), the newer "
                 f"of it and {path}")
    return sorted(newest.values(), key=Entry.rank_key)


# -- names -------------------------------------------------------------------------------------
def pseudonym(name: str, salt: str = "") -> str:
    """A stable, friendly stand-in for a name, like "Otter-3f2a": the same name and salt always
    give the same pseudonym. With a secret salt, nobody can recompute it from a class list."""
    digest = hashlib.sha256(f"{salt}\x00{name.casefold()}".encode()).hexdigest()
    return f"{ANIMALS[int(digest[:8], 16) % len(ANIMALS)]}-{digest[8:12]}"


# -- the board ---------------------------------------------------------------------------------
def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True)
class Row:
    rank: int
    name: str
    entry: Entry

    @property
    def accuracy(self) -> str:
        if self.entry.substituted:
            return "— (graded with reference code, not ranked)"
        shown = "—" if self.entry.accuracy is None else f"{self.entry.accuracy:.2%}"
        return f"{shown} (graded behind a weak fence)" if self.entry.fence == WEAK else shown

    @property
    def raw_time(self) -> str:
        seconds = None if self.entry.substituted else self.entry.train_seconds
        return "—" if seconds is None else f"{seconds:.1f} s"

    @property
    def normalised_time(self) -> str:
        value = None if self.entry.substituted else self.entry.normalised
        return "—" if value is None else f"{value:.1f}×"

    @property
    def score(self) -> str:
        return f"{self.entry.score:g}/{self.entry.max_score:g}"

    @property
    def graded(self) -> str:
        return iso(self.entry.graded_at)

    @property
    def stage_symbols(self) -> str:
        marks = {"passed": "✅", "partial": "🟡", "failed": "❌", "not-run": "⬜"}
        return "".join(marks[stage.status] for stage in self.entry.stages)


def rows(entries: list[Entry], anonymise: bool = False, salt: str = "") -> list[Row]:
    return [Row(rank, pseudonym(entry.student, salt) if anonymise else entry.student, entry)
            for rank, entry in enumerate(entries, start=1)]


def counts(entries: list[Entry]) -> dict[str, int]:
    return {"students": len(entries),
            "trained": sum(entry.accuracy is not None and not entry.substituted
                           for entry in entries),
            "complete": sum(entry.stages_passed == len(entry.stages) for entry in entries)}


def write_board(entries: list[Entry], out: str | Path, anonymise: bool = False, salt: str = "",
                title: str = "Leaderboard",
                rejected: Iterable[Rejection] = (), verified: bool = False) -> tuple[Path, Path]:
    """Write index.html and leaderboard.md into `out`; returns their paths. Rejected reports
    are listed with their reasons (on an anonymised board, only counted: they name files)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    context = {"rows": rows(entries, anonymise, salt), "counts": counts(entries),
               "title": title, "built": iso(datetime.now(timezone.utc)),
               "anonymised": anonymise, "rejected": list(rejected),
               "notes": board_notes.notes(verified, anonymise, salt)}
    html, md = out / "index.html", out / "leaderboard.md"
    html.write_text(render("leaderboard.html.j2", **context), encoding="utf-8")
    md.write_text(render("leaderboard.md.j2", **context), encoding="utf-8")
    return html, md


@click.command(name="leaderboard")
@click.argument("reports", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--out", "out", required=True, type=click.Path(file_okay=False),
              help="Folder for index.html and leaderboard.md.")
@click.option("--anonymise", is_flag=True, help="Show stable pseudonyms instead of names.")
@click.option("--salt", default="", help="Secret mixed into pseudonyms, so that nobody can "
              "recompute them from a class list.")
@click.option("--title", default="Leaderboard", show_default=True, help="The page's heading.")
@click.option("--key", "key_path", type=click.Path(exists=True, dir_okay=False),
              help="Accept only reports signed with this key (`nnkit classroom keygen`; the "
                   "public key is enough) [default: the course's keys/course.pub].")
@click.option("--roster", "roster_path", type=click.Path(exists=True, dir_okay=False),
              help="Accept only students on this roster (see `nnkit classroom grade`).")
def leaderboard_command(reports: tuple[str, ...], out: str, anonymise: bool, salt: str,
                        title: str, key_path: str | None, roster_path: str | None) -> None:
    """Build a static leaderboard (index.html, leaderboard.md) from JSON REPORTS (files, or
    folders searched for *.json). Rejected reports are listed in rejected.txt, with reasons."""
    from autograder.grader.classroom.roster import RosterError
    from autograder.grader.classroom.validation import policy_from_files
    from autograder.grader.course_folder import course_key

    warning = board_notes.anonymise_warning(anonymise, salt)
    if warning:
        click.echo(warning, err=True)

    key_path = key_path or course_key(private=False)  # in a course, its key verifies
    try:
        policy = policy_from_files(key_path, roster_path)
    except RosterError as error:
        raise click.UsageError(str(error)) from None
    rejected: list[Rejection] = []
    entries = load_entries(reports, warn=lambda message: click.echo(f"warning: {message}",
                                                                     err=True),
                           policy=policy, rejected=rejected)
    if not entries:
        raise click.ClickException("none of the given files is an nnkit report; nothing to show")
    html, md = write_board(entries, out, anonymise, salt, title, rejected,
                           verified=key_path is not None)
    (Path(out) / "rejected.txt").write_text("".join(f"{r}\n" for r in rejected), encoding="utf-8")
    click.echo(f"wrote {html} and {md} ({len(entries)} students)")
