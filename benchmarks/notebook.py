"""How long the student's notebook takes to run: the source notebook with the reference solution,
top to bottom on a real Jupyter kernel (nbclient), with the BLAS library's default threads and
with one thread, side by side; and the released notebook up to its first stub.

    python benchmarks/notebook.py [--repeats 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import median, mnist_environment, table, timed, write_results  # noqa: E402

ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def cell_seconds(cell) -> float:
    timing = cell.metadata.get("execution", {})
    started, ended = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (started and ended):
        return 0.0
    return (datetime.fromisoformat(ended.replace("Z", "+00:00"))
            - datetime.fromisoformat(started.replace("Z", "+00:00"))).total_seconds()


def run(text: str, env: dict[str, str], allow_stop: bool = False):
    import nbclient
    from nbclient.exceptions import CellExecutionError

    from autograder import assignment

    notebook = assignment.notebook(text)
    with tempfile.TemporaryDirectory(prefix="nnkit-bench-notebook-") as folder:
        client = nbclient.NotebookClient(notebook, kernel_name="python3", timeout=1800,
                                         resources={"metadata": {"path": folder}})
        try:
            client.execute(env={**os.environ, **env})
        except CellExecutionError:
            if not allow_stop:
                raise
    return notebook


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    mnist_environment()
    from autograder import assignment

    source = assignment.read_source()
    solution, student = assignment.solution(source), assignment.student(source)
    totals: dict[str, list[float]] = {"default BLAS threads": [], "one BLAS thread": []}
    cells: dict[str, list[float]] = {}
    stub = []
    for _ in range(args.repeats):
        for name, env in (("default BLAS threads", {}), ("one BLAS thread", ONE_THREAD)):
            started = time.perf_counter()
            notebook = run(solution, env)
            totals[name].append(time.perf_counter() - started)
            for cell in notebook.cells:
                if cell.cell_type == "code" and name == "one BLAS thread":
                    first = cell.source.splitlines()[0][:70]
                    cells.setdefault(first, []).append(cell_seconds(cell))
        stub.append(timed(lambda: run(student, ONE_THREAD, allow_stop=True)))
    rows = [[f"source notebook, reference solution, {name}", f"{median(values):.1f}",
             " ".join(f"{value:.1f}" for value in values)] for name, values in totals.items()]
    rows.append(["released notebook, up to its first stub", f"{median(stub):.1f}",
                 " ".join(f"{value:.1f}" for value in stub)])
    slowest = sorted(cells.items(), key=lambda item: -median(item[1]))[:5]
    body = (f"Whole notebooks, kernel start included; medians of {args.repeats}.\n\n"
            + table(["notebook", "median s", "each run s"], rows)
            + "\n\nSlowest cells (one BLAS thread, median s):\n\n"
            + table(["cell (first line)", "median s"],
                    [[f"`{first}`", f"{median(values):.2f}"] for first, values in slowest]))
    write_results("notebook", "The student notebook's running time", body)


if __name__ == "__main__":
    main()
