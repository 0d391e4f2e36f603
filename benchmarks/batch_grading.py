"""Grading a class: submissions per minute with `--jobs 1` and `--jobs 2`, and what the sandbox's
fence costs per submission (a worker started under bubblewrap or only as a process group).

    python benchmarks/batch_grading.py [--repeats 3] [--stages 1-5] [--starts 15]

The class is generated: reference solutions, untouched stubs (.py and notebooks), typical
mistakes, and the red-team corpus of hostile submissions (two of which hang until killed).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, median, mnist_environment, table, timed, write_results  # noqa: E402

sys.path.insert(0, str(ROOT))

# Wrong definitions appended to the reference solution (later definitions win).
MISTAKES = {
    "cost_mean": "def neuron_cost(w, b, x, y):\n"
                 "    return float(np.mean((neuron(x, w, b) - y) ** 2))\n",
    "sigmoid_overflows": "def sigmoid(z):\n    return 1.0 / (1.0 + np.exp(-np.asarray(z)))\n",
    "prime_sign": "def sigmoid_prime(z):\n    return sigmoid(z) * (1.0 + sigmoid(z))\n",
    "init_zeros": "def init_params(layer_sizes, seed=0):\n"
                  "    return {k: np.zeros(s) for i, (a, b) in enumerate(zip(layer_sizes[:-1],"
                  " layer_sizes[1:]), 1) for k, s in ((f'W{i}', (a, b)), (f'b{i}', b))}\n",
    "cross_entropy_sum": "def cross_entropy(A, Y):\n"
                         "    return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)))\n",
    "backward_zeros": "def backward(params, cache, Y):\n"
                      "    return {f'd{k}': np.zeros_like(v) for k, v in params.items()}\n",
    "update_plus": "def update(params, grads, learning_rate):\n"
                   "    return {k: v + learning_rate * grads['d' + k]\n"
                   "            for k, v in params.items()}\n",
    "predict_probabilities": "def predict(params, X):\n    return forward(params, X)[0]\n",
    "train_no_training": "def train(X, Y, layer_sizes, epochs, batch_size, learning_rate,"
                         " seed=0):\n    return init_params(layer_sizes, seed), [0.0] * epochs\n",
    "neuron_no_bias": "def neuron(x, w, b):\n    return w * np.asarray(x, dtype=float)\n",
}
REFERENCES, STUBS = 10, 8
# The memory hog touches memory until refused. Under the default 4 GiB limit that takes about as
# long as the 5 s a call may take here, so its verdict would depend on the machine's mood.
MEMORY_MB = "768"


def generate_class(folder: Path, scratch: Path) -> dict[str, str]:
    """Write the class into `folder`; return {student: kind}."""
    from autograder import assignment
    from tests.kit.redteam import CORPUS, hostile_text

    solution = assignment.solution(assignment.read_source())
    kinds: dict[str, str] = {}
    for i in range(REFERENCES):
        (folder / f"reference{i:02}.py").write_text(solution)
        kinds[f"reference{i:02}"] = "reference"
    for i in range(STUBS):
        if i % 2:
            assignment.write_student_copy(folder / f"stub{i:02}")  # a notebook in a folder
        else:
            assignment.write_student_copy(folder, as_notebook=False).rename(
                folder / f"stub{i:02}.py")
        kinds[f"stub{i:02}"] = "stub"
    for name, fragment in MISTAKES.items():
        (folder / f"mistake_{name}.py").write_text(f"{solution}\n\n{fragment}")
        kinds[f"mistake_{name}"] = "mistake"
    for path in sorted(CORPUS.glob("*.py")):
        if path.name == "__init__.py":
            continue
        fragment = hostile_text(path.name, marker="nnkit-bench-sleeper", port=9,
                                report=scratch / "report.json")
        (folder / f"hostile_{path.stem}.py").write_text(f"{solution}\n\n{fragment}")
        kinds[f"hostile_{path.stem}"] = "hostile"
    return kinds


def isolation_cost(starts: int, scratch: Path) -> tuple[list[list[object]], float]:
    """Median seconds to start a worker, load a submission and stop everything, per fence."""
    from autograder import assignment
    from autograder.sandbox.client import SandboxedSubmission
    from autograder.sandbox.isolation import BubblewrapIsolation, Isolation
    from autograder.sandbox.loader import read_submission
    from autograder.sandbox.policy import choose_isolation
    from tests.kit.redteam import as_source

    fenced = choose_isolation()
    if not isinstance(fenced, BubblewrapIsolation):
        raise SystemExit(f"bubblewrap is not in force here ({fenced.name}): nothing to compare")
    fences = {"bubblewrap": fenced, "process group + rlimits": Isolation(fenced.limits)}
    sources = {"tiny (imports numpy)": as_source("import numpy as np\n\ndef f():\n    return 1\n"),
               "reference solution": read_submission(
                   assignment.write_solution(scratch))}
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(starts):  # alternate, so a slow spell of the machine hits both alike
        for fence_name, fence in fences.items():
            for source_name, source in sources.items():
                def start_stop(source=source, fence=fence) -> None:
                    with SandboxedSubmission(source, fence):
                        pass
                times.setdefault((source_name, fence_name), []).append(timed(start_stop))
    rows, extra = [], []
    for source_name in sources:
        with_fence = median(times[(source_name, "bubblewrap")])
        without = median(times[(source_name, "process group + rlimits")])
        extra.append(with_fence - without)
        rows.append([source_name, f"{with_fence * 1000:.0f} ms", f"{without * 1000:.0f} ms",
                     f"{(with_fence - without) * 1000:+.0f} ms"])
    return rows, median(extra)


def batch_seconds(folder: Path, stages: tuple[int, ...], jobs: int,
                  out: Path) -> tuple[float, dict]:
    from autograder.checks.grade import GradeOptions
    from autograder.grader.batch import grade_batch

    result: dict = {}
    seconds = timed(lambda: result.update(batch=grade_batch(
        folder, out, GradeOptions(stages=stages), jobs=jobs, force=True, progress=False)))
    scores = {s.student: json.loads((out / s.report_name).read_text())["score"]
              for s in result["batch"].submissions}
    shutil.rmtree(out)
    return seconds, scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per job count")
    parser.add_argument("--stages", default="1-5", help="stages to grade (default 1-5)")
    parser.add_argument("--starts", type=int, default=15, help="worker starts per fence")
    args = parser.parse_args()
    mnist_environment()
    from autograder.cli import parse_stages

    stages = parse_stages(args.stages)
    with tempfile.TemporaryDirectory(prefix="nnkit-bench-batch-") as work:
        report(args, stages, Path(work))


def report(args: argparse.Namespace, stages: tuple[int, ...], work: Path) -> None:
    (work / "scratch").mkdir()
    (work / "class").mkdir()
    cost_rows, extra = isolation_cost(args.starts, work / "scratch")
    os.environ["NNKIT_MEMORY_MB"] = MEMORY_MB  # the pool's processes inherit it
    folder = work / "class"
    kinds = generate_class(folder, work / "scratch")
    counts = {kind: list(kinds.values()).count(kind) for kind in dict.fromkeys(kinds.values())}
    runs: dict[int, list[float]] = {1: [], 2: []}
    scores: dict[int, list[dict]] = {1: [], 2: []}
    for _ in range(args.repeats):  # alternate the job counts
        for jobs in (1, 2):
            seconds, graded = batch_seconds(folder, stages, jobs, work / "out")
            runs[jobs].append(seconds)
            scores[jobs].append(graded)
            print(f"--jobs {jobs}: {seconds:.1f} s", flush=True)
    same = all(graded == scores[1][0] for graded in scores[1] + scores[2])
    n = len(kinds)
    rate = {jobs: n / (median(seconds) / 60) for jobs, seconds in runs.items()}
    rows = [[f"--jobs {jobs}", f"{median(runs[jobs]):.1f} s",
             ", ".join(f"{s:.1f}" for s in runs[jobs]), f"{rate[jobs]:.1f}"] for jobs in (1, 2)]
    body = (
        "## Isolation cost per submission\n\n"
        f"Start a worker, load the submission, stop everything it started (median of "
        f"{args.starts}, alternating):\n\n"
        + table(["submission", "bubblewrap", "process group + rlimits", "difference"],
                cost_rows)
        + f"\n\nBubblewrap adds about {extra * 1000:.0f} ms per worker start (plus one "
        "self-test of about a worker start per grading process).\n\n"
        "## A class of submissions\n\n"
        f"{n} submissions ({', '.join(f'{count} {kind}' for kind, count in counts.items())}), "
        f"stages {args.stages}, {args.repeats} runs per job count, memory limit "
        f"{MEMORY_MB} MB:\n\n"
        + table(["jobs", "median", "runs (s)", "submissions per minute"], rows)
        + f"\n\nScaling ratio (--jobs 2 over --jobs 1): {rate[2] / rate[1]:.2f}. "
        f"Every run gave every student the same score: {'yes' if same else 'NO'}.\n"
    )
    write_results("batch_grading", "Batch grading: throughput and the cost of isolation", body)


if __name__ == "__main__":
    main()
