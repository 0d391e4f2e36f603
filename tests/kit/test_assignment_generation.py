"""One source of truth: the student version, solution and notebooks are generated from it."""

from __future__ import annotations

import ast

from autograder import assignment


def test_student_version_contains_no_solution_code():
    source = assignment.read_source()
    student = assignment.student(source)
    blocks = assignment.solution_blocks(source)
    assert len(blocks) >= 13
    for block in blocks:
        # Lines long enough to be real code (a lone "}" or "return x" may occur elsewhere).
        body = [line.strip() for line in block.splitlines()[1:-1] if len(line.strip()) > 12]
        for line in body:
            assert line not in student, f"solution line leaked into the student version: {line}"
    ast.parse(student)


def test_every_stub_raises_not_implemented_with_the_function_name():
    student = assignment.student(assignment.read_source())
    for name in ("neuron", "sigmoid", "forward", "backward", "train", "predict"):
        assert f'raise NotImplementedError("{name}() is not written yet' in student


def test_solution_is_the_source_without_marker_lines():
    source = assignment.read_source()
    solution = assignment.solution(source)
    assert "### BEGIN SOLUTION" not in solution and "### END SOLUTION" not in solution
    stripped = [line for line in source.splitlines() if "### BEGIN" not in line
                and "### END" not in line]
    assert solution.splitlines() == stripped


def test_student_notebook_keeps_nbgrader_metadata(tmp_path):
    path = assignment.write_student_copy(tmp_path)
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    graded = [cell for cell in notebook.cells if cell.metadata.get("nbgrader", {}).get("solution")]
    assert {cell.metadata["nbgrader"]["grade_id"] for cell in graded} >= {
        "stage1_neuron", "stage2_sigmoid", "stage3_forward", "stage4_backprop",
        "stage5_training", "stage6_mnist"}
