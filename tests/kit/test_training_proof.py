"""Stage 6 pays only for a training the grader redid: parameters computed anywhere but in the
watched call of `train` (fitted offline and mapped through the recovered hidden order, fitted by
a library, trained while the data was handed over) earn HYPERPARAMS' 2 points and nothing else,
under bubblewrap and under the dedicated user, through `nnkit grade`, grade-batch and Gradescope.
The hostile files are in tests/kit/redteam/ (their cheat blocks cut out, they are honest)."""

from __future__ import annotations

import base64
import functools
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest

from autograder.checks.grade import GradeOptions, grade
from autograder.checks.report import Report
from autograder.data import mnist_arrays
from autograder.grader import replay
from autograder.grader.batch import grade_batch
from tests.kit.conftest import failing_checks
from tests.kit.redteam import honest_version, hostile_text

# Grading for credit needs a course secret: these tests grade in a course.
pytestmark = pytest.mark.usefixtures("in_course")

FENCES = {"bwrap": "bubblewrap", "user": "dedicated user"}
ATTACKS = ("offline_weights.py", "library_train.py", "train_during_handover.py")
# What the failure says the grader observed, per attack on a working submission.
OBSERVED = {"offline_weights.py": "returned parameters that its own update calls did not "
                                  "produce",
            "library_train.py": "never called update",
            "train_during_handover.py": "never called update"}
LIBRARIES = ("sklearn", "scipy", "joblib", "threadpoolctl")  # what MLPClassifier imports


@functools.cache
def offline_weights() -> str:
    """A 784-100-10 network fitted in advance to the public MNIST (two epochs, about 96% on the
    public test set), with public MNIST's pixel column sums and first hundred training labels:
    all a student needs to map it onto the grader's hidden order. Base64 of an .npz."""
    images, labels = mnist_arrays("train")
    rng = np.random.default_rng(0)
    initial = {"W1": rng.normal(0, 1 / 28, (784, 100)), "b1": np.zeros(100),
               "W2": rng.normal(0, 0.1, (100, 10)), "b2": np.zeros(10)}
    rows = np.concatenate([rng.permutation(60000) for _ in range(2)])
    params = replay.replay(initial, images, labels, rows, np.arange(0, rows.size + 1, 24), 0.5)
    buffer = io.BytesIO()
    np.savez(buffer, **params, column_sums=images.sum(axis=0, dtype=np.int64),
             first_labels=labels[:100])
    return base64.b64encode(buffer.getvalue()).decode()


def attack(name: str, base: str) -> str:
    return f"{base}\n\n{hostile_text(name, weights=offline_weights())}"


def allow_libraries(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A course whose settings let submissions import scikit-learn at grading (the defence must
    hold where a library is importable)."""
    folder.mkdir(exist_ok=True)
    (folder / "nnkit-course.toml").write_text(
        "[grading]\nallowed_packages = [" + ", ".join(f'"{name}"' for name in LIBRARIES)
        + "]\n", encoding="utf-8")
    monkeypatch.setenv("NNKIT_COURSE", str(folder))


def returned_accuracy(message: str) -> float:
    """What the parameters train returned scored, as the failure says (the attack was real)."""
    found = re.search(r"score (\d+\.\d+)% on the test set", message)
    assert found, message
    return float(found.group(1)) / 100


def assert_only_hyperparameters_earned(report: Report, observed: str) -> None:
    stage6 = report.stages[5]
    failed = failing_checks(report)
    assert stage6.score == 2, failed
    assert [check.id for check in stage6.checks if check.passed] == [
        "stage6.hyperparameters_valid"]
    assert observed in failed["stage6.mnist_accuracy"], failed["stage6.mnist_accuracy"]
    assert observed in failed["stage6.mnist_training_finishes"]
    assert report.mnist["accuracy"] is None and report.mnist["verified"] is False


@pytest.mark.parametrize("fence", FENCES)
@pytest.mark.parametrize("name", ATTACKS, ids=[name[:-3] for name in ATTACKS])
def test_parameters_train_did_not_compute_earn_only_the_hyperparameters_check(
        name, fence, solution_text, tmp_path, monkeypatch):
    monkeypatch.setenv("NNKIT_ISOLATION", fence)
    allow_libraries(tmp_path / "course", monkeypatch)
    path = tmp_path / "hostile.py"
    path.write_text(attack(name, solution_text), encoding="utf-8")
    report = grade(path, GradeOptions(stages=(6,)))
    assert report.isolation.startswith(FENCES[fence]), report.isolation
    assert_only_hyperparameters_earned(report, OBSERVED[name])
    if name != "train_during_handover.py":  # the real thing: these weights would have passed
        assert returned_accuracy(failing_checks(report)["stage6.mnist_accuracy"]) >= 0.9


def stubs(solution_text: str) -> str:
    """Every function of the assignment, unwritten (as the release's stubs are)."""
    names = re.findall(r"^def (\w+)\((.*)\):", solution_text, flags=re.M)
    return "import numpy as np\n\n" + "\n".join(
        f"def {name}({args}):\n    raise NotImplementedError\n" for name, args in names)


@pytest.mark.parametrize("fence", FENCES)
def test_stubs_with_offline_weights_score_like_stubs(fence, solution_text, tmp_path,
                                                     monkeypatch):
    """Issue 23's attack: the stubs, HYPERPARAMS, and a train returning weights fitted offline
    and mapped through the recovered order: 2 points (HYPERPARAMS), not 20."""
    monkeypatch.setenv("NNKIT_ISOLATION", fence)
    path = tmp_path / "stubs.py"
    path.write_text(attack("offline_weights.py", stubs(solution_text)), encoding="utf-8")
    report = grade(path, GradeOptions(stages=(1, 2, 3, 4, 5, 6)))
    assert report.score == 2, failing_checks(report)
    assert_only_hyperparameters_earned(report, "never called update")
    assert returned_accuracy(failing_checks(report)["stage6.mnist_accuracy"]) >= 0.95


def test_the_honest_versions_train_and_are_verified(solution_text, tmp_path):
    """Cut their cheats out and the same files earn what their training earns: verified, 5 of
    stage 6's points (one epoch of minibatches of 600 stays under the 95% threshold)."""
    for name in ATTACKS:
        path = tmp_path / name
        path.write_text(f"{solution_text}\n\n{honest_version(attack(name, ''))}",
                        encoding="utf-8")
        report = grade(path, GradeOptions(stages=(6,)))
        assert report.mnist["verified"] is True, failing_checks(report)
        assert report.stages[5].score == 5, failing_checks(report)


def test_a_class_graded_by_grade_batch_pays_offline_weights_nothing(solution_text, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "mallory.py").write_text(attack("offline_weights.py", stubs(solution_text)),
                                       encoding="utf-8")
    grade_batch(folder, tmp_path / "out", GradeOptions(stages=(6,)), jobs=1, progress=False)
    report = Report.from_dict(json.loads((tmp_path / "out" / "mallory.json").read_text()))
    assert_only_hyperparameters_earned(report, "never called update")


def test_the_reference_is_verified_and_keeps_full_marks(solution_file):
    report = grade(solution_file, GradeOptions(stages=(6,)))
    assert report.stages[5].score == 20, failing_checks(report)
    assert report.mnist["verified"] is True and report.mnist["accuracy"] >= 0.95
    assert report.mnist["replay_seconds"] > 0


def test_the_record_names_float32_rows_views_and_single_samples(tmp_path):
    """The worker's row index finds stored rows however train passes them (no sandbox: the
    index is plain NumPy)."""
    from autograder.sandbox.worker_side.watch import TOO_LARGE, UNKNOWN, RowIndex

    images = mnist_arrays("train")[0][:2000]
    index = RowIndex(images)
    X = images / 255.0
    rows = np.array([5, 17, 1999, 0])
    assert index.find(X[rows], 24).tolist() == rows.tolist()
    assert index.find(X[rows].astype(np.float32), 24).tolist() == rows.tolist()
    assert index.find(X[7], 24).tolist() == [7]
    assert index.find(X[3:4].T.T, 24).tolist() == [3]
    changed = X[rows] * 0.5
    assert index.find(changed, 24).tolist().count(UNKNOWN) >= 3
    assert set(index.find(X[:100], 24).tolist()) == {TOO_LARGE}


HOOKED = '''import sys

import numpy as np

SEEN = []


def hook(frame, event, arg):
    SEEN.append(frame.f_code.co_name)


def hooked(function):
    sys.setprofile(hook)
    sys.settrace(lambda frame, event, arg: SEEN.append(frame.f_code.co_name))
    return function


@hooked
def seen():
    return sorted(set(SEEN[-50000:]))
'''


def test_no_hook_of_the_submission_watches_the_handover(tmp_path):
    """Profile and trace hooks set when the definitions run (a decorator runs with its def) see
    nothing of the worker storing the training set."""
    from autograder.sandbox.client import SandboxedSubmission
    from tests.kit.redteam import as_source

    images = mnist_arrays("train")[0][:500]
    with SandboxedSubmission(as_source(HOOKED)) as sub:
        sub.store_mnist(images, np.arange(500) % 10)
        seen = sub.call("seen").value
    assert "<module>" in seen  # the hooks ran while the definitions were loaded...
    handover = {"_read_exact", "from_wire", "mnist_training_arrays", "keep"}
    assert handover.isdisjoint(seen), seen  # ... and saw nothing of the handover


def segments_problem(rate: float, tamper: str) -> str | None:
    """replay_problem on a made-up training of 600 updates (checkpoints after 250 and 500),
    honest or with the checkpoint after 500 (`tamper="checkpoint"`) or the result
    (`"returned"`) not what its updates give."""
    from autograder.checks.stages.training_proof import Minibatches, replay_problem

    rng = np.random.default_rng(5)
    pixels, classes = rng.integers(0, 256, (300, 784), dtype=np.uint8), rng.integers(0, 10, 300)
    initial = {"W1": rng.normal(0, 1 / 28, (784, 20)), "b1": np.zeros(20),
               "W2": rng.normal(0, 0.2, (20, 10)), "b2": np.zeros(10)}
    rows = np.concatenate([rng.permutation(300) for _ in range(4)])  # 600 updates of 2 rows
    starts = np.arange(0, rows.size + 1, 2)

    def train(start, first, last):
        return replay.replay(start, pixels, classes, rows, starts[first:last + 1], rate,
                             np.float64)

    checkpoints = [train(initial, 0, 250)]
    checkpoints.append(train(checkpoints[0], 250, 500))
    returned = train(checkpoints[1], 500, 600)
    if tamper == "checkpoint":
        checkpoints[1] = {key: value * 1.05 for key, value in checkpoints[1].items()}
    if tamper == "returned":
        returned = train(checkpoints[0], 250, 350)
    batches = Minibatches(rows, starts, np.full(600, rate), 1)
    return replay_problem(returned, initial, checkpoints, 250, batches, pixels, classes, rate,
                          True, 60.0, "train")[0]


def test_each_segment_between_checkpoints_must_be_the_replay_of_its_updates():
    """The replay's chain, without a sandbox: an honest record passes; a checkpoint or a result
    that its updates did not produce is named, segment and all."""
    assert segments_problem(0.02, "") is None
    assert "did not carry its parameters from one update to the next: redoing updates 251 to " \
           "500 of 600" in segments_problem(0.02, "checkpoint")
    assert "returned parameters that its own update calls did not produce: redoing updates " \
           "501 to 600 of 600" in segments_problem(0.02, "returned")


def test_a_training_too_chaotic_to_verify_is_told_so_with_the_fix():
    """Large steps on inputs of 0-255 amplify rounding: the grader's own single and double
    precision replays disagree, and the message says why and what to change."""
    assert segments_problem(0.5, "") is None  # its own arithmetic: exact
    message = segments_problem(0.5, "checkpoint")
    assert "amplifies the last bits of rounding" in message and "smaller learning_rate" in message
