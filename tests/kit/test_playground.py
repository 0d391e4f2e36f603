"""The playground section: the playground's toy problems, the student's own `train` learning
them, and the decision boundary drawn from the student's own `forward`."""

from __future__ import annotations

import ast
import inspect

import numpy as np
import pytest

from autograder import assignment
from autograder.sandbox.loader import definitions_only
from autograder.student import playground

STUDENT_API = {"neuron", "neuron_cost", "neuron_gradient", "gradient_descent", "sigmoid",
               "sigmoid_prime", "init_params", "forward", "cross_entropy", "backward",
               "update", "train", "predict"}


@pytest.fixture(scope="module")
def student() -> dict:
    tree = definitions_only(ast.parse(assignment.solution(assignment.read_source())))
    namespace: dict = {}
    exec(compile(tree, "neural_network.py", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("name", list(playground.PROBLEMS))
def test_each_problem_is_two_dimensional_two_class_and_seeded(name):
    X, labels = playground.PROBLEMS[name](300, seed=4)
    assert X.shape == (300, 2) and labels.shape == (300,)
    assert set(labels.tolist()) == {0, 1} and 0.3 < labels.mean() < 0.7
    assert np.abs(X).max() < playground.EXTENT, "every point inside the drawn plane"
    again, _ = playground.PROBLEMS[name](300, seed=4)
    other, _ = playground.PROBLEMS[name](300, seed=5)
    assert np.array_equal(X, again) and not np.array_equal(X, other)


def test_xor_labels_opposite_quadrants_alike():
    X, labels = playground.xor(400, noise=0.0)
    assert np.array_equal(labels, (np.sign(X[:, 0]) == np.sign(X[:, 1])).astype(int))


def test_a_hidden_layer_is_what_solves_xor_with_the_students_own_network(student):
    panels = playground.train_panels(student["train"], student["forward"], ["XOR"], [[], [8]],
                                     epochs=300, batch_size=10, learning_rate=2.0)
    line, bent = panels
    assert line.hidden == [] and line.accuracy < 0.75, "one sigmoid is a straight line"
    assert bent.hidden == [8] and bent.accuracy > 0.95


def test_the_shading_is_the_forward_it_is_given():
    def right_half(params, X):  # a fake network: class 1 wherever x1 > 0
        p = (np.asarray(X)[:, 0] > 0).astype(float)
        return np.column_stack([1 - p, p]), None

    X, labels = playground.xor(50)
    panel = playground.Panel("XOR", [4], X, labels, {}, 0.5)
    figure = playground.draw([panel], right_half, resolution=40)
    axes = figure.axes[0]
    assert axes.get_title().startswith("XOR, 1 hidden layer: 4")
    figure.canvas.draw()
    image = np.asarray(figure.canvas.buffer_rgba())[..., :3].astype(int)
    box = axes.get_window_extent()
    height = image.shape[0]
    row = int(height - (box.y0 + box.y1) / 2)
    left, right = image[row, int(box.x0) + 5], image[row, int(box.x1) - 5]
    orange, blue = (np.array([int(c[i:i + 2], 16) for i in (1, 3, 5)])
                    for c in playground.SHADE_COLOURS)
    assert np.abs(left - orange).sum() < 30 and np.abs(right - blue).sum() < 30


def test_outputs_of_the_wrong_shape_are_refused_clearly():
    with pytest.raises(ValueError, match="a network with 2 outputs should give"):
        playground.answers(lambda params, X: (np.zeros((len(X), 3)), None), {}, np.zeros((4, 2)))
    with pytest.raises(ValueError, match="unknown problem 'moons'"):
        playground.train_panels(None, None, ["moons"], [[]], 1, 1, 0.1)


def test_the_playground_implements_none_of_the_students_functions():
    tree = ast.parse(inspect.getsource(playground))
    defined = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    assert not defined & STUDENT_API
