"""Submissions that cannot be read, or that lack a function, are graded, not crashed on."""

from __future__ import annotations

from autograder.checks.grade import GradeOptions, grade
from tests.kit.conftest import apply_edits, failing_checks


def test_a_notebook_that_is_not_json_scores_zero_and_says_so(tmp_path):
    path = tmp_path / "neural_network.ipynb"
    path.write_text('{"cells": [ this is not json', encoding="utf-8")
    report = grade(path, GradeOptions())
    assert report.score == 0
    assert "not a valid notebook" in report.problems[0]
    assert all("not a valid notebook" in c.message for s in report.stages for c in s.checks)


def test_a_py_file_with_a_syntax_error_scores_zero_and_names_the_line(tmp_path):
    path = tmp_path / "neural_network.py"
    path.write_text("import numpy as np\n\ndef neuron(x, w, b)\n    return b + w * x\n")
    report = grade(path, GradeOptions())
    assert report.score == 0
    assert "syntax error at line 3" in report.problems[0]


def test_a_missing_function_loses_only_the_checks_that_need_it(solution_text, grade_text):
    start = solution_text.index("def sigmoid_prime(")
    end = solution_text.index("# %%", start)
    report = grade_text(solution_text[:start] + solution_text[end:])
    failed = failing_checks(report)
    assert list(failed) == ["stage2.derivative_values"]
    assert "`sigmoid_prime` is not defined" in failed["stage2.derivative_values"]
    assert report.score == 80 - 4  # stages 1-5 are worth 80; only this check (4) is lost


def test_a_notebook_cell_with_a_syntax_error_is_skipped_and_reported(tmp_path, solution_text):
    import jupytext

    from autograder.assignment import notebook

    broken = apply_edits(solution_text, [("def update(params, grads, learning_rate):",
                                          "def update(params, grads, learning_rate)")])
    path = tmp_path / "neural_network.ipynb"
    jupytext.write(notebook(broken), path, fmt="ipynb")
    report = grade(path, GradeOptions(stages=(1, 5)))
    assert any("syntax error" in problem for problem in report.problems)
    assert report.stages[0].passed
    assert "`update` is not defined" in failing_checks(report)["stage5.update_values"]


def test_top_level_experiments_are_not_run_during_grading(tmp_path, solution_text):
    # Run, this statement would end the worker; it calls the student's own neuron, so it is an
    # experiment, and grading skips it and says so.
    path = tmp_path / "neural_network.py"
    path.write_text(solution_text + "\nprobe = neuron(0.0, 1.0, 2.0) + __import__('os')._exit(3)\n")
    report = grade(path, GradeOptions(stages=(1,)))
    assert report.stages[0].passed and report.problems == []
    assert report.skipped[-1].startswith("neural_network.py, line ")
    assert report.skipped[-1].endswith("(it calls your neuron)")


def test_a_failing_top_level_statement_is_reported_and_grading_goes_on(tmp_path, solution_text):
    path = tmp_path / "neural_network.py"
    path.write_text(solution_text.replace("def neuron(x, w, b):",
                                          "raise SystemExit('top-level code ran')\n\n\n"
                                          "def neuron(x, w, b):", 1))
    report = grade(path, GradeOptions(stages=(1,)))
    assert report.stages[0].passed  # the definitions after it in the same file still ran
    assert report.problems == ["running your top-level code raised SystemExit: top-level code "
                               "ran at neural_network.py, line 87 (grading went on without it)"]


def test_a_name_set_by_an_experiment_gets_a_hint_about_the_rule(grade_text, solution_text):
    text = apply_edits(solution_text, [
        ("def neuron(x, w, b):", "offset = float(neuron(0.0, 0.0, 0.0))\n\n\ndef neuron(x, w, b):"),
        ("    return b + w * np.asarray(x, dtype=float)",
         "    return offset + b + w * np.asarray(x, dtype=float)"),
    ])
    report = grade_text(text, stages=(1,))
    message = failing_checks(report)["stage1.neuron_values"]
    assert "NameError" in message and "call your own functions" in message
