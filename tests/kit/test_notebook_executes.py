"""The notebooks run for real on a Jupyter kernel (nbclient): the source notebook with the
reference solution runs top to bottom and draws every picture; the released student notebook
runs until the first stub and stops there with the stub's friendly message."""

from __future__ import annotations

import base64
import io
import os
import re

import jupyter_client.kernelspec
import nbclient
import pytest
from nbclient.exceptions import CellExecutionError
from PIL import Image

from autograder import assignment

KERNEL = "python3"
# One BLAS thread: on a shared 2-core machine, OpenBLAS's spinning threads made the same MNIST
# training 3 to 10 times slower whenever another process was busy (measured: 4 s against 45 s
# for two epochs). Minibatches of 32 gain nothing from a second thread anyway.
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
STAGE1_FUNCTIONS = ("neuron", "neuron_cost", "neuron_gradient", "gradient_descent")


def execute(notebook, folder):
    """Run every cell on a real kernel, in `folder` (MNIST comes from NNKIT_MNIST_DIR, which
    the kernel inherits from this process)."""
    if KERNEL not in jupyter_client.kernelspec.find_kernel_specs():
        pytest.fail(f"no '{KERNEL}' Jupyter kernel: run `python -m ipykernel install --user "
                    f"--name {KERNEL}` (the CI script does)")
    client = nbclient.NotebookClient(notebook, kernel_name=KERNEL, timeout=900,
                                     resources={"metadata": {"path": str(folder)}})
    client.execute(env={**os.environ, **ONE_THREAD})
    return notebook


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def text_of(cell) -> str:
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        elif "text/plain" in output.get("data", {}):
            parts.append(output.data["text/plain"])
    return "".join(parts)


def pictures(cell) -> list[Image.Image]:
    found = []
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if "image/png" in data:
            found.append(Image.open(io.BytesIO(base64.b64decode(data["image/png"]))))
    return found


def cell_calling(notebook, text: str):
    matches = [cell for cell in code_cells(notebook) if text in cell.source]
    assert len(matches) == 1, f"expected one code cell containing {text!r}, found {len(matches)}"
    return matches[0]


@pytest.fixture(scope="module")
def solution_notebook(tmp_path_factory):
    notebook = assignment.notebook(assignment.solution(assignment.read_source()))
    return execute(notebook, tmp_path_factory.mktemp("solution-notebook"))


def test_source_notebook_runs_top_to_bottom_without_errors(solution_notebook):
    cells = code_cells(solution_notebook)
    assert all(cell.execution_count for cell in cells), "some cells did not run"
    errors = [output for cell in cells for output in cell.outputs
              if output.output_type == "error"]
    assert errors == []


def test_every_plotting_cell_shows_its_picture(solution_notebook):
    plotting = [cell for cell in code_cells(solution_notebook)
                if re.search(r"^plots\.\w+\(", cell.source, re.MULTILINE)]
    assert len(plotting) >= 10
    for cell in plotting:
        images = pictures(cell)
        assert len(images) == 1, f"no picture from:\n{cell.source}"
        width, height = images[0].size
        assert width >= 500 and height >= 300, (cell.source, images[0].size)


def test_training_cell_shows_a_progress_bar_and_reaches_95_percent(solution_notebook):
    training = cell_calling(solution_notebook, "progress.train_with_progress(")
    # The live widget leaves its last state as text: what a saved notebook shows.
    assert re.search(r"epoch (\d+)/\1: 100%\|.*\| (\d+)/\2 ", text_of(training)), \
        text_of(training)
    report = cell_calling(solution_notebook, "test_accuracy = np.mean(")
    accuracy = float(text_of(report).split("Your network: ")[1].split("%")[0])
    assert accuracy >= 95.0


def test_the_playground_cell_draws_every_decision_boundary(solution_notebook):
    cell = cell_calling(solution_notebook, "playground.playground(")
    images = pictures(cell)
    assert len(images) == 1 and images[0].size[0] >= 1000, images
    assert not [o for o in cell.outputs if o.output_type == "error"]


def test_gradient_check_cell_reports_every_array_ok(solution_notebook):
    check = cell_calling(solution_notebook, "gradcheck.relative_error(")
    lines = [line for line in text_of(check).splitlines() if "relative error" in line]
    assert [line.split(":")[0] for line in lines] == ["W1", "b1", "W2", "b2"]
    assert all(line.endswith("ok") for line in lines), lines
    assert "Every gradient matches" in text_of(check)


def test_own_handwriting_cell_reads_the_example_three(solution_notebook):
    handwriting = cell_calling(solution_notebook, "handwriting.mnist_like(")
    assert "The network reads your digit as a 3." in text_of(handwriting)


def test_released_notebook_stops_at_the_first_stub_with_its_friendly_message(tmp_path):
    text = assignment.student(assignment.read_source())
    notebook = assignment.notebook(text)
    with pytest.raises(CellExecutionError) as stopped:
        execute(notebook, tmp_path)
    assert stopped.value.ename == "NotImplementedError"
    assert "is not written yet" in stopped.value.evalue
    assert "run nnkit check" in stopped.value.evalue
    assert stopped.value.evalue.split("()")[0] in STAGE1_FUNCTIONS, stopped.value.evalue

    cells = code_cells(notebook)
    failed = [i for i, cell in enumerate(cells)
              if any(o.output_type == "error" for o in cell.get("outputs", []))]
    assert len(failed) == 1
    stage1 = next(i for i, cell in enumerate(cells)
                  if cell.metadata.get("nbgrader", {}).get("grade_id") == "stage1_neuron")
    assert failed[0] == stage1 + 1, "the first demo cell after stage 1 should be the one to stop"
    assert all(cell.execution_count for cell in cells[: failed[0]]), "earlier cells did not run"
