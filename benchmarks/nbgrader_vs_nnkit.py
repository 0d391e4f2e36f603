"""nbgrader autograde time per notebook, next to `nnkit grade` on the same submission.

A temporary course with the kit's own course/nbgrader_config.py is released, and two students
submit: the reference solution (all six stages, MNIST included) and the untouched stubs. For
each submission, in alternation: `nbgrader autograde --student S --force` (one notebook: nbgrader
start-up, a kernel, every cell of the notebook including the student's own experiments, then
the six test cells) and `nnkit grade` on the same submitted notebook (definitions only, all six
stages). Both are timed as commands, start-up included.

    python benchmarks/nbgrader_vs_nnkit.py [--repeats 1]
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


def nnkit_seconds(path: Path, report: Path) -> float:
    command = [sys.executable, "-m", "autograder.cli", "grade", str(path), "--quiet",
               "--json", str(report)]
    return timed(lambda: subprocess.run(command, check=True, capture_output=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1)
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
    body = table(["submission", "nbgrader autograde (s)", "of which test cells (s)",
                  "of which the student's own cells (s)", "nnkit grade (s)", "ratio",
                  "MNIST training in nnkit grade (s)", "score nbgrader / nnkit"], rows)
    body += (f"\n\nMedians of {args.repeats} run(s) each, alternating. Load average before the "
             f"run: {load[0]:.1f} (1 min), {load[1]:.1f} (5 min) on {os.cpu_count()} cores.\n\n"
             "nbgrader runs the whole notebook in a kernel: the student's own cells too (in the "
             "reference notebook, the story's own MNIST training run and plots; the kit's "
             "config gives such cells 300 s), then the six test cells, which grade the "
             "definitions in a sandboxed worker exactly as `nnkit grade` does (the stage-6 cell "
             "trains on MNIST again). `nnkit grade` runs only the definitions, so its time is "
             "the checks plus one MNIST training.")
    write_results("nbgrader_vs_nnkit", "nbgrader autograde vs nnkit grade, per notebook", body)


if __name__ == "__main__":
    main()
