"""Train is judged by what it does: the minibatch behind an update is every row whose forward
reached backward since the previous update, however the calls are grouped; a train that does
not go through update loses only the check that watches it, and is told why."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks.stage import CheckFailed
from autograder.checks.stages import training_rules
from autograder.checks.stages.training_rules import TrainingRun, gradient_forwards
from tests.kit.conftest import apply_edits, failing_checks

M = 4


def forward(*rows: int, param_sum: float = 0.0) -> dict:
    ids = (np.asarray(rows, dtype=float) + 1) / (10 * M)
    return {"function": "forward", "rows": len(rows), "row_ids": ids, "param_sum": param_sum}


def backward(rows: int) -> dict:
    return {"function": "backward", "rows": rows}


def update(result: float) -> dict:
    return {"function": "update", "learning_rate": 0.5, "param_sum": 0.0, "result_sum": result}


def check_rules(training: TrainingRun) -> None:
    """The rules that read the minibatches (shuffling needs more epochs than these runs have)."""
    for rule in (training_rules.calls_the_watched_functions,
                 training_rules.one_update_per_minibatch,
                 training_rules.update_after_forward_and_backward,
                 training_rules.every_row_once_per_epoch,
                 training_rules.parameters_carried_over):
        rule(training)


def run(events: list[dict], epochs: int = 1) -> TrainingRun:
    return TrainingRun(M, epochs, 2, 0.5, events, [0.1] * epochs, lambda: 0.0)


def test_per_sample_calls_make_one_minibatch_per_update():
    events = [forward(2), backward(1), forward(0), backward(1), update(1.0),
              forward(3, param_sum=1.0), backward(1), forward(1, param_sum=1.0), backward(1),
              update(2.0)]
    training = run(events)
    assert [sorted(training.batch_rows(i)) for i in training.called("update")] == [[0, 2], [1, 3]]
    check_rules(training)


def test_all_forwards_first_then_all_backwards_pair_up():
    events = [forward(2), forward(0), backward(1), backward(1), update(1.0),
              forward(3, param_sum=1.0), forward(1, param_sum=1.0), backward(1), backward(1),
              update(2.0)]
    assert gradient_forwards(events, 4) == [0, 1]
    check_rules(run(events))


def test_a_forward_no_backward_used_is_not_part_of_a_minibatch():
    # The epoch's cost on all rows, between two updates, is an evaluation, not a minibatch.
    events = [forward(2, 0), backward(2), update(1.0),
              forward(0, 1, 2, 3, param_sum=1.0),
              forward(1, 3, param_sum=1.0), backward(2), update(2.0)]
    assert gradient_forwards(events, 6) == [4]
    check_rules(run(events))


def test_a_backward_that_runs_forward_itself_makes_the_minibatch_with_it():
    events = [backward(2), forward(2, 0), update(1.0),
              backward(2), forward(3, 1, param_sum=1.0), update(2.0)]
    assert gradient_forwards(events, 2) == [1]
    check_rules(run(events))


def test_a_row_left_out_is_still_caught():
    events = [forward(2), backward(1), update(1.0),
              forward(3, param_sum=1.0), backward(1), forward(1, param_sum=1.0), backward(1),
              update(2.0)]
    with pytest.raises(CheckFailed, match="did not cover every row exactly once"):
        check_rules(run(events))


@pytest.mark.parametrize("events, missing", [
    ([forward(0, 1), backward(2), forward(2, 3), backward(2)], "update"),
    ([update(1.0), update(2.0)], "forward or backward"),
])
def test_a_train_that_skips_the_watched_functions_is_told_why_they_are_needed(events, missing):
    with pytest.raises(CheckFailed) as failure:
        check_rules(run(events))
    message = str(failure.value)
    assert f"never called {missing}." in message
    assert "watching the calls it makes to your module-level forward, backward and update" \
        in message


def test_a_train_that_never_calls_update_loses_only_the_check_that_watches_it(grade_text,
                                                                             solution_text):
    text = apply_edits(solution_text, [
        ("            params = update(params, backward(params, cache, Y[batch]), "
         "learning_rate)\n",
         "            grads = backward(params, cache, Y[batch])\n"
         "            params = {k: params[k] - learning_rate * grads[k] for k in params}\n"),
    ])
    failed = failing_checks(grade_text(text, stages=(5,)))
    assert list(failed) == ["stage5.train_behaviour"]
    assert "never called update" in failed["stage5.train_behaviour"]
