"""`nnkit class-report`: what the class gets wrong, from the reports of any class run.

Writes into OUT: index.html (one self-contained page: inline CSS, figures as inline PNG, no
network), class_report.json (the same data), and stages.csv, mistakes.csv, students.csv,
not_graded.csv, hyperparameters.csv (and rounds.csv with --previous). The data:
class_data.py; the figures: class_figures.py.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

import click

from autograder import __version__
from autograder.grader.classroom import class_data, class_figures
from autograder.grader.grades_csv import spreadsheet_safe
from autograder.outputs import write_atomically
from autograder.rendering import render

JSON_NAME = "class_report.json"


def _csv(rows: list[dict], columns: list[str]) -> str:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: spreadsheet_safe(value) for key, value in row.items()})
    return text.getvalue()


def csv_files(data: dict, rounds: dict | None) -> dict[str, str]:
    """The report's tables as CSV text, by file name."""
    stages = [{"stage": s["stage"], "check": "", "name": s["name"], "passed": s["passed"],
               "graded": s["students"] - s["not_run"], "partial": s["partial"],
               "failed": s["failed"], "not_graded": s["not_run"]} for s in data["stages"]]
    for stage in data["stages"]:
        stages += [{"stage": stage["stage"], "check": c["id"], "name": c["name"],
                    "passed": c["passed"], "graded": c["graded"]} for c in stage["checks"]]
    stages.sort(key=lambda row: (row["stage"], row["check"] != "", row["check"]))
    mistakes = [{"rank": rank, "id": m["id"], "label": m["label"], "stage": m["stage"],
                 "checks": " ".join(m["checks"]), "count": m["count"], "named": m["named"],
                 "students": " ".join(m["students"]), "example": m["example"]}
                for rank, m in enumerate(data["mistakes"], start=1)]
    training = {row["student"]: row for row in data["training"]}
    students = []
    for row in data["per_student"]:
        trained = training.get(row["student"], {})
        students.append({"student": row["student"], "score": row["score"],
                         "max_score": row["max_score"],
                         **{f"stage{n}": score for n, score in row["stages"].items()},
                         **{key: trained.get(key) for key in (
                             "accuracy", "train_seconds", "calibration", "normalised_time",
                             "learning_rate", "epochs", "batch_size", "hidden_units")},
                         "layer_sizes": "-".join(map(str, trained.get("layer_sizes") or [])),
                         "mistakes": " ".join(row["mistakes"]),
                         "problems": "; ".join(row["problems"]),
                         "kit_version": row["kit_version"]})
    numbers = sorted({int(n) for row in data["per_student"] for n in row["stages"]})
    files = {
        "stages.csv": _csv(stages, ["stage", "check", "name", "passed", "graded", "partial",
                                    "failed", "not_graded"]),
        "mistakes.csv": _csv(mistakes, ["rank", "id", "label", "stage", "checks", "count",
                                        "named", "students", "example"]),
        "students.csv": _csv(students, ["student", "score", "max_score",
                                        *(f"stage{n}" for n in numbers), "accuracy",
                                        "train_seconds", "calibration", "normalised_time",
                                        "layer_sizes", "hidden_units", "epochs", "batch_size",
                                        "learning_rate", "mistakes", "problems",
                                        "kit_version"]),
        "not_graded.csv": _csv(data["not_graded"], ["student", "reason"]),
        "hyperparameters.csv": _csv(data["training_by_choice"], [
            "choice", "value", "students", "median_accuracy", "median_normalised_time"]),
    }
    if rounds:
        count = rounds["rounds"]
        names = [f"round{n}" for n in range(1, count)] + ["now"]
        rows = [{"student": row["student"], **dict(zip(names, row["scores"])),
                 "change": row["change"]} for row in rounds["students"]]
        files["rounds.csv"] = _csv(rows, ["student", *names, "change"])
    return files


def build_report(reports: Iterable[str | Path], out: str | Path,
                 previous: Iterable[Iterable[str | Path]] = (), title: str = "Class report",
                 warn: class_data.Warn = lambda message: None) -> dict:
    """Read the run's reports (and each earlier run's), write the report into `out`; returns
    the data written to class_report.json."""
    out = Path(out)
    run = class_data.read_run(reports, warn)
    data = class_data.class_summary(run)
    earlier = [class_data.class_summary(class_data.read_run(paths, warn)) for paths in previous]
    rounds = class_data.rounds(earlier, data) if earlier else None
    figures = {"stages": class_figures.stages_figure(data["stages"]),
               "mistakes": class_figures.mistakes_figure(data["mistakes"]),
               "training": class_figures.training_figure(data["training"]),
               "rounds": class_figures.rounds_figure(rounds)}
    out.mkdir(parents=True, exist_ok=True)
    page = render("class_report.html.j2", title=title, data=data, rounds=rounds, figures=figures,
                  named=[m for m in data["mistakes"] if m["named"]],
                  unnamed=[m for m in data["mistakes"] if not m["named"]],
                  built=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                  version=__version__)
    written = {**data, "rounds": rounds}
    write_atomically(out / "index.html", page)
    write_atomically(out / JSON_NAME, json.dumps(written, indent=2, ensure_ascii=False) + "\n")
    for name, text in csv_files(data, rounds).items():
        write_atomically(out / name, text)
    return written


@click.command(name="class-report")
@click.argument("reports", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="Folder for index.html, class_report.json and the CSV files.")
@click.option("--previous", multiple=True, type=click.Path(exists=True),
              help="An earlier run of the same class (its folder or reports), oldest first; "
                   "repeat for several rounds.")
@click.option("--title", default="Class report", show_default=True, help="The page's heading.")
def class_report_command(reports: tuple[str, ...], out: str, previous: tuple[str, ...],
                         title: str) -> None:
    """What the class gets wrong, from REPORTS: grade-batch's --out folder, `nnkit classroom
    grade`'s OUT folder, an nbgrader course folder (its reports/), or report files.

    Per stage and check how many passed, the named mistakes ranked with who made them, MNIST
    accuracy against time and hyperparameters, similarity flags, who could not be graded, and
    with --previous how the class moved since earlier rounds."""
    data = build_report(reports, out, [[path] for path in previous], title,
                        warn=lambda message: click.echo(f"warning: {message}", err=True))
    if not data["graded"] and not data["not_graded"]:
        raise click.ClickException("none of the given files is an nnkit report; nothing to show")
    top = next((m for m in data["mistakes"] if m["named"]), None)
    most = f"; commonest mistake: {top['label']} ({top['count']} students)" if top else ""
    click.echo(f"wrote {Path(out) / 'index.html'} ({data['graded']} graded, "
               f"{len(data['not_graded'])} not graded{most})")
