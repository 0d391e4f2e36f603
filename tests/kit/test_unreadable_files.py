"""Any file gets a report: whatever Python's parser (or the notebook reader) raises on a hostile
file (RecursionError from deep nesting, MemoryError, null bytes, bytes that are not UTF-8, a
notebook whose JSON nests 100,000 deep, a cell whose source is not text) is a load error with a
message, in every path that reads a submission: `nnkit grade`, `nnkit check`, grade-batch (and
so classroom), Gradescope's run, nbgrader's outside grading and kernel path, the similarity scan
and the skipped-statements listing. Every file here is under 1 MB."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.checks.grade import GradeOptions, grade
from autograder.grader import gradescope
from autograder.grader.classroom import similarity
from autograder.grader.course import exchange, kernel
from autograder.grader.course.preprocessors import experiment_cells
from autograder.sandbox.loader import CodeBlock, SubmissionSource, skipped_statements

# Grading for credit needs a course secret: these tests grade in a course.
pytestmark = pytest.mark.usefixtures("in_course")

NEURON = ("import numpy as np\n\n\ndef neuron(x, w, b):\n"
          "    return b + w * np.asarray(x, dtype=float)\n")
DEEP_SUM = "x = " + "1+" * 200_000 + "1\n"  # RecursionError in ast construction
DEEP_NOT = "x = " + "not " * 100_000 + "y\n"  # MemoryError in the parser


def notebook(cells: list) -> str:
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def code_cell(source: object) -> dict:
    return {"cell_type": "code", "source": source, "metadata": {}, "outputs": [],
            "execution_count": None}


# file name -> (its bytes, words the report's first problem must hold)
HOSTILE: dict[str, tuple[bytes, str]] = {
    "deep_sum.py": (DEEP_SUM.encode(), "nests expressions too deeply for Python to read"),
    "deep_not.py": (DEEP_NOT.encode(), "too large or nested too deeply for Python to read"),
    "null_byte.py": (NEURON.encode() + b"\0\n", "cannot contain null bytes"),
    "latin1.py": (b"x = '\xe9'\n", "is not UTF-8 text"),
    "deep_json.ipynb": (('{"cells": ' + "[" * 100_000 + "]" * 100_000
                         + ', "metadata": {}, "nbformat": 4, "nbformat_minor": 5}').encode(),
                        "could not be read as a notebook"),
    "number_source.ipynb": (notebook([code_cell(5), code_cell(NEURON)]).encode(),
                            "the 1st code cell is damaged (its source is a int, not text)"),
    "deep_cell.ipynb": (notebook([code_cell(DEEP_SUM), code_cell(NEURON)]).encode(),
                        "the 1st code cell nests expressions too deeply for Python to read"),
}
GRADED_ON = ("number_source.ipynb", "deep_cell.ipynb")  # their other cell defines neuron


@pytest.fixture(scope="module")
def hostile_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    for name, (data, _) in HOSTILE.items():
        assert len(data) < 1 << 20
        (folder / name).write_bytes(data)
    return folder


def test_every_hostile_file_is_a_load_error_with_a_message(hostile_folder):
    for name, (_, words) in HOSTILE.items():
        report = grade(hostile_folder / name, GradeOptions(stages=(1,)))
        assert words in report.problems[0], (name, report.problems)
        neuron = report.stages[0].checks[0]
        assert neuron.passed == (name in GRADED_ON), (name, neuron.message)


def run_cli(*arguments: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder.cli", *arguments], cwd=cwd,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "NO_COLOR": "1"})


def test_nnkit_grade_and_check_exit_0_with_a_report_never_a_traceback(hostile_folder,
                                                                       tmp_path):
    for name, (_, words) in HOSTILE.items():
        out = tmp_path / f"{name}.json"
        done = run_cli("grade", str(hostile_folder / name), "--stages", "1", "--json", str(out),
                       cwd=tmp_path)
        assert done.returncode == 0 and "Traceback" not in done.stderr, (name, done.stderr)
        assert words in json.loads(out.read_text())["problems"][0], name
    for name in ("deep_sum.py", "deep_cell.ipynb"):  # check's exit 1: a stage failed
        done = run_cli("check", "--submission", str(hostile_folder / name), "--stage", "1",
                       cwd=tmp_path)
        assert done.returncode == 1 and "Traceback" not in done.stderr, (name, done.stderr)
        assert HOSTILE[name][1] in done.stdout, done.stdout


def test_grade_batch_and_so_classroom_give_each_hostile_file_its_report(hostile_folder,
                                                                        tmp_path):
    out = tmp_path / "reports"
    done = run_cli("grade-batch", str(hostile_folder), "--out", str(out), "--stages", "1",
                   cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {row["student"]: row for row in csv.DictReader((out / "grades.csv").open())}
    assert set(rows) == {Path(name).stem for name in HOSTILE}
    for name, (_, words) in HOSTILE.items():
        report = json.loads((out / f"{Path(name).stem}.json").read_text())
        assert words in report["problems"][0], name
    # classroom's similarity scan reads the same files: no exception, only what it can read
    for name in HOSTILE:
        functions = similarity.graded_functions(hostile_folder / name)
        assert set(functions) == ({"neuron"} if name in GRADED_ON else set()), name


def test_gradescope_run_writes_results_for_a_hostile_file(hostile_folder, tmp_path):
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    (root / "submission").mkdir()
    (root / "source" / gradescope.SETTINGS).write_text(json.dumps(
        {"threshold": 0.95, "time_budget": 600.0, "seed": 0}))
    (root / "submission" / "deep_sum.py").write_bytes(HOSTILE["deep_sum.py"][0])
    results = json.loads(gradescope.run(root).read_text())
    assert results["score"] == 0
    assert "nests expressions too deeply" in json.dumps(results["extra_data"])


def test_notebook_paths_and_listings_read_hostile_cells_without_raising():
    deep = SubmissionSource(Path("x.py"), "py", [CodeBlock("x.py", DEEP_SUM),
                                                 CodeBlock("y.py", NEURON + "neuron(1, 2, 3)\n")])
    assert [statement.filename for statement in skipped_statements(deep)] == ["y.py"]
    source = kernel.submission_source([DEEP_NOT, NEURON], {})
    assert [block.source for block in source.blocks] == [NEURON.rstrip("\n")]  # magics cut
    assert "too large or nested too deeply" in source.problems[0]
    nb = nbformat.from_dict(json.loads(notebook([code_cell(DEEP_SUM), code_cell(NEURON)])))
    assert experiment_cells(nb) == frozenset()
    # nbgrader's outside grading: a cell source nested too deeply to hash, or not text
    nested: list = []
    for _ in range(100_000):
        nested = [nested]
    assert len(exchange.definitions_key({"cells": [code_cell(nested)]})) == 64
    shallow: list = []
    for _ in range(300):
        shallow = [shallow]
    hostile = nbformat.from_dict({"cells": [code_cell(shallow), code_cell(NEURON)],
                                  "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    report = exchange.grade_definitions(hostile, unsafe=True)
    assert report.score == 0 and "could not be read" in report.problems[0], report.problems
