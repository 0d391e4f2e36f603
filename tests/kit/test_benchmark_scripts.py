"""The benchmark scripts run end to end and write their tables. These are smoke runs, one round
each, into a temporary folder; the timings are not checked (benchmarks measure, tests don't),
only that every figure the README quotes comes out as a number."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.kit.conftest import ROOT

NUMBER = r"\d+(?:\.\d+)?"


def run_benchmark(script: str, tmp_path: Path, *arguments: str) -> str:
    env = {**os.environ, "NNKIT_BENCHMARK_RESULTS": str(tmp_path)}
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *arguments],
                          capture_output=True, text=True, timeout=600, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = tmp_path / script.replace(".py", ".md")
    assert results.exists(), f"{script} wrote no results file"
    return results.read_text()


def test_training_benchmark_reports_the_reference_against_the_blas_limit(tmp_path):
    text = run_benchmark("training.py", tmp_path, "--rounds", "1", "--epochs", "1",
                         "--no-torch", "--no-workshop")
    assert re.search(rf"forward \+ full backward \(six products, {NUMBER} GFLOP an epoch\) "
                     rf"take {NUMBER} s", text)
    row = re.search(r"^\| kit reference \(NumPy\) \| (.*) \|$", text, re.MULTILINE)
    assert row, text
    cells = row.group(1).split(" | ")
    assert re.fullmatch(NUMBER, cells[0]) and float(cells[0]) > 0  # seconds per epoch
    assert all(re.fullmatch(r"\d+%", cell) for cell in cells[1:3])  # both BLAS-limit shares
    assert re.fullmatch(r"0\.\d{4}", cells[-1])  # test accuracy after the epoch
    assert "| PyTorch (CPU, own process) | not run" in text  # --no-torch says so, no crash
    sklearn_row = re.search(r"^\| scikit-learn MLPClassifier \| (.*) \|$", text, re.MULTILINE)
    assert sklearn_row and re.match(NUMBER, sklearn_row.group(1)), text  # installed by .[dev]


def test_batch_size_benchmark_reports_share_and_lead_at_every_size(tmp_path):
    text = run_benchmark("batch_sizes.py", tmp_path, "--sizes", "200,24", "--rounds", "1",
                         "--epochs", "1")
    for size in ("200", "24 (the reference's)"):
        row = re.search(rf"^\| {re.escape(size)} \| (.*) \|$", text, re.MULTILINE)
        assert row, f"no row for batch {size}:\n{text}"
        reference, limit, share, sklearn, lead, both = row.group(1).split(" | ")
        assert all(re.fullmatch(NUMBER, cell) for cell in (reference, limit, sklearn))
        assert re.fullmatch(r"\d+% \(\d+%\)", share)
        assert re.fullmatch(rf"{NUMBER}x \({NUMBER}x\)", lead)
        assert re.fullmatch(r"[01] of 1", both)


def test_grading_benchmark_reports_both_commands_and_where_the_time_goes(tmp_path):
    text = run_benchmark("grading.py", tmp_path, "--repeats", "1")
    for command in ("`nnkit grade --reference --stages 1-5`", "`nnkit check` of the reference",
                    "... all six but train() on MNIST",
                    "... the same in a student release (no replay there)"):
        assert re.search(rf"\| {re.escape(command)}[^|]* \| {NUMBER} \| 1 \|", text), text
    assert re.search(rf"the MNIST stage alone, .* {NUMBER} s\)", text)
    assert re.search(rf"replay of that training took {NUMBER} s .* {NUMBER} s plain, "
                     rf"{NUMBER} s watched", text), text
    for part in ("sandbox start-up", "gradient checks (stage 4)", "training (train on MNIST)",
                 "evaluation (10,000 test images)"):
        assert re.search(rf"\| {re.escape(part)} \| {NUMBER} \| \d+% \|", text), part


def test_loading_benchmark_reports_compressed_and_cached(tmp_path):
    text = run_benchmark("loading.py", tmp_path, "--repeats", "1")
    assert re.search(rf"\| from the \.gz files [^|]* \| {NUMBER} \|", text)
    assert re.search(rf"\| from the kit's cache \(uint8, memory-mapped\) \| {NUMBER} \|", text)
    assert re.search(rf"Cache vs compressed: {NUMBER}x faster", text)


def test_nbgrader_benchmark_times_one_notebook_and_a_class_with_one_and_two_jobs(tmp_path):
    text = run_benchmark("nbgrader_vs_nnkit.py", tmp_path, "--repeats", "1",
                         "--class-copies", "0")
    for student, scores in (("reference", "100 / 100"), ("stubs", "0 / 0")):
        row = re.search(rf"^\| {student} \| (.*) \|$", text, re.MULTILINE)
        assert row, text
        cells = row.group(1).split(" | ")
        assert all(re.fullmatch(NUMBER, cell) for cell in (cells[0], cells[1], cells[3]))
        assert re.fullmatch(rf"{NUMBER}x", cells[2]) and cells[-1] == scores
    row = re.search(r"^\| reference and stubs \| 2 \| (.*) \|$", text, re.MULTILINE)
    assert row, text
    assert re.fullmatch(rf"{NUMBER}x", row.group(1).split(" | ")[-1])  # the --jobs 2 speed-up
