"""Stage 6 redoes a training while it runs: the worker sends its record in segments, one per
checkpoint, and the grader replays each on a spare core (autograder/checks/stages/
replay_ahead.py). The verdict must not change: the segments make the same trace as one reply
would, a replay done ahead is taken only for the same inputs, and a malformed or forged segment
leaves the verdict to the whole trace."""

from __future__ import annotations

import os

import numpy as np
import pytest

from autograder.checks.stages import replay_ahead
from autograder.checks.stages.replay_ahead import ReplayAhead, spare_core
from autograder.checks.stages.training_proof import Minibatches, replay_problem
from autograder.data import mnist_arrays
from autograder.grader import replay
from autograder.sandbox.client import SandboxedSubmission, whole_trace
from autograder.sandbox.loader import read_submission
from autograder.sandbox.worker_side.watch import BACKWARD, FORWARD, INIT, UPDATE, RowIndex


def watched_training(solution_file, on_segment=None) -> dict:
    """The reference's train on 600 MNIST images (50 updates of 24 rows, a checkpoint every
    10), watched in its sandbox; the whole trace."""
    images, labels = mnist_arrays("train")
    images, labels = images[:600], labels[:600]
    rng = np.random.default_rng(3)
    initial = {"W1": rng.normal(0, 1 / 28, (784, 30)), "b1": np.zeros(30),
               "W2": rng.normal(0, 0.2, (30, 10)), "b2": np.zeros(10)}
    with SandboxedSubmission(read_submission(solution_file)) as sub:
        X, Y = sub.store_mnist(images, labels)
        call = sub.call_watched("train", X, Y, [784, 30, 10], 2, 24, 0.5, seed=1,
                                initial=initial, max_rows=24, every=10, timeout=60,
                                reply_limit=64 << 20, on_segment=on_segment)
    return call.events[0]


def test_segments_sent_while_train_runs_make_the_trace_one_reply_would(solution_file):
    segments: list[dict] = []
    streamed = watched_training(solution_file, segments.append)
    whole = watched_training(solution_file)
    assert len(segments) == 5 and whole["checkpoints"] and streamed["codes"].size > 150
    for segment in segments:  # each ends with the update its checkpoint follows
        assert segment["codes"][-1] == UPDATE and set(segment["checkpoint"]) == {
            "W1", "b1", "W2", "b2"}
    for key in ("codes", "counts", "rows", "rates"):
        assert np.array_equal(streamed[key], whole[key]), key
    assert (streamed["rows"] >= 0).all()  # every row named
    assert len(streamed["checkpoints"]) == len(whole["checkpoints"]) == 5
    for mine, theirs in zip(streamed["checkpoints"], whole["checkpoints"]):
        assert all(np.array_equal(mine[key], theirs[key]) for key in theirs)


def test_a_malformed_segment_leaves_a_trace_stage_6_calls_unreadable():
    rest = {"codes": np.zeros(0, np.int8), "counts": np.zeros(0, np.int64),
            "rows": np.zeros(0, np.int64), "rates": np.zeros(0), "problems": [],
            "checkpoints": []}
    assert whole_trace([], rest) is rest
    assert whole_trace([{"codes": [FORWARD], "rows": [1]}], rest) == {}  # no counts, no point
    assert whole_trace(["not a segment"], rest) == {}


def test_the_row_index_looks_up_a_whole_training_at_once():
    """Forward calls note their rows' sums cheaply; the row numbers are found after train, in
    bulk, in call order, whatever each call was (too large, not rows, float32)."""
    images = mnist_arrays("train")[0][:500]
    index = RowIndex(images)
    X = images / 255.0
    notes = [index.note(X[[4, 9]], 24), index.note(X[:30], 24), index.note(X[[7]] * 2, 24),
             index.note(X[[499]].astype(np.float32), 24),
             index.note(np.full((1, 784), "text"), 24)]
    assert index.numbers(notes).tolist() == [4, 9, *[-2] * 30, -1, 499, -1]


def made_up_training(rate: float = 0.02) -> dict:
    """A record of 60 updates of 2 rows on random images, its checkpoints every 20 updates as
    its own updates give them, and the segments the worker would send."""
    rng = np.random.default_rng(7)
    pixels, classes = rng.integers(0, 256, (60, 784), dtype=np.uint8), rng.integers(0, 10, 60)
    initial = {"W1": rng.normal(0, 1 / 28, (784, 20)), "b1": np.zeros(20),
               "W2": rng.normal(0, 0.2, (20, 10)), "b2": np.zeros(10)}
    rows = np.concatenate([rng.permutation(60) for _ in range(2)])
    starts = np.arange(0, rows.size + 1, 2)
    points = [initial]
    for first in range(0, 60, 20):
        points.append(replay.replay(points[-1], pixels, classes, rows, starts[first:first + 21],
                                    rate, np.float64))
    segments = []
    for first in range(0, 40, 20):  # the last 20 updates come with the reply
        codes = [INIT] if first == 0 else []
        counts = [0] if first == 0 else []
        for _ in range(20):
            codes += [FORWARD, BACKWARD, UPDATE]
            counts += [2, 2, 0]
        segments.append({"codes": np.array(codes, np.int8), "counts": np.array(counts),
                         "rows": rows[2 * first:2 * first + 40], "rates": np.full(20, rate),
                         "checkpoint": points[first // 20 + 1]})
    return {"pixels": pixels, "classes": classes, "initial": initial, "rows": rows,
            "starts": starts, "points": points, "segments": segments, "rate": rate}


def verdict(training: dict, ahead: ReplayAhead | None, monkeypatch,
            float64: bool = True) -> tuple[str | None, int]:
    """replay_problem on the made-up training, and how many segments it replayed itself."""
    calls = []
    real = replay.replay
    monkeypatch.setattr(replay, "replay", lambda *args: calls.append(1) or real(*args))
    batches = Minibatches(training["rows"], training["starts"], np.full(60, training["rate"]), 1)
    points = training["points"]
    problem = replay_problem(points[3], training["initial"], points[1:3], 20, batches,
                             training["pixels"], training["classes"], training["rate"],
                             float64, 60.0, "train", ahead)[0]
    monkeypatch.setattr(replay, "replay", real)
    return problem, len(calls)


def ahead_of(training: dict, segments: list[dict]) -> ReplayAhead:
    ahead = ReplayAhead(training["initial"], training["pixels"], training["classes"],
                        [784, 20, 10], training["rate"], 60.0)
    for segment in segments:
        ahead.on_segment(segment)
    ahead.finish()
    return ahead


def test_segments_redone_while_train_ran_leave_only_the_last_to_redo(monkeypatch):
    training = made_up_training()
    assert verdict(training, None, monkeypatch) == (None, 3)
    assert verdict(training, ahead_of(training, training["segments"]), monkeypatch) == (None, 1)


def test_a_forged_segment_is_not_taken_and_the_verdict_stands(monkeypatch):
    """A segment naming other rows than the whole trace does, or one whose checkpoint (where
    the next starts) is not the trace's, gives a replay of something else: it is not used (a
    float32 training has no float64 replay to fall back on), and an honest training is still
    verified, a dishonest one still refused."""
    training = made_up_training()
    other_rows = [dict(segment) for segment in training["segments"]]
    other_rows[0]["rows"] = (other_rows[0]["rows"] + 1) % 60
    other_start = [dict(segment) for segment in training["segments"]]
    other_start[0]["checkpoint"] = {key: value + 0.01 for key, value in
                                    other_start[0]["checkpoint"].items()}
    for forged in (other_rows, other_start):  # one segment redone here, and the last
        assert verdict(training, ahead_of(training, forged), monkeypatch, False) == (None, 2)
    tampered = dict(training, points=[*training["points"][:2],
                                      {key: value * 1.05 for key, value in
                                       training["points"][2].items()}, training["points"][3]])
    problem, _ = verdict(tampered, ahead_of(training, training["segments"]), monkeypatch)
    assert "redoing updates 21 to 40 of 60" in problem


def test_a_segment_that_is_no_record_stops_the_replay_ahead_only(monkeypatch):
    training = made_up_training()
    broken = [{"codes": "nonsense"}, *training["segments"][1:]]
    ahead = ahead_of(training, broken)
    assert ahead.done == {}
    assert verdict(training, ahead, monkeypatch) == (None, 3)


@pytest.mark.parametrize(("cores", "at_once", "spare"),
                         [(1, 1, False), (2, 1, True), (2, 2, False), (8, 3, True)])
def test_the_replay_runs_ahead_only_with_a_core_to_spare(cores, at_once, spare, monkeypatch):
    monkeypatch.setattr(replay_ahead.os, "sched_getaffinity", lambda pid: set(range(cores)))
    assert spare_core(at_once) is spare


def records_gradings_at_once(submission, options, out) -> float:
    """A grading task that writes down how many gradings it was told share the machine."""
    (out / f"{submission.student}.at_once").write_text(str(options.gradings_at_once))
    return 0.0


@pytest.mark.parametrize("jobs", [1, 2])
def test_grade_batch_tells_each_grading_how_many_share_the_machine(jobs, tmp_path, monkeypatch):
    from autograder.checks.grade import GradeOptions
    from autograder.grader.batch import grade_batch

    monkeypatch.setenv("NNKIT_UNSAFE", "1")  # (no grading runs: the task only writes a file)
    monkeypatch.setenv("NNKIT_PUBLIC_INPUTS", "1")
    folder = tmp_path / "class"
    folder.mkdir()
    for student in ("ann", "bob"):
        (folder / f"{student}.py").write_text("x = 1\n")
    grade_batch(folder, tmp_path / "out", GradeOptions(stages=(1,), public_inputs=True,
                                                       unsafe=True),
                jobs=jobs, progress=False, task=records_gradings_at_once)
    assert {path.read_text() for path in (tmp_path / "out").glob("*.at_once")} == {str(jobs)}


def test_helper_processes_read_how_many_gradings_share_the_machine(monkeypatch):
    from autograder.checks.grade import GRADINGS_ENV, GradeOptions
    from autograder.grader.course.driver import environment_variable

    monkeypatch.delenv(GRADINGS_ENV, raising=False)
    assert GradeOptions().gradings_at_once == 1
    with environment_variable(GRADINGS_ENV, "3"):  # as nbgrader autograde --jobs 3 sets it
        assert GradeOptions().gradings_at_once == 3
    assert GRADINGS_ENV not in os.environ
    monkeypatch.setenv(GRADINGS_ENV, "many")
    assert GradeOptions().gradings_at_once == 1


FLOODING_TRAIN = '''

def train(X, Y, layer_sizes, epochs, batch_size, learning_rate, seed=0):
    """Writes made-up segments of its record straight into the worker's pipe to the grader,
    more than any training has, before training honestly."""
    import fcntl
    import stat

    from autograder.sandbox.worker_side.codec import to_wire, write_message

    for fd in range(3, 64):
        try:
            if not stat.S_ISFIFO(os.fstat(fd).st_mode) or \\
                    fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE != os.O_WRONLY:
                continue
        except OSError:
            continue
        pipe = os.fdopen(fd, "wb", closefd=False)
        for _ in range(400):
            buffers = []
            body = to_wire({"codes": np.zeros(3, np.int8), "counts": np.zeros(3, np.int64),
                            "rows": np.zeros(0, np.int64), "rates": np.zeros(1),
                            "checkpoint": {"W1": np.zeros((784, 100))}}, buffers)
            write_message(pipe, {"op": "segment", "body": body}, buffers)
    return honest_train(X, Y, layer_sizes, epochs, batch_size, learning_rate, seed)
'''


def test_a_flood_of_forged_segments_is_cut_off_and_graded(solution_text, tmp_path):
    """Segments written into the worker's pipe by the submission itself, past the bound on
    their number: the grader stops reading, stage 6 earns only HYPERPARAMS' points, and the
    report says why (bounded: one MNIST stage, its own temporary folder)."""
    from autograder.checks.grade import GradeOptions, grade
    from tests.kit.conftest import failing_checks

    text = solution_text.replace("def train(X, Y,", "def honest_train(X, Y,", 1)
    assert text != solution_text
    path = tmp_path / "flood.py"
    path.write_text("import os\n" + text + FLOODING_TRAIN, encoding="utf-8")
    report = grade(path, GradeOptions(stages=(6,), mnist_time_budget=60.0))
    failed = failing_checks(report)
    assert set(failed) == {"stage6.mnist_training_finishes", "stage6.mnist_accuracy"}, failed
    assert "more of train's record than its bound" in failed["stage6.mnist_training_finishes"]
    assert report.stages[-1].score == 2
