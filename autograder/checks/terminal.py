"""The staged report a person reads in a terminal, in the order they act on it (score and next
step first): colour and symbols on a terminal, plain text when piped or when NO_COLOR is set.
On a terminal, a slow check (MNIST training) shows the seconds elapsed on a line of its own,
redrawn every second and erased when the result arrives."""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import TextIO

import click

from autograder.checks.headline import Blocker, blockers, shortened, skipped_that_matter
from autograder.checks.places import as_the_student_sees_it, read_cells
from autograder.checks.report import CheckResult, Report, StageResult
from autograder.checks.stage import Stage
from autograder.checks.stages import STAGES


def fancy(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ


class Ticker:
    """Elapsed seconds on the current terminal line while the next result is awaited."""

    CLEAR = "\r\x1b[2K"  # back to the start of the line, and erase it

    def __init__(self, stream: TextIO, label: str, after: float, every: float) -> None:
        self.stream, self.label, self.after, self.every = stream, label, after, every
        self.stopped = threading.Event()
        self.drawn = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        started = time.monotonic()
        if self.stopped.wait(self.after):  # quick checks never show a ticker
            return
        while not self.stopped.is_set():
            seconds = time.monotonic() - started
            self.stream.write(self.CLEAR + click.style(f"  ... {self.label}: {seconds:.0f} s",
                                                       dim=True))
            self.stream.flush()
            self.drawn = True
            self.stopped.wait(self.every)

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join()
        if self.drawn:
            self.stream.write(self.CLEAR)
            self.stream.flush()


class Printer:
    """Collects the checks' results while grading runs (a ticker shows it is working), then
    prints the report in the order a student acts on it: the score and the next step; what
    blocks many checks at once (a cell Python cannot read, a failed import), where the student
    sees it; each stage's checks; the notes. Nothing is printed before grading has finished, so
    an environment fault met on the way (no MNIST) is the only thing shown."""

    TICK_AFTER, TICK_EVERY = 1.0, 1.0  # seconds

    def __init__(self, stream: TextIO | None = None, verbose: bool = False) -> None:
        self.stream = stream or sys.stdout
        self.fancy = fancy(self.stream)
        self.verbose = verbose
        self.ticker: Ticker | None = None

    def say(self, text: str = "", **style: object) -> None:
        self.stop_ticker()
        click.echo(click.style(text, **style) if self.fancy else text, file=self.stream)

    def start_ticker(self, label: str) -> None:
        """Show elapsed time until the next line is printed (on a terminal only: a log file
        or a pipe would fill up with redrawn lines)."""
        self.stop_ticker()
        if self.fancy:
            self.ticker = Ticker(self.stream, label, self.TICK_AFTER, self.TICK_EVERY)

    def stop_ticker(self) -> None:
        if self.ticker is not None:
            self.ticker.stop()
            self.ticker = None

    def mark(self, passed: bool | None) -> str:
        if passed is None:
            return click.style("🔒", fg="yellow") if self.fancy else "[LOCKED]"
        if self.fancy:
            return click.style("✔", fg="green") if passed else click.style("✘", fg="red")
        return "[PASS]" if passed else "[FAIL]"

    def check_line(self, stage: Stage, result: CheckResult) -> None:
        """A check has finished (its result is printed with the report); the ticker runs
        while the next one works."""
        last = stage.checks[-1].id == result.id
        training = stage.number == 5 and last or stage.number == 6
        self.start_ticker("training on MNIST" if training else "checking")

    def locked(self, stage: StageResult) -> None:
        """Kept for callers: the report itself says which stages stayed locked."""

    def stage_header(self, stage: StageResult) -> None:
        summary = next((s.summary for s in STAGES if s.number == stage.stage), "")
        self.say(f"\nStage {stage.stage}: {stage.name} ({stage.score:g}/{stage.max_score:g} "
                 f"points) - {summary}", bold=True)

    def checks(self, report: Report, found: list[Blocker]) -> None:
        for stage in report.stages:
            if not stage.ran:
                continue
            self.stage_header(stage)
            previous = None
            for result in stage.checks:
                self.say(f"  {self.mark(result.passed)} {result.name}  "
                         f"[{result.score:g}/{result.max_score:g}]")
                message = result.message if result.passed else shortened(result.message, found)
                if message and message == previous:
                    self.say("      (the same as above)", dim=True)
                    continue
                for line in message.splitlines():
                    self.say(f"      {line}", fg=None if result.passed else "red")
                previous = message

    def locked_lines(self, report: Report) -> None:
        locked = [s for s in report.stages if not s.ran and s.checks
                  and s.checks[0].message.startswith("locked")]
        if not locked:
            return
        numbers = [stage.stage for stage in locked]
        which = (f"Stage {numbers[0]}: {locked[0].name}" if len(numbers) == 1
                 else f"Stages {numbers[0]}-{numbers[-1]}")
        self.say(f"\n{self.mark(None)} {which} - {locked[0].checks[0].message}", dim=True)

    def summary(self, report: Report, selected: tuple[int, ...] | None = None,
                graded: str | None = None, command: str = "check") -> None:
        """The report. `selected`: the stages asked for (a stage-limited check says so);
        `graded`: what to call the submission (the reference's temporary file is no name);
        `command`: `check` (a student, who is told what to run next) or `grade`."""
        self.stop_ticker()
        cells = read_cells(report.submission)
        found = blockers(report, cells)
        self.headline(report, selected, found, command)
        for blocker in found:
            self.say(f"\nFix this first: {blocker.text}", fg="red", bold=True)
        self.checks(report, found)
        self.locked_lines(report)
        shown = {blocker.problem for blocker in found}
        for problem in report.problems:
            if problem not in shown:
                self.say(f"\nNote: {as_the_student_sees_it(problem, cells)}", fg="yellow")
        skipped = skipped_that_matter(report, cells, everything=self.verbose)
        if skipped:
            self.say("\nNot run at grading (top-level statements of yours that call your "
                     "functions or the kit's helpers: experiments, not definitions):", dim=True)
            for statement in skipped:
                self.say(f"  {statement}", dim=True)
        yours = len(skipped_that_matter(report, cells, everything=True)) - len(skipped)
        if yours > 0 and command == "check":
            self.say(f"({yours} more top-level statements of yours are not run at grading; "
                     "`nnkit check --verbose` lists them)", dim=True)
        self.say(f"\nGraded: {graded or report.submission}")

    def headline(self, report: Report, selected: tuple[int, ...] | None, found: list[Blocker],
                 command: str) -> None:
        chosen = [s for s in report.stages if selected is None or s.stage in selected]
        partial = selected is not None and len(chosen) < len(report.stages)
        if partial:
            score, most = sum(s.score for s in chosen), sum(s.max_score for s in chosen)
            names = stage_list([s.stage for s in chosen])
            others = [s.stage for s in report.stages if s not in chosen]
            full = "; `nnkit check` gives your full score" if command == "check" else ""
            self.say(f"Stage{'s' if len(chosen) > 1 else ''} {names}: {score:g}/{most:g} points "
                     f"(stage{'s' if len(others) > 1 else ''} {stage_list(others)} not "
                     f"{'checked' if command == 'check' else 'graded'} in this run{full})",
                     bold=True)
        else:
            self.say(f"Score: {report.score:g}/{report.max_score:g}", bold=True)
        if report.mnist.get("accuracy") is not None:
            self.say(f"MNIST test accuracy: {report.mnist['accuracy']:.2%} "
                     f"(trained in {report.mnist['train_seconds']:.1f} s)")
        self.next_step(report, chosen, found, command, partial)

    def next_step(self, report: Report, chosen: list[StageResult], found: list[Blocker],
                  command: str, partial: bool) -> None:
        failing = next((s for s in chosen if s.ran and not s.passed), None)
        again = "grade again" if command == "grade" else "run `nnkit check"
        if found:
            then = f"{again}`" if command == "check" else again
            self.say(f"Next: fix what is named first below, then {then}.", fg="cyan")
        elif failing is not None:
            first = next(c for c in failing.checks if not c.passed)
            then = f"{again} --stage {failing.stage}`" if command == "check" else again
            self.say(f"Next: fix stage {failing.stage} ({failing.name}), starting with "
                     f"\"{first.name}\" below, then {then}.", fg="cyan")
        elif all(stage.passed for stage in report.stages):
            self.say("Every stage passes. Well done!", fg="green", bold=True)
        elif partial and command == "check":
            self.say("Next: run `nnkit check` to check every stage.", fg="cyan")


def stage_list(numbers: list[int]) -> str:
    """[1, 2, 4, 5, 6] -> '1-2, 4-6'."""
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)
