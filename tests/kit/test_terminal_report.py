"""`nnkit check` prints colour and symbols on a terminal, plain text when piped or when NO_COLOR
is set; on a terminal a slow check shows the seconds elapsed and erases them afterwards."""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
import time

import pytest

from autograder.checks.terminal import Printer, Ticker

ESCAPE = "\x1b["
SYMBOLS = ("✔", "✘", "🔒")


def nnkit(*args: str) -> list[str]:
    return [sys.executable, "-m", "autograder.cli", *args]


def run_piped(args: list[str], **env: str) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env})
    assert done.returncode in (0, 1), done.stderr
    return done.stdout


def run_on_terminal(args: list[str], **env: str) -> str:
    """Run `args` with a pseudo-terminal as its stdout and stderr; return all it printed."""
    main, secondary = pty.openpty()
    inherited = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}
    process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=secondary,
                               stderr=secondary, env={**inherited, "TERM": "xterm", **env})
    os.close(secondary)
    chunks, deadline = [], time.monotonic() + 300
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([main], [], [], 1.0)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                data = os.read(main, 65536)
            except OSError:  # EIO: every writer has closed the terminal
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(main)
        process.wait(timeout=60)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.fixture(scope="module")
def stub_check(stub_file):
    """All stages of the stubs: stage 1 fails, stages 2-6 stay locked (no MNIST training)."""
    return nnkit("check", "--submission", str(stub_file))


@pytest.fixture(scope="module")
def reference_stage1(solution_file):
    return nnkit("check", "--submission", str(solution_file), "--stage", "1")


def test_piped_output_is_plain_text_with_word_marks(stub_check, reference_stage1):
    failing = run_piped(stub_check)
    passing = run_piped(reference_stage1)
    for text in (failing, passing):
        assert ESCAPE not in text, "colour codes in piped output"
        assert not any(symbol in text for symbol in SYMBOLS)
    assert "[FAIL] neuron computes" in failing
    assert "[LOCKED] Stages 2-6" in failing
    assert "[PASS] neuron computes" in passing
    assert "Stage 1: 10/10 points" in passing


def test_terminal_output_has_colour_and_symbols(stub_check, reference_stage1):
    failing = run_on_terminal(stub_check)
    passing = run_on_terminal(reference_stage1)
    assert ESCAPE + "31m" in failing and "✘" in failing and "🔒" in failing  # red cross, lock
    assert ESCAPE + "32m" in passing and "✔" in passing  # green tick
    assert "[FAIL]" not in failing and "[PASS]" not in passing


def test_no_color_gives_plain_text_even_on_a_terminal(stub_check):
    text = run_on_terminal(stub_check, NO_COLOR="1")
    assert ESCAPE not in text
    assert "[FAIL] neuron computes" in text and "[LOCKED] Stages 2-6" in text


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def quick_ticks(monkeypatch):
    monkeypatch.setattr(Printer, "TICK_AFTER", 0.05)
    monkeypatch.setattr(Printer, "TICK_EVERY", 0.05)
    monkeypatch.delenv("NO_COLOR", raising=False)


def test_a_slow_wait_shows_elapsed_seconds_then_erases_them(quick_ticks):
    stream = FakeTerminal()
    printer = Printer(stream)
    printer.start_ticker("training on MNIST")
    deadline = time.monotonic() + 10  # generous: the machine may be busy
    while stream.getvalue().count("training on MNIST") < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    printer.say("next result")
    text = stream.getvalue()
    assert "training on MNIST: 0 s" in text
    assert text.count("training on MNIST") >= 3, "the ticker should redraw itself"
    ticks_end = text.rindex("training on MNIST")
    assert Ticker.CLEAR in text[ticks_end:text.index("next result")], "ticker line not erased"
    assert printer.ticker is None


def test_a_quick_check_shows_no_ticker(quick_ticks, monkeypatch):
    monkeypatch.setattr(Printer, "TICK_AFTER", 5.0)
    stream = FakeTerminal()
    printer = Printer(stream)
    printer.start_ticker("working")
    printer.say("done")
    assert "working" not in stream.getvalue()


def test_no_ticker_when_piped_or_with_no_color(quick_ticks, monkeypatch):
    piped = io.StringIO()
    Printer(piped).start_ticker("training on MNIST")
    monkeypatch.setenv("NO_COLOR", "1")
    terminal = FakeTerminal()
    printer = Printer(terminal)
    printer.start_ticker("training on MNIST")
    time.sleep(0.3)
    printer.say("done")
    assert piped.getvalue() == ""
    assert terminal.getvalue() == "done\n"
