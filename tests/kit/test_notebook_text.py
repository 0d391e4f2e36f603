"""The student's notebook names everything: every stage names each function and constant the
student writes, stage 6 names HYPERPARAMS, its keys and a starting point, no instructor-only
text reaches the student, and the texts beside the figures say what the figures show."""

from __future__ import annotations

import ast
import functools
import re

import numpy as np
import pytest

from autograder import assignment
from autograder.checks.stages import STAGES
from autograder.checks.stages.stage6_mnist import REQUIRED
from autograder.sandbox.loader import definitions_only
from autograder.student import handwriting, plots
from autograder.student.workshop import TABLE_X, TABLE_Y

INSTRUCTOR_ONLY = ("single source of truth", "reference answer", "reference solution",
                   "nbgrader", "solution markers")


@pytest.fixture(scope="module")
def notebook():
    return assignment.notebook(assignment.student(assignment.read_source()))


@functools.cache
def reference() -> dict:
    tree = definitions_only(ast.parse(assignment.solution(assignment.read_source())))
    namespace: dict = {}
    exec(compile(tree, "neural_network.py", "exec"), namespace)
    return namespace


def markdown(notebook) -> str:
    return "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")


def stage_text(notebook, number: int) -> str:
    text = markdown(notebook)
    start = text.index(f"## Stage {number}:")
    end = text.find("\n## ", start + 1)
    return text[start:end if end > 0 else None]


@pytest.mark.parametrize("stage", STAGES, ids=lambda stage: f"stage{stage.number}")
def test_every_stage_names_each_function_and_constant_the_student_writes(notebook, stage):
    text = stage_text(notebook, stage.number)
    assert "**You write" in text
    # The names this stage's checks grade for the first time: earlier stages named the others.
    earlier = {name for other in STAGES if other.number < stage.number for name in other.needs}
    for name in (name for name in stage.needs if name not in earlier):
        assert re.search(rf"`{name}(\(|`)", text), f"stage {stage.number} never names {name}"


def test_stage_6_names_hyperparams_its_keys_and_a_starting_point(notebook):
    text = stage_text(notebook, 6)
    for key in REQUIRED:
        assert f'`"{key}"`' in text, key
    assert "starting point" in text and "[784, 100, 10]" in text
    assert "settings above" not in markdown(notebook), "no 'settings above' that are not there"


def test_the_opening_cell_holds_no_instructor_text_and_no_missing_picture(notebook):
    opening = notebook.cells[0].source.lower()
    for words in INSTRUCTOR_ONLY:
        assert words not in opening, words
    assert "this picture" not in opening, "the opening cell has no picture"


def test_the_learning_rate_text_matches_its_figure(notebook):
    # The text: the chart stops at 100 times the settled runs' highest cost, and the diverging
    # run (past 10^100) leaves through its top. The figure: exactly that.
    text = " ".join(markdown(notebook).split())
    assert "stops at 100 times the highest cost of the runs that settle" in text
    assert "leaves through the top" in text and "fit in one picture" not in text
    costs = {rate: reference()["gradient_descent"](TABLE_X, TABLE_Y, rate, 300)[2]
             for rate in (0.001, 0.01, 0.02)}
    figure = plots.learning_rate_experiment(costs)
    top = figure.axes[0].get_ylim()[1]
    settled = max(max(run) for rate, run in costs.items() if run[-1] < run[0])
    assert top == pytest.approx(100 * settled)
    assert costs[0.02][-1] > 1e100 > top


def test_the_handwriting_text_matches_its_pictures(notebook):
    text = " ".join(markdown(notebook).split())
    assert "dark ink on white paper" in text and "ink is 1 and paper is 0" in text
    prepared = handwriting.mnist_like(handwriting.read_grey(handwriting.EXAMPLE_DIGIT))
    assert prepared.max() == pytest.approx(1.0) and np.median(prepared) == 0.0  # ink high
    figure = plots.handwriting_prediction(handwriting.read_grey(handwriting.EXAMPLE_DIGIT),
                                          prepared, np.full(10, 0.1))
    maps = [image.get_cmap().name for axes in figure.axes for image in axes.get_images()]
    assert "gray_r" in maps, "the prepared digit is drawn with high values dark"
