"""MNIST for the kit: verified local or downloaded files, a fast .npy cache, ready arrays."""

from __future__ import annotations

import importlib
from typing import Any

# Each name from the module that has it, imported on first use: the fence reads
# autograder.data.places without loading NumPy.
_FROM = {"Manifest": "manifest", "MnistDataError": "manifest", "MnistFile": "manifest",
         "load_manifest": "manifest", "ensure_mnist": "mnist", "load_mnist": "mnist",
         "mnist_arrays": "mnist", "mnist_file_paths": "mnist"}


def __getattr__(name: str) -> Any:
    if name not in _FROM:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_FROM[name]}"), name)


__all__ = [
    "Manifest",
    "MnistDataError",
    "MnistFile",
    "ensure_mnist",
    "load_manifest",
    "load_mnist",
    "mnist_arrays",
    "mnist_file_paths",
]
