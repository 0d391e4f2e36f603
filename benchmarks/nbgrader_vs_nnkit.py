"""nbgrader autograde time per notebook, next to `nnkit grade` on the same submission, and
`nnkit nbgrader autograde` of a small class with 1 and 2 jobs.

A temporary course with the kit's own course/nbgrader_config.py is released, and two students
submit: the reference solution (all six stages, MNIST included) and the untouched stubs. For
each submission, in alternation: `nbgrader autograde --student S --force` (one notebook:
nbgrader start-up, then the points from nnkit's grading of the notebook's definitions outside
the kernel; the kit's config starts no kernel) and `nnkit grade` on the same submitted notebook.
Both are timed as commands, start-up included. Then the whole class (the two, plus
`--class-copies` more of each) is autograded with `--jobs 1` and `--jobs 2`.

    python benchmarks/nbgrader_vs_nnkit.py [--repeats 1] [--class-copies 1]
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
from datetime import datetime
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


def autograde_seconds(course: Path, student: str) -> tuple[float, float, float]:
    """Wall time of `nbgrader autograde` for one student, and of its test cells and other cells."""
    from autograder.grader.course import ASSIGNMENT, driver

    def run() -> None:
        outcomes, result = driver.autograde(course, student, force=True, capture=True)
        if result.returncode != 0 or not outcomes[0].graded:
            raise SystemExit(f"nbgrader autograde failed for {student}:\n{result.stderr[-3000:]}")

    total = timed(run)
    path = course / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    return (total, *cell_seconds(nbformat.read(path, as_version=4)))


def cell_seconds(notebook: nbformat.NotebookNode) -> tuple[float, float]:
    """Seconds the kernel spent in the test cells, and in all other code cells (nbclient's
    execution timestamps)."""
    from autograder.grader.course.preprocessors import is_test_cell

    tests = others = 0.0
    for cell in notebook.cells:
        stamps = cell.get("metadata", {}).get("execution", {})
        if cell.cell_type != "code" or not {"iopub.execute_input", "shell.execute_reply"} <= set(
                stamps):
            continue
        seconds = (datetime.fromisoformat(stamps["shell.execute_reply"].replace("Z", "+00:00"))
                   - datetime.fromisoformat(stamps["iopub.execute_input"].replace("Z", "+00:00"))
                   ).total_seconds()
        if is_test_cell(cell):
            tests += seconds
        else:
            others += seconds
    return tests, others


def class_seconds(course: Path, paths: dict[str, Path], copies: int) -> list[list[str]]:
    """`nnkit nbgrader autograde --force` of the whole class with 1 and with 2 jobs."""
    from autograder.grader.course import driver

    for student, path in list(paths.items()):
        for copy_number in range(1, copies + 1):
            target = path.parents[1].parent / f"{student}-{copy_number}" / path.parent.name
            target.mkdir(parents=True)
            shutil.copy(path, target / path.name)
    seconds = {}
    for jobs in (1, 2):
        def run(jobs: int = jobs) -> None:
            outcomes, result = driver.autograde(course, force=True, capture=True, jobs=jobs)
            if not all(outcome.graded for outcome in outcomes):
                raise SystemExit(f"autograde --jobs {jobs} failed:\n{result.stderr[-3000:]}")

        seconds[jobs] = timed(run)
    count = len(paths) * (copies + 1)
    return [["reference and stubs", str(count), f"{seconds[1]:.1f}", f"{seconds[2]:.1f}",
             f"{seconds[1] / seconds[2]:.2f}x"]]


def nnkit_seconds(path: Path, report: Path) -> float:
    command = [sys.executable, "-m", "autograder.cli", "grade", str(path), "--quiet",
               "--json", str(report)]
    return timed(lambda: subprocess.run(command, check=True, capture_output=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--class-copies", type=int, default=1,
                        help="extra copies of each submission in the --jobs comparison")
    args = parser.parse_args()
    mnist_environment()
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="nnkit-nbgrader-bench-") as scratch:
        course = Path(scratch) / "course"
        course.mkdir()
        paths = make_course(course)
        rows, scores = [], {}
        for student, path in paths.items():
            nbgrader_runs, nnkit_times = [], []
            for _ in range(args.repeats):  # alternate, so both see the same machine
                nbgrader_runs.append(autograde_seconds(course, student))
                nnkit_times.append(nnkit_seconds(path, Path(scratch) / f"{student}.json"))
            report = json.loads((Path(scratch) / f"{student}.json").read_text())
            from autograder.grader.course.driver import outcome

            scores[student] = (outcome(course, student).score, report["score"])
            nbgrader_s, tests_s, others_s = (median([run[i] for run in nbgrader_runs])
                                             for i in range(3))
            nnkit_s = median(nnkit_times)
            train = report["mnist"]["train_seconds"]
            rows.append([student, f"{nbgrader_s:.1f}", f"{tests_s:.1f}", f"{others_s:.1f}",
                         f"{nnkit_s:.1f}", f"{nbgrader_s / nnkit_s:.1f}x",
                         f"{train:.1f}" if train else "-",
                         f"{scores[student][0]:g} / {scores[student][1]:g}"])
        jobs_rows = class_seconds(course, paths, args.class_copies)
    body = table(["submission", "nbgrader autograde (s)", "of which test cells (s)",
                  "of which the student's own cells (s)", "nnkit grade (s)", "ratio",
                  "MNIST training in nnkit grade (s)", "score nbgrader / nnkit"], rows)
    body += (f"\n\nMedians of {args.repeats} run(s) each, alternating. Load average before the "
             f"run: {load[0]:.1f} (1 min), {load[1]:.1f} (5 min) on {os.cpu_count()} cores.\n\n"
             "The kit's config starts no kernel at autograde: every test cell's points and "
             "output come from nnkit's grading of the notebook's definitions in the fenced "
             "sandbox (autograder/grader/course/outside.py), so nbgrader's time is its own "
             "start-up and bookkeeping plus one `nnkit grade`.\n\n")
    body += table(["class", "notebooks", "--jobs 1 (s)", "--jobs 2 (s)", "speed-up"], jobs_rows)
    write_results("nbgrader_vs_nnkit", "nbgrader autograde vs nnkit grade, per notebook", body)


if __name__ == "__main__":
    main()
