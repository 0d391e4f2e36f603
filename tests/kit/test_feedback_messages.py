"""Feedback that teaches: gradient mismatches are reported with the array, the worst index and
both values, and their pattern is named; different mistakes get different, specific messages;
no message shows a traceback unless asked to."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks import gradcheck
from autograder.checks.explain import explain
from autograder.checks.stage import CheckFailed
from autograder.grader import arithmetic, wrong_backprops
from autograder.sandbox.client import SubmissionProblem
from tests.kit.catalogue import MISTAKES
from tests.kit.catalogue.evaluate import evaluate

M = 7


def make_network(layer_sizes: list[int]):
    """A network, a batch of M samples, its numerical gradients, and right analytic ones (the
    numerical ones, rounded: a correct backward agrees with them to about 1e-8)."""
    params = arithmetic.random_network(layer_sizes, seed=21)
    X, Y = arithmetic.random_batch(M, layer_sizes[0], layer_sizes[-1], seed=21)
    numerical = {key: arithmetic.numerical_gradient(lambda: arithmetic.network_cost(params, X, Y),
                                                  params[key]) for key in params}
    right = {key: value * (1 + 1e-8) for key, value in numerical.items()}
    return params, X, Y, numerical, right


@pytest.fixture(scope="module")
def network():
    return make_network([5, 4, 4, 3])  # one square layer, the others not


@pytest.fixture(scope="module")
def square_network():
    return make_network([4, 4, 4, 4])  # every wrong version of backprop runs on it


def mismatch(network, grads) -> str:
    params, X, Y, numerical, _ = network
    with pytest.raises(CheckFailed) as failure:
        gradcheck.compare_gradients(grads, numerical, M, "(test network)",
                                    models=wrong_backprops.all_models(params, X, Y))
    return str(failure.value)


def test_right_gradients_pass_and_known_mistakes_do_not_match_them(network):
    params, X, Y, numerical, right = network
    models = wrong_backprops.all_models(params, X, Y)
    gradcheck.compare_gradients(right, numerical, M, "(test network)", models=models)
    assert gradcheck.known_mistake(right, models) is None


def test_a_mismatch_names_the_array_the_worst_index_and_both_values(network):
    grads = dict(network[4])
    grads["W2"] = grads["W2"].copy()
    grads["W2"][1, 3] += 0.5
    message = mismatch(network, grads)
    expected, got = network[3]["W2"][1, 3], grads["W2"][1, 3]
    assert "backward's gradients for W2 do not match" in message
    assert "Worst is W2" in message and "at index (1, 3)" in message
    assert f"expected (numerical) {expected:.6g}, got (yours) {got:.6g}" in message


@pytest.mark.parametrize(("factor", "words"), [
    (M, "it is 7 times too big (m = 7 samples)"),
    (2.0, "it is twice too big"),
    (-1.0, "the sign is flipped"),
    (1.0 / M, "it is 7 times too small (m = 7 samples): you divided by m twice"),
])
def test_a_constant_factor_is_named(network, factor, words):
    grads = {key: factor * value for key, value in network[4].items()}
    message = mismatch(network, grads)
    assert "Pattern: every wrong gradient is off by the same constant factor: " + words in message


def test_a_transposed_square_gradient_is_named(network):
    grads = {**network[4], "W2": network[4]["W2"].T}  # W2 is 4 x 4
    assert "Pattern: the gradient is transposed" in mismatch(network, grads)


def test_wrong_biases_only_are_named(network):
    grads = {key: value + (0.1 if key.startswith("b") else 0.0)
             for key, value in network[4].items()}
    message = mismatch(network, grads)
    assert "Pattern: only the bias gradients (b1, b2, b3) are wrong." in message


def test_wrong_earlier_layers_only_are_named(network):
    grads = {**network[4], "W1": 1.5 * network[4]["W1"], "b1": network[4]["b1"] - 0.2}
    message = mismatch(network, grads)
    assert "Pattern: the last layer (W3, b3) is right but earlier layers are wrong" in message


def test_a_wrong_last_layer_is_named(network):
    grads = {**network[4], "W3": network[4]["W3"] + 0.3, "W1": network[4]["W1"] - 0.1}
    assert "the last layer's gradients (W3, b3) are already wrong" in mismatch(network, grads)


@pytest.mark.parametrize(("key", "shape", "words"), [
    ("b1", (M,), "It has one value per sample (m = 7)"),
    ("b1", (), "It is a single number"),
    ("W1", (4, 5), "It is transposed: dW = a_prev.T @ delta"),
    ("b2", (1, 4), "It has an extra axis of length 1"),
])
def test_a_wrong_shape_is_named(network, key, shape, words):
    grads = {**network[4], key: np.zeros(shape)}
    message = mismatch(network, grads)
    assert f"gradient for {key} has shape {shape}" in message and words in message


def test_every_known_mistake_has_a_model_and_every_model_an_explanation():
    assert set(gradcheck.KNOWN_MISTAKES) == set(wrong_backprops.MODELS)


@pytest.mark.parametrize("mistake", list(gradcheck.KNOWN_MISTAKES))
def test_each_known_wrong_backprop_is_recognised(square_network, mistake):
    params, X, Y, _, _ = square_network
    grads = wrong_backprops.backprop(params, X, Y, mistake)
    assert gradcheck.known_mistake(grads, wrong_backprops.all_models(params, X, Y)) == mistake
    assert "Diagnosis: " + gradcheck.KNOWN_MISTAKES[mistake] in mismatch(square_network, grads)


def catalogue_messages() -> dict[str, str]:
    """Each mistake's id -> the message of the check that catalogues it."""
    outcomes = {mistake.id: evaluate(mistake) for mistake in MISTAKES}
    return {key: outcome.messages.get(f"stage{outcome.entry.stage}.{outcome.entry.check}", "")
            for key, outcome in outcomes.items()}


def test_different_mistakes_get_different_messages():
    messages = catalogue_messages()
    assert all(messages.values())
    assert len(set(messages.values())) == len(MISTAKES)


def test_each_diagnosis_is_specific_to_its_own_mistake():
    # A diagnosis that the catalogued check also shows for another mistake would not tell the
    # student which one they made. (Follow-on failures may repeat it: with a flipped gradient,
    # gradient descent does go uphill.)
    messages = catalogue_messages()
    shown_elsewhere = {mistake.id: [other for other, text in messages.items()
                                    if other != mistake.id and mistake.diagnosis in text]
                       for mistake in MISTAKES}
    assert {key: ids for key, ids in shown_elsewhere.items() if ids} == {}


def test_no_catalogue_message_shows_a_traceback():
    for mistake in MISTAKES:
        for text in evaluate(mistake).messages.values():
            assert "Traceback" not in text and 'File "' not in text, (mistake.id, text)


def test_tracebacks_appear_only_when_verbose():
    problem = SubmissionProblem("raised", "forward", {
        "type": "ValueError", "message": "matmul: Input operand 1 has a mismatch",
        "where": "submission.py, line 3", "traceback": "Traceback (most recent call last): ..."})
    quiet, verbose = explain(problem, 3), explain(problem, 3, verbose=True)
    assert "Traceback" not in quiet and "Traceback" in verbose
    assert "Hint: Two arrays in a matrix product have shapes that don't fit" in quiet
