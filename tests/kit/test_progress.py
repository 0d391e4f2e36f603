"""train_with_progress watches the student's own train: same result as calling train directly,
one bar step per minibatch with the running cost, test accuracy after every epoch, and the
student's functions put back afterwards, even when train fails."""

from __future__ import annotations

import ast
import functools
import io

import numpy as np
import pytest
import tqdm

from autograder import assignment
from autograder.checks.inputs import random_batch
from autograder.grader import arithmetic
from autograder.sandbox.loader import definitions_only
from autograder.student import progress

LAYERS, EPOCHS, BATCH, RATE = [4, 6, 3], 3, 8, 0.5  # 50 samples: 7 minibatches per epoch


@pytest.fixture
def student():
    """The reference solution's definitions, in a namespace of their own, as in a notebook."""
    tree = definitions_only(ast.parse(assignment.solution(assignment.read_source())))
    namespace: dict = {}
    exec(compile(tree, "neural_network.py", "exec"), namespace)
    return namespace


@pytest.fixture
def data():
    X, Y = random_batch(50, 4, 3, seed=3)
    X_test, Y_test = random_batch(20, 4, 3, seed=4)
    return X, Y, X_test, np.argmax(Y_test, axis=1)


def quiet_bar(log: io.StringIO):
    return functools.partial(tqdm.tqdm, file=log, mininterval=0, ascii=True)


def test_the_result_is_exactly_what_train_returns(student, data):
    X, Y, X_test, test_labels = data
    params, history = student["train"](X, Y, LAYERS, EPOCHS, BATCH, RATE, seed=2)
    run = progress.train_with_progress(student["train"], X, Y, LAYERS, EPOCHS, BATCH, RATE,
                                       seed=2, X_test=X_test, test_labels=test_labels,
                                       progress_bar=quiet_bar(io.StringIO()))
    assert run.params.keys() == params.keys()
    for key in params:
        np.testing.assert_array_equal(run.params[key], params[key])
    assert run.history == history
    assert run.seconds > 0


def test_the_bar_moves_once_per_minibatch_and_shows_epoch_and_running_cost(student, data):
    X, Y, _, _ = data
    log = io.StringIO()
    run = progress.train_with_progress(student["train"], X, Y, LAYERS, EPOCHS, BATCH, RATE,
                                       progress_bar=quiet_bar(log))
    assert run.steps == EPOCHS * 7
    shown = log.getvalue()
    assert f"{EPOCHS * 7}/{EPOCHS * 7}" in shown
    assert f"epoch {EPOCHS}/{EPOCHS}" in shown and "cost=" in shown
    assert len(run.batch_costs) == EPOCHS * 7
    assert all(np.isfinite(run.batch_costs)) and min(run.batch_costs) > 0


def test_the_running_cost_is_the_minibatch_cross_entropy(student):
    """With one minibatch holding every sample, the cost before each step is the full cost."""
    X, Y = random_batch(12, 4, 3, seed=5)
    run = progress.train_with_progress(student["train"], X, Y, LAYERS, 2, 12, RATE,
                                       progress_bar=quiet_bar(io.StringIO()))
    start = student["init_params"](LAYERS, 0)
    assert run.batch_costs[0] == pytest.approx(arithmetic.network_cost(start, X, Y), rel=1e-9)
    cache = student["forward"](start, X)[1]
    after_one_step = student["update"](start, student["backward"](start, cache, Y), RATE)
    assert run.batch_costs[1] == pytest.approx(arithmetic.network_cost(after_one_step, X, Y),
                                               rel=1e-9)
    # The reference's history is the epoch's running minibatch cost: here, one batch per epoch.
    assert run.history == pytest.approx(run.batch_costs, rel=1e-9)


def test_test_accuracy_is_measured_after_every_epoch(student, data):
    X, Y, X_test, test_labels = data
    run = progress.train_with_progress(student["train"], X, Y, LAYERS, EPOCHS, BATCH, RATE,
                                       X_test=X_test, test_labels=test_labels,
                                       progress_bar=quiet_bar(io.StringIO()))
    assert len(run.test_accuracy) == EPOCHS
    assert all(0 <= value <= 1 for value in run.test_accuracy)
    final = np.mean(student["predict"](run.params, X_test) == test_labels)
    assert run.test_accuracy[-1] == pytest.approx(final)


def test_the_students_functions_are_put_back_even_when_train_fails(student, data):
    X, Y, _, _ = data
    originals = {name: student[name] for name in progress.SPIED}
    progress.train_with_progress(student["train"], X, Y, LAYERS, 1, BATCH, RATE,
                                 progress_bar=quiet_bar(io.StringIO()))
    assert {name: student[name] for name in progress.SPIED} == originals

    def broken_update(params, grads, learning_rate):
        raise ZeroDivisionError("oops")

    student["update"] = broken_update
    with pytest.raises(ZeroDivisionError):
        progress.train_with_progress(student["train"], X, Y, LAYERS, 1, BATCH, RATE,
                                     progress_bar=quiet_bar(io.StringIO()))
    assert student["update"] is broken_update


def test_a_train_that_never_calls_update_gets_a_plain_warning(student, data):
    X, Y, _, _ = data
    namespace = dict(student)
    exec("def train(X, Y, layer_sizes, epochs, batch_size, learning_rate, seed=0):\n"
         "    return init_params(layer_sizes, seed), [1.0] * epochs\n", namespace)
    with pytest.warns(UserWarning, match=r"called update\(\) 0 times"):
        run = progress.train_with_progress(namespace["train"], X, Y, LAYERS, 2, BATCH, RATE,
                                           progress_bar=quiet_bar(io.StringIO()))
    assert run.history == [1.0, 1.0]


def test_bad_arguments_are_refused_clearly(student, data):
    X, Y, X_test, _ = data
    with pytest.raises(TypeError, match="your train function"):
        progress.train_with_progress("train", X, Y, LAYERS, 1, BATCH, RATE)
    with pytest.raises(ValueError, match="both X_test and test_labels"):
        progress.train_with_progress(student["train"], X, Y, LAYERS, 1, BATCH, RATE,
                                     X_test=X_test)
    namespace = {"np": np}
    exec("def train(*args, **kwargs):\n    return None\n", namespace)
    with pytest.raises(NameError, match="forward, backward, update not defined"):
        progress.train_with_progress(namespace["train"], X, Y, LAYERS, 1, BATCH, RATE)


def test_a_saved_notebook_keeps_a_readable_last_line_not_a_bar_stuck_at_0_percent(tmp_path):
    # A real kernel: the live bar is a widget; what the saved notebook keeps of it is text.
    import nbformat

    from tests.kit.test_notebook_executes import execute

    cells = [
        "import ast\nfrom autograder import assignment\nfrom autograder.sandbox.loader import "
        "definitions_only\nexec(compile(definitions_only(ast.parse(assignment.solution("
        "assignment.read_source()))), 'neural_network.py', 'exec'))",
        "from autograder.grader import arithmetic\nfrom autograder.student import progress\n"
        "X, Y = arithmetic.random_batch(50, 4, 3, seed=3)\n"
        "run = progress.train_with_progress(train, X, Y, [4, 6, 3], 3, 8, 0.5)",
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    execute(notebook, tmp_path)
    outputs = notebook.cells[1].outputs
    texts = [output.get("data", {}).get("text/plain", "") for output in outputs]
    assert any(text.startswith("epoch 3/3: 100%") and "21/21" in text for text in texts), outputs
    assert not any("0%|" in text and "100%" not in text for text in texts), texts
    assert not any("application/vnd.jupyter.widget-view+json" in output.get("data", {})
                   for output in outputs), "the widget should have made way for its text"


def test_cost_and_accuracy_come_from_the_students_own_functions(student, data):
    # The module ships to students, so it has no cost or forward pass of its own: what it shows
    # is what the student's cross_entropy and forward say.
    X, Y, X_test, test_labels = data
    namespace = student  # train's own globals (the fixture is made afresh for each test)
    namespace["cross_entropy"] = lambda A, Y: 42.0
    original_forward = namespace["forward"]
    namespace["forward"] = lambda params, X: (np.zeros((len(X), 3)) + [0, 0, 1],
                                              original_forward(params, X)[1])
    run = progress.train_with_progress(namespace["train"], X, Y, LAYERS, 1, BATCH, RATE,
                                       X_test=X_test, test_labels=test_labels,
                                       progress_bar=quiet_bar(io.StringIO()))
    assert set(run.batch_costs) == {42.0}
    assert run.test_accuracy == [pytest.approx(np.mean(test_labels == 2))]
