"""The student's copy is not an answer key: a release holds no grader, no source of the grader's
arithmetic and no code that computes a graded function; its checks compare with values recorded
from the reference for the public inputs, and still catch and diagnose every catalogued mistake
and pass every correct variant."""

from __future__ import annotations

import ast
import inspect
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import assignment
from autograder.checks import expected
from autograder.checks.report import Report
from autograder.grader.release import write_release
from tests.kit.arithmetic_search import graded_arithmetic
from tests.kit.catalogue import MISTAKES, VARIANTS
from tests.kit.catalogue.evaluate import evaluate, judge_mistake, judge_variant
from tests.kit.conftest import ROOT, apply_edits, failing_checks
from tests.kit.release_kit import installed
from tests.kit.release_search import leaks

GRADER = ROOT / "autograder" / "grader"
SCRIPT = Path(__file__).resolve().parent / "release_grading.py"


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_release(tmp_path_factory.mktemp("answer-key") / "student-repo")


@pytest.fixture
def release_copy(release: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(release, tmp_path / "clone"))


# The kit's editable install puts a finder on sys.meta_path that maps any autograder.* name to the
# kit's folder: a student's machine has no such thing, so the release's Python runs without it.
WITHOUT_KIT = ("import runpy, sys\n"
               "sys.meta_path[:] = [f for f in sys.meta_path\n"
               "                    if '__editable__' not in getattr(f, '__module__', '')]\n"
               "sys.path_hooks[:] = [h for h in sys.path_hooks\n"
               "                     if '__editable__' not in getattr(h, '__module__', '')]\n")


def in_release(folder: Path, *command: str) -> subprocess.CompletedProcess:
    """Python with the release's kit (its wheel, unpacked) first on the path, and no way to
    this kit's."""
    if command[0] == "-c":
        program = WITHOUT_KIT + command[1]
    else:
        program = (WITHOUT_KIT + f"sys.argv = {list(command)!r}\n"
                   f"runpy.run_path({command[0]!r}, run_name='__main__')\n")
    env = {**os.environ, "PYTHONPATH": str(installed(folder)), "NO_COLOR": "1"}
    env.pop("NNKIT_ASSIGNMENT", None)
    return subprocess.run([sys.executable, "-c", program], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=900)


def grader_definitions() -> list[str]:
    """The source of every function and class the kit's grader/ defines."""
    found = []
    for path in sorted(GRADER.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.end_lineno \
                    and node.end_lineno > node.lineno:  # one-liners are too common to search
                found.append(ast.get_source_segment(text, node))
    assert len(found) > 100, "the search should cover all of grader/"
    return found


# -- what is in it -------------------------------------------------------------------------------
def test_the_release_holds_no_grader_and_cannot_import_one(release):
    site = installed(release)
    assert not (site / "autograder" / "grader").exists()
    assert (site / expected.FIXTURE.relative_to(ROOT)).is_file()
    code = ("import importlib, json, pkgutil, autograder\n"
            "broken = {}\n"
            "for module in pkgutil.walk_packages(autograder.__path__, 'autograder.'):\n"
            "    try:\n"
            "        importlib.import_module(module.name)\n"
            "    except Exception as error:\n"
            "        broken[module.name] = repr(error)\n"
            "missing = []\n"
            "for name in ('autograder.grader', 'autograder.grader.arithmetic',\n"
            "             'autograder.grader.wrong_backprops',\n"
            "             'autograder.grader.computed_values'):\n"
            "    try:\n"
            "        importlib.import_module(name)\n"
            "    except ModuleNotFoundError:\n"
            "        missing.append(name)\n"
            "print(json.dumps([autograder.__file__, broken, missing]))")
    run = in_release(release, "-c", code)
    assert run.returncode == 0, run.stderr
    where, broken, missing = json.loads(run.stdout)
    assert where.startswith(str(site))
    assert broken == {}  # every module the release ships imports without the grader
    assert len(missing) == 4


def test_the_release_holds_no_source_of_the_graders_arithmetic(release):
    assert leaks(release, grader_definitions()) == []


def test_the_release_code_computes_no_graded_function(release):
    assert graded_arithmetic(installed(release)) == []  # the kit it carries
    assert graded_arithmetic(release) == []  # the notebook and the rest


def test_the_searches_find_grader_arithmetic_copied_into_a_release(release_copy):
    # Both searches above must be able to fail: the grader's arithmetic and the wrong-backprop
    # models pasted into the release (here, under another name) are found by each.
    site = installed(release_copy)
    target = site / "autograder" / "student" / "helpers.py"
    target.write_text((GRADER / "arithmetic.py").read_text(encoding="utf-8")
                      + (GRADER / "wrong_backprops.py").read_text(encoding="utf-8"),
                      encoding="utf-8")
    assert {file for file, _ in leaks(site, grader_definitions())} == {
        "autograder/student/helpers.py"}
    found = graded_arithmetic(site)
    assert found and all(line.startswith("autograder/student/helpers.py:") for line in found)
    assert any("logistic" in line for line in found) and any("gradient" in line for line in found)


def test_the_scan_finds_the_reference_solution_arithmetic(tmp_path):
    (tmp_path / "solution.py").write_text(assignment.solution(assignment.read_source()),
                                          encoding="utf-8")
    kinds = {line.split(": ", 1)[1] for line in graded_arithmetic(tmp_path)}
    assert {"a.T @ delta: a weight gradient", "params - rate * grads: the update"} <= kinds


def test_the_recorded_values_are_those_of_the_public_inputs_and_hold_no_secret(tmp_path,
                                                                               monkeypatch):
    # Written while a course secret is configured, a release still records the public inputs'
    # values (the same ones, byte for byte), and the secret appears in none of its files.
    secret = "course-secret-8d1f0b"
    monkeypatch.setenv("NNKIT_COURSE_SECRET", secret)
    with_secret = write_release(tmp_path / "with-secret")
    monkeypatch.delenv("NNKIT_COURSE_SECRET")
    public = write_release(tmp_path / "public")
    recorded = expected.FIXTURE.relative_to(ROOT)
    first = expected.Recorded(installed(with_secret) / recorded).answers()
    second = expected.Recorded(installed(public) / recorded).answers()
    assert first.keys() == second.keys() and len(first) > 20
    for folder in (with_secret, installed(with_secret)):
        for path in folder.rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path


def test_a_release_cannot_record_from_a_kit_without_a_reference(tmp_path):
    from autograder.grader.recording import RecordingFailed, record_kit_reference

    stubs = tmp_path / "stubs.py"
    stubs.write_text(assignment.student(assignment.read_source()), encoding="utf-8")
    with pytest.raises(RecordingFailed, match="holds no reference solution"):
        record_kit_reference(tmp_path / "values.npz", stubs)


def test_a_request_the_release_did_not_record_is_a_kit_fault_with_a_plain_message(release):
    recorded = expected.Recorded(installed(release) / expected.FIXTURE.relative_to(ROOT))
    import numpy as np

    with pytest.raises(expected.NotRecorded, match="public inputs it was released with"):
        recorded("sigmoid", {"z": np.array([0.25])})
    assert recorded("sigmoid", {"z": np.array([-1000.0, -745.0, -40.0, 0.0, 40.0, 745.0,
                                               1000.0])})["value"][3] == 0.5


# -- its checks, against the catalogue -----------------------------------------------------------
def grade_in_release(release: Path, folder: Path, entries: dict[str, tuple[str, tuple]]) -> dict:
    manifest = []
    for key, (text, stages) in entries.items():
        path = folder / f"{len(manifest)}.py"
        path.write_text(text, encoding="utf-8")
        manifest.append({"id": key, "path": str(path), "stages": list(stages)})
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    run = in_release(release, str(SCRIPT), str(folder / "manifest.json"), str(folder / "out.json"))
    assert run.returncode == 0, run.stderr[-3000:]
    reports = json.loads((folder / "out.json").read_text(encoding="utf-8"))
    assert reports.pop("__autograder__").startswith(str(installed(release)))
    return {key: Report.from_dict(value) for key, value in reports.items()}


def test_the_releases_own_checks_catch_and_diagnose_the_catalogue(release, tmp_path):
    reference = assignment.solution(assignment.read_source())
    # A release grades with its own course settings (here the kit's: NumPy and the standard
    # library only); a variant that needs a package the course allows is judged in
    # test_catalogue.py, in a course that allows it.
    catalogue = [entry for entry in (*MISTAKES, *VARIANTS)
                 if not getattr(entry, "allowed_packages", ())]
    entries = {entry.id: (apply_edits(reference, list(entry.edits)), entry.stages)
               for entry in catalogue}
    entries["reference"] = (reference, (1, 2, 3, 4, 5))
    reports = grade_in_release(release, tmp_path, entries)
    problems = {}
    for entry in catalogue:
        report = reports[entry.id]
        assert report.expected_values == "recorded" and report.inputs == "public"
        judge = judge_mistake if entry in MISTAKES else judge_variant
        problem = judge(entry, report, failing_checks(report))
        if problem:
            problems[entry.id] = problem
    # Exactly what the kit itself catches, diagnoses and passes (tests/kit/test_catalogue.py
    # holds the kit to 100% and 0%).
    assert problems.keys() == {entry.id for entry in catalogue if not evaluate(entry).ok}
    assert not any("could not check" in message for report in reports.values()
                   for message in failing_checks(report).values())
    # The reference passes, and the one check that measured its own results says how.
    reference_report = reports["reference"]
    assert reference_report.score == reference_report.max_score - 20  # stage 6 not selected
    learns = next(check for stage in reference_report.stages for check in stage.checks
                  if check.id == "stage5.train_learns")
    assert expected.OWN_FORWARD in learns.message


def test_the_checks_ask_only_for_what_the_release_records():
    # Every request a check makes names a computation of the grader's (so recording it and
    # answering it live are the same thing).
    from autograder.checks.stages import STAGES
    from autograder.grader.computed_values import REQUESTS

    asked = set()
    for stage in STAGES:
        module = sys.modules[stage.checks[0].run.__module__]
        for node in ast.walk(ast.parse(inspect.getsource(module))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "of" \
                    and isinstance(node.func.value, ast.Name) \
                    and node.func.value.id == "expected":
                asked.add(node.args[0].value)
    assert asked and asked <= set(REQUESTS)


def test_what_a_release_cannot_verify_is_named_not_passed_in_silence(release):
    code = ("from autograder.checks import expected\n"
            "print(expected.source().name, '|', expected.unverified_here('the replay'))")
    run = in_release(release, "-c", code)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"recorded | the replay: {expected.INSTRUCTOR_ONLY}"
    assert expected.is_live() and expected.unverified_here("the replay") is None  # in the kit


def test_a_request_is_found_again_despite_last_bit_differences_but_not_other_inputs():
    # A student's NumPy may regenerate the public inputs with different last bits; any real
    # change of an input is another request.
    import numpy as np

    z = np.linspace(-6.0, 6.0, 24)
    nudged = z.copy()
    nudged[5] = np.nextafter(nudged[5], np.inf)
    assert expected.request_key("sigmoid", {"z": z}) == expected.request_key("sigmoid",
                                                                               {"z": nudged})
    other = z.copy()
    other[5] += 1e-4
    assert expected.request_key("sigmoid", {"z": z}) != expected.request_key("sigmoid",
                                                                               {"z": other})
    assert expected.request_key("sigmoid", {"z": z}) != expected.request_key("sigmoid_prime",
                                                                               {"z": z})
    assert expected.request_key("neuron", {"x": 2.0, "w": 0.5, "b": 1.0}) != \
        expected.request_key("neuron", {"x": 2.0, "w": 1.0, "b": 0.5})
