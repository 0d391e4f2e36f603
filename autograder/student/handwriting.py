"""Turn a picture of a handwritten digit into a 28 x 28 input that looks like MNIST.

MNIST's own recipe: white ink on black (values in [0, 1] here), the digit scaled so the longer
side of its bounding box is 20 pixels (keeping its proportions, with anti-aliasing), then placed
in a 28 x 28 field so that its centre of mass is at the centre, pixel (14, 14). A network trained
on MNIST only reads digits prepared the same way: a small digit in a corner looks like nothing
it has seen.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from autograder.assignment import ASSIGNMENTS

EXAMPLE_DIGIT = ASSIGNMENTS / "neural_network" / "my_digit.png"  # a hand-drawn 3

FIELD = 28  # MNIST's picture size
BOX = 20  # the longer side of the digit's bounding box
CENTRE = 14.0  # where MNIST puts the centre of mass (measured: 14.0 +- 0.3 on the training set)
INK = 0.2  # ink darker than this (after background removal) counts for the bounding box
FAINT = 0.1  # anything fainter is paper texture or noise and is removed


def read_grey(path: str | Path) -> np.ndarray:
    """The picture at `path` as grey levels 0 (black) to 255 (white), shape (height, width).

    Transparent pixels count as white paper, so a digit drawn on a transparent background
    reads the same as one drawn on white."""
    from PIL import Image, UnidentifiedImageError  # (here: a grading never reads a picture)

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: give the path of a PNG (or JPEG) of "
                                "your digit, relative to this notebook.")
    try:
        with Image.open(path) as image:
            image = image.convert("RGBA")
    except UnidentifiedImageError:
        raise ValueError(f"{path} is not a picture Pillow can read: save your digit as a PNG "
                         "or JPEG file.") from None
    paper = Image.new("RGBA", image.size, "white")
    return np.asarray(Image.alpha_composite(paper, image).convert("L"), dtype=np.uint8)


def ink_levels(grey: np.ndarray) -> np.ndarray:
    """Ink as values in [0, 1] on a background of 0, whichever way round the picture is.

    The border decides what is background: a light border means dark ink on paper (inverted,
    as for MNIST); a dark border means the picture is already light ink on black."""
    grey = np.asarray(grey, dtype=float)
    if grey.ndim != 2 or min(grey.shape) < 2:
        raise ValueError(f"expected a 2-D grey picture (height, width), got shape {grey.shape}.")
    levels = grey / 255.0
    border = np.concatenate([levels[0], levels[-1], levels[:, 0], levels[:, -1]])
    if np.median(border) > 0.5:
        levels, border = 1.0 - levels, 1.0 - border
    background = float(np.median(border))
    contrast = levels.max() - background
    if contrast < INK:
        raise ValueError("no digit found: the picture is almost uniform. Draw the digit with a "
                         "thick dark pen on white paper (or light on black) and try again.")
    ink = np.clip((levels - background) / contrast, 0.0, 1.0)
    ink[ink < FAINT] = 0.0
    return ink


def scale_to_box(ink: np.ndarray) -> np.ndarray:
    """The digit cropped to its bounding box and resized so its longer side is BOX pixels."""
    rows = np.flatnonzero((ink > INK).any(axis=1))
    columns = np.flatnonzero((ink > INK).any(axis=0))
    from PIL import Image

    cropped = ink[rows[0]:rows[-1] + 1, columns[0]:columns[-1] + 1].astype(np.float32)
    height, width = cropped.shape
    scale = BOX / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    # Pillow's bilinear filter widens with the shrink factor, so it averages (anti-aliases) the
    # strokes into MNIST-like grey edges, with no ringing halo (Lanczos leaves faint specks).
    resized = Image.fromarray(cropped, mode="F").resize(size, Image.Resampling.BILINEAR)
    return np.clip(np.asarray(resized, dtype=float), 0.0, 1.0)


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """(row, column) of the ink's centre of mass."""
    total = image.sum()
    rows, columns = np.indices(image.shape)
    return float((rows * image).sum() / total), float((columns * image).sum() / total)


def place_in_field(digit: np.ndarray) -> np.ndarray:
    """The digit in a FIELD x FIELD picture, shifted so its centre of mass is at CENTRE
    (as near as whole pixels allow, and never cut off at the edge)."""
    height, width = digit.shape
    row, column = centre_of_mass(digit)
    top = int(np.clip(round(CENTRE - row), 0, FIELD - height))
    left = int(np.clip(round(CENTRE - column), 0, FIELD - width))
    field = np.zeros((FIELD, FIELD))
    field[top:top + height, left:left + width] = digit
    return field


def mnist_like(grey: np.ndarray) -> np.ndarray:
    """A grey picture (0 black .. 255 white) as a 28 x 28 MNIST-like digit in [0, 1]."""
    return place_in_field(scale_to_box(ink_levels(grey)))


def load_digit(path: str | Path) -> np.ndarray:
    """The picture at `path` as a 28 x 28 MNIST-like digit; `.reshape(1, 784)` to feed it to
    your network."""
    return mnist_like(read_grey(path))
