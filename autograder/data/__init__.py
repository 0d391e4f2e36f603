"""MNIST for the kit: verified local or downloaded files, a fast .npy cache, ready arrays."""

from .manifest import Manifest, MnistDataError, MnistFile, load_manifest
from .mnist import ensure_mnist, load_mnist, mnist_arrays, mnist_file_paths

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
