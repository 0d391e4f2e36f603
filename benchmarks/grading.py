"""Grading speed: `nnkit grade` on the reference solution, stages 1-5 and all six, and where
the time goes (sandbox start-up, data loading, gradient checks, training, evaluation).

    python benchmarks/grading.py [--repeats 5] [--compare OTHER_CHECKOUT]

With --compare (another checkout of the kit, for instance an export of main), each command also
runs on that checkout's code, alternating with this one's, and a table gives the ratios.
"""

from __future__ import annotations

import argparse
import atexit
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, median, mnist_environment, table, timed, write_results  # noqa: E402

BYTECODE = Path(tempfile.gettempdir()) / "nnkit-benchmark-bytecode"


def kit_environment(checkout: Path | None) -> dict[str, str]:
    """The environment a command runs in: `checkout`'s code (default: this one), with its
    bytecode kept (in a folder of its own) as an installed kit's is: without it, each run
    would compile the kit's sources again (PYTHONDONTWRITEBYTECODE), which no student pays."""
    root = (checkout or ROOT).resolve()
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    folder = BYTECODE / hashlib.sha256(str(root).encode()).hexdigest()[:16]
    return {**env, "PYTHONPATH": str(root), "PYTHONPYCACHEPREFIX": str(folder)}


def cli_seconds(stages: str, repeats: int, checkout: Path | None = None) -> list[float]:
    """Wall-clock seconds of `nnkit grade --reference`, run on this kit or on `checkout`'s."""
    command = [sys.executable, "-m", "autograder.cli", "grade", "--reference", "--quiet",
               "--stages", stages]
    env = kit_environment(checkout)
    return [timed(lambda: subprocess.run(command, check=True, capture_output=True, env=env,
                                         cwd=checkout or ROOT))
            for _ in range(repeats)]


def cli_training_seconds(checkout: Path | None = None,
                         release: Path | None = None) -> tuple[float, float]:
    """(wall-clock seconds of `nnkit check` of the reference, all six stages, the seconds its
    train() took on MNIST as the report says): their difference is everything but training.
    In the instructor's kit (`checkout`'s), or with `release`, in a student release of it as
    its wheel installs it (no grader: stage 6's training is not replayed there)."""
    with tempfile.TemporaryDirectory(prefix="nnkit-bench-") as folder:
        env = kit_environment(checkout)
        subprocess.run([sys.executable, "-m", "autograder.cli", "generate", folder], check=True,
                       capture_output=True, env=env, cwd=checkout or ROOT)
        solution = next(Path(folder, "solution").glob("*.py"))
        command = [sys.executable, "-m", "autograder.cli", "check", "--submission",
                   str(solution)]
        if release is not None:
            env = {**env, "PYTHONPATH": str(release / "site")}
            command = [sys.executable, "-c", AS_INSTALLED, *command[3:]]
        done: list[subprocess.CompletedProcess] = []
        seconds = timed(lambda: done.append(subprocess.run(
            command, capture_output=True, text=True, env={**env, "NO_COLOR": "1"},
            cwd=release or checkout or ROOT)))
        found = re.search(r"\(trained in (\d+\.\d+) s\)", done[0].stdout)
        if done[0].returncode != 0 or found is None:
            raise SystemExit(f"`nnkit check` of the reference failed:\n{done[0].stdout[-2000:]}")
        return seconds, float(found[1])


# `nnkit` run from an unpacked wheel only, as in a student's virtual environment: without the
# import hooks an editable install of the kit adds to site-packages, which would find the
# instructor's modules the release leaves out.
AS_INSTALLED = ("import runpy, sys\n"
                "for hooks in (sys.meta_path, sys.path_hooks):\n"
                "    hooks[:] = [hook for hook in hooks if 'editable' not in repr(hook).lower()]\n"
                "sys.path_importer_cache.clear()\n"
                "runpy.run_module('autograder.cli', run_name='__main__', alter_sys=True)")


def student_release(checkout: Path | None, folder: Path) -> Path:
    """`nnkit release` of `checkout`'s kit into `folder`, its wheel unpacked into folder/site:
    the kit a student's `pip install -r requirements.txt` gives."""
    subprocess.run([sys.executable, "-m", "autograder.cli", "release", str(folder)], check=True,
                   capture_output=True, env=kit_environment(checkout), cwd=checkout or ROOT)
    with zipfile.ZipFile(next((folder / "vendor").glob("*.whl"))) as wheel:
        wheel.extractall(folder / "site")
    return folder


def breakdown() -> tuple[dict[str, float], dict[str, float]]:
    """One in-process grading of all six stages, timed piece by piece: (totals, parts)."""
    from autograder import assignment
    from autograder.checks.grade import GradeOptions, grade
    from autograder.data import load_mnist, mnist_arrays
    from autograder.grader import arithmetic
    from autograder.sandbox.client import SandboxedSubmission
    from autograder.sandbox.loader import read_submission

    path = assignment.write_solution(tempfile.mkdtemp(prefix="nnkit-bench-"))
    source = read_submission(path)

    def start_and_stop() -> None:
        with SandboxedSubmission(source):
            pass

    startup = median([timed(start_and_stop) for _ in range(5)])
    loading = median([timed(lambda: (mnist_arrays("train"), load_mnist("test")))
                      for _ in range(3)])
    stage_seconds: dict[int, float] = {}
    last = [time.perf_counter()]

    def on_check(stage, result) -> None:
        now = time.perf_counter()
        stage_seconds[stage.number] = stage_seconds.get(stage.number, 0.0) + now - last[0]
        last[0] = now

    started = time.perf_counter()
    last[0] = started
    report = grade(path, GradeOptions(on_check=on_check))
    total = time.perf_counter() - started
    X_test, _, _ = load_mnist("test")
    params = arithmetic.random_network([784, 100, 10], 0)
    evaluation = median([timed(lambda: arithmetic.output(params, X_test)) for _ in range(5)])
    training = report.mnist["train_seconds"]
    totals = {"all six stages": total, "the MNIST stage": stage_seconds.get(6, 0.0),
              "replay": report.mnist["replay_seconds"] or 0.0}
    return totals, {"sandbox start-up": startup, "data loading (cached)": loading,
            "gradient checks (stage 4)": stage_seconds.get(4, 0.0),
            "stages 1-3 and 5": sum(stage_seconds.get(n, 0.0) for n in (1, 2, 3, 5)),
            "training (train on MNIST)": training, "evaluation (10,000 test images)": evaluation}


def watch_cost(rounds: int = 3) -> tuple[float, float]:
    """(median seconds of the reference's train on MNIST called plainly, the same watched as
    stage 6 watches it: rows noted, checkpoints kept, init_params overwritten), in this process
    with one BLAS thread, alternating."""
    import ast
    import types

    from threadpoolctl import threadpool_limits

    from autograder import assignment
    from autograder.checks.stages.training_proof import initial_parameters
    from autograder.data import mnist_arrays
    from autograder.sandbox.worker_side.watch import RowIndex, call_watched
    from autograder.sandbox.worker_side.worker import mnist_training_arrays

    tree = ast.parse(assignment.solution(assignment.read_source()))
    kept = [node for node in tree.body if isinstance(node, ast.FunctionDef | ast.Import)
            or (isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") ==
                "HYPERPARAMS")]
    module = types.ModuleType("reference")
    exec(compile(ast.Module(kept, []), "reference", "exec"), module.__dict__)
    images, labels = mnist_arrays("train")
    X, Y = mnist_training_arrays(images, labels)
    rows, settings = RowIndex(images), module.HYPERPARAMS
    args = [X, Y, settings["layer_sizes"], settings["epochs"], settings["batch_size"],
            settings["learning_rate"]]
    request = {"name": "train", "args": args, "kwargs": {"seed": 0}, "max_rows":
               settings["batch_size"], "every": 250,
               "initial": initial_parameters(0, "benchmark", settings["layer_sizes"])}
    plain, watched = [], []
    with threadpool_limits(1, "blas"):
        for _ in range(rounds):
            plain.append(timed(lambda: module.train(*args, seed=0)))
            watched.append(timed(lambda: call_watched(module, rows, request)))
    return median(plain), median(watched)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--compare", type=Path, help="another checkout, timed side by side")
    args = parser.parse_args()
    mnist_environment()
    os.environ.setdefault("NNKIT_CACHE_DIR", str(Path.home() / ".cache" / "nnkit"))
    subprocess.run([sys.executable, "-m", "autograder.cli", "download-mnist"], check=True,
                   capture_output=True)
    for checkout in {None, args.compare}:  # a first run of each writes its bytecode
        cli_seconds("1", 1, checkout)
    five, six, other_five, other_six = [], [], [], []
    rest, other_rest = [], []  # all six stages but training
    student, other_student = [], []  # the same, in a student release
    scratch = Path(tempfile.mkdtemp(prefix="nnkit-bench-releases-"))
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    releases = {checkout: student_release(checkout, scratch / str(number))
                for number, checkout in enumerate({None, args.compare})}
    for _ in range(args.repeats):  # alternate, so a slow spell hits both alike
        five += cli_seconds("1-5", 1)
        if args.compare:
            other_five += cli_seconds("1-5", 1, args.compare)
        if len(six) < max(1, args.repeats // 2):
            seconds, training = cli_training_seconds()
            six.append(seconds)
            rest.append(seconds - training)
            seconds, training = cli_training_seconds(release=releases[None])
            student.append(seconds - training)
            if args.compare:
                seconds, training = cli_training_seconds(args.compare)
                other_six.append(seconds)
                other_rest.append(seconds - training)
                seconds, training = cli_training_seconds(args.compare, releases[args.compare])
                other_student.append(seconds - training)
    totals, parts = breakdown()
    plain, watched = watch_cost()
    rows = [["`nnkit grade --reference --stages 1-5`", f"{median(five):.2f}", len(five)],
            ["`nnkit check` of the reference (all six)", f"{median(six):.2f}", len(six)],
            ["... all six but train() on MNIST", f"{median(rest):.2f}", len(rest)],
            ["... the same in a student release (no replay there)", f"{median(student):.2f}",
             len(student)]]
    total = totals["all six stages"]
    shares = [[name, f"{seconds:.3f}", f"{seconds / total:.0%}"] for name, seconds in parts.items()]
    body = (table(["command (wall clock, includes Python start-up)", "median s", "runs"], rows)
            + f"\n\nWhere the time goes in one in-process grading of all six stages "
            f"({total:.2f} s; the MNIST stage alone, from loading the images and sending them "
            f"to the worker to evaluating the trained network, {totals['the MNIST stage']:.2f} "
            "s); start-up, loading and evaluation are timed separately, medians of 3-5:\n\n"
            + table(["part", "seconds", "share of total"], shares)
            + f"\n\nStage 6's replay of that training took {totals['replay']:.2f} s of the "
            "grader's time, most of it while train ran (on a spare core). The worker's watch "
            f"over train: {plain:.2f} s plain, {watched:.2f} s watched "
            f"({watched / plain - 1:.0%} more; one BLAS thread, medians of 3, alternating).")
    if args.compare:
        compared = [[command, f"{median(other):.2f}", f"{median(ours):.2f}",
                     f"{median(ours) / median(other):.2f}x", len(ours)]
                    for command, ours, other in (
                        ("`nnkit grade --reference --stages 1-5`", five, other_five),
                        ("`nnkit check` (all six)", six, other_six),
                        ("... all six but training", rest, other_rest),
                        ("... the same in a student release", student, other_student))]
        body += (f"\n\nSide by side with the checkout at `{args.compare}`, runs alternating "
                 "(wall clock, medians):\n\n"
                 + table(["command", "other s", "this s", "ratio", "runs"],
                         compared))
    write_results("grading", "Grading speed", body)


if __name__ == "__main__":
    main()
