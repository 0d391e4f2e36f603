"""The class report's figures (matplotlib), as PNG data URIs: the page stays one file, with no
network. Each function takes the class report's data (class_data.py) and returns None when
there is nothing to draw."""

from __future__ import annotations

import base64
import io

PASS, PARTIAL, FAIL, IDLE = "#1f9d55", "#d69e2e", "#d64545", "#cfd5e1"
INK, MUTED = "#1d2433", "#5d6679"


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # no display, whatever the environment says
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 9, "axes.edgecolor": MUTED, "axes.labelcolor": INK,
                         "xtick.color": MUTED, "ytick.color": MUTED,
                         "axes.spines.top": False, "axes.spines.right": False,
                         "svg.hashsalt": "nnkit"})
    return plt


def _data_uri(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight",
                   metadata={"Software": None})
    _pyplot().close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def stages_figure(stages: list[dict]) -> str | None:
    """Per stage, the students who passed, earned some points, none, or were not graded on it."""
    if not stages:
        return None
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7, 0.45 * len(stages) + 1.1))
    labels = [f"{row['stage']} {row['name']}" for row in reversed(stages)]
    left = [0] * len(stages)
    for key, colour, name in (("passed", PASS, "passed"), ("partial", PARTIAL, "some points"),
                              ("failed", FAIL, "no points"), ("not_run", IDLE, "not graded")):
        values = [row[key] for row in reversed(stages)]
        axes.barh(labels, values, left=left, color=colour, label=name, height=0.62)
        left = [a + b for a, b in zip(left, values)]
    axes.set_xlabel("students")
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.legend(ncols=4, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    return _data_uri(figure)


def mistakes_figure(mistakes: list[dict], shown: int = 12) -> str | None:
    """The commonest named mistakes, by how many students made them."""
    named = [m for m in mistakes if m["named"]][:shown]
    if not named:
        return None
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7, 0.32 * len(named) + 0.9))
    labels = [f"{m['label']} (stage {m['stage']})" for m in reversed(named)]
    axes.barh(labels, [m["count"] for m in reversed(named)], color=FAIL, height=0.6)
    axes.set_xlabel("students who made it")
    axes.xaxis.get_major_locator().set_params(integer=True)
    return _data_uri(figure)


def training_figure(rows: list[dict]) -> str | None:
    """MNIST test accuracy against the learning rate, the hidden units, the epochs and the
    normalised training time (raw seconds where the grading machine's speed is unknown)."""
    if not rows:
        return None
    plt = _pyplot()
    figure, grid = plt.subplots(2, 2, figsize=(7.4, 5.2), sharey=True)
    normalised = any(row["normalised_time"] is not None for row in rows)
    time_key = "normalised_time" if normalised else "train_seconds"
    panels = (("learning_rate", "learning rate", True), ("hidden_units", "hidden units", False),
              ("epochs", "epochs", False),
              (time_key, "training time / reference workload" if normalised
               else "training time (s)", False))
    for axes, (key, label, log) in zip(grid.flat, panels):
        points = [(row[key], row["accuracy"] * 100) for row in rows
                  if isinstance(row.get(key), int | float)]
        if points:
            axes.scatter(*zip(*points), s=28, color="#3056d3", alpha=0.75, edgecolors="white")
        if log and points and min(x for x, _ in points) > 0:
            axes.set_xscale("log")
        axes.set_xlabel(label)
        axes.grid(alpha=0.25)
    for axes in grid[:, 0]:
        axes.set_ylabel("MNIST test accuracy (%)")
    figure.tight_layout()
    return _data_uri(figure)


def rounds_figure(rounds: dict) -> str | None:
    """Students who passed each stage, round after round."""
    if not rounds or rounds["rounds"] < 2:
        return None
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7, 3.2))
    steps = list(range(1, rounds["rounds"] + 1))
    for row in rounds["stages"]:
        axes.plot(steps, row["passed"], marker="o", label=f"stage {row['stage']}")
    axes.set_xticks(steps, [f"round {n}" if n < steps[-1] else "now" for n in steps])
    axes.set_ylabel("students who passed")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.legend(ncols=3, frameon=False, fontsize=8)
    return _data_uri(figure)
