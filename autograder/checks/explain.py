"""Plain-words explanations of a submission that did not answer normally."""

from __future__ import annotations

import re

from autograder.sandbox.client import SubmissionProblem
from autograder.sandbox.worker_side.packages import REFUSED

DEFINITIONS_RULE = ("grading does not run top-level statements that call the kit's helpers "
                    "(training runs, plots), or that call your own functions except to make a "
                    "function or value your code or the checks use, so a name set by one of "
                    "them is not there (the report lists them under 'Not run at grading')")

# NumPy's own words for the commonest shape mistakes, and what they mean for this exercise.
ERROR_HINTS = (
    (("matmul: Input operand", "not aligned"),
     "Two arrays in a matrix product have shapes that don't fit: in a @ W the columns of a "
     "must equal the rows of W. With samples as rows, layer l computes a_(l-1) @ W_l, where "
     "W_l has shape (n_(l-1), n_l); print the shapes to see which one is off."),
    (("could not be broadcast",),
     "Two arrays in an elementwise operation have shapes that don't match: print their shapes; "
     "each layer's arrays have shape (m, n_l)."),
    (("can be converted to Python scalars",),
     "A function from the math module got an array, but it works on one number only: use "
     "NumPy's versions (np.exp, np.log), which work elementwise on arrays of any shape."),
)


def refused_import(detail: dict, load_errors: list[dict]) -> str:
    """For a NameError whose name a refused import was to bind: that import, first."""
    match = re.search(r"name '(\w+)' is not defined", detail.get("message", ""))
    if not match:
        return ""
    for error in load_errors:
        line = error.get("line", "")
        if REFUSED in error.get("message", "") and re.search(rf"\b{match[1]}\b", line):
            where = f" ({error['where']})" if error.get("where") else ""
            return (f"`{line.strip()}`{where} is not allowed at grading: "
                    f"{error['message']}. So `{match[1]}` is not defined when your code runs.")
    return ""


def explain(problem: SubmissionProblem, stage: int, verbose: bool = False,
            load_errors: list[dict] | None = None) -> str:
    name, detail = problem.function, problem.detail
    if problem.kind == "missing":
        return (f"`{name}` is not defined in your submission. Define it with exactly this name "
                "(check its cell ran without errors).")
    if problem.kind == "timeout" and detail.get("earlier"):
        return f"`{name}` was not called again: it did not finish in an earlier check."
    if problem.kind == "timeout" and detail.get("submission_limit"):
        return (f"`{name}` was stopped: the time for grading your whole submission "
                f"({detail['seconds']:g} s) ran out, so the checks left could not run. Make "
                "your functions faster.")
    if problem.kind == "timeout" and detail.get("stage_limit"):
        return (f"`{name}` was stopped: this stage's time limit ({detail['seconds']:g} s for "
                "all its checks together) ran out. Make your functions faster.")
    if problem.kind == "timeout":
        return (f"`{name}` did not finish within {detail['seconds']:g} s and was stopped. "
                "Is there a loop that never ends, or far more work than needed?")
    if problem.kind == "crashed":
        return f"The process running your code stopped during `{name}`: {detail.get('reason')}."
    error_type, message = detail.get("type", "Error"), detail.get("message", "")
    if error_type == "NotImplementedError":
        return (f"`{name}` is not written yet (it raises NotImplementedError). Replace the "
                f"`raise NotImplementedError` line with your code, then run "
                f"`nnkit check --stage {stage}`.")
    where = f" at {detail['where']}" if detail.get("where") else ""
    line = f": `{detail['line'].strip()}`" if detail.get("line") else ""
    text = f"`{name}` raised {error_type}: {message}{where}{line}."
    refused = refused_import(detail, load_errors or []) if error_type == "NameError" else ""
    if refused:
        text = f"{refused} (`{name}` raised {error_type}: {message}{where}.)"
    elif error_type == "NameError":
        text += f" Note: {DEFINITIONS_RULE}; move it into the function that uses it."
    if error_type == "MemoryError":
        text += " It ran out of memory: avoid building huge arrays."
    if "not aligned" in message and "matrixlib" in detail.get("where", ""):
        text += (" Hint: with np.matrix, * is the matrix product, not elementwise, so a * b of "
                 "two (m, n) matrices fails. Use plain arrays (np.asarray) with @ for matrix "
                 "products and * for elementwise products.")
    for fragments, hint in ERROR_HINTS:
        if any(fragment in message for fragment in fragments) and "np.matrix" not in text:
            text += f" Hint: {hint}"
    if verbose and detail.get("traceback"):
        text += "\n" + detail["traceback"]
    if detail.get("output"):
        text += f"\nYour code printed:\n{detail['output'][-500:]}"
    return text
