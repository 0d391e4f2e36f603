"""The notebook's pictures: each function draws one figure and returns it.

Figures are drawn with matplotlib's object-oriented API on an Agg canvas, never through pyplot:
no global state, nothing is ever shown, and the same code runs headless in tests and in Jupyter
(where a returned Figure displays as a PNG once `%matplotlib inline` is active).

matplotlib is imported on first use, not at the top: grading imports this module along with
the student's notebook (imports are definitions) and must not pay half a second for it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

DPI = 100  # a figure of 6 x 4 inches is 600 x 400 pixels
SKLEARN_BASELINE = 0.8725  # the workshop's scikit-learn MLPClassifier, test accuracy on MNIST

BLUE, ORANGE, GREEN, RED, GREY = "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#7f7f7f"
RATE_COLOURS = (BLUE, GREEN, RED, ORANGE, "#9467bd")


def new_figure(width: float, height: float) -> Figure:
    """An empty figure of width x height inches on its own Agg canvas (not known to pyplot)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def as_square_image(image: np.ndarray, what: str = "image") -> np.ndarray:
    """A digit as a 28 x 28 array, from a row of 784 pixels or an array already 28 x 28."""
    array = np.asarray(image, dtype=float)
    if array.size != 784:
        raise ValueError(f"{what} should hold 784 pixels (28 x 28), but it has shape "
                         f"{array.shape}; pass one row of X, e.g. X_test[0].")
    return array.reshape(28, 28)


def _tidy(axes: Axes) -> None:
    axes.grid(True, color="#dddddd", linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def _digit(axes: Axes, image: np.ndarray, title: str, what: str = "image") -> None:
    axes.imshow(as_square_image(image, what), cmap="gray_r", vmin=0.0, vmax=1.0)
    axes.set_title(title)
    axes.set_xticks([])
    axes.set_yticks([])


def _output_bars(axes: Axes, outputs: np.ndarray, label: int | None = None) -> None:
    """The ten output activations as bars; the network's answer in colour."""
    values = np.asarray(outputs, dtype=float).ravel()
    if values.size != 10:
        raise ValueError(f"outputs should hold 10 activations (one per digit), but it has "
                         f"shape {np.shape(outputs)}; pass one row of forward's output.")
    answer = int(np.argmax(values))
    colours = [GREY] * 10
    colours[answer] = GREEN if label is None or answer == label else RED
    axes.bar(range(10), values, color=colours)
    axes.set_xticks(range(10))
    axes.set_ylim(0.0, 1.05)
    axes.set_xlabel("digit")
    axes.set_ylabel("output activation")
    verdict = f"the network says {answer}"
    if label is not None:
        verdict += " (right)" if answer == label else f" (wrong: it is a {label})"
    axes.set_title(verdict)
    _tidy(axes)


def neuron_fit(x: Sequence[float], y: Sequence[float], w: float, b: float) -> Figure:
    """The table's points and the neuron's line a(x) = b + w x through them."""
    figure = new_figure(6, 4)
    axes = figure.add_subplot()
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    axes.scatter(x, y, s=40, color=BLUE, zorder=3, label="the ten measurements")
    # A straight line through (0, b) with slope w, drawn by matplotlib: this module ships to
    # students, so it must not compute the neuron's outputs itself.
    axes.axline((0.0, b), slope=w, color=ORANGE, linewidth=2,
                label=f"the neuron: a(x) = {b:.3f} + ({w:.3f}) x")
    axes.set_xlim(x.min() - 0.2, x.max() + 0.2)
    axes.set_xlabel("x")
    axes.set_ylabel("y")
    axes.set_title("One neuron fitted by gradient descent")
    axes.legend()
    _tidy(axes)
    return figure


def learning_rate_experiment(costs_by_rate: Mapping[float, Sequence[float]]) -> Figure:
    """Cost against steps for each learning rate, on a log scale.

    A diverging run grows without bound, so the y axis is cut at 100 times the largest cost
    of the runs that settle (the diverging curve leaves through the top) and its legend entry
    says how far it got."""
    if not costs_by_rate:
        raise ValueError("costs_by_rate is empty: give at least one {learning_rate: costs}.")
    figure = new_figure(7, 4.8)
    axes = figure.add_subplot()
    runs = {rate: np.asarray(costs, dtype=float).ravel() for rate, costs in costs_by_rate.items()}
    empty = [rate for rate, costs in runs.items() if costs.size == 0]
    if empty:
        raise ValueError(f"no costs for learning rate {empty[0]:g}: run at least one step.")
    diverging = {rate for rate, costs in runs.items()
                 if not np.all(np.isfinite(costs)) or costs[-1] > costs[0]}
    settled = [costs for rate, costs in runs.items() if rate not in diverging]
    finite = np.concatenate([costs[np.isfinite(costs) & (costs > 0)] for costs in runs.values()])
    if finite.size == 0:
        raise ValueError("every cost is zero, negative or not a number: nothing to draw on a "
                         "log scale. Did gradient_descent return the costs?")
    top = 100 * max(costs.max() for costs in settled) if settled else finite.max() * 10
    bottom = finite.min() / 2
    for colour, (rate, costs) in zip(RATE_COLOURS * 3, runs.items()):
        steps = np.arange(1, costs.size + 1)
        if rate in diverging:
            label = (f"learning rate {rate:g}: diverges (cost {costs[-1]:.1e} after "
                     f"{costs.size} steps)")
        else:
            label = f"learning rate {rate:g}: cost {costs[-1]:.3f} after {costs.size} steps"
        axes.plot(steps, np.where(np.isfinite(costs), costs, np.nan), color=colour,
                  linewidth=2, label=label)
        leaves = np.flatnonzero(~(costs < top))  # the first step off the chart, if any
        if rate in diverging and leaves.size:
            axes.annotate(f"off the chart after {leaves[0] + 1} steps", color=colour,
                          xy=(leaves[0] + 1, top), xytext=(leaves[0] + 1 + 0.05 * costs.size,
                                                          top / 10),
                          arrowprops={"arrowstyle": "->", "color": colour})
    axes.set_yscale("log")
    axes.set_ylim(bottom, top)
    axes.set_xlabel("gradient-descent step")
    axes.set_ylabel("cost C(w, b) (log scale)")
    axes.set_title("The learning rate decides: too slow, just right, or blowing up")
    # Below the plot: the diverging curve's exit and the settling curves need the whole area.
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), fontsize=9, frameon=False)
    _tidy(axes)
    return figure


def sigmoid_and_derivative(sigmoid: Callable[[np.ndarray], np.ndarray],
                           sigmoid_prime: Callable[[np.ndarray], np.ndarray],
                           low: float = -8.0, high: float = 8.0) -> Figure:
    """Your sigmoid and its derivative on [low, high], beside the perceptron's hard step."""
    figure = new_figure(7, 4)
    axes = figure.add_subplot()
    z = np.linspace(low, high, 401)
    axes.plot(z, (z >= 0).astype(float), color=GREY, linewidth=1.5, linestyle=":",
              label="the perceptron's step: fire or don't")
    axes.plot(z, np.asarray(sigmoid(z), dtype=float), color=BLUE, linewidth=2.5,
              label="sigmoid σ(z)")
    axes.plot(z, np.asarray(sigmoid_prime(z), dtype=float), color=ORANGE, linewidth=2.5,
              label="its derivative σ'(z) = σ(z)(1 - σ(z))")
    axes.annotate("steepest at z = 0: σ'(0) = 0.25", xy=(0, 0.25), xytext=(1.5, 0.12),
                  arrowprops={"arrowstyle": "->", "color": ORANGE}, color=ORANGE)
    axes.set_xlabel("z (the neuron's weighted input)")
    axes.set_ylabel("activation")
    axes.set_ylim(-0.05, 1.1)
    axes.set_title("The sigmoid: a smooth step you can differentiate")
    axes.legend(loc="upper left", fontsize=9)
    _tidy(axes)
    return figure


def digit_with_outputs(image: np.ndarray, outputs: np.ndarray, label: int | None = None,
                       title: str = "") -> Figure:
    """One digit as a picture, and the ten output activations the network gives it."""
    figure = new_figure(8, 3.2)
    picture, bars = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1, 2]})
    _digit(picture, image, "the input" if label is None else f"the input (a {label})")
    _output_bars(bars, outputs, label)
    if title:
        figure.suptitle(title, fontweight="bold")
    return figure


def gradient_check(errors: Mapping[str, float], tolerance: float = 1e-5) -> Figure:
    """The relative error of each gradient array against the numerical one, on a log scale,
    with the line a correct gradient stays under."""
    if not errors:
        raise ValueError("errors is empty: give {parameter name: relative error}.")
    figure = new_figure(6, 3.5)
    axes = figure.add_subplot()
    names = list(errors)
    floor = 1e-16  # a perfect match (error 0) still gets a visible bar
    values = np.array([max(float(errors[name]), floor) for name in names])
    colours = [GREEN if value < tolerance else RED for value in values]
    axes.bar(names, values, color=colours)
    axes.axhline(tolerance, color=GREY, linestyle="--", linewidth=1.5,
                 label=f"correct gradients stay below {tolerance:g}")
    axes.legend(loc="upper left", fontsize=9, framealpha=1.0)
    axes.set_yscale("log")
    axes.set_ylim(floor / 2, max(1e3, values.max() * 1e3))  # headroom for the legend
    axes.set_ylabel("relative error (log scale)")
    wrong = [name for name, value in zip(names, values) if value >= tolerance]
    verb = "disagrees" if len(wrong) == 1 else "disagree"
    axes.set_title("Gradient check: every bar is green" if not wrong
                   else f"Gradient check: {', '.join(wrong)} {verb} with the numerical slope")
    _tidy(axes)
    return figure


def learning_curves(training_cost: Sequence[float], test_accuracy: Sequence[float] = (),
                    baseline: float | None = SKLEARN_BASELINE) -> Figure:
    """Training cost per epoch (left) and test accuracy per epoch (right), with the workshop's
    scikit-learn baseline as a dashed line to beat."""
    costs = np.asarray(training_cost, dtype=float)
    accuracy = np.asarray(test_accuracy, dtype=float)
    if costs.size == 0:
        raise ValueError("training_cost is empty: pass the history train returned "
                         "(one cost per epoch).")
    figure = new_figure(10, 3.8)
    cost_axes, accuracy_axes = figure.subplots(1, 2)
    epochs = np.arange(1, costs.size + 1)
    cost_axes.plot(epochs, costs, marker="o", color=BLUE, linewidth=2)
    cost_axes.set_xlabel("epoch")
    cost_axes.set_ylabel("training cost (cross-entropy)")
    cost_axes.set_title("Training cost falls as the network learns")
    cost_axes.set_xticks(epochs if costs.size <= 20 else np.linspace(1, costs.size, 10).round())
    _tidy(cost_axes)

    if accuracy.size:
        accuracy_epochs = np.arange(1, accuracy.size + 1)
        accuracy_axes.plot(accuracy_epochs, 100 * accuracy, marker="o", color=GREEN,
                           linewidth=2, label=f"your network: {accuracy[-1]:.2%} at the end")
        accuracy_axes.set_xticks(cost_axes.get_xticks())
        accuracy_axes.set_xlim(cost_axes.get_xlim())
    else:
        accuracy_axes.text(0.5, 0.5, "no test accuracy per epoch was recorded",
                           transform=accuracy_axes.transAxes, ha="center", color=GREY)
    if baseline is not None:
        accuracy_axes.axhline(100 * baseline, color=RED, linestyle="--", linewidth=1.5,
                              label=f"workshop's scikit-learn MLPClassifier: {baseline:.2%}")
    shown = [100 * a for a in accuracy] + ([100 * baseline] if baseline is not None else [])
    if shown:
        accuracy_axes.set_ylim(min(shown) - 3, 100)
        accuracy_axes.legend(loc="lower right", fontsize=9)
    accuracy_axes.set_xlabel("epoch")
    accuracy_axes.set_ylabel("test accuracy (%)")
    accuracy_axes.set_title("Accuracy on 10,000 digits it never trained on")
    _tidy(accuracy_axes)
    return figure


def confusion_counts(labels: Sequence[int], predictions: Sequence[int],
                     classes: int = 10) -> np.ndarray:
    """counts[true, predicted]: how often each digit was read as each other digit."""
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    if labels.shape != predictions.shape or labels.ndim != 1:
        raise ValueError(f"labels and predictions should be two 1-D arrays of the same length, "
                         f"got shapes {labels.shape} and {predictions.shape}.")
    for name, values in (("labels", labels), ("predictions", predictions)):
        if values.size and (values.min() < 0 or values.max() >= classes):
            raise ValueError(f"{name} should be whole numbers from 0 to {classes - 1}, "
                             f"found {values.min()}..{values.max()}.")
    counts = np.zeros((classes, classes), dtype=int)
    np.add.at(counts, (labels.astype(int), predictions.astype(int)), 1)
    return counts


def confusion_matrix(labels: Sequence[int], predictions: Sequence[int]) -> Figure:
    """A 10 x 10 grid: row = the true digit, column = what the network said; the diagonal
    holds the right answers, everything else is a mistake."""
    from matplotlib.colors import LogNorm

    counts = confusion_counts(labels, predictions)
    figure = new_figure(6.5, 6)
    axes = figure.add_subplot()
    # A log colour scale: a handful of mistakes is visible next to ~1000 right answers.
    axes.imshow(counts + 1, cmap="Blues", norm=LogNorm(vmin=1, vmax=counts.max() + 1))
    darkest = np.log(counts.max() + 1)
    for true, said in np.ndindex(counts.shape):
        value = counts[true, said]
        if value == 0:
            continue
        dark = np.log(value + 1) > 0.6 * darkest
        colour = "white" if dark else (RED if true != said else "black")
        axes.text(said, true, str(value), ha="center", va="center", fontsize=8, color=colour)
    axes.set_xticks(range(10))
    axes.set_yticks(range(10))
    axes.set_xlabel("the network said")
    axes.set_ylabel("the true digit")
    accuracy = np.trace(counts) / max(counts.sum(), 1)
    axes.set_title(f"Confusion matrix: {accuracy:.2%} on the diagonal")
    return figure


def misclassified(images: np.ndarray, labels: Sequence[int], predictions: Sequence[int],
                  count: int = 24, columns: int = 8) -> Figure:
    """The first `count` digits the network got wrong, each titled with what it said and
    what the digit really is."""
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    images = np.asarray(images)
    if not len(images) == len(labels) == len(predictions):
        raise ValueError(f"images, labels and predictions should have one entry per digit, "
                         f"got {len(images)}, {len(labels)} and {len(predictions)}.")
    wrong = np.flatnonzero(labels != predictions)[:count]
    if wrong.size == 0:
        figure = new_figure(6, 1.5)
        axes = figure.add_subplot()
        axes.axis("off")
        axes.text(0.5, 0.5, "No mistakes at all: nothing to show.", ha="center", va="center",
                  fontsize=14, color=GREEN)
        return figure
    columns = min(columns, wrong.size)
    rows = -(-wrong.size // columns)
    figure = new_figure(1.3 * columns, 1.55 * rows + 0.4)
    grid = figure.subplots(rows, columns, squeeze=False)
    for axes, index in zip(grid.ravel(), wrong):
        _digit(axes, images[index], "", f"images[{index}]")
        axes.set_title(f"said {predictions[index]}, is {labels[index]}", fontsize=9, color=RED)
    for axes in grid.ravel()[wrong.size:]:
        figure.delaxes(axes)
    total = int(np.sum(labels != predictions))
    figure.suptitle(f"{total:,} of {labels.size:,} digits misread; the first {wrong.size}:",
                    fontweight="bold")
    return figure


def handwriting_prediction(original: np.ndarray, prepared: np.ndarray,
                           outputs: np.ndarray) -> Figure:
    """Your picture as drawn, the 28 x 28 input the network sees, and what it says."""
    figure = new_figure(10, 3.2)
    drawn, seen, bars = figure.subplots(1, 3, gridspec_kw={"width_ratios": [1, 1, 2]})
    drawn.imshow(np.asarray(original), cmap="gray", vmin=0, vmax=255)
    drawn.set_title("your picture")
    drawn.set_xticks([])
    drawn.set_yticks([])
    _digit(seen, prepared, "what the network sees", "prepared")
    _output_bars(bars, outputs)
    return figure
