"""Stage 6 measures the test accuracy on MNIST's images as stored (uint8), scaled as
load_mnist scales them (autograder/checks/expected.py `images_output`). In a release, where
the student's own forward measures it, the images go to the worker once as bytes and forward
runs on parts of them kept there: the outputs must be exactly those of the floats sent whole."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks import expected
from autograder.checks.context import Grading
from autograder.checks.grade import GradeOptions
from autograder.checks.stage import CheckFailed
from autograder.data import load_mnist, mnist_arrays
from autograder.sandbox.client import SandboxedSubmission
from autograder.sandbox.loader import read_submission
from autograder.sandbox.worker_side.codec import Handle


@pytest.fixture
def network() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(5)
    return {"W1": rng.normal(0, 0.05, (784, 30)), "b1": rng.normal(0, 0.1, 30),
            "W2": rng.normal(0, 0.3, (30, 10)), "b2": rng.normal(0, 0.1, 10)}


def sent(sub: SandboxedSubmission, monkeypatch) -> list[tuple[str, dict]]:
    """The requests the grader sends to the worker from now on: (op, body)."""
    requests: list[tuple[str, dict]] = []
    real = SandboxedSubmission._request

    def spy(self, op, body, *args, **kwargs):
        requests.append((op, body))
        return real(self, op, body, *args, **kwargs)

    monkeypatch.setattr(SandboxedSubmission, "_request", spy)
    return requests


def test_a_release_sends_the_images_once_as_bytes_and_gets_the_floats_outputs(
        solution_file, network, monkeypatch):
    monkeypatch.setattr(expected, "is_live", lambda: False)  # as in a release
    images = mnist_arrays("test")[0][:2500]
    X = load_mnist("test")[0][:2500]
    with SandboxedSubmission(read_submission(solution_file)) as sub:
        ctx = Grading(sub, GradeOptions())
        whole = expected.network_output(ctx, network, X, "the test accuracy", rows=2500)
        requests = sent(sub, monkeypatch)
        parts = expected.images_output(ctx, network, images, "the test accuracy")
    assert np.array_equal(parts, whole)  # bit for bit: the same floats, the same forward
    assert [op for op, _ in requests] == ["store_images", "call", "call", "call"]
    assert requests[0][1]["images"].dtype == np.uint8  # a byte a pixel crossed the pipe
    assert all(isinstance(body["args"][1], Handle) for _, body in requests[1:])


def test_the_instructors_grading_scales_the_images_for_its_own_forward(solution_file, network):
    images = mnist_arrays("test")[0][:300]
    with SandboxedSubmission(read_submission(solution_file)) as sub:
        ctx = Grading(sub, GradeOptions())
        live = expected.images_output(ctx, network, images, "the test accuracy")
        assert np.array_equal(live, expected.network_output(
            ctx, network, load_mnist("test")[0][:300], "the test accuracy"))


def test_a_forward_that_returns_the_wrong_shape_on_a_part_is_told_so(solution_file, tmp_path,
                                                                      monkeypatch, network):
    monkeypatch.setattr(expected, "is_live", lambda: False)
    source = solution_file.read_text() + (
        "\n_real_forward = forward\n"
        "def forward(params, X):\n"
        "    A, cache = _real_forward(params, X)\n"
        "    return (A[:-1] if X.shape[0] < 1000 else A), cache\n")
    path = tmp_path / "short_last_part.py"
    path.write_text(source)
    with SandboxedSubmission(read_submission(path)) as sub:
        ctx = Grading(sub, GradeOptions())
        with pytest.raises(CheckFailed, match="A from your forward for the test accuracy"):
            expected.images_output(ctx, network, mnist_arrays("test")[0][:1500],
                                   "the test accuracy")
