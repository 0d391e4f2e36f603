"""The notebook's figures: each renders to a PNG of the expected size with the expected panels,
shows what it claims, refuses bad input clearly, and stays out of pyplot's global state."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from autograder.grader import arithmetic
from autograder.student import plots
from autograder.student.workshop import TABLE_X, TABLE_Y


def render(figure, folder: Path, name: str) -> Image.Image:
    """Save `figure` as a PNG and return the image read back, after checking it is real."""
    path = folder / f"{name}.png"
    figure.savefig(path)
    assert path.stat().st_size > 5_000, f"{name}.png is suspiciously small"
    image = Image.open(path)
    image.load()
    colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 20, f"{name}.png is (almost) blank"
    return image


def pixel_size(figure) -> tuple[int, int]:
    width, height = figure.get_size_inches()
    return round(width * plots.DPI), round(height * plots.DPI)


def descent(rate: float, steps: int) -> np.ndarray:
    """The grader-independent cost curve of plain gradient descent on the workshop table."""
    w = b = 0.0
    costs = []
    for _ in range(steps):
        residual = b + w * TABLE_X - TABLE_Y
        w, b = w - rate * 2 * np.sum(residual * TABLE_X), b - rate * 2 * np.sum(residual)
        costs.append(float(np.sum((b + w * TABLE_X - TABLE_Y) ** 2)))
    return np.array(costs)


def digits(count: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((count, 784))


def test_neuron_fit_draws_the_points_and_the_line(tmp_path):
    figure = plots.neuron_fit(TABLE_X, TABLE_Y, -0.6786, 2.7408)
    image = render(figure, tmp_path, "neuron_fit")
    assert image.size == pixel_size(figure) == (600, 400)
    (axes,) = figure.axes
    assert len(axes.collections[0].get_offsets()) == 10  # the ten measurements
    (line,) = axes.lines  # through (0, b) with slope w, drawn by matplotlib
    assert line.get_xy1() == (0.0, 2.7408) and line.get_slope() == -0.6786


def test_learning_rate_plot_is_log_scaled_and_cuts_off_the_diverging_curve(tmp_path):
    costs = {rate: descent(rate, 300) for rate in (0.001, 0.01, 0.02)}
    assert costs[0.02][-1] > 1e50  # the experiment really diverges
    figure = plots.learning_rate_experiment(costs)
    image = render(figure, tmp_path, "learning_rates")
    assert image.size == pixel_size(figure) == (700, 480)
    (axes,) = figure.axes
    assert axes.get_yscale() == "log"
    bottom, top = axes.get_ylim()
    settled_max = max(costs[0.001].max(), costs[0.01].max())
    assert settled_max < top <= 1000 * settled_max, "the chart should be cut near the settled runs"
    assert bottom <= costs[0.01].min()
    labels = [text.get_text() for text in axes.get_legend().get_texts()]
    assert len(labels) == 3
    assert "diverges" in labels[2] and "diverges" not in labels[0] + labels[1]
    assert any("off the chart" in text.get_text() for text in axes.texts)


def test_learning_rate_plot_refuses_what_it_cannot_draw():
    with pytest.raises(ValueError, match="empty"):
        plots.learning_rate_experiment({})
    with pytest.raises(ValueError, match="no costs for learning rate 0.01"):
        plots.learning_rate_experiment({0.01: []})
    with pytest.raises(ValueError, match="log scale"):
        plots.learning_rate_experiment({0.01: [0.0, np.nan]})


def test_sigmoid_plot_draws_the_functions_it_is_given(tmp_path):
    def derivative(z):
        return arithmetic.logistic(z) * (1 - arithmetic.logistic(z))

    figure = plots.sigmoid_and_derivative(arithmetic.logistic, derivative)
    image = render(figure, tmp_path, "sigmoid")
    assert image.size == (700, 400)
    (axes,) = figure.axes
    step, sigmoid, derivative = axes.lines
    z, s = sigmoid.get_data()
    np.testing.assert_allclose(s, 1 / (1 + np.exp(-z)))
    assert derivative.get_data()[1].max() == pytest.approx(0.25)


def test_digit_with_outputs_shows_the_picture_and_ten_bars(tmp_path):
    outputs = np.linspace(0.1, 0.9, 10)[::-1]  # the network says 0
    figure = plots.digit_with_outputs(digits(1)[0], outputs, label=7, title="untrained")
    image = render(figure, tmp_path, "digit_with_outputs")
    assert image.size == (800, 320)
    picture, bars = figure.axes
    assert picture.images[0].get_array().shape == (28, 28)
    assert len(bars.patches) == 10
    assert "says 0" in bars.get_title() and "it is a 7" in bars.get_title()


def test_digit_plots_refuse_wrong_sizes_with_a_hint():
    with pytest.raises(ValueError, match="784 pixels"):
        plots.digit_with_outputs(np.zeros(100), np.zeros(10))
    with pytest.raises(ValueError, match="10 activations"):
        plots.digit_with_outputs(np.zeros(784), np.zeros(9))


def test_gradient_check_colours_the_wrong_arrays_red(tmp_path):
    figure = plots.gradient_check({"W1": 3e-10, "b1": 0.0, "W2": 2e-2, "b2": 1e-9}, 1e-5)
    image = render(figure, tmp_path, "gradient_check")
    assert image.size == (600, 350)
    (axes,) = figure.axes
    assert axes.get_yscale() == "log"
    colours = [bar.get_facecolor()[:3] for bar in axes.patches]
    red, green = (0.839, 0.153, 0.157), (0.173, 0.627, 0.173)
    assert [np.allclose(c, red, atol=0.01) for c in colours] == [False, False, True, False]
    assert all(np.allclose(c, green, atol=0.01) for i, c in enumerate(colours) if i != 2)
    assert "W2 disagrees" in axes.get_title()


def test_learning_curves_have_cost_and_accuracy_panels_with_the_baseline(tmp_path):
    history = [0.37, 0.29, 0.21, 0.18, 0.16]
    accuracy = [0.94, 0.955, 0.965, 0.968, 0.971]
    figure = plots.learning_curves(history, accuracy)
    image = render(figure, tmp_path, "learning_curves")
    assert image.size == (1000, 380)
    cost_axes, accuracy_axes = figure.axes
    np.testing.assert_allclose(cost_axes.lines[0].get_data()[1], history)
    np.testing.assert_allclose(accuracy_axes.lines[0].get_data()[1], 100 * np.array(accuracy))
    baseline = accuracy_axes.lines[1].get_data()[1]
    assert np.allclose(baseline, 87.25)
    assert any("87.25%" in text.get_text() for text in accuracy_axes.get_legend().get_texts())


def test_learning_curves_without_test_accuracy_say_so(tmp_path):
    figure = plots.learning_curves([0.5, 0.4], [], baseline=None)
    render(figure, tmp_path, "learning_curves_cost_only")
    assert len(figure.axes) == 2
    assert any("no test accuracy" in text.get_text() for text in figure.axes[1].texts)


def test_confusion_counts_count_every_pair_once():
    labels = np.array([0, 0, 1, 2, 2, 2, 9])
    predictions = np.array([0, 1, 1, 2, 7, 2, 4])
    counts = plots.confusion_counts(labels, predictions)
    expected = np.zeros((10, 10), dtype=int)
    for true, said in zip(labels, predictions):
        expected[true, said] += 1
    np.testing.assert_array_equal(counts, expected)
    assert counts.sum() == labels.size and np.trace(counts) == 4


def test_confusion_counts_refuse_labels_out_of_range():
    with pytest.raises(ValueError, match="0 to 9"):
        plots.confusion_counts([0, 10], [0, 1])
    with pytest.raises(ValueError, match="same length"):
        plots.confusion_counts([0, 1], [0])


def test_confusion_matrix_is_a_10_by_10_grid_with_the_accuracy(tmp_path):
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 10, 2000)
    predictions = np.where(rng.random(2000) < 0.1, rng.integers(0, 10, 2000), labels)
    figure = plots.confusion_matrix(labels, predictions)
    image = render(figure, tmp_path, "confusion_matrix")
    assert image.size == (650, 600)
    (axes,) = figure.axes
    assert axes.images[0].get_array().shape == (10, 10)
    assert f"{np.mean(labels == predictions):.2%}" in axes.get_title()


def test_misclassified_shows_one_titled_panel_per_mistake(tmp_path):
    labels = np.arange(40) % 10
    predictions = labels.copy()
    wrong = [3, 8, 15, 22, 31]
    predictions[wrong] = (labels[wrong] + 1) % 10
    figure = plots.misclassified(digits(40), labels, predictions, count=24, columns=4)
    image = render(figure, tmp_path, "misclassified")
    assert len(figure.axes) == len(wrong)
    assert image.size == pixel_size(figure)
    titles = [axes.get_title() for axes in figure.axes]
    assert titles[0] == f"said {predictions[3]}, is {labels[3]}"
    assert "5 of 40 digits misread" in figure.get_suptitle()


def test_misclassified_shows_at_most_count_panels(tmp_path):
    labels = np.zeros(100, dtype=int)
    predictions = np.ones(100, dtype=int)
    figure = plots.misclassified(digits(100), labels, predictions, count=24, columns=8)
    render(figure, tmp_path, "misclassified_many")
    assert len(figure.axes) == 24
    assert figure.get_size_inches()[0] * plots.DPI == pytest.approx(8 * 130)


def test_misclassified_with_no_mistakes_says_so(tmp_path):
    labels = np.arange(10)
    figure = plots.misclassified(digits(10), labels, labels)
    assert any("No mistakes" in text.get_text() for text in figure.axes[0].texts)


def test_handwriting_prediction_has_three_panels(tmp_path):
    original = np.full((120, 90), 250, dtype=np.uint8)
    original[20:100, 40:50] = 30
    figure = plots.handwriting_prediction(original, digits(1)[0].reshape(28, 28),
                                          np.eye(10)[1])
    image = render(figure, tmp_path, "handwriting_prediction")
    assert image.size == (1000, 320)
    drawn, seen, bars = figure.axes
    assert drawn.images[0].get_array().shape == (120, 90)
    assert "says 1" in bars.get_title()


def test_figures_never_touch_pyplot():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    plots.neuron_fit(TABLE_X, TABLE_Y, 1.0, 0.0)
    plots.confusion_matrix([1, 2], [1, 2])
    assert plt.get_fignums() == before


def test_importing_plots_does_not_import_matplotlib():
    """Grading imports the notebook's imports; matplotlib must cost nothing until a figure."""
    code = "import sys, autograder.student.plots; print('matplotlib' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
