"""Shared helpers for the benchmark scripts: timing, machine facts, and the results file.

These machines are noisy (their speed sometimes halves for a while), so every script compares
only side by side: contenders run in alternation within one process run, and each figure is a
median over repeats.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

# Where results files go; the kit's tests point this elsewhere to leave the recorded ones alone.
RESULTS = Path(os.environ.get("NNKIT_BENCHMARK_RESULTS",
                              Path(__file__).resolve().parent / "results"))
ROOT = Path(__file__).resolve().parents[1]


def timed(function: Callable[[], object]) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def median(values: list[float]) -> float:
    return statistics.median(values)


def machine() -> str:
    """One paragraph naming the machine, Python, NumPy and its BLAS."""
    import numpy as np

    try:
        from threadpoolctl import threadpool_info

        blas = ", ".join(f"{i.get('internal_api')} {i.get('version')} "
                         f"({i.get('num_threads')} threads, {i.get('architecture')})"
                         for i in threadpool_info())
    except ImportError:
        blas = "unknown (install threadpoolctl)"
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, "
            f"NumPy {np.__version__}; BLAS: {blas}")


def write_results(name: str, title: str, body: str) -> Path:
    """Write benchmarks/results/<name>.md and echo it."""
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    text = (f"# {title}\n\nMeasured {stamp} by `python benchmarks/{name}.py "
            f"{' '.join(sys.argv[1:])}`.\n\nMachine: {machine()}\n\n{body}\n")
    path = RESULTS / f"{name}.md"
    path.write_text(text)
    print(text)
    return path


def table(headers: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def course_environment() -> None:
    """Grade for credit in a course of the benchmark's own (its secret), as an instructor
    does: without one, grading for credit refuses the public inputs. A course already named
    by $NNKIT_COURSE is kept."""
    import atexit
    import shutil
    import tempfile

    if os.environ.get("NNKIT_COURSE"):
        return
    from autograder.grader.course_folder import init_course

    folder = Path(tempfile.mkdtemp(prefix="nnkit-bench-course-"))
    atexit.register(shutil.rmtree, folder, True)
    init_course(folder / "course")
    os.environ["NNKIT_COURSE"] = str(folder / "course")


def mnist_environment() -> None:
    """Use ../shared/mnist when NNKIT_MNIST_DIR is not set (as the tests do)."""
    shared = ROOT.parent / "shared" / "mnist"
    if "NNKIT_MNIST_DIR" not in os.environ and shared.exists():
        os.environ["NNKIT_MNIST_DIR"] = str(shared)
