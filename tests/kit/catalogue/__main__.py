"""Grade the whole catalogue and print the catch rate, the false-fail rate and the number of
distinct diagnoses. Run from the repository root: python -m tests.kit.catalogue

Exits 0 only when every mistake is caught as catalogued and every correct variant passes."""

from __future__ import annotations

import os
import sys

import click

from tests.kit.catalogue import MISTAKES, VARIANTS
from tests.kit.catalogue.evaluate import evaluate, format_outcome, format_summary, summarise
from tests.kit.conftest import SHARED_MNIST


@click.command()
@click.option("--only", "only", multiple=True, metavar="ID",
              help="Grade only this entry (repeatable); the rates then cover only these.")
def main(only: tuple[str, ...]) -> None:
    entries = [*MISTAKES, *VARIANTS]
    unknown = sorted(set(only) - {entry.id for entry in entries})
    if unknown:
        raise click.BadParameter(f"no catalogue entry called {', '.join(unknown)}",
                                 param_hint="--only")
    if "NNKIT_MNIST_DIR" not in os.environ and SHARED_MNIST.is_dir():
        os.environ["NNKIT_MNIST_DIR"] = str(SHARED_MNIST)  # as the tests do: no download
    outcomes = []
    for entry in entries:
        if only and entry.id not in only:
            continue
        outcomes.append(evaluate(entry))
        click.echo(format_outcome(outcomes[-1]))
    summary = summarise(outcomes)
    click.echo("\n" + format_summary(summary))
    perfect = summary.caught == summary.mistakes and summary.false_fails == 0
    sys.exit(0 if perfect else 1)


if __name__ == "__main__":
    main()
