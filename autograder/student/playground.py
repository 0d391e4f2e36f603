"""The workshop's TensorFlow Playground, with the student's own network.

Three 2-D toy problems of the playground (XOR, circles, spirals) and a picture of what the
student's `train` learns on each as hidden layers and neurons are added: every panel shades the
plane by the network's answer (its decision boundary) over the training points. The networks
are the student's: this module only makes data, calls the `train` and `forward` it is given,
and draws.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from autograder.student.plots import new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CLASS_COLOURS = ("#f28e2b", "#4e79a7")  # orange = class 0, blue = class 1, as in the playground
SHADE_COLOURS = ("#fbd7b3", "#c8d7ea")  # matplotlib is imported only when a figure is drawn
EXTENT = 1.6  # the plane drawn: [-EXTENT, EXTENT] in both coordinates


def one_hot(labels: np.ndarray) -> np.ndarray:
    return np.eye(2)[labels]


def xor(m: int = 200, seed: int = 0, noise: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Points in the four quadrants; class 1 where x1 and x2 have the same sign."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, (m, 2))
    X = X + 0.1 * np.sign(X)  # a gap along the axes, as in the playground
    labels = (X[:, 0] * X[:, 1] > 0).astype(int)
    return X + rng.normal(0.0, noise, X.shape), labels


def circles(m: int = 200, seed: int = 0, noise: float = 0.06) -> tuple[np.ndarray, np.ndarray]:
    """A disc of class 1 inside a ring of class 0."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, m)
    radius = np.where(labels == 1, rng.uniform(0.0, 0.5, m), rng.uniform(0.8, 1.2, m))
    angle = rng.uniform(0.0, 2 * np.pi, m)
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return X + rng.normal(0.0, noise, X.shape), labels


def spirals(m: int = 200, seed: int = 0, noise: float = 0.04) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spiral arms, one per class (the playground's hardest problem)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, m)
    t = rng.uniform(0.0, 1.0, m)
    angle = 1.75 * 2 * np.pi * t + np.pi * labels
    radius = 0.1 + 1.1 * t
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return X + rng.normal(0.0, noise, X.shape), labels


PROBLEMS: dict[str, Callable[..., tuple[np.ndarray, np.ndarray]]] = {
    "XOR": xor, "circles": circles, "spirals": spirals}


@dataclass
class Panel:
    """One network trained on one problem."""

    problem: str
    hidden: list[int]
    X: np.ndarray
    labels: np.ndarray
    params: dict
    accuracy: float  # on its own training points


def answers(forward: Callable, params: dict, X: np.ndarray) -> np.ndarray:
    """The network's probability of class 1 for each row of X (the student's forward)."""
    A = np.asarray(forward(params, X)[0], dtype=float)
    if A.ndim != 2 or A.shape[1] != 2:
        raise ValueError(f"forward returned outputs of shape {A.shape}; a network with 2 "
                         "outputs should give (m, 2).")
    return A[:, 1] / np.maximum(A.sum(axis=1), 1e-12)


def train_panels(train: Callable, forward: Callable, problems: Sequence[str],
                 hidden_layers: Sequence[Sequence[int]], epochs: int, batch_size: int,
                 learning_rate: float, m: int = 200, seed: int = 0) -> list[Panel]:
    """Train the student's network once per problem and architecture."""
    unknown = [name for name in problems if name not in PROBLEMS]
    if unknown:
        raise ValueError(f"unknown problem {unknown[0]!r}: choose from {', '.join(PROBLEMS)}.")
    panels = []
    for name in problems:
        X, labels = PROBLEMS[name](m, seed)
        for hidden in hidden_layers:
            params, _ = train(X, one_hot(labels), [2, *hidden, 2], epochs, batch_size,
                              learning_rate, seed=seed)
            accuracy = float(np.mean((answers(forward, params, X) > 0.5) == labels))
            panels.append(Panel(name, list(hidden), X, labels, params, accuracy))
    return panels


def describe(hidden: Sequence[int]) -> str:
    if not hidden:
        return "no hidden layer"
    layers = "1 hidden layer" if len(hidden) == 1 else f"{len(hidden)} hidden layers"
    return f"{layers}: {'-'.join(map(str, hidden))}"


def draw(panels: Sequence[Panel], forward: Callable, resolution: int = 120) -> Figure:
    """One row per problem, one column per architecture: the plane shaded by the network's
    answer, the 0.5 contour (its decision boundary) and the training points."""
    from matplotlib.colors import ListedColormap

    problems = list(dict.fromkeys(panel.problem for panel in panels))
    columns = len(panels) // len(problems)
    shades = ListedColormap(SHADE_COLOURS)
    figure = new_figure(3.0 * columns, 3.0 * len(problems))
    grid = np.linspace(-EXTENT, EXTENT, resolution)
    gx, gy = np.meshgrid(grid, grid)
    plane = np.column_stack([gx.ravel(), gy.ravel()])
    for index, panel in enumerate(panels, start=1):
        axes = figure.add_subplot(len(problems), columns, index)
        probability = answers(forward, panel.params, plane).reshape(gx.shape)
        axes.contourf(gx, gy, probability > 0.5, levels=[-0.5, 0.5, 1.5], cmap=shades)
        if probability.min() < 0.5 < probability.max():
            axes.contour(gx, gy, probability, levels=[0.5], colors="#333333", linewidths=1.2)
        for label, colour in enumerate(CLASS_COLOURS):
            chosen = panel.labels == label
            axes.scatter(panel.X[chosen, 0], panel.X[chosen, 1], s=9, color=colour,
                         edgecolors="white", linewidths=0.3)
        axes.set_xlim(-EXTENT, EXTENT)
        axes.set_ylim(-EXTENT, EXTENT)
        axes.set_xticks([])
        axes.set_yticks([])
        axes.set_title(f"{panel.problem}, {describe(panel.hidden)}\n"
                       f"{panel.accuracy:.0%} of its points right", fontsize=9)
    figure.suptitle("Your network's decision boundary as hidden neurons and layers are added "
                    "(orange: class 0, blue: class 1)", fontsize=11)
    return figure


def playground(train: Callable, forward: Callable,
               problems: Sequence[str] = ("XOR", "circles", "spirals"),
               hidden_layers: Sequence[Sequence[int]] = ((), (3,), (8,), (32,), (16, 16)),
               epochs: int = 1500, batch_size: int = 10, learning_rate: float = 2.0,
               m: int = 200, seed: int = 0) -> Figure:
    """Train your `train` on each problem with each list of hidden layer sizes (2 inputs, 2
    outputs around them) and draw every decision boundary."""
    panels = train_panels(train, forward, problems, hidden_layers, epochs, batch_size,
                          learning_rate, m, seed)
    return draw(panels, forward)
