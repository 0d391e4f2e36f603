"""Correct code is not failed for the containers it uses: subclasses of plain data cross the pipe
in their plain form (the worker keeps the original for the way back), any sequence of the right
length is a pair, and no message shows the codec's own words."""

from __future__ import annotations

import enum
import types
from collections import OrderedDict, UserList, defaultdict, deque, namedtuple
from typing import NamedTuple

import numpy as np
import pytest

from autograder.checks.compare import as_sequence, type_name
from autograder.checks.stage import CheckFailed
from autograder.sandbox.worker_side.codec import Handle, KeptArray, from_wire, to_wire
from tests.kit.conftest import apply_edits, failing_checks

# np.matrix is what some students use; NumPy's advice against it is not this file's concern.
pytestmark = pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")


class Worker:
    """The worker's half of the codec: what cannot be sent is kept and sent as a handle."""

    def __init__(self) -> None:
        self.objects: dict[int, object] = {}

    def keep(self, value: object) -> Handle:
        handle = Handle(len(self.objects) + 1, type(value).__name__)
        self.objects[handle.id] = value
        return handle

    def send(self, value: object) -> object:  # worker -> grader
        buffers: list[bytes] = []
        return from_wire(to_wire(value, buffers, self.keep), buffers)

    def receive(self, value: object) -> object:  # grader -> worker
        buffers: list[bytes] = []
        return from_wire(to_wire(value, buffers), buffers, lambda h: self.objects[h.id])


class Pair(NamedTuple):
    A: np.ndarray
    cache: list


class Colour(enum.IntEnum):
    RED = 1


class Params(dict):
    __getattr__ = dict.__getitem__


@pytest.mark.parametrize("value, plain_type", [
    (OrderedDict(W1=np.ones(2)), dict),
    (defaultdict(float, b1=np.zeros(3)), dict),
    (Params(W1=np.ones(2)), dict),
    (types.MappingProxyType({"W1": np.ones(2)}), dict),
    (Pair(np.ones(2), [np.zeros(1)]), tuple),
    (namedtuple("Gradient", "dw db")(1.0, 2.0), tuple),
    (UserList([1.0, 2.0]), list),
    (deque([np.ones(2)]), list),
    (np.matrix([[1.0, 2.0]]), np.ndarray),
], ids=lambda v: type(v).__name__)
def test_subclasses_of_plain_data_arrive_as_plain_data(value, plain_type):
    back = Worker().send(value)
    assert isinstance(back, plain_type)
    assert type_name(back) == type(value).__name__  # messages name the student's own type
    if plain_type is np.ndarray:
        assert np.array_equal(np.asarray(back), value) and back.shape == value.shape
        assert np.array_equal(back @ np.ones(2), [3.0])  # a plain array: @ is the product
    else:
        assert len(back) == len(value)


def test_numbers_of_subclassed_types_arrive_as_plain_numbers():
    back = Worker().send([Colour.RED, type("Money", (float,), {})(2.5)])
    assert back == [1, 2.5] and [type(x) for x in back] == [int, float]


def test_the_worker_gets_its_own_object_back():
    worker = Worker()
    original = Pair(np.ones(2), [np.matrix([[1.0]])])
    back = worker.send((np.zeros(1), original))[1]
    assert worker.receive(back) is original  # attributes and methods intact: .cache works
    assert worker.receive(back[1][0]) is original.cache[0]  # still an np.matrix


def test_a_value_the_grader_computed_from_a_kept_array_is_sent_as_plain_data():
    worker = Worker()
    kept = worker.send(np.matrix([[1.0, 2.0]]))
    assert isinstance(kept, KeptArray)
    derived = worker.receive(kept * 2.0)
    assert type(derived) is np.ndarray and np.array_equal(derived, [[2.0, 4.0]])


def test_what_is_not_plain_data_stays_in_the_worker():
    back = Worker().send([{1: np.ones(2)}, object(), "text", b"bytes"])
    assert isinstance(back[0], Handle) and isinstance(back[1], Handle)
    assert back[2] == "text" and isinstance(back[3], Handle)


@pytest.mark.parametrize("value", [(1.0, 2.0), [1.0, 2.0], np.array([1.0, 2.0]),
                                   namedtuple("P", "a b")(1.0, 2.0)], ids=repr)
def test_any_sequence_of_the_right_length_is_a_pair(value):
    assert [float(x) for x in as_sequence(value, 2, "f should return a pair")] == [1.0, 2.0]


@pytest.mark.parametrize("value, shown", [
    (np.ones((2, 2)), "an array of shape (2, 2)"),
    ([1.0, 2.0, 3.0], "a list of length 3"),
    (Handle(3, "Network"), "a Network"),
    (2.0, "a float"),
])
def test_a_wrong_pair_is_described_in_plain_words(value, shown):
    with pytest.raises(CheckFailed) as failure:
        as_sequence(value, 2, "f should return a pair")
    assert str(failure.value) == f"f should return a pair, but it returned {shown}."


def test_no_message_shows_the_codec_s_words(grade_text, solution_text):
    text = apply_edits(solution_text, [
        ("def init_params(layer_sizes, seed=0):",
         "class Network:\n    pass\n\n\ndef init_params(layer_sizes, seed=0):"),
        ("        params[f\"b{layer}\"] = np.zeros(n_out)\n    return params\n",
         "        params[f\"b{layer}\"] = np.zeros(n_out)\n    return Network()\n"),
        ("    return activations[-1], activations\n", "    return Network()\n"),
    ])
    failed = failing_checks(grade_text(text, stages=(3,)))
    assert "init_params([3, 2]) should be a dict of arrays, but it is Network." in \
        failed["stage3.init_shapes"]
    assert "forward should return a pair (A, cache), but it returned a Network." in \
        failed["stage3.forward_values"]
    assert not any("Handle" in message or "Kept" in message for message in failed.values())
