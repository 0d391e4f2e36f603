"""How nbgrader and `--jobs` helpers share one batch's grading (autograder/grader/course/
exchange.py): a notebook is graded by whoever claims it first, a waiter gets the report, and a
helper that fails never leaves anyone waiting."""

from __future__ import annotations

import copy
import json
import threading
import time
from pathlib import Path

import nbformat

from autograder.checks.report import Report
from autograder.grader.course.exchange import (
    Exchange,
    GradingAhead,
    definitions_key,
    definitions_notebook,
)


def report_json(score: float) -> str:
    return Report(submission="x.ipynb", score=score, max_score=100.0, stages=[],
                  mnist={"accuracy": None, "train_seconds": None}, problems=[],
                  isolation="test").to_json()


def notebook() -> nbformat.NotebookNode:
    test_cell = nbformat.v4.new_code_cell("grade_checks(1)", metadata={
        "nbgrader": {"grade": True, "solution": False, "grade_id": "stage1_tests",
                     "points": 10}})
    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# the neuron"),
        nbformat.v4.new_code_cell("def neuron(x, w, b):\n    return b + w * x\n"),
        test_cell])


def test_the_key_is_the_code_graded_and_ignores_the_test_cells_and_the_saved_form():
    original = notebook()
    key = definitions_key(original)
    restored = copy.deepcopy(original)
    restored.cells[2].source = "### BEGIN HIDDEN TESTS\ngrade_checks(1, instructor=True)\n"
    as_lines = json.loads(nbformat.writes(original))
    as_lines["cells"][1]["source"] = ["def neuron(x, w, b):\n", "    return b + w * x\n"]
    assert definitions_key(restored) == key == definitions_key(as_lines)
    changed = copy.deepcopy(original)
    changed.cells[1].source += "# changed\n"
    assert definitions_key(changed) != key
    graded = definitions_notebook(restored)
    assert graded.cells[2].source == "" and graded.cells[1].source == original.cells[1].source
    assert restored.cells[2].source.startswith("### BEGIN HIDDEN")  # the original is untouched


def test_only_the_first_claim_of_a_notebook_wins(tmp_path: Path):
    exchange = Exchange(tmp_path)
    assert exchange.claim("k") and not exchange.claim("k")


def test_a_notebook_outside_the_batch_or_unclaimed_is_the_takers_to_grade(tmp_path: Path):
    exchange = Exchange(tmp_path)
    assert exchange.take("outside") is None  # not expected: grade it yourself
    exchange.expect("k")
    assert exchange.take("k") is None  # expected, nobody started: the taker claimed it
    assert not exchange.claim("k")


def test_a_taker_gets_the_report_of_a_notebook_graded_elsewhere(tmp_path: Path):
    exchange = Exchange(tmp_path)
    exchange.expect("k")
    assert exchange.claim("k")  # a helper is grading it
    publisher = threading.Timer(0.3, exchange.publish, ("k", report_json(42.0)))
    publisher.start()
    started = time.monotonic()
    report = exchange.take("k")
    assert report is not None and report.score == 42.0
    assert time.monotonic() - started >= 0.25  # it waited for the helper
    assert not exchange.file("k", "pending").exists()
    assert exchange.take("k").score == 42.0  # a copy's notebook takes it at once


def test_a_taker_stops_waiting_when_the_helper_gives_up(tmp_path: Path):
    exchange = Exchange(tmp_path)
    exchange.expect("k")
    assert exchange.claim("k")
    threading.Timer(0.2, exchange.give_up, ("k",)).start()
    assert exchange.take("k") is None


def test_a_helper_that_cannot_grade_a_notebook_leaves_no_one_waiting(tmp_path: Path):
    broken = tmp_path / "broken.ipynb"  # JSON, but of a notebook format nbformat cannot read
    broken.write_text(json.dumps({"nbformat": 99, "cells": [
        {"cell_type": "code", "source": "x = 1"}]}))
    folder = tmp_path / "exchange"
    folder.mkdir()
    key = definitions_key(json.loads(broken.read_text()))
    with GradingAhead([broken], folder, helpers=1):
        deadline = time.monotonic() + 60
        while Exchange(folder).file(key, "pending").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    exchange = Exchange(folder)
    assert not exchange.file(key, "pending").exists(), "a failed helper left its claim pending"
    assert exchange.file(key, "claimed").exists()  # the helper did try
    assert not exchange.file(key, "json").exists()
    assert exchange.take(key) is None  # nbgrader grades it itself, without waiting
