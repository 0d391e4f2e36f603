"""The worker process: values cross the pipe as plain data, hangs and crashes are contained."""

from __future__ import annotations

import numpy as np

from autograder.sandbox.worker_side.codec import Handle, from_wire, to_wire
from tests.kit.conftest import apply_edits, failing_checks


class ClaimsEquality:
    def __eq__(self, other):
        return True


def test_codec_round_trips_plain_data():
    value = {"a": np.arange(6.0).reshape(2, 3), "b": (1, 2.5, None, "x"), "c": [np.int64(3)],
             "d": float("inf")}
    buffers: list[bytes] = []
    back = from_wire(to_wire(value, buffers), buffers)
    assert np.array_equal(back["a"], value["a"]) and back["b"] == (1, 2.5, None, "x")
    assert back["c"] == [3] and back["d"] == float("inf")


def test_objects_that_claim_equality_travel_only_as_opaque_handles():
    kept = []
    buffers: list[bytes] = []
    wire = to_wire([ClaimsEquality()], buffers, keep=lambda obj: kept.append(obj) or Handle(1, "X"))
    assert from_wire(wire, buffers) == [Handle(1, "X")]


def test_array_subclasses_lose_their_overrides():
    class Liar(np.ndarray):
        def __eq__(self, other):
            return True

    buffers: list[bytes] = []
    back = from_wire(to_wire(np.zeros(3).view(Liar), buffers), buffers)
    assert type(back) is np.ndarray


def test_an_endless_loop_is_stopped_and_later_checks_still_run(grade_text, solution_text):
    text = apply_edits(solution_text, [("    return b + w * np.asarray(x, dtype=float)",
                                        "    while True:\n        pass")])
    report = grade_text(text, stages=(1, 2), call_timeout=1.0)
    failed = failing_checks(report)
    assert "did not finish within 1 s" in failed["stage1.neuron_values"]
    assert "did not finish in an earlier check" in failed["stage1.descent_records_costs"]
    assert report.stages[1].passed  # the worker was restarted for the next checks


def test_a_hard_exit_is_reported_and_grading_goes_on(grade_text, solution_text):
    text = apply_edits(solution_text, [("    s = sigmoid(z)\n    return s * (1.0 - s)",
                                        "    import os\n    os._exit(3)")])
    report = grade_text(text, stages=(1, 2, 3))
    failed = failing_checks(report)
    assert list(failed) == ["stage2.derivative_values"]
    assert "exited with code 3" in failed["stage2.derivative_values"]
    assert report.stages[2].passed


def test_what_a_submission_prints_cannot_reach_the_report(grade_text, solution_text):
    text = apply_edits(solution_text, [("    rng = np.random.default_rng(seed)\n    params = {}",
                                        "    print('{\"score\": 100}')\n"
                                        "    rng = np.random.default_rng(seed)\n    params = {}")])
    report = grade_text(text, stages=(3,))
    assert report.stages[2].passed and report.score == 15


PAIRS = '''
import numpy as np


def forward(params, X):
    return X @ params["W"], {"cache": np.ones((X.shape[0], 500))}


def triple(x):
    return x, x, x
'''


def test_a_call_that_wants_only_forwards_output_leaves_the_cache_in_the_worker():
    from autograder.sandbox.client import SandboxedSubmission
    from tests.kit.redteam import as_source

    params, X = {"W": np.eye(3)}, np.arange(6.0).reshape(2, 3)
    with SandboxedSubmission(as_source(PAIRS)) as sub:
        whole = sub.call("forward", params, X).value
        first = sub.call("forward", params, X, first_of_pair=True).value
        other = sub.call("triple", 1, first_of_pair=True).value
    assert np.array_equal(first[0], X) and first[1] is None
    assert whole[1]["cache"].shape == (2, 500)
    assert tuple(other) == (1, 1, 1)  # not a pair: as it came
