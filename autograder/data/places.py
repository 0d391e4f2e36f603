"""Where MNIST comes from and where the kit keeps its cache: names only, so that whatever needs
to know the places (the fence hides them from submitted code) need not import NumPy."""

DATA_DIR_ENV = "NNKIT_MNIST_DIR"  # a local folder holding the MNIST files (tests, CI)
CACHE_DIR_ENV = "NNKIT_CACHE_DIR"
DEFAULT_CACHE_DIR = "~/.cache/nnkit"
