"""What a class run says about the class: the reports read once, and added up.

Reads the JSON reports of any class run: grade-batch's `reports/` (and its grades.csv, whose
status column names who could not be graded), `nnkit classroom grade`'s OUT folder (its
`reports/`, `fetched.json` and `similarity.json`), nbgrader's course folder (`reports/<assignment>/`
written by `nnkit nbgrader autograde`), or report files given one by one. Of several reports for
one student, the newest (`graded_at`) counts, as on the leaderboard.

`class_summary` adds them up: per stage and check how many passed; the named mistakes
(autograder/checks/mistakes.py) ranked by how many students made them, with who; accuracy,
training time and hyperparameters per student; similarity flags; who could not be graded and
why. `rounds` compares the class with earlier runs of the same class.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from autograder.checks.mistakes import recognise, unnamed
from autograder.checks.report import ReportError, report_data

Warn = Callable[[str], None]
GRADES_CSV = "grades.csv"
FETCHED = "fetched.json"
SIMILARITY = "similarity.json"
EXAMPLE_CHARS = 400  # one message shown per mistake, cut to this


@dataclass
class Student:
    """One student's graded report, reduced to what the class report shows."""

    name: str
    report: str  # the report file
    graded_at: str
    score: float
    max_score: float
    stages: dict[int, dict]  # number -> name, score, max_score, passed, ran
    mistakes: list[dict]  # {"id", "label", "check", "stage", "message"} per failing check
    accuracy: float | None = None
    train_seconds: float | None = None
    calibration: float | None = None
    hyperparams: dict | None = None
    problems: list[str] = field(default_factory=list)
    similar_to_reference: list[str] = field(default_factory=list)
    kit_version: str = ""

    @property
    def normalised(self) -> float | None:
        """Training time in units of the grading machine's reference workload."""
        if self.train_seconds is None or not self.calibration:
            return None
        return round(self.train_seconds / self.calibration, 3)

    @property
    def graded(self) -> bool:
        """False when no stage ran at all (the submission could not be read or started)."""
        return any(stage["ran"] for stage in self.stages.values())


@dataclass
class ClassRun:
    """Everything read from one run's folders and files."""

    students: list[Student]
    not_graded: dict[str, str]  # student (or file) -> why there is no usable grade
    similar_pairs: list[dict]  # flagged pairs of students (classroom's similarity.json)
    sources: list[str]  # what was read


# -- reading -----------------------------------------------------------------------------------
def report_folder(folder: Path) -> Path:
    """Where a run's reports are: FOLDER/reports when it has one (classroom's OUT, an nbgrader
    course), else FOLDER itself (grade-batch's --out)."""
    return folder / "reports" if (folder / "reports").is_dir() else folder


def report_files(path: Path) -> list[Path]:
    """A file as given; in a folder, its *.json and one level below (reports/<assignment>/).
    Never the checked-out repositories: reports found there are the students' own."""
    if not path.is_dir():
        return [path]
    folder = report_folder(path)
    return sorted(folder.glob("*.json")) + sorted(folder.glob("*/*.json"))


def _failing_checks(stage: dict) -> Iterable[dict]:
    for check in stage.get("checks") or []:
        if isinstance(check, dict) and not check.get("passed"):
            yield check


def mistakes_of(stages: list[dict]) -> list[dict]:
    """The named mistake of every failing check of the stages that ran: the report's own
    `mistake`, else recognised from the message (reports of older kits), else "other"."""
    found = []
    for stage in stages:
        if not stage.get("ran", True):
            continue  # locked or not selected: no verdict on its checks
        for check in _failing_checks(stage):
            check_id, message = str(check.get("id", "")), str(check.get("message", ""))
            mistake = check.get("mistake")
            if not (isinstance(mistake, dict) and isinstance(mistake.get("id"), str)
                    and isinstance(mistake.get("label"), str)):
                mistake = None  # none, or not one the kit wrote: read it from the message
            mistake = mistake or recognise(check_id, message) or unnamed(
                check_id, str(check.get("name", check_id)))
            found.append({"id": str(mistake["id"]), "label": str(mistake["label"]),
                          "check": check_id, "stage": stage.get("stage"),
                          "message": message[:EXAMPLE_CHARS]})
    return found


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
        else None


def read_student(path: Path) -> Student:
    """One report; ValueError (with the reason) when it is not an nnkit report."""
    try:
        data = report_data(path, hostile=True)  # the kit's one reader, in its hostile mode
    except ReportError as error:
        raise ValueError(str(error)) from None
    stages = [stage for stage in data["stages"] if isinstance(stage, dict)]
    name = str(data.get("student") or "").strip() or path.stem
    mnist = data.get("mnist") if isinstance(data.get("mnist"), dict) else {}
    similarity = data.get("similarity") if isinstance(data.get("similarity"), dict) else {}
    return Student(
        name=name, report=str(path), graded_at=str(data.get("graded_at", "")),
        score=_number(data.get("score")) or 0.0, max_score=_number(data.get("max_score")) or 0.0,
        stages={int(stage["stage"]): {"name": str(stage.get("name", "")),
                                      "score": _number(stage.get("score")) or 0.0,
                                      "max_score": _number(stage.get("max_score")) or 0.0,
                                      "passed": stage.get("passed") is True,
                                      "ran": stage.get("ran", True) is not False,
                                      "checks": [{"id": str(c.get("id", "")),
                                                  "name": str(c.get("name", "")),
                                                  "passed": c.get("passed") is True}
                                                 for c in stage.get("checks") or []
                                                 if isinstance(c, dict)]}
                for stage in stages if isinstance(stage.get("stage"), int)},
        mistakes=mistakes_of(stages),
        accuracy=_number(mnist.get("accuracy")), train_seconds=_number(mnist.get("train_seconds")),
        calibration=_number(data.get("calibration")),
        hyperparams=mnist.get("hyperparams") if isinstance(mnist.get("hyperparams"), dict)
        else None,
        problems=[str(problem) for problem in data.get("problems") or []],
        similar_to_reference=[str(name) for name in similarity.get("flagged") or []],
        kit_version=str(data.get("kit_version", "")))


def _csv_errors(folder: Path) -> dict[str, str]:
    """grade-batch's grades.csv: students whose status says no report was made."""
    try:
        with (folder / GRADES_CSV).open(encoding="utf-8", newline="") as file:
            rows = list(csv.DictReader(file))
    except OSError:
        return {}
    return {row["student"]: row["status"].removeprefix("error: ")
            for row in rows if row.get("student") and (row.get("status") or "").startswith(
                "error")}


def _fetch_errors(folder: Path) -> dict[str, str]:
    """classroom's fetched.json: students with no repository, or one that could not be fetched."""
    try:
        record = json.loads((folder / FETCHED).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {name: str(entry["error"]) for name, entry in record.items()
            if isinstance(entry, dict) and "error" in entry} if isinstance(record, dict) else {}


def _flagged_pairs(folder: Path) -> list[dict]:
    try:
        pairs = json.loads((folder / SIMILARITY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [{"left": p["left"], "right": p["right"], "similarity": p.get("similarity"),
             "tokens": p.get("tokens")}
            for p in pairs if isinstance(p, dict) and p.get("flagged")] \
        if isinstance(pairs, list) else []


def read_run(paths: Iterable[str | Path], warn: Warn = lambda message: None) -> ClassRun:
    """Every report under `paths` (see the module's docstring), the newest per student."""
    newest: dict[str, Student] = {}
    not_graded: dict[str, str] = {}
    pairs: list[dict] = []
    sources = []
    for path in map(Path, paths):
        sources.append(str(path))
        if path.is_dir():
            for folder in {path, report_folder(path)}:
                not_graded.update(_csv_errors(folder))
                not_graded.update(_fetch_errors(folder))
                pairs += _flagged_pairs(folder)
        for file in report_files(path):
            if file.name in (FETCHED, SIMILARITY):
                continue
            try:
                student = read_student(file)
            except ValueError as problem:
                warn(f"skipped {file}: {problem}")
                continue
            key = student.name.casefold()
            if key not in newest or student.graded_at > newest[key].graded_at:
                newest[key] = student
    for student in newest.values():
        not_graded.pop(student.name, None)  # graded after all (a later run, another shard)
        if not student.graded:
            not_graded[student.name] = "; ".join(student.problems) or "no stage could run"
    students = sorted(newest.values(), key=lambda s: s.name.casefold())
    unique = {(p["left"], p["right"]): p for p in pairs}
    return ClassRun(students, not_graded, list(unique.values()), sources)


# -- adding up ---------------------------------------------------------------------------------
def stage_table(students: list[Student]) -> list[dict]:
    """Per stage: how many passed, earned some points, none, or were not graded on it; and per
    check, how many passed of those whose stage ran."""
    numbers = sorted({number for s in students for number in s.stages})
    table = []
    for number in numbers:
        stages = [s.stages[number] for s in students if number in s.stages]
        ran = [stage for stage in stages if stage["ran"]]
        if not ran:
            continue  # nobody was graded on it (not selected in this run): see stages_not_graded
        checks: dict[str, dict] = {}
        for stage in ran:
            for check in stage["checks"]:
                entry = checks.setdefault(check["id"], {"id": check["id"], "name": check["name"],
                                                        "passed": 0, "graded": 0})
                entry["graded"] += 1
                entry["passed"] += check["passed"]
        table.append({"stage": number, "name": stages[0]["name"],
                      "passed": sum(stage["passed"] for stage in ran),
                      "partial": sum(not stage["passed"] and stage["score"] > 0 for stage in ran),
                      "failed": sum(not stage["passed"] and stage["score"] == 0 for stage in ran),
                      "not_run": len(stages) - len(ran), "students": len(stages),
                      "checks": list(checks.values())})
    return table


def ranked_mistakes(students: list[Student]) -> list[dict]:
    """Every mistake, with the students who made it (each counted once), most common first."""
    found: dict[str, dict] = {}
    for student in students:
        for mistake in student.mistakes:
            entry = found.setdefault(mistake["id"], {
                "id": mistake["id"], "label": mistake["label"], "stage": mistake["stage"],
                "checks": [], "students": [], "example": mistake["message"],
                "named": not mistake["id"].startswith("other:")})
            if mistake["check"] not in entry["checks"]:
                entry["checks"].append(mistake["check"])
            if student.name not in entry["students"]:
                entry["students"].append(student.name)
    for entry in found.values():
        entry["count"] = len(entry["students"])
    return sorted(found.values(), key=lambda e: (-e["count"], e["stage"] or 0, e["id"]))


def hidden_units(hyperparams: dict | None) -> int | None:
    sizes = (hyperparams or {}).get("layer_sizes")
    if isinstance(sizes, list) and len(sizes) >= 2:
        return int(sum(sizes[1:-1]))
    return None


def training_rows(students: list[Student]) -> list[dict]:
    """Accuracy, time (raw and normalised) and hyperparameters of every student who trained."""
    rows = []
    for s in students:
        if s.accuracy is None:
            continue
        h = s.hyperparams or {}
        rows.append({"student": s.name, "accuracy": s.accuracy, "train_seconds": s.train_seconds,
                     "calibration": s.calibration, "normalised_time": s.normalised,
                     "learning_rate": h.get("learning_rate"), "epochs": h.get("epochs"),
                     "batch_size": h.get("batch_size"), "hidden_units": hidden_units(h),
                     "layer_sizes": h.get("layer_sizes")})
    return sorted(rows, key=lambda row: -row["accuracy"])


def _median(values: list[float]) -> float | None:
    values = sorted(values)
    if not values:
        return None
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


CHOICES = (("learning_rate", "learning rate"), ("hidden_units", "hidden units"),
           ("epochs", "epochs"), ("batch_size", "batch size"))


def by_choice(rows: list[dict]) -> list[dict]:
    """Per hyperparameter and value chosen: how many students, their median accuracy and
    median normalised time (the short table beside the figure)."""
    table = []
    for key, label in CHOICES:
        values = sorted({row[key] for row in rows if row.get(key) is not None})
        for value in values:
            chosen = [row for row in rows if row.get(key) == value]
            times = [row["normalised_time"] for row in chosen if row["normalised_time"]]
            table.append({"choice": label, "value": value, "students": len(chosen),
                          "median_accuracy": _median([row["accuracy"] for row in chosen]),
                          "median_normalised_time": _median(times)})
    return table


def class_summary(run: ClassRun) -> dict:
    """The class report's data (also written as class_report.json)."""
    students = [s for s in run.students if s.graded]
    return {
        "students": len(run.students) + len(set(run.not_graded) - {s.name for s in run.students}),
        "graded": len(students),
        "stages": stage_table(students),
        "stages_not_graded": sorted({n for s in students for n, stage in s.stages.items()}
                                    - {n for s in students for n, stage in s.stages.items()
                                       if stage["ran"]}),
        "mistakes": ranked_mistakes(students),
        "training": training_rows(students),
        "training_by_choice": by_choice(training_rows(students)),
        "similarity": {"pairs": run.similar_pairs,
                       "similar_to_reference": {s.name: s.similar_to_reference for s in students
                                                if s.similar_to_reference}},
        "not_graded": [{"student": name, "reason": reason}
                       for name, reason in sorted(run.not_graded.items())],
        "per_student": [{"student": s.name, "score": s.score, "max_score": s.max_score,
                         "stages": {str(n): stage["score"] for n, stage in sorted(s.stages.items())
                                    if stage["ran"]},
                         "mistakes": sorted({m["id"] for m in s.mistakes}),
                         "accuracy": s.accuracy, "train_seconds": s.train_seconds,
                         "normalised_time": s.normalised, "hyperparams": s.hyperparams,
                         "problems": s.problems, "kit_version": s.kit_version,
                         "report": s.report}
                        for s in students],
        "sources": run.sources,
    }


def rounds(previous: list[dict], current: dict) -> dict:
    """How the class moved from earlier runs (oldest first) to this one: per stage the number
    who passed in each round, and per student the score in each round and the change."""
    every = [*previous, current]
    stage_numbers = sorted({row["stage"] for summary in every for row in summary["stages"]})
    passed = [{"stage": number,
               "passed": [next((row["passed"] for row in summary["stages"]
                                if row["stage"] == number), 0) for summary in every]}
              for number in stage_numbers]
    names = sorted({row["student"] for summary in every for row in summary["per_student"]},
                   key=str.casefold)
    students = []
    for name in names:
        scores = [next((row["score"] for row in summary["per_student"]
                        if row["student"] == name), None) for summary in every]
        before = next((score for score in reversed(scores[:-1]) if score is not None), None)
        change = None if before is None or scores[-1] is None else scores[-1] - before
        students.append({"student": name, "scores": scores, "change": change})
    mistakes = {m["id"]: m for summary in every for m in summary["mistakes"]}
    moved = [{"id": key, "label": mistakes[key]["label"],
              "counts": [next((m["count"] for m in summary["mistakes"] if m["id"] == key), 0)
                         for summary in every]}
             for key in mistakes if mistakes[key]["named"]]
    moved.sort(key=lambda row: (-row["counts"][-1], row["id"]))
    return {"rounds": len(every), "stages": passed, "students": students, "mistakes": moved}
