"""The correct-variant catalogue: right answers written differently from the reference. Every
one must pass every stage it is graded on; a failure here is a false fail of the kit."""

from tests.kit.catalogue.entries import Variant
from tests.kit.catalogue.mistakes import (
    BACKWARD_LOOP,
    CROSS_ENTROPY,
    HYPERPARAMS,
    INIT_WEIGHTS,
    OUTPUT_DELTA,
    PROPAGATE,
    SCIPY_SIGMOID,
    SIGMOID_PRIME,
    STABLE_SIGMOID,
    UPDATE,
)

NEURON_COST = "    residual = neuron(x, w, b) - y\n    return float(np.sum(residual**2))\n"
NEURON_GRADIENT = ("    residual = neuron(x, w, b) - y\n"
                   "    return float(2 * np.sum(residual * x)), float(2 * np.sum(residual))\n")
FORWARD = """    activations = [np.asarray(X, dtype=float)]
    for layer in range(1, len(params) // 2 + 1):
        z = activations[-1] @ params[f"W{layer}"] + params[f"b{layer}"]
        activations.append(sigmoid(z))
    return activations[-1], activations
"""
BACKWARD_HEAD = "    activations = cache\n    n_layers = len(activations) - 1\n"
TRAIN = """    rng = np.random.default_rng(seed)
    params = init_params(layer_sizes, seed)
    m = X.shape[0]
    history = []
    for _ in range(epochs):
        order = rng.permutation(m)
        outputs = np.empty(Y.shape)  # row i: sample i's output, from the minibatch it was in
        for start in range(0, m, batch_size):
            batch = order[start : start + batch_size]
            A, cache = forward(params, X[batch])
            outputs[batch] = A
            params = update(params, backward(params, cache, Y[batch]), learning_rate)
        # The same number as averaging the minibatches' costs, in one call per epoch instead of
        # one per minibatch, and without a second pass over the data.
        history.append(cross_entropy(outputs, Y))
    return params, history
"""

INIT = """    rng = np.random.default_rng(seed)
    params = {}
    for layer, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:]), start=1):
        params[f"W{layer}"] = rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_in, n_out))
        params[f"b{layer}"] = np.zeros(n_out)
    return params
"""
BACKWARD = BACKWARD_HEAD + "    m = Y.shape[0]\n    grads = {}\n" + OUTPUT_DELTA + BACKWARD_LOOP
PREDICT = "    return np.argmax(forward(params, X)[0], axis=1)"
MINIBATCH_STEP = """            A, cache = forward(params, X[batch])
            outputs[batch] = A
            params = update(params, backward(params, cache, Y[batch]), learning_rate)
"""
EPOCH_COST = "        history.append(cross_entropy(outputs, Y))\n"
IMPORTS = "import numpy as np\n"
GRADS_START = "    m = Y.shape[0]\n    grads = {}\n    delta = (activations[-1] - Y) / m\n"
DENSE = '''class Dense:
    """One sigmoid layer that remembers its input and output for the backward pass."""

    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, a):
        self.a_in = a
        self.a_out = sigmoid(a @ self.W + self.b)
        return self.a_out

    def backward(self, delta):
        grads = (self.a_in.T @ delta, delta.sum(axis=0))
        return grads, (delta @ self.W.T) * self.a_in * (1.0 - self.a_in)


def init_params(layer_sizes, seed=0):'''
LOGISTIC = '''def logistic(t):
    """One number, without overflow: the exponent is never positive."""
    if t >= 0:
        return 1.0 / (1.0 + math.exp(-t))
    e = math.exp(t)
    return e / (1.0 + e)


logistic_everywhere = np.vectorize(logistic, otypes=[float])
ACTIVATIONS = {"sigmoid": logistic_everywhere}
activation = "sigmoid"


def sigmoid(z):'''
SCALAR_SIGMOID = '''def sigmoid_scalar(t):
    """One number: math.tanh never overflows."""
    return 0.5 + 0.5 * math.tanh(0.5 * t)'''
# The notebook's last code cell: what comes after it is defined after every use.
PLAYGROUND = "playground.playground(train, forward, hidden_layers=[[], [3], [8], [32], [16, 16]])\n"
ATTRIBUTE_DICT = '''import numpy as np


class Params(dict):
    """A dict whose entries are also attributes: params.W1."""

    __getattr__ = dict.__getitem__
'''

VARIANTS: list[Variant] = [
    Variant("loops-instead-of-vectorisation", (
        (NEURON_COST, """    total = 0.0
    for xi, yi in zip(x, y):
        total += (b + w * xi - yi) ** 2
    return total
"""),
        (NEURON_GRADIENT, """    dw = db = 0.0
    for xi, yi in zip(x, y):
        error = b + w * xi - yi
        dw += 2 * error * xi
        db += 2 * error
    return dw, db
"""),
        (BACKWARD_LOOP, """    grads = {key: np.zeros_like(value) for key, value in params.items()}
    for i in range(m):  # one sample at a time, summing each sample's share
        delta = (activations[-1][i] - Y[i]) / m
        for layer in range(n_layers, 0, -1):
            a_prev = activations[layer - 1][i]
            grads[f"W{layer}"] += np.outer(a_prev, delta)
            grads[f"b{layer}"] += delta
            delta = (params[f"W{layer}"] @ delta) * a_prev * (1.0 - a_prev)
    return grads
"""),
        (CROSS_ENTROPY, """    total = 0.0
    for a_row, y_row in zip(A, Y):
        for a, y in zip(a_row, y_row):
            total -= y * np.log(a) + (1 - y) * np.log(1 - a)
    return total / len(A)
"""),
    )),
    Variant("exponent-trick-sigmoid", (
        (STABLE_SIGMOID, "    z = np.asarray(z, dtype=float)\n"
                         "    e = np.exp(-np.abs(z))  # the exponent is never positive\n"
                         "    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n"),
    )),
    Variant("clipped-exponent-sigmoid", (
        (STABLE_SIGMOID, "    z = np.clip(np.asarray(z, dtype=float), -500.0, 500.0)\n"
                         "    return 1.0 / (1.0 + np.exp(-z))\n"),
        (SIGMOID_PRIME, "    return np.exp(-np.logaddexp(0.0, z) - np.logaddexp(0.0, -z))\n"),
    )),
    Variant("dict-cache", (
        (FORWARD, """    cache = {"A0": np.asarray(X, dtype=float)}
    layers = len(params) // 2
    for layer in range(1, layers + 1):
        z = cache[f"A{layer - 1}"] @ params[f"W{layer}"] + params[f"b{layer}"]
        cache[f"A{layer}"] = sigmoid(z)
    return cache[f"A{layers}"], cache
"""),
        (BACKWARD_HEAD, "    activations = [cache[f'A{i}'] for i in range(len(cache))]\n"
                        "    n_layers = len(activations) - 1\n"),
    )),
    Variant("cache-of-z-and-a-pairs", (
        (FORWARD, """    a = np.asarray(X, dtype=float)
    cache = [(None, a)]
    for layer in range(1, len(params) // 2 + 1):
        z = a @ params[f"W{layer}"] + params[f"b{layer}"]
        a = sigmoid(z)
        cache.append((z, a))
    return a, cache
"""),
        (BACKWARD_HEAD + "    m = Y.shape[0]\n    grads = {}\n" + OUTPUT_DELTA + BACKWARD_LOOP,
         """    m = Y.shape[0]
    grads = {}
    delta = (cache[-1][1] - Y) / m
    for layer in range(len(cache) - 1, 0, -1):
        z_prev, a_prev = cache[layer - 1]
        grads[f"b{layer}"] = delta.sum(axis=0)
        grads[f"W{layer}"] = a_prev.T @ delta
        if layer > 1:
            delta = (delta @ params[f"W{layer}"].T) * sigmoid_prime(z_prev)
    return grads
"""),
    )),
    Variant("biases-first-key-order", (
        ("""    params = {}
    for layer, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:]), start=1):
        params[f"W{layer}"] = rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_in, n_out))
        params[f"b{layer}"] = np.zeros(n_out)
    return params
""", """    pairs = list(zip(layer_sizes[:-1], layer_sizes[1:]))
    weights = {f"W{k}": rng.normal(0.0, 1.0 / np.sqrt(i), size=(i, o))
               for k, (i, o) in enumerate(pairs, start=1)}
    biases = {f"b{k}": np.zeros(o) for k, (_, o) in reversed(list(enumerate(pairs, start=1)))}
    return {**biases, **weights}
"""),
        (UPDATE, "    return {key: params[key] - learning_rate * grads[key] "
                 "for key in sorted(grads)}\n"),
    )),
    Variant("uniform-init-with-the-right-std", (
        (INIT_WEIGHTS,
         "rng.uniform(-np.sqrt(3.0 / n_in), np.sqrt(3.0 / n_in), size=(n_in, n_out))"),
    )),
    Variant("xavier-glorot-init", (
        (INIT_WEIGHTS, "rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), size=(n_in, n_out))"),
    )),
    Variant("einsum-everywhere", (
        ('        z = activations[-1] @ params[f"W{layer}"] + params[f"b{layer}"]\n',
         '        z = np.einsum("mi,io->mo", activations[-1], params[f"W{layer}"]) '
         '+ params[f"b{layer}"]\n'),
        ('        grads[f"W{layer}"] = activations[layer - 1].T @ delta\n',
         '        grads[f"W{layer}"] = np.einsum("mi,mo->io", activations[layer - 1], delta)\n'),
        ('            delta = (delta @ params[f"W{layer}"].T) * a_prev * (1.0 - a_prev)\n',
         '            delta = np.einsum("mo,io->mi", delta, params[f"W{layer}"]) '
         '* a_prev * (1.0 - a_prev)\n'),
        (CROSS_ENTROPY, '    return float(-(np.einsum("mk,mk->", Y, np.log(A)) '
                        '+ np.einsum("mk,mk->", 1 - Y, np.log(1 - A))) / m)\n'),
    )),
    Variant("stable-log1p-cross-entropy", (
        (CROSS_ENTROPY,
         "    return float(-(Y * np.log(A) + (1 - Y) * np.log1p(-A)).sum(axis=1).mean())\n"),
    )),
    Variant("running-minibatch-cost-history", (
        (TRAIN, """    rng = np.random.default_rng(seed)
    params = init_params(layer_sizes, seed)
    m = X.shape[0]
    history = []
    for _ in range(epochs):
        order = rng.permutation(m)
        epoch_cost = 0.0
        for start in range(0, m, batch_size):
            batch = order[start : start + batch_size]
            A, cache = forward(params, X[batch])
            epoch_cost += cross_entropy(A, Y[batch]) * len(batch)
            params = update(params, backward(params, cache, Y[batch]), learning_rate)
        history.append(epoch_cost / m)
    return params, history
"""),
    )),
    Variant("while-loop-training-with-in-place-shuffle", (
        (TRAIN, """    rng = np.random.default_rng(seed)
    params = init_params(layer_sizes, seed)
    indices = np.arange(X.shape[0])
    history = []
    for _epoch in range(epochs):
        rng.shuffle(indices)
        start = 0
        while start < len(indices):
            rows = indices[start:start + batch_size]
            A, cache = forward(params, X[rows])
            grads = backward(params, cache, Y[rows])
            params = update(params, grads, learning_rate=learning_rate)
            start += batch_size
        A, _ = forward(params, X)
        history.append(cross_entropy(A, Y))
    return params, np.array(history)
"""),
        (UPDATE, """    new = {key: value.copy() for key, value in params.items()}
    for key in new:
        new[key] -= learning_rate * grads[key]  # in place, but on the copies only
    return new
"""),
        ("    return np.argmax(forward(params, X)[0], axis=1)",
         "    A, _ = forward(params, X)\n    return A.argmax(axis=-1)"),
    )),
    # -- styles of other people's from-scratch networks, wrapped in the API ----------------------
    Variant("columns-as-samples-inside", (
        (FORWARD, """    a = np.asarray(X, dtype=float).T  # inside, each column is a sample
    cache = [a]
    for layer in range(1, len(params) // 2 + 1):
        a = sigmoid(params[f"W{layer}"].T @ a + params[f"b{layer}"][:, None])
        cache.append(a)
    return a.T, cache
"""),
        (BACKWARD, """    m = Y.shape[0]
    delta = (cache[-1] - Y.T) / m  # (n_L, m)
    grads = {}
    for layer in range(len(cache) - 1, 0, -1):
        grads[f"W{layer}"] = cache[layer - 1] @ delta.T
        grads[f"b{layer}"] = delta.sum(axis=1)
        if layer > 1:
            a_prev = cache[layer - 1]
            delta = (params[f"W{layer}"] @ delta) * a_prev * (1.0 - a_prev)
    return grads
"""),
    )),
    Variant("class-based-layers", (
        ("def init_params(layer_sizes, seed=0):", DENSE),
        (FORWARD, """    n = len(params) // 2
    layers = [Dense(params[f"W{k}"], params[f"b{k}"]) for k in range(1, n + 1)]
    a = np.asarray(X, dtype=float)
    for layer in layers:
        a = layer.forward(a)
    return a, layers
"""),
        (BACKWARD, """    delta = (cache[-1].a_out - Y) / Y.shape[0]
    grads = {}
    for k in range(len(cache), 0, -1):
        (grads[f"W{k}"], grads[f"b{k}"]), delta = cache[k - 1].backward(delta)
    return grads
"""),
    )),
    Variant("lists-of-weight-matrices", (
        (INIT, """    rng = np.random.default_rng(seed)
    shapes = list(zip(layer_sizes[:-1], layer_sizes[1:]))
    weights = [rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_in, n_out)) for n_in, n_out in shapes]
    biases = [np.zeros(n_out) for _, n_out in shapes]
    return to_params(weights, biases)


def to_params(weights, biases):
    params = {}
    for k, (W, b) in enumerate(zip(weights, biases), start=1):
        params[f"W{k}"], params[f"b{k}"] = W, b
    return params


def to_lists(params):
    n = len(params) // 2
    return [params[f"W{k}"] for k in range(1, n + 1)], [params[f"b{k}"] for k in range(1, n + 1)]
"""),
        (FORWARD, """    weights, biases = to_lists(params)
    activations = [np.asarray(X, dtype=float)]
    for W, b in zip(weights, biases):
        activations.append(sigmoid(np.dot(activations[-1], W) + b))
    return activations[-1], activations
"""),
        (BACKWARD, """    weights, _ = to_lists(params)
    delta = (cache[-1] - Y) / Y.shape[0]
    dWs, dbs = [], []
    for W, a_prev in zip(reversed(weights), reversed(cache[:-1])):
        dWs.insert(0, np.dot(a_prev.T, delta))
        dbs.insert(0, np.sum(delta, axis=0))
        delta = np.dot(delta, W.T) * a_prev * (1.0 - a_prev)
    return to_params(dWs, dbs)
"""),
    )),
    Variant("ordereddict-params-and-grads", (
        (IMPORTS, "from collections import OrderedDict\n\nimport numpy as np\n"),
        ("    rng = np.random.default_rng(seed)\n    params = {}\n",
         "    rng = np.random.default_rng(seed)\n    params = OrderedDict()\n"),
        (GRADS_START, GRADS_START.replace("grads = {}", "grads = OrderedDict()")),
        (UPDATE, "    return OrderedDict((key, value - learning_rate * grads[key]) "
                 "for key, value in params.items())\n"),
    )),
    Variant("namedtuple-results-and-cache", (
        (IMPORTS, "from collections import namedtuple\nfrom typing import NamedTuple\n\n"
                  "import numpy as np\n\nGradient = namedtuple('Gradient', 'dw db')\n\n\n"
                  "class Cache(NamedTuple):\n    activations: list\n\n\n"
                  "class ForwardResult(NamedTuple):\n    A: np.ndarray\n    cache: Cache\n"),
        (NEURON_GRADIENT, "    residual = neuron(x, w, b) - y\n"
                          "    return Gradient(2 * np.sum(residual * x), 2 * np.sum(residual))\n"),
        ("    return activations[-1], activations\n",
         "    return ForwardResult(activations[-1], Cache(activations))\n"),
        (BACKWARD_HEAD, "    activations = cache.activations  # an attribute: only a Cache has it\n"
                        "    n_layers = len(activations) - 1\n"),
    )),
    Variant("np-matrix-inside", (
        (FORWARD, """    a = np.asmatrix(X, dtype=float)
    cache = [a]
    for layer in range(1, len(params) // 2 + 1):
        z = a * np.asmatrix(params[f"W{layer}"]) + np.asmatrix(params[f"b{layer}"])
        a = np.asmatrix(sigmoid(z))
        cache.append(a)
    return a, cache
"""),
        (BACKWARD, """    # The cache holds np.matrix objects, for which * is the matrix product.
    delta = (cache[-1] - np.asmatrix(Y)) / Y.shape[0]
    grads = {}
    for layer in range(len(cache) - 1, 0, -1):
        a_prev = cache[layer - 1]
        grads[f"W{layer}"] = np.asarray(a_prev.T * delta)
        grads[f"b{layer}"] = np.asarray(delta.sum(axis=0)).ravel()
        delta = np.multiply(delta * np.asmatrix(params[f"W{layer}"]).T,
                            np.multiply(a_prev, 1.0 - a_prev))
    return grads
"""),
        (PREDICT, "    return np.asarray(np.argmax(forward(params, X)[0], axis=1)).ravel()"),
    )),
    Variant("float32-throughout", (
        ("    return b + w * np.asarray(x, dtype=float)",
         "    return np.float32(b) + np.float32(w) * np.asarray(x, dtype=np.float32)"),
        (NEURON_GRADIENT, "    residual = neuron(x, w, b) - np.asarray(y, dtype=np.float32)\n"
                          "    return float(2 * np.sum(residual * np.float32(x))), "
                          "float(2 * np.sum(residual))\n"),
        (STABLE_SIGMOID, "    z = np.asarray(z, dtype=np.float32)\n    return np.float32(0.5) "
                         "+ np.float32(0.5) * np.tanh(np.float32(0.5) * z)\n"),
        (SIGMOID_PRIME, "    s = sigmoid(z)\n    return s * (np.float32(1.0) - s)\n"),
        (INIT_WEIGHTS, INIT_WEIGHTS + ".astype(np.float32)"),
        ("np.zeros(n_out)", "np.zeros(n_out, dtype=np.float32)"),
        (FORWARD, """    activations = [np.asarray(X, dtype=np.float32)]
    for layer in range(1, len(params) // 2 + 1):
        W, b = (params[f"{kind}{layer}"].astype(np.float32) for kind in "Wb")
        activations.append(sigmoid(activations[-1] @ W + b))
    return activations[-1], activations
"""),
        (OUTPUT_DELTA, "    delta = (activations[-1] - Y.astype(np.float32)) / np.float32(m)\n"),
        ('            delta = (delta @ params[f"W{layer}"].T) * a_prev * (1.0 - a_prev)\n',
         '            W = params[f"W{layer}"].astype(np.float32)\n'
         '            delta = (delta @ W.T) * a_prev * (np.float32(1.0) - a_prev)\n'),
        (CROSS_ENTROPY, "    A = np.asarray(A, dtype=np.float32)\n"
                        "    Y = np.asarray(Y, dtype=np.float32)\n"
                        "    return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log1p(-A)) / m)\n"),
        (UPDATE, "    return {key: (value - learning_rate * grads[key]).astype(np.float32) "
                 "for key, value in params.items()}\n"),
        ("        outputs = np.empty(Y.shape)",
         "        outputs = np.empty(Y.shape, dtype=np.float32)"),
    )),
    Variant("per-sample-forward-and-backward", (
        (MINIBATCH_STEP, """            total = None
            for i in batch:  # one sample at a time, summing the gradients
                A, cache = forward(params, X[i : i + 1])
                outputs[i] = A[0]
                part = backward(params, cache, Y[i : i + 1])
                total = part if total is None else {k: total[k] + part[k] for k in part}
            params = update(params, {k: v / len(batch) for k, v in total.items()}, learning_rate)
"""),
    )),
    Variant("all-forwards-then-all-backwards", (
        (MINIBATCH_STEP, """            caches = [forward(params, X[[i]])[1] for i in batch]
            parts = [backward(params, cache, Y[[i]]) for cache, i in zip(caches, batch)]
            grads = {key: sum(part[key] for part in parts) / len(batch) for key in params}
            params = update(params, grads, learning_rate)
"""),
        (EPOCH_COST, "        history.append(cross_entropy(forward(params, X)[0], Y))\n"),
    )),
    Variant("keyword-arguments-everywhere", (
        (MINIBATCH_STEP, """            A, cache = forward(params=params, X=X[batch])
            outputs[batch] = A
            grads = backward(params=params, cache=cache, Y=Y[batch])
            params = update(params=params, grads=grads, learning_rate=learning_rate)
"""),
        ("    params = init_params(layer_sizes, seed)\n    m = X.shape[0]\n",
         "    params = init_params(layer_sizes=layer_sizes, seed=seed)\n    m = X.shape[0]\n"),
    )),
    Variant("vectorised-helpers-at-top-level", (
        (IMPORTS, "import math\n\nimport numpy as np\n"),
        ("def sigmoid(z):", LOGISTIC),
        (STABLE_SIGMOID, "    return ACTIVATIONS[activation](z)\n"),
    )),
    Variant("lambda-and-partial-helpers", (
        (IMPORTS, "import functools\n\nimport numpy as np\n"),
        ("def predict(params, X):\n", "def labels_of(params, X, axis):\n"),
        (PREDICT, PREDICT.replace("axis=1", "axis=axis")
         + "\n\n\npredict = functools.partial(labels_of, axis=1)"),
        ("def sigmoid_prime(z):", "squash = lambda z: 0.5 + 0.5 * np.tanh(0.5 * "
                                  "np.asarray(z, float))\n\n\ndef sigmoid_prime(z):"),
        (SIGMOID_PRIME, "    s = squash(z)\n    return s * (1.0 - s)\n"),
    )),
    Variant("clipped-log-cross-entropy", (
        (CROSS_ENTROPY, "    A = np.clip(A, 1e-12, 1 - 1e-12)  # never log(0)\n"
                        "    return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m)\n"),
    )),
    Variant("epsilon-log-cross-entropy", (
        (CROSS_ENTROPY, "    eps = 1e-7  # the common guard against log(0)\n"
                        "    return float(-np.sum(Y * np.log(A + eps) "
                        "+ (1 - Y) * np.log(1 - A + eps)) / m)\n"),
    )),
    Variant("defaultdict-grads", (
        (IMPORTS, "from collections import defaultdict\n\nimport numpy as np\n"),
        (GRADS_START, GRADS_START.replace("grads = {}", "grads = defaultdict(float)")),
        ('        grads[f"W{layer}"] = activations[layer - 1].T @ delta\n'
         '        grads[f"b{layer}"] = delta.sum(axis=0)\n',
         '        grads[f"W{layer}"] += activations[layer - 1].T @ delta\n'
         '        grads[f"b{layer}"] += delta.sum(axis=0)\n'),
    )),
    Variant("ndarray-pair-gradient", (
        (NEURON_GRADIENT, "    residual = neuron(x, w, b) - y\n"
                          "    return np.array([2 * residual @ x, 2 * residual.sum()])\n"),
    )),
    # -- styles nobody listed: plain data in yet another container -------------------------------
    Variant("attribute-dict-params", (
        (IMPORTS, ATTRIBUTE_DICT),
        ("    rng = np.random.default_rng(seed)\n    params = {}\n",
         "    rng = np.random.default_rng(seed)\n    params = Params()\n"),
        (UPDATE, "    return Params({key: value - learning_rate * grads[key] "
                 "for key, value in params.items()})\n"),
    )),
    Variant("deque-cache-and-tuple-history", (
        (IMPORTS, "from collections import deque\n\nimport numpy as np\n"),
        (FORWARD, """    activations = deque([np.asarray(X, dtype=float)])
    for layer in range(1, len(params) // 2 + 1):
        activations.append(sigmoid(activations[-1] @ params[f"W{layer}"] + params[f"b{layer}"]))
    return activations[-1], activations
"""),
        ("    return params, history\n", "    return params, tuple(history)\n"),
    )),
    Variant("nielsen-style-network-class", (
        (TRAIN, """    net = Network(layer_sizes, seed)
    return net.sgd(X, Y, epochs, batch_size, learning_rate)
"""),
        ("def predict(params, X):", '''class Network:
    """Holds the parameters and trains them; the maths lives in the module's functions."""

    def __init__(self, sizes, seed):
        self.rng = np.random.default_rng(seed)
        self.params = init_params(sizes, seed)

    def sgd(self, X, Y, epochs, batch_size, eta):
        history = []
        for _ in range(epochs):
            order = self.rng.permutation(len(X))
            for k in range(0, len(X), batch_size):
                self.step(X[order[k:k + batch_size]], Y[order[k:k + batch_size]], eta)
            history.append(cross_entropy(forward(self.params, X)[0], Y))
        return self.params, history

    def step(self, X, Y, eta):
        _, cache = forward(self.params, X)
        self.params = update(self.params, backward(self.params, cache, Y), eta)


def predict(params, X):'''),
    )),
    Variant("array-split-minibatches", (
        ("""        for start in range(0, m, batch_size):
            batch = order[start : start + batch_size]
""", """        for batch in np.array_split(order, int(np.ceil(m / batch_size))):
"""),
    )),
    Variant("list-pair-and-int-keyed-cache", (
        (FORWARD, """    cache = {0: np.asarray(X, dtype=float)}
    for layer in range(1, len(params) // 2 + 1):
        cache[layer] = sigmoid(cache[layer - 1] @ params[f"W{layer}"] + params[f"b{layer}"])
    return [cache[len(cache) - 1], cache]
"""),
        (BACKWARD_HEAD, "    activations = [cache[k] for k in range(len(cache))]\n"
                        "    n_layers = len(activations) - 1\n"),
    )),
    # Correct where the course allows SciPy (allowed_packages = ["scipy"]); by default the
    # import is refused (mistakes.py: scipy-expit-without-permission).
    Variant("scipy-expit-sigmoid", (
        (STABLE_SIGMOID, SCIPY_SIGMOID),
    ), allowed_packages=("scipy",)),
    Variant("mapping-class-params", (
        (IMPORTS, '''from collections.abc import Mapping

import numpy as np


class Frozen(Mapping):
    """Read-only parameters."""

    def __init__(self, items):
        self._items = dict(items)

    def __getitem__(self, key):
        return self._items[key]

    def __iter__(self):
        return iter(self._items)

    def __len__(self):
        return len(self._items)
'''),
        ('        params[f"b{layer}"] = np.zeros(n_out)\n    return params\n',
         '        params[f"b{layer}"] = np.zeros(n_out)\n    return Frozen(params)\n'),
        (UPDATE, "    return Frozen({key: params[key] - learning_rate * grads[key] "
                 "for key in params})\n"),
    )),
    Variant("named-tuple-descent-and-list-predict", (
        ("    return w, b, np.array(costs)\n", "    return Descent(w, b, costs)\n"),
        (IMPORTS, "from typing import NamedTuple\n\nimport numpy as np\n\n\n"
                  "class Descent(NamedTuple):\n    w: float\n    b: float\n    costs: list\n"),
        (PREDICT, "    return [int(row.argmax()) for row in forward(params, X)[0]]"),
    )),
    Variant("top-level-alias-settings-and-seeded-globals", (
        ("def forward(params, X):", """np.random.seed(0)
hidden_activation = sigmoid  # an alias, set at the top level
settings = dict(dtype=float)


def forward(params, X):"""),
        (FORWARD, FORWARD.replace("np.asarray(X, dtype=float)", "np.asarray(X, **settings)")
         .replace("sigmoid(z)", "hidden_activation(z)")),
    )),
    # -- helpers made at top level from the student's own functions, defined after the
    # functions that use them (at the end of the notebook, past the kit's demo cells): wrapping
    # or binding a function is not calling it, so each is there at grading (loader.py).
    Variant("vectorized-sigmoid-and-derivative-defined-after-use", (
        (IMPORTS, "import math\n\nimport numpy as np\n"),
        ("def sigmoid(z):", SCALAR_SIGMOID + "\n\n\ndef sigmoid(z):"),
        (STABLE_SIGMOID, "    return sigmoid_vec(z)\n"),
        (PROPAGATE, PROPAGATE.replace("a_prev * (1.0 - a_prev)", "derivative_vec(a_prev)")),
        (PLAYGROUND, PLAYGROUND + "\n\nsigmoid_vec = np.vectorize(sigmoid_scalar, otypes=[float])\n"
                     "derivative_vec = np.vectorize(derivative_from_output, otypes=[float])\n"),
        ("def sigmoid_prime(z):", "def derivative_from_output(a):\n    return a * (1.0 - a)"
                                  "\n\n\ndef sigmoid_prime(z):"),
    )),
    Variant("functools-partial-helpers-defined-after-use", (
        (IMPORTS, "import functools\n\nimport numpy as np\n"),
        ("def sigmoid(z):", "def scaled_sigmoid(z, slope):\n"
                            "    return 0.5 + 0.5 * np.tanh(0.5 * slope * np.asarray(z, float))"
                            "\n\n\ndef sigmoid(z):"),
        (STABLE_SIGMOID, "    return unit_sigmoid(z)\n"),
        ("def sigmoid_prime(z):", "def scaled_product(a, b, scale):\n    return scale * a * b"
                                  "\n\n\ndef sigmoid_prime(z):"),
        (PROPAGATE, PROPAGATE.replace("a_prev * (1.0 - a_prev)", "product(a_prev, 1.0 - a_prev)")),
        (PLAYGROUND, PLAYGROUND + "\n\nunit_sigmoid = functools.partial(scaled_sigmoid, slope=1.0)"
                     "\nproduct = functools.partial(scaled_product, scale=1.0)\n"),
    )),
    Variant("dict-of-activation-functions-defined-after-use", (
        ("def sigmoid(z):", "def tanh_sigmoid(z):\n"
                            "    return 0.5 + 0.5 * np.tanh(0.5 * np.asarray(z, float))\n\n\n"
                            "def output_slope(a):\n    return a * (1.0 - a)\n\n\ndef sigmoid(z):"),
        (STABLE_SIGMOID, '    return ACTIVATIONS["sigmoid"](z)\n'),
        (PROPAGATE, PROPAGATE.replace("a_prev * (1.0 - a_prev)", 'SLOPES["sigmoid"](a_prev)')),
        (PLAYGROUND, PLAYGROUND + "\n\nACTIVATIONS = dict(sigmoid=tanh_sigmoid)\n"
                     "SLOPES = {name: np.vectorize(output_slope, otypes=[float])"
                     " for name in ACTIVATIONS.keys()}\n"),
    )),
    # Made by calling the student's own functions (a factory, a composition): such a statement
    # runs at grading because it makes a name the checks or backward use (plan.py).
    Variant("factory-made-sigmoid-and-derivative-defined-after-use", (
        ("def sigmoid(z):", "def make_activation(slope):\n    def squash(z):\n        return 0.5 + "
                            "0.5 * np.tanh(0.5 * slope * np.asarray(z, float))\n\n"
                            "    def backpropagate(delta, a):\n        return slope * delta * a * "
                            "(1.0 - a)\n\n    return squash, backpropagate\n\n\ndef sigmoid(z):"),
        (STABLE_SIGMOID, "    return activation[0](z)\n"),
        (PROPAGATE, '            delta = activation[1](delta @ params[f"W{layer}"].T, a_prev)\n'),
        (PLAYGROUND, PLAYGROUND + "\n\nactivation = make_activation(1.0)\n"),
    )),
    # Lambdas for the activation and its slope (the slope used by sigmoid_prime; the wrapped
    # derivative used inside backward is the vectorized variant's).
    Variant("lambda-activations-defined-after-use", (
        (STABLE_SIGMOID, "    return squash(np.asarray(z, float))\n"),
        ("    s = sigmoid(z)\n    return s * (1.0 - s)\n",
         "    return slope(squash(np.asarray(z, float)))\n"),
        (PLAYGROUND, PLAYGROUND + "\n\nsquash = lambda z: 0.5 + 0.5 * np.tanh(0.5 * z)\n"
                     "slope = lambda a: a * (1.0 - a)\n"),
    )),
    # The one variant trained on MNIST (about 10 s): a deeper network with different settings.
    Variant("deeper-network-on-mnist", (
        (HYPERPARAMS, """HYPERPARAMS = {
    "layer_sizes": [784, 64, 32, 10],
    "epochs": 3,
    "batch_size": 16,
    "learning_rate": 1.0,
}
"""),
    ), stages=(1, 2, 3, 4, 5, 6)),
]
