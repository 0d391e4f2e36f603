"""nbgrader autograde time per notebook, next to `nnkit grade` on the same submission, and
`nnkit nbgrader autograde` of a class with 1 and 2 jobs.

A temporary course with the kit's own course/nbgrader_config.py is released, and two students
submit: the reference solution (all six stages, MNIST included) and the untouched stubs. For
each submission, in alternation: `nnkit nbgrader autograde COURSE --student S --force` (one
notebook; the kit's config starts no kernel), `nnkit grade` on the same submitted notebook, and
plain `nbgrader autograde` in the course folder. All are timed as commands, start-up included.
Then the whole class (the two, plus `--class-copies` more of each, each copy a distinct file:
30 notebooks by default, half complete, half stubs) is autograded with `--jobs 1` and
`--jobs 2`, alternating.

    python benchmarks/nbgrader_vs_nnkit.py [--repeats 3] [--class-copies 14]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, median, mnist_environment, table, timed, write_results  # noqa: E402


def make_course(folder: Path) -> dict[str, Path]:
    """Release the course into `folder`; submit the reference and the stubs."""
    from autograder import assignment
    from autograder.grader.course import ASSIGNMENT, driver

    shutil.copy(ROOT / "course" / driver.CONFIG, folder / driver.CONFIG)
    release = nbformat.read(driver.release(folder, capture=True), as_version=4)
    solution = assignment.notebook(assignment.solution(assignment.read_source()))
    answers = {cell.metadata["nbgrader"]["grade_id"]: cell.source for cell in solution.cells
               if cell.metadata.get("nbgrader", {}).get("solution")}
    reference = copy.deepcopy(release)
    for cell in reference.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    paths = {}
    for student, notebook in (("reference", reference), ("stubs", release)):
        path = folder / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(notebook, path)
        paths[student] = path
    return paths


def autograde_seconds(course: Path, student: str) -> float:
    """Wall time of the command `nnkit nbgrader autograde COURSE --student S --force`."""
    command = [sys.executable, "-m", "autograder.cli", "nbgrader", "autograde", str(course),
               f"--student={student}", "--force"]

    def run() -> None:
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"nnkit nbgrader autograde failed for {student}:\n"
                             f"{result.stdout[-2000:]}{result.stderr[-3000:]}")

    return timed(run)


def distinct_copy(path: Path, number: int) -> nbformat.NotebookNode:
    """The notebook with a comment added to its first answer cell: graded the same, but not
    the same file, so that nothing can be graded once for two students."""
    notebook = nbformat.read(path, as_version=4)
    answer = next(cell for cell in notebook.cells
                  if cell.metadata.get("nbgrader", {}).get("solution"))
    answer.source += f"\n# copy {number}\n"
    return notebook


def class_seconds(course: Path, paths: dict[str, Path], copies: int, repeats: int,
                  nnkit_each: dict[str, float]) -> list[list[str]]:
    """`nnkit nbgrader autograde --force` of the whole class with 1 and with 2 jobs (alternating,
    medians), next to `nnkit grade` of each of its notebooks in turn (from the medians above:
    each copy is graded as its original)."""
    from autograder.grader.course import driver

    for student, path in list(paths.items()):
        for copy_number in range(1, copies + 1):
            target = path.parents[1].parent / f"{student}-{copy_number}" / path.parent.name
            target.mkdir(parents=True)
            nbformat.write(distinct_copy(path, copy_number), target / path.name)
    runs: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(repeats):
        for jobs in (1, 2):
            def run(jobs: int = jobs) -> None:
                outcomes, result = driver.autograde(course, force=True, capture=True, jobs=jobs)
                if not all(outcome.graded for outcome in outcomes):
                    raise SystemExit(f"autograde --jobs {jobs} failed:\n{result.stderr[-3000:]}")

            runs[jobs].append(timed(run))
    one, two = median(runs[1]), median(runs[2])
    count = len(paths) * (copies + 1)
    in_turn = (copies + 1) * sum(nnkit_each.values())
    return [["reference and stubs", str(count), f"{in_turn:.1f}", f"{one:.1f}",
             f"{one / count:.2f} ({one / in_turn:.2f}x)", f"{two:.1f}", f"{one / two:.2f}x"]]


def plain_nbgrader_seconds(course: Path, student: str) -> float:
    """Wall time of plain `nbgrader autograde` in the course folder (no grading ahead: the
    notebook is graded inside nbgrader's process, after its start-up)."""
    from autograder.grader.course import driver

    def run() -> None:
        result = driver.run_nbgrader(course, ["autograde", "neural_network",
                                              f"--student={student}", "--force"], capture=True)
        if result.returncode != 0:
            raise SystemExit(f"nbgrader autograde failed for {student}:\n{result.stderr[-3000:]}")

    return timed(run)


def nnkit_seconds(path: Path, report: Path) -> float:
    command = [sys.executable, "-m", "autograder.cli", "grade", str(path), "--quiet",
               "--json", str(report)]
    return timed(lambda: subprocess.run(command, check=True, capture_output=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--class-copies", type=int, default=14,
                        help="extra copies of each submission in the --jobs comparison")
    args = parser.parse_args()
    mnist_environment()
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="nnkit-nbgrader-bench-") as scratch:
        course = Path(scratch) / "course"
        course.mkdir()
        paths = make_course(course)
        rows, nnkit_each = [], {}
        for student, path in paths.items():
            ahead_times, nnkit_times, plain_times = [], [], []
            for _ in range(args.repeats):  # alternate, so all three see the same machine
                ahead_times.append(autograde_seconds(course, student))
                nnkit_times.append(nnkit_seconds(path, Path(scratch) / f"{student}.json"))
                plain_times.append(plain_nbgrader_seconds(course, student))
            report = json.loads((Path(scratch) / f"{student}.json").read_text())
            from autograder.grader.course.driver import outcome

            score = outcome(course, student).score
            ahead_s, nnkit_s, plain_s = map(median, (ahead_times, nnkit_times, plain_times))
            nnkit_each[student] = nnkit_s
            train = report["mnist"]["train_seconds"]
            rows.append([student, f"{nnkit_s:.2f}", f"{ahead_s:.2f}", f"{ahead_s / nnkit_s:.2f}x",
                         f"{plain_s:.2f}", f"{plain_s / nnkit_s:.2f}x",
                         f"{train:.1f}" if train else "-", f"{score:g} / {report['score']:g}"])
        jobs_rows = class_seconds(course, paths, args.class_copies, args.repeats, nnkit_each)
    body = table(["one notebook", "nnkit grade (s)", "nnkit nbgrader autograde (s)", "ratio",
                  "plain nbgrader autograde (s)", "ratio", "MNIST training in nnkit grade (s)",
                  "score nbgrader / nnkit"], rows)
    body += (f"\n\nEach a command, start-up included; medians of {args.repeats} runs, "
             f"alternating. Load average before the run: {load[0]:.1f} (1 min), {load[1]:.1f} "
             f"(5 min) on {os.cpu_count()} cores.\n\n"
             "The kit's config starts no kernel at autograde: every test cell's points and "
             "output come from nnkit's grading of the notebook's definitions in the fenced "
             "sandbox (autograder/grader/course/outside.py), inside nbgrader's process. `nnkit "
             "nbgrader autograde` is plain `nbgrader autograde` plus the command's own start-up, "
             "its fence check and reading each student's points from the gradebook; with "
             "`--jobs N`, N - 1 helper processes grade the class from its other end "
             "(autograder/grader/course/exchange.py).\n\n")
    body += table(["class", "notebooks", "nnkit grade of each in turn (s)", "--jobs 1 (s)",
                   "--jobs 1 per notebook (s, ratio to nnkit grade)", "--jobs 2 (s)",
                   "speed-up"], jobs_rows)
    write_results("nbgrader_vs_nnkit", "nbgrader autograde vs nnkit grade, per notebook", body)


if __name__ == "__main__":
    main()
