"""The staged report a person reads in a terminal: colour and symbols on a terminal, plain text
when piped or when NO_COLOR is set. On a terminal, a slow check (MNIST training) shows the seconds
elapsed on a line of its own, redrawn every second and erased when the result arrives."""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import TextIO

import click

from autograder.checks.report import CheckResult, Report, StageResult
from autograder.checks.stage import Stage


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
    TICK_AFTER, TICK_EVERY = 1.0, 1.0  # seconds

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.fancy = fancy(self.stream)
        self.current_stage: int | None = None
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

    def stage_header(self, stage: Stage) -> None:
        self.say(f"\nStage {stage.number}: {stage.name} ({stage.max_score:g} points) - "
                 f"{stage.summary}", bold=True)
        if stage.number == 6:
            self.say("  training your network on MNIST; this takes a while...", dim=True)

    def check_line(self, stage: Stage, result: CheckResult) -> None:
        if self.current_stage != stage.number:
            self.current_stage = stage.number
            self.stage_header(stage)
        points = f"{result.score:g}/{result.max_score:g}"
        self.say(f"  {self.mark(result.passed)} {result.name}  [{points}]")
        if result.message:
            for line in result.message.splitlines():
                self.say(f"      {line}", fg=None if result.passed else "red")
        self.start_ticker("training on MNIST" if stage.number == 6 else "working")

    def locked(self, stage: StageResult) -> None:
        reason = stage.checks[0].message if stage.checks else ""
        self.say(f"\n{self.mark(None)} Stage {stage.stage}: {stage.name} - {reason}", dim=True)

    def summary(self, report: Report) -> None:
        for problem in report.problems:
            self.say(f"\nNote: {problem}", fg="yellow")
        if report.skipped:
            self.say("\nNot run at grading (these top-level statements call your functions or "
                     "the kit's helpers: experiments, not definitions):", dim=True)
            for statement in report.skipped:
                self.say(f"  {statement}", dim=True)
        self.say(f"\nScore: {report.score:g}/{report.max_score:g}", bold=True)
        self.say(f"Graded: {report.submission}")
        if report.mnist.get("accuracy") is not None:
            self.say(f"MNIST test accuracy: {report.mnist['accuracy']:.2%} "
                     f"(trained in {report.mnist['train_seconds']:.1f} s)")
        failing = next((s for s in report.stages if s.ran and not s.passed), None)
        if failing is not None:
            self.say(f"Next: fix stage {failing.stage} ({failing.name}) above, then run "
                     f"`nnkit check --stage {failing.stage}`.", fg="cyan")
        elif all(stage.passed for stage in report.stages):
            self.say("Every stage passes. Well done!", fg="green", bold=True)
