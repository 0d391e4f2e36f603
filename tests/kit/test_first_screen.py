"""`nnkit check` leads with what to do: the score and the next step first; a cell Python cannot
read or an import that failed is named before any check, where Jupyter shows it (cell [N] by
execution count, else "the Nth code cell", and the line), and the checks it breaks point at it
instead of repeating "not defined"; only the student's own skipped statements that matter are
listed; a stage-limited check states the standing in full; the untouched notebook fits on one
screen."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import jupytext
import pytest

from autograder import assignment
from autograder.assignment import notebook
from autograder.checks.grade import GradeOptions, grade
from autograder.checks.terminal import Printer
from tests.kit.conftest import ROOT, apply_edits

SCREEN = 40  # lines


def nnkit(folder: Path, *args: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    environment.pop("NNKIT_SUBMISSION", None)
    return subprocess.run([sys.executable, "-m", "autograder.cli", *args], cwd=folder,
                          env=environment, capture_output=True, text=True, timeout=600)


def saved_notebook(text: str, path: Path, executed: bool = True) -> Path:
    """`text` as a notebook, saved after a run (each code cell has its execution count, from
    3 on, as after a restart and two cells run twice) or never run."""
    jupytext.write(notebook(text), path, fmt="ipynb")
    data = json.loads(path.read_text(encoding="utf-8"))
    code = [cell for cell in data["cells"] if cell["cell_type"] == "code"]
    for number, cell in enumerate(code, start=1):
        cell["execution_count"] = number + 2 if executed else None
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def code_cell_number(path: Path, containing: str) -> int:
    data = json.loads(path.read_text(encoding="utf-8"))
    code = ["".join(cell["source"]) for cell in data["cells"] if cell["cell_type"] == "code"]
    return next(number for number, source in enumerate(code, start=1) if containing in source)


def test_the_untouched_notebook_fits_on_one_screen_score_and_next_step_first(tmp_path):
    assignment.write_student_copy(tmp_path)
    run = nnkit(tmp_path, "check")
    lines = run.stdout.splitlines()
    assert run.returncode == 1, run.stderr
    assert len(lines) <= SCREEN, run.stdout
    assert lines[0] == "Score: 0/100", run.stdout
    assert lines[1].startswith("Next: fix stage 1 (one neuron)") and \
        "`nnkit check --stage 1`" in lines[1], run.stdout
    # The kit's own demo cells (plots, training runs) are none of the student's business.
    assert "Not run at grading" not in run.stdout and "plots." not in run.stdout
    assert "[LOCKED] Stages 2-6" in run.stdout


def test_a_syntax_error_is_named_first_by_cell_and_line_as_jupyter_shows_them(tmp_path,
                                                                               solution_text):
    broken = apply_edits(solution_text, [("def sigmoid_prime(z):", "def sigmoid_prime(z)")])
    path = saved_notebook(broken, tmp_path / "neural_network.ipynb")
    cell = code_cell_number(path, "def sigmoid_prime(z)")
    run = nnkit(tmp_path, "check", "neural_network.ipynb")  # FILE, as for `nnkit grade FILE`
    lines = run.stdout.splitlines()
    assert lines[0] == "Score: 10/100", run.stdout
    assert lines[1].startswith("Next: fix what is named first below"), run.stdout
    first = next(line for line in lines[2:] if line.strip())
    # Jupyter shows "[N]:" beside a cell that ran: N is its execution count (cell + 2 here).
    assert first.startswith(f"Fix this first: cell [{cell + 2}], line "), run.stdout
    assert "has a syntax error (expected ':'): `def sigmoid_prime(z)`" in first
    assert "(sigmoid, sigmoid_prime)" in first
    assert "is not defined in your submission" not in run.stdout
    assert run.stdout.count(f"is in cell [{cell + 2}], which has the syntax error") == 2
    assert "code cell" not in run.stdout, "a number Jupyter shows nowhere"


def test_a_cell_never_run_is_named_by_its_position(tmp_path, solution_text):
    broken = apply_edits(solution_text, [("def sigmoid_prime(z):", "def sigmoid_prime(z)")])
    path = saved_notebook(broken, tmp_path / "neural_network.ipynb", executed=False)
    cell = code_cell_number(path, "def sigmoid_prime(z)")
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(cell % 10, "th") if cell not in (11, 12, 13) \
        else "th"
    report = grade(path, GradeOptions(stages=(1, 2)))
    stream = io.StringIO()
    Printer(stream).summary(report)
    assert f"Fix this first: the {cell}{suffix} code cell, line " in stream.getvalue()


def test_a_failed_import_is_named_first_and_the_checks_point_at_it(tmp_path, solution_text):
    text = apply_edits(solution_text, [
        ("def sigmoid(z):", "from nosuchpackage.special import expit\n\n\ndef sigmoid(z):"),
        ("    return 0.5 + 0.5 * np.tanh(0.5 * z)\n", "    return expit(z)\n"),
    ])
    path = saved_notebook(text, tmp_path / "neural_network.ipynb")
    cell = code_cell_number(path, "from nosuchpackage")
    run = nnkit(tmp_path, "check")
    lines = run.stdout.splitlines()
    first = next(line for line in lines[2:] if line.strip())
    assert first.startswith(f"Fix this first: cell [{cell + 2}], line 1: the import "
                            "`from nosuchpackage.special import expit` failed: "), run.stdout
    assert "nosuchpackage is not available at grading" in first  # the course's own words
    assert "`sigmoid` uses `expit`, which is missing because of the failed import in " \
           f"cell [{cell + 2}] (see above)." in run.stdout
    assert "Note: grading does not run" not in run.stdout  # not the definitions rule's fault
    assert len([line for line in lines if "nosuchpackage" in line]) == 1, "said once, first"


def test_a_stage_limited_check_states_the_standing_in_full(tmp_path, solution_text):
    path = saved_notebook(solution_text, tmp_path / "neural_network.ipynb")
    run = nnkit(tmp_path, "check", str(path), "--stage", "3")
    lines = run.stdout.splitlines()
    assert lines[0] == ("Stage 3: 15/15 points (stages 1-2, 4-6 not checked in this run; "
                        "`nnkit check` gives your full score)"), run.stdout
    assert "Score: 15/100" not in run.stdout
    assert run.returncode == 0


def test_grading_the_reference_neither_sends_the_instructor_to_check_nor_names_a_temp_file(
        tmp_path):
    run = nnkit(tmp_path, "grade", "--reference", "--stages", "1,4")
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0].startswith("Stages 1, 4: 35/35 points (stages 2-3, 5-6 "
                                                 "not graded in this run)"), run.stdout
    assert "nnkit check" not in run.stdout
    assert "nnkit-reference-" not in run.stdout and "Graded: the kit's reference solution" \
        in run.stdout


def test_only_the_students_own_skipped_statements_that_matter_are_listed(tmp_path,
                                                                         solution_text):
    # The student set a constant from the kit's MNIST at top level (skipped at grading: the
    # data is not there) and used it in sigmoid_prime: that statement is the cause, and the
    # only one listed.
    statement = 'TOP = load_mnist("test")[0].max()'
    text = apply_edits(solution_text, [
        ("def sigmoid_prime(z):", f"{statement}\nprobe = sigmoid(1.0)\n\n\n"
                                  "def sigmoid_prime(z):"),
        ("    s = sigmoid(z)\n    return s * (1.0 - s)\n",
         "    s = sigmoid(z)\n    return s * (1.0 - s) * TOP\n"),
    ])
    path = saved_notebook(text, tmp_path / "neural_network.ipynb")
    cell = code_cell_number(path, statement)
    source = json.loads(path.read_text(encoding="utf-8"))["cells"]
    source = ["".join(c["source"]) for c in source if c["cell_type"] == "code"][cell - 1]
    line = source.splitlines().index(statement) + 1
    report = grade(path, GradeOptions(stages=(1, 2)))
    quiet, verbose = io.StringIO(), io.StringIO()
    Printer(quiet).summary(report)
    Printer(verbose, verbose=True).summary(report)
    listed = [line for line in quiet.getvalue().splitlines() if line.startswith("  cell [")]
    assert listed == [f"  cell [{cell + 2}], line {line}: `{statement}` (it calls load_mnist, "
                      "from autograder.data)"], quiet.getvalue()
    assert "probe" not in quiet.getvalue() and "1 more top-level statements of yours" in \
        quiet.getvalue()
    assert "`probe = sigmoid(1.0)`" in verbose.getvalue()  # --verbose: all of the student's
    assert "w_fit" not in verbose.getvalue(), "the kit's demos are never listed"


@pytest.mark.parametrize("args", [["--submission", "neural_network.ipynb"],
                                  ["neural_network.ipynb"]])
def test_check_takes_the_file_as_an_argument_or_an_option(tmp_path, args):
    assignment.write_student_copy(tmp_path)
    run = nnkit(tmp_path, "check", *args, "--stage", "1")
    assert run.returncode == 1 and "Graded: neural_network.ipynb" in run.stdout, run.stderr


def test_the_ci_job_summary_also_names_the_syntax_error_first(tmp_path, solution_text):
    from autograder.checks.summary import markdown

    broken = apply_edits(solution_text, [("def sigmoid_prime(z):", "def sigmoid_prime(z)")])
    path = saved_notebook(broken, tmp_path / "neural_network.ipynb")
    cell = code_cell_number(path, "def sigmoid_prime(z)")
    text = markdown(grade(path, GradeOptions(stages=(1, 2))))
    first = text.index("> **Fix this first:** cell \\[" + str(cell + 2) + "\\]")
    assert first < text.index("| stage |"), text
    assert "is not defined in your submission" not in text
    assert "> Note:" not in text.split("Fix this first")[1].split("\n")[0]
