"""Inputs the student cannot know in advance: with a course secret, every seed and jittered value
the checks use is drawn from it, so answers hard-coded for the public inputs fail, while the
reference and every correct variant still get full marks. Without a secret the inputs are the
public, deterministic ones a release records."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from autograder.checks import inputs
from autograder.checks.grade import GradeOptions, grade
from autograder.cli import main
from autograder.errors import KitEnvironmentError
from autograder.sandbox.client import SandboxedSubmission
from tests.kit.catalogue import MISTAKES, VARIANTS
from tests.kit.catalogue.evaluate import judge_mistake, judge_variant
from tests.kit.conftest import apply_edits, failing_checks

SECRET = b"a course secret, 2026: 5f0c2e7d"

# The attack: every function of stages 2-4 answers from a table of the reference's answers to
# the public inputs, looked up by a digest of its arguments (and knows nothing else).
HARD_CODED = '''

import base64 as _base64
import hashlib as _hashlib
import json as _json

import numpy as _np

ANSWERS = __ANSWERS__
TABLE = {}


def _key(value):
    if isinstance(value, _np.ndarray):
        data = _np.ascontiguousarray(value).tobytes()
        return ["a", value.dtype.str, list(value.shape), _hashlib.sha256(data).hexdigest()]
    if isinstance(value, dict):
        return ["d", sorted([str(k), _key(v)] for k, v in value.items())]
    if isinstance(value, (list, tuple)):
        return ["l", [_key(v) for v in value]]
    return ["v", repr(value)]


def _digest(name, args):
    return _hashlib.sha256(_json.dumps([name, _key(list(args))]).encode()).hexdigest()


def _decode(data):
    if isinstance(data, dict) and "__array__" in data:
        raw = _base64.b64decode(data["__array__"])
        return _np.frombuffer(raw, dtype=data["dtype"]).reshape(data["shape"]).copy()
    if isinstance(data, dict) and "__tuple__" in data:
        return tuple(_decode(item) for item in data["__tuple__"])
    if isinstance(data, dict):
        return {key: _decode(item) for key, item in data.items()}
    if isinstance(data, list):
        return [_decode(item) for item in data]
    return data


def _answer(name, *args):
    if not TABLE:
        TABLE.update(ANSWERS)
    found = TABLE.get(_digest(name, args))
    return None if found is None else _decode(found)


def sigmoid(z):
    return _answer("sigmoid", z)


def sigmoid_prime(z):
    return _answer("sigmoid_prime", z)


def forward(params, X):
    return _answer("forward", params, X)


def cross_entropy(A, Y):
    return _answer("cross_entropy", A, Y)


def backward(params, cache, Y):
    return _answer("backward", params, Y)
'''
KEYED = {"sigmoid": slice(None), "sigmoid_prime": slice(None), "forward": slice(None),
         "cross_entropy": slice(None), "backward": [0, 2]}  # backward: params and Y
VALUE_CHECKS = ["stage2.sigmoid_values", "stage2.sigmoid_is_stable", "stage2.derivative_values",
                "stage3.forward_values",
                "stage4.cross_entropy_values", "stage4.backward_shapes",
                "stage4.backward_one_hidden_layer", "stage4.backward_any_depth"]


def helpers() -> dict:
    """The attack's own key functions, to build its table with exactly the same digests."""
    namespace: dict = {}
    exec(HARD_CODED.replace("__ANSWERS__", "{}"), namespace)
    return namespace


def encode(value):
    if isinstance(value, np.ndarray):
        return {"__array__": base64.b64encode(np.ascontiguousarray(value).tobytes()).decode(),
                "dtype": value.dtype.str, "shape": list(value.shape)}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(item) for item in value]}
    if isinstance(value, dict):
        return {key: encode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [encode(item) for item in value]
    return value


@pytest.fixture(scope="module")
def hard_coded_submission(tmp_path_factory) -> str:
    """The reference, with stages 2-4 replaced by a table of its answers to the public inputs,
    recorded by watching the grader's calls while it grades the reference."""
    from autograder import assignment

    reference = assignment.solution(assignment.read_source())
    digest = helpers()["_digest"]
    table: dict = {}
    original = SandboxedSubmission.call

    def watched(self, function, *args, **kwargs):
        result = original(self, function, *args, **kwargs)
        if function in KEYED:
            chosen = args[KEYED[function]] if isinstance(KEYED[function], slice) else \
                [args[i] for i in KEYED[function]]
            table[digest(function, chosen)] = encode(result.value)
        return result

    folder = tmp_path_factory.mktemp("hard-coded")
    path = folder / "reference.py"
    path.write_text(reference, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SandboxedSubmission, "call", watched)
        report = grade(path, GradeOptions(stages=(2, 3, 4), secret=None))
    assert report.score == 50  # stages 2-4 in full
    assert len(table) > 10
    return reference + HARD_CODED.replace("__ANSWERS__", json.dumps(table))


def check_results(text: str, tmp_path: Path, secret: bytes | None) -> dict[str, bool]:
    path = tmp_path / "submission.py"
    path.write_text(text, encoding="utf-8")
    report = grade(path, GradeOptions(stages=(2, 3, 4), secret=secret))
    assert report.inputs == ("course secret" if secret else "public")
    return {check.id: check.passed for stage in report.stages for check in stage.checks
            if stage.ran}


# -- the attack ------------------------------------------------------------------------------------
def test_hard_coded_answers_pass_on_the_public_inputs_and_fail_with_a_secret(
        hard_coded_submission, tmp_path):
    public = check_results(hard_coded_submission, tmp_path, None)
    assert all(public.values()), public  # the table really is the right answers...
    secret = check_results(hard_coded_submission, tmp_path, SECRET)
    assert [check for check in VALUE_CHECKS if secret[check]] == []  # ...for the public inputs


def test_the_reference_passes_every_check_with_a_secret(tmp_path):
    from autograder import assignment

    reference = assignment.solution(assignment.read_source())
    for secret in (SECRET, b"another course", b"x"):
        path = tmp_path / "reference.py"
        path.write_text(reference, encoding="utf-8")
        report = grade(path, GradeOptions(stages=(1, 2, 3, 4, 5), secret=secret))
        assert failing_checks(report) == {}, (secret, failing_checks(report))


def test_with_a_secret_the_catalogue_is_still_caught_and_its_variants_pass(tmp_path):
    from autograder import assignment

    reference = assignment.solution(assignment.read_source())
    problems = {}
    for entry in (*MISTAKES, *VARIANTS):
        if 6 in entry.stages:
            continue  # MNIST takes no drawn inputs (and trains for seconds)
        path = tmp_path / "entry.py"
        path.write_text(apply_edits(reference, list(entry.edits)), encoding="utf-8")
        report = grade(path, GradeOptions(stages=entry.stages, secret=SECRET,
                                          allowed_packages=entry.allowed_packages
                                          if isinstance(entry, type(VARIANTS[0])) else ()))
        judge = judge_mistake if entry in MISTAKES else judge_variant
        problem = judge(entry, report, failing_checks(report))
        if problem:
            problems[entry.id] = problem
    assert problems == {}


# -- where the secret comes from -----------------------------------------------------------------
def test_seeds_are_public_without_a_secret_and_drawn_from_it_with_one():
    assert inputs.seed("stage3.forward_values/0", 0) == 0
    np.testing.assert_array_equal(inputs.jitter("x", [1.0, 2.0], 0.5), [1.0, 2.0])
    with inputs.course_secret(SECRET):
        drawn = inputs.seed("stage3.forward_values/0", 0)
        assert drawn == inputs.seed("stage3.forward_values/0", 0)  # deterministic per secret
        assert drawn != inputs.seed("stage3.forward_values/1", 1)  # and per label
        assert 0 <= drawn < 2**31
        moved = inputs.jitter("x", [1.0, 2.0], 0.5)
        assert np.all(np.abs(moved - [1.0, 2.0]) <= 0.5) and not np.allclose(moved, [1, 2])
    with inputs.course_secret(b"another"):
        assert inputs.seed("stage3.forward_values/0", 0) != drawn
    assert not inputs.secret_in_use()
    expected = hashlib.sha256  # the HMAC, not the plain label, decides
    assert drawn != int.from_bytes(expected(b"stage3.forward_values/0").digest()[:4], "big") >> 1


def test_the_secret_is_read_from_a_file_or_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv(inputs.SECRET_ENV, raising=False)
    monkeypatch.delenv(inputs.SECRET_FILE_ENV, raising=False)
    assert inputs.read_secret() is None
    monkeypatch.setenv(inputs.SECRET_ENV, "from the environment")
    assert inputs.read_secret() == b"from the environment"
    secret_file = tmp_path / "secret"
    secret_file.write_text("from a file\n", encoding="utf-8")
    monkeypatch.setenv(inputs.SECRET_FILE_ENV, str(secret_file))
    assert inputs.read_secret() == b"from a file"  # the file wins
    assert GradeOptions().secret == b"from a file"
    empty = tmp_path / "empty"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(KitEnvironmentError, match="is empty"):
        inputs.read_secret(empty)
    with pytest.raises(KitEnvironmentError, match="cannot be read"):
        inputs.read_secret(tmp_path / "missing")


def test_nnkit_grade_takes_a_secret_file_and_says_so_in_the_report(solution_file, tmp_path,
                                                                  monkeypatch):
    monkeypatch.delenv(inputs.SECRET_ENV, raising=False)
    monkeypatch.delenv(inputs.SECRET_FILE_ENV, raising=False)
    secret_file = tmp_path / "secret"
    secret_file.write_bytes(SECRET)
    runner = CliRunner()
    for extra, words in (([], "public"), (["--secret-file", str(secret_file)], "course secret")):
        out = tmp_path / f"{len(extra)}.json"
        result = runner.invoke(main, ["grade", str(solution_file), "--stages", "1-5", "--quiet",
                                      "--json", str(out), *extra])
        assert result.exit_code == 0, result.output
        report = json.loads(out.read_text(encoding="utf-8"))
        assert report["inputs"] == words and report["expected_values"] == "live"
        assert report["score"] == 80


def test_submitted_code_cannot_read_the_secret(tmp_path, monkeypatch):
    # The secret stays on the grader's side: the worker's environment is fixed (no variable of
    # the grader's leaks in) and its filesystem view holds neither the grader's /tmp nor home.
    from autograder.sandbox.loader import read_submission

    secret_file = tmp_path / "course-secret"
    secret_file.write_bytes(SECRET)
    monkeypatch.setenv(inputs.SECRET_ENV, SECRET.decode())
    monkeypatch.setenv(inputs.SECRET_FILE_ENV, str(secret_file))
    submission = tmp_path / "submission.py"
    submission.write_text(
        "import os\n\n\n"
        "def leak(path):\n"
        "    found = [os.environ.get(name, '') for name in os.environ]\n"
        "    try:\n"
        "        with open(path, 'rb') as file:\n"
        "            found.append(file.read().decode())\n"
        "    except OSError as error:\n"
        "        found.append(type(error).__name__)\n"
        "    return found\n", encoding="utf-8")
    with SandboxedSubmission(read_submission(submission)) as sub:
        found = sub.call("leak", str(secret_file)).value
    assert found[-1] in ("FileNotFoundError", "PermissionError")
    assert not [value for value in found if SECRET.decode() in value or str(secret_file) in value]
