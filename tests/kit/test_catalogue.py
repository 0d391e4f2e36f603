"""The kit proves its discriminating power on its own catalogue: every catalogued mistake fails
the catalogued stage first (earlier stages pass) with the catalogued diagnosis, every correct
variant passes, and the report command prints the catch rate, the false-fail rate and the
number of distinct diagnoses."""

from __future__ import annotations

import subprocess
import sys

import pytest

from autograder.checks.stages import stage
from tests.kit.catalogue import MISTAKES, VARIANTS, Mistake, Variant
from tests.kit.catalogue.evaluate import evaluate, format_summary, reference_text, summarise
from tests.kit.conftest import ROOT, apply_edits

ENTRIES = [*MISTAKES, *VARIANTS]


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda entry: entry.id)
def test_mistake_fails_its_stage_first_with_its_diagnosis(mistake: Mistake):
    outcome = evaluate(mistake)
    assert outcome.ok, f"{mistake.id}: {outcome.problem}"


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda entry: entry.id)
def test_correct_variant_passes_every_graded_stage(variant: Variant):
    outcome = evaluate(variant)
    assert outcome.ok, f"{variant.id}: {outcome.problem}"


def test_catalogue_is_large_and_spans_every_stage():
    assert len(MISTAKES) >= 35 and len(VARIANTS) >= 42
    assert sorted({mistake.stage for mistake in MISTAKES}) == [1, 2, 3, 4, 5, 6]
    assert len({entry.id for entry in ENTRIES}) == len(ENTRIES), "entry ids must be unique"
    for mistake in MISTAKES:
        names = [check.run.__name__ for check in stage(mistake.stage).checks]
        assert mistake.check in names, f"{mistake.id}: stage {mistake.stage} has no {mistake.check}"
    # MNIST training costs seconds: only one cheap mistake and one variant train (the other
    # stage 6 mistakes are refused before any training).
    assert [entry.id for entry in ENTRIES if 6 in entry.stages] == [
        "mnist-wrong-output-layer", "mnist-hyperparameters-too-weak",
        "mnist-hyperparams-from-a-lowercase-variable", "mnist-layer-sizes-without-the-input",
        "mnist-learning-rate-as-text", "deeper-network-on-mnist"]


def test_every_entry_really_changes_the_reference():
    reference = reference_text()
    for entry in ENTRIES:
        assert apply_edits(reference, list(entry.edits)) != reference, entry.id


def test_catch_rate_is_100_percent_and_false_fail_rate_0(capsys):
    summary = summarise(evaluate(entry) for entry in ENTRIES)
    assert (summary.caught, summary.mistakes) == (len(MISTAKES), len(MISTAKES))
    assert (summary.false_fails, summary.variants) == (0, len(VARIANTS))
    assert summary.catch_rate == 1.0 and summary.false_fail_rate == 0.0
    # Every mistake has a diagnosis of its own, and each was shown to the student.
    assert summary.distinct_diagnoses == len(MISTAKES)
    text = format_summary(summary)
    assert f"catch rate: 100% ({len(MISTAKES)}/{len(MISTAKES)} mistakes" in text
    assert f"false-fail rate: 0% (0/{len(VARIANTS)} correct variants" in text
    assert f"distinct diagnoses: {len(MISTAKES)}" in text
    with capsys.disabled():
        print("\n" + text)


def test_an_uncaught_mistake_and_a_false_fail_lower_the_rates():
    # The judge itself can fail: a harmless edit is "not caught", a real bug is a "false fail".
    harmless = Mistake("renamed-docstring", 1, "neuron_values", "anything",
                       (('"""The neuron\'s output b + w*x', '"""The output b + w*x'),))
    broken = Variant("not-really-correct", (("np.zeros(n_out)", "np.ones(n_out)"),))
    outcomes = [evaluate(harmless), evaluate(broken), evaluate(MISTAKES[0])]
    assert outcomes[0].problem == "not caught: stage 1 passed"
    assert outcomes[1].problem.startswith("false fail: stage3.init_statistics: b1 should start")
    summary = summarise(outcomes)
    assert (summary.catch_rate, summary.false_fail_rate) == (0.5, 1.0)
    assert summary.distinct_diagnoses == 1


def test_a_mistake_caught_by_an_earlier_stage_is_reported_as_such():
    early = Mistake("sigmoid-break-claimed-for-stage-3", 3, "forward_values", "anything",
                    (("    return s * (1.0 - s)\n", "    return s\n"),))
    assert evaluate(early).problem.startswith("stage 2 failed before stage 3: "
                                              "stage2.derivative_values")


def run_report(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tests.kit.catalogue", *arguments], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_report_command_prints_the_three_numbers():
    run = run_report("--only", "cost-averaged-not-summed", "--only", "exponent-trick-sigmoid")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "ok   mistake  stage 1  cost-averaged-not-summed" in run.stdout
    assert "catch rate: 100% (1/1 mistakes" in run.stdout
    assert "false-fail rate: 0% (0/1 correct variants" in run.stdout
    assert "distinct diagnoses: 1" in run.stdout


def test_report_command_rejects_an_unknown_entry():
    run = run_report("--only", "no-such-entry")
    assert run.returncode == 2 and "no catalogue entry called no-such-entry" in run.stderr
