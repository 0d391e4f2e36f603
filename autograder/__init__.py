"""nnkit: an autograded exercise kit for building a neural network from scratch."""

# The one place the version is written: pyproject.toml reads it (setuptools dynamic version),
# reports and releases quote it.
__version__ = "0.2.0"
