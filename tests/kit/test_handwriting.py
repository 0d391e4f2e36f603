"""A picture of a digit becomes an MNIST-like 28 x 28 input: inverted, cropped, scaled to a 20-pixel
box and centred by its centre of mass, whatever the picture's size, position or background."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from autograder.data import load_mnist
from autograder.student import handwriting


def drawn(size=(160, 160), box=(60, 30, 100, 130), ink=30, paper=250, width=10) -> np.ndarray:
    """A grey picture of a '7' drawn with a thick pen inside `box` (left, top, right, bottom)."""
    image = Image.new("L", size, paper)
    pen = ImageDraw.Draw(image)
    left, top, right, bottom = box
    pen.line([(left, top), (right, top), (left + (right - left) // 3, bottom)], fill=ink,
             width=width)
    return np.asarray(image)


def ink_box(digit: np.ndarray) -> tuple[int, int]:
    rows = np.flatnonzero((digit > 0).any(axis=1))
    columns = np.flatnonzero((digit > 0).any(axis=0))
    return rows[-1] - rows[0] + 1, columns[-1] - columns[0] + 1


def assert_mnist_like(digit: np.ndarray) -> None:
    assert digit.shape == (28, 28)
    assert digit.min() == 0.0 and 0.9 <= digit.max() <= 1.0
    assert max(ink_box(digit)) == 20, f"longest side of the ink is {ink_box(digit)}, not 20"
    row, column = handwriting.centre_of_mass(digit)
    assert abs(row - 14) <= 0.5 and abs(column - 14) <= 0.5, (row, column)
    assert digit[0].sum() == digit[-1].sum() == digit[:, 0].sum() == digit[:, -1].sum() == 0


def test_dark_ink_on_paper_becomes_light_ink_on_black_scaled_and_centred():
    digit = handwriting.mnist_like(drawn())
    assert_mnist_like(digit)


def test_a_small_digit_in_a_corner_is_scaled_up_and_moved_to_the_centre():
    digit = handwriting.mnist_like(drawn(size=(400, 300), box=(10, 10, 30, 50), width=4))
    assert_mnist_like(digit)


def test_a_wide_digit_keeps_its_proportions():
    picture = np.full((100, 200), 255, dtype=np.uint8)
    picture[45:55, 20:180] = 0  # a dash 160 wide and 10 tall
    digit = handwriting.mnist_like(picture)
    height, width = ink_box(digit)
    assert width == 20 and height in (1, 2), (height, width)


def test_light_ink_on_black_is_not_inverted_again():
    dark_on_light = handwriting.mnist_like(drawn())
    light_on_dark = handwriting.mnist_like(255 - drawn())
    np.testing.assert_allclose(light_on_dark, dark_on_light, atol=1e-6)


def test_paper_texture_is_removed():
    rng = np.random.default_rng(0)
    clean = drawn()
    noisy = np.where(clean > 128, rng.integers(225, 256, clean.shape), clean).astype(np.uint8)
    np.testing.assert_allclose(handwriting.mnist_like(noisy), handwriting.mnist_like(clean),
                               atol=0.1)
    assert np.count_nonzero(handwriting.mnist_like(noisy)) == np.count_nonzero(
        handwriting.mnist_like(clean))


def test_a_transparent_background_reads_as_white_paper(tmp_path):
    strokes = drawn(paper=255)
    rgba = np.zeros(strokes.shape + (4,), dtype=np.uint8)
    rgba[..., 3] = 255 - strokes  # black ink, opaque where drawn, transparent elsewhere
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "transparent.png")
    Image.fromarray(strokes).save(tmp_path / "white.png")
    np.testing.assert_allclose(handwriting.load_digit(tmp_path / "transparent.png"),
                               handwriting.load_digit(tmp_path / "white.png"), atol=0.02)


def test_colour_pictures_are_read_as_grey(tmp_path):
    grey = drawn()
    colour = np.stack([grey, grey, np.full_like(grey, 255)], axis=-1)  # blue-ish paper
    Image.fromarray(colour, mode="RGB").save(tmp_path / "colour.png")
    assert_mnist_like(handwriting.load_digit(tmp_path / "colour.png"))


def test_a_blank_picture_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="no digit found"):
        handwriting.mnist_like(np.full((50, 50), 240, dtype=np.uint8))


def test_a_missing_file_or_a_file_that_is_not_a_picture_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        handwriting.read_grey(tmp_path / "nowhere.png")
    (tmp_path / "notes.png").write_text("not a picture")
    with pytest.raises(ValueError, match="not a picture"):
        handwriting.read_grey(tmp_path / "notes.png")


def test_the_example_digit_is_small_and_looks_like_an_mnist_three():
    """The kit's example, prepared, is nearest to the average MNIST 3 of all ten digit means."""
    assert handwriting.EXAMPLE_DIGIT.stat().st_size < 4_000
    digit = handwriting.load_digit(handwriting.EXAMPLE_DIGIT)
    assert_mnist_like(digit)
    X, _, labels = load_mnist("train")
    means = np.array([X[labels == k].mean(axis=0) for k in range(10)])
    distances = np.sum((means - digit.reshape(1, 784)) ** 2, axis=1)
    assert int(np.argmin(distances)) == 3, distances.round(1)
