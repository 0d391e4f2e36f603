"""The staged report a person reads in a terminal: colour and symbols on a terminal, plain text
when piped or when NO_COLOR is set."""

from __future__ import annotations

import os
import sys
from typing import TextIO

import click

from autograder.report import CheckResult, Report, StageResult
from autograder.stage import Stage


def fancy(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ


class Printer:
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.fancy = fancy(self.stream)
        self.current_stage: int | None = None

    def say(self, text: str = "", **style: object) -> None:
        click.echo(click.style(text, **style) if self.fancy else text, file=self.stream)

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

    def locked(self, stage: StageResult) -> None:
        reason = stage.checks[0].message if stage.checks else ""
        self.say(f"\n{self.mark(None)} Stage {stage.stage}: {stage.name} - {reason}", dim=True)

    def summary(self, report: Report) -> None:
        for problem in report.problems:
            self.say(f"\nNote: {problem}", fg="yellow")
        self.say(f"\nScore: {report.score:g}/{report.max_score:g}", bold=True)
        if report.mnist.get("accuracy") is not None:
            self.say(f"MNIST test accuracy: {report.mnist['accuracy']:.2%} "
                     f"(trained in {report.mnist['train_seconds']:.1f} s)")
        failing = next((s for s in report.stages if s.ran and not s.passed), None)
        if failing is not None:
            self.say(f"Next: fix stage {failing.stage} ({failing.name}) above, then run "
                     f"`nnkit check --stage {failing.stage}`.", fg="cyan")
        elif all(stage.passed for stage in report.stages):
            self.say("Every stage passes. Well done!", fg="green", bold=True)
