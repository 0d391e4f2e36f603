"""Grading a class's repositories with `nnkit classroom grade`: all six stages, `--jobs 1` and
`--jobs 2` side by side, and how much of it is fetching (git clone over file://); then the
class report of the graded class (`nnkit class-report`, figures included) and its Canvas export.

    python benchmarks/classroom.py [--repositories 40] [--stages 1-6]

The class is generated as real git repositories: strong solutions (which train on MNIST), weak
ones (train, below the threshold), one stuck at stage 3, and untouched stubs, in rotation. The
two runs alternate their order over the repeats, so a slow spell of the machine does not favour
one of them.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, median, mnist_environment, table, timed, write_results  # noqa: E402

sys.path.insert(0, str(ROOT))


def generate_class(folder: Path, count: int, deadline: datetime) -> Path:
    """`count` repositories and their roster; returns the roster."""
    from tests.kit import classroom_students as students
    from tests.kit import simulated_students as simulated

    kinds = [("strong", simulated.strong()), ("weak", simulated.weak()),
             ("stuck", simulated.stuck_at_stage_3()), ("stubs", students.stubs())]
    lines = ["student,url"]
    for index in range(count):
        kind, text = kinds[index % len(kinds)]
        name = f"s{index:03}-{kind}"
        students.commit(folder / name, {"neural_network.py": text}, "work",
                        deadline - timedelta(hours=1))
        lines.append(f"{name},{(folder / name).as_uri()}")
    roster = folder / "roster.csv"
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return roster


def grade(roster: Path, out: Path, deadline: datetime, jobs: int, stages: str) -> None:
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "classroom", "grade",
                           str(roster), "--deadline", deadline.isoformat(), "--out", str(out),
                           "--jobs", str(jobs), "--stages", stages],
                          capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    if done.returncode != 0:
        raise SystemExit(f"grading failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")


def command(*arguments: str) -> None:
    done = subprocess.run([sys.executable, "-m", "autograder.cli", *arguments],
                          capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    if done.returncode != 0:
        raise SystemExit(f"{arguments[0]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")


def fetch_all(roster: Path, into: Path, deadline: datetime) -> None:
    from autograder.grader.classroom.fetch import fetch
    from autograder.grader.classroom.roster import read_roster

    for student in read_roster(roster):
        fetch(student.url, deadline, into / student.name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repositories", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--stages", default="1-6")
    arguments = parser.parse_args()
    mnist_environment()
    deadline = datetime.now(timezone.utc).replace(microsecond=0)
    times: dict[int, list[float]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory(prefix="nnkit-classroom-bench-") as scratch:
        scratch_path = Path(scratch)
        roster = generate_class(scratch_path / "repos", arguments.repositories, deadline)
        fetching = timed(lambda: fetch_all(roster, scratch_path / "fetched", deadline))
        for repeat in range(arguments.repeats):
            for jobs in ((1, 2) if repeat % 2 == 0 else (2, 1)):
                out = scratch_path / f"out-{jobs}-{repeat}"
                times[jobs].append(timed(lambda out=out, jobs=jobs: grade(
                    roster, out, deadline, jobs, arguments.stages)))
        graded = scratch_path / "out-1-0"
        report = timed(lambda: command("class-report", str(graded), "--out",
                                       str(scratch_path / "class-report")))
        export = timed(lambda: command("export-grades", str(graded), "--format", "canvas",
                                       "--out", str(scratch_path / "canvas.csv")))
        page = (scratch_path / "class-report" / "index.html").stat().st_size
    count = arguments.repositories
    rows = []
    for jobs, values in times.items():
        total = median(values)
        rows.append([f"`--jobs {jobs}`", f"{total:.1f}", f"{total / count:.2f}",
                     f"{60 * count / total:.1f}", f"{fetching / total:.0%}"])
    speedup = median(times[1]) / median(times[2])
    body = (f"{count} repositories (strong, weak, stuck at stage 3, stubs in rotation), "
            f"stages {arguments.stages}, {arguments.repeats} repeat(s), median shown. The whole "
            "command: fetch, grade in the sandbox, sign, similarity and board.\n\n"
            + table(["run", "seconds", "seconds per repository", "repositories per minute",
                     "share spent fetching"], rows)
            + f"\n\n`--jobs 2` grades the class {speedup:.2f}x as fast as `--jobs 1`. "
            f"Fetching alone (git clone over file://, one at a time) took {fetching:.1f} s."
            f"\n\nThe class report of the graded class (`nnkit class-report OUT`: every report "
            f"read, the mistakes ranked, its matplotlib figures drawn, index.html of "
            f"{page / 1024:.0f} KiB with the CSV and JSON files) took {report:.1f} s, the whole "
            f"command ({report / median(times[1]):.0%} of the `--jobs 1` grading);"
            f" the Canvas export "
            f"(`nnkit export-grades OUT --format canvas`) {export:.1f} s.")
    write_results("classroom", "Grading a class's repositories (`nnkit classroom grade`)", body)


if __name__ == "__main__":
    main()
