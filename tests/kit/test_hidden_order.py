"""Stage 6's hidden order of pixels and labels: unknown without the grader's secret, the same
for one grader grading one submission again, different for another secret or submission."""

from __future__ import annotations

import stat

import numpy as np

from autograder.checks.stages import hidden_order


def test_the_order_repeats_for_one_grader_and_submission_only(tmp_path, monkeypatch):
    monkeypatch.delenv(hidden_order.SECRET_ENV, raising=False)
    monkeypatch.setenv("NNKIT_CACHE_DIR", str(tmp_path / "cache"))
    pixels, labels = hidden_order.hidden_permutation(0, "def train(): ...")
    assert sorted(pixels) == list(range(784)) and sorted(labels) == list(range(10))
    again = hidden_order.hidden_permutation(0, "def train(): ...")
    assert np.array_equal(again[0], pixels) and np.array_equal(again[1], labels)
    secret = tmp_path / "cache" / hidden_order.SECRET_FILE
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600 and len(secret.read_bytes()) == 64
    other_text = hidden_order.hidden_permutation(0, "def train(): pass")
    other_seed = hidden_order.hidden_permutation(1, "def train(): ...")
    assert not np.array_equal(other_text[0], pixels) and not np.array_equal(other_seed[0], pixels)
    secret.write_bytes(b"another grader's secret")
    assert not np.array_equal(hidden_order.hidden_permutation(0, "def train(): ...")[0], pixels)


def test_a_course_secret_makes_every_grader_agree(tmp_path, monkeypatch):
    monkeypatch.setenv(hidden_order.SECRET_ENV, "course-2026")
    orders = []
    for machine in ("a", "b"):
        monkeypatch.setenv("NNKIT_CACHE_DIR", str(tmp_path / machine))
        orders.append(hidden_order.hidden_permutation(0, "text")[0])
    assert np.array_equal(*orders)
    assert not (tmp_path / "a").exists()  # no secret of its own is made
