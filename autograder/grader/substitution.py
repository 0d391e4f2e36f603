"""Grade later stages with the reference in place of the functions that failed earlier.

Without this, one mistake in `backward` (stage 4) also fails every training check of stage 5,
because `train` calls `backward` (each such failure says so: checks/blame.py). With
`GradeOptions.substitute_reference` (instructor grading: the kit's copy must hold the reference
solution), once a stage has been graded, every function of that stage that a failing check
needed is replaced in the worker by the reference's definition, and the report names, stage by
stage and check by check, what was replaced. The later checks then show what the student's own
later code does with a correct backward; those that ran the reference's code earn nothing (its
work is not the student's) and say what they would have shown.

`forward` and `backward` share the cache, whose layout is the student's own choice, so one is
replaced only together with the other, and only once both of their stages have been graded.

The reference never runs in the submission's process: it is loaded into a second sandboxed
worker of its own, and the submission's worker gets proxies in place of the replaced functions.
A proxy asks the grader, which asks the reference's worker and answers with the value; the
submission sees only what the reference returns, never its code. A check that calls a replaced
function itself goes to the reference's worker directly (so a replaced `train` runs there with
the reference's own forward, backward and update).
"""

from __future__ import annotations

import ast
from pathlib import Path

from autograder import assignment
from autograder.checks.blame import blamed, owners
from autograder.checks.report import StageResult
from autograder.checks.stage import Stage
from autograder.sandbox.client import SandboxedSubmission, SubmissionProblem
from autograder.sandbox.loader import CodeBlock, SubmissionSource

PARTNERS = {"forward": ("backward",), "backward": ("forward",)}  # they share the cache layout


class ReferenceUnavailable(RuntimeError):
    """The kit's copy holds no reference solution (a student release)."""


def reference_source(names: list[str]) -> str:
    """The reference's definitions of `names`, with the imports they use."""
    text = assignment.read_source()
    if not assignment.solution_blocks(text):
        raise ReferenceUnavailable("this copy of the kit holds no reference solution (it is a "
                                   "student release), so nothing can be substituted")
    tree = ast.parse(assignment.solution(text))
    functions = [node for node in tree.body
                 if isinstance(node, ast.FunctionDef) and node.name in names]
    used = {node.id for function in functions for node in ast.walk(function)
            if isinstance(node, ast.Name)}
    imports = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)
               and {(alias.asname or alias.name).split(".")[0] for alias in node.names} & used]
    return "\n\n".join(ast.unparse(node) for node in [*imports, *functions]) + "\n"


class Substitution:
    """Tracks what failed and what the worker runs from the reference, stage by stage."""

    def __init__(self, sub: SandboxedSubmission, stages: tuple[int, ...]) -> None:
        self.sub = sub
        self.stages = stages  # the stages being graded
        self.failed: dict[str, int] = {}  # function -> the stage where it failed
        self.replaced: dict[str, str] = {}  # function -> why, in words
        self.notes: list[str] = []  # for the report's problems, in plain words
        self.reference: SandboxedSubmission | None = None  # the reference's own worker

    def reference_worker(self) -> SandboxedSubmission:
        """The worker running the reference solution, started on first use."""
        if self.reference is None:
            source = reference_source(list(owners()))
            reference = SandboxedSubmission(
                SubmissionSource(Path("reference solution"), "py",
                                 [CodeBlock("reference solution", source)]),
                self.sub.isolation)
            reference.call_timeout = self.sub.call_timeout
            reference.start()
            self.reference = reference
        return self.reference

    def close(self) -> None:
        if self.reference is not None:
            self.reference.close()
            self.reference = None

    def after_stage(self, stage: Stage, result: StageResult) -> None:
        """Record what this stage ran from the reference; then replace what it found broken."""
        result.substituted = list(self.replaced)
        for name in blamed(stage, result):
            self.failed.setdefault(name, stage.number)
        later = [number for number in self.stages if number > stage.number]
        due = self.due(stage.number) if later else {}
        if not due:
            return
        try:
            reference = self.reference_worker()
        except ReferenceUnavailable as error:
            self.notes.append(f"Could not substitute the reference for {', '.join(due)}: {error}.")
            for name in due:
                self.failed.pop(name, None)
            return
        try:
            self.sub.substitute_remote(reference, list(due))
        except SubmissionProblem as problem:  # the worker died installing them: grade on as is
            self.notes.append(f"Could not substitute the reference for {', '.join(due)}: the "
                              f"worker stopped ({problem.kind}).")
            return
        self.replaced.update(due)
        why = ", ".join(f"{name} ({reason})" for name, reason in due.items())
        self.notes.append(f"From stage {later[0]} on, grading ran the reference solution's {why} "
                          "in place of yours, to show what your later code does; the checks "
                          "that ran them earn nothing.")

    def due(self, graded: int) -> dict[str, str]:
        """Failed functions not yet replaced, with their partners, once all their stages have
        been graded; each with the reason it is replaced."""
        stage_of = owners()
        due: dict[str, str] = {}
        for name, failed_in in sorted(self.failed.items(), key=lambda item: item[1]):
            group = [name, *PARTNERS.get(name, ())]
            if name in self.replaced or any(stage_of[member] > graded for member in group):
                continue
            due.setdefault(name, f"it failed in stage {failed_in}")
            for partner in group[1:]:
                if partner not in self.replaced and partner not in self.failed:
                    due.setdefault(partner, f"it shares the cache with {name}")
        return due
