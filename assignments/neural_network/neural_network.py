# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # A neural network from scratch
#
# This is the single source of truth of the assignment: the student notebook, the reference
# solution and the nbgrader notebooks are all generated from it (`nnkit` does that). Code between
# nbgrader's solution markers is the reference answer; students see a stub in its place.
#
# **Machine learning** is writing programs that improve with data instead of with rules typed
# in by hand. There are three broad kinds:
#
# * *supervised learning*: every example comes with the right answer (this picture shows a 7),
#   and the program learns to give that answer for new examples;
# * *unsupervised learning*: no answers, only data; the program finds structure in it
#   (groups of similar customers, say);
# * *reinforcement learning*: the program acts, receives rewards or penalties, and learns
#   which actions pay off (games, robots).
#
# This assignment is supervised learning from start to finish. Before you begin, play for five
# minutes with TensorFlow Playground (playground.tensorflow.org): add neurons and layers and
# watch a small network learn to separate two clouds of points.
#
# You will write every piece yourself, check each piece with `nnkit check`, and finish with a
# network that reads handwritten digits.

# %% nbgrader={"grade": false, "locked": true, "schema_version": 3, "solution": false, "grade_id": "imports"}
import numpy as np

# %% [markdown]
# ## Stage 1: one neuron
#
# The simplest model there is: a single neuron with one input, one weight `w` and one bias `b`,
#
# $$a(x) = b + w\,x .$$
#
# We fit it to a table of ten measurements. "Fitting" means choosing `w` and `b` so that the
# neuron's output is close to the measured `y` everywhere. We measure "close" with the cost
#
# $$C(w, b) = \sum_{i=1}^{10} \big(a(x_i) - y_i\big)^2 ,$$
#
# a SUM over the samples (not a mean). Gradient descent improves `w` and `b` a little at a time
# by stepping against the gradient:
#
# $$w \leftarrow w - \eta\,\frac{\partial C}{\partial w}, \qquad
#   b \leftarrow b - \eta\,\frac{\partial C}{\partial b} .$$
#
# The step size $\eta$ is the *learning rate*. Too small and the neuron learns slowly (try 0.001);
# about right and it settles on the best line in a few hundred steps (0.01); too large and every
# step overshoots further than the last, so the cost explodes (0.02).
# %% nbgrader={"grade": false, "locked": true, "schema_version": 3, "solution": false, "grade_id": "workshop_table"}
# The ten measurements (x, y) the neuron is fitted to; print them to see the table.


# %% nbgrader={"grade": false, "locked": false, "schema_version": 3, "solution": true, "grade_id": "stage1_neuron"}
def neuron(x, w, b):
    """The neuron's output b + w*x, elementwise when x is an array."""
    ### BEGIN SOLUTION
    return b + w * np.asarray(x, dtype=float)
    ### END SOLUTION


def neuron_cost(w, b, x, y):
    """The SUM over the samples of (neuron(x, w, b) - y) squared."""
    ### BEGIN SOLUTION
    residual = neuron(x, w, b) - y
    return float(np.sum(residual**2))
    ### END SOLUTION


def neuron_gradient(w, b, x, y):
    """The pair (dC/dw, dC/db) of neuron_cost at (w, b)."""
    ### BEGIN SOLUTION
    residual = neuron(x, w, b) - y
    return float(2 * np.sum(residual * x)), float(2 * np.sum(residual))
    ### END SOLUTION


def gradient_descent(x, y, learning_rate, steps, w=0.0, b=0.0):
    """Take `steps` plain gradient-descent steps from (w, b).

    Returns (w, b, costs), where costs[k] is the cost after step k + 1.
    """
    ### BEGIN SOLUTION
    costs = []
    for _ in range(steps):
        dw, db = neuron_gradient(w, b, x, y)
        w, b = w - learning_rate * dw, b - learning_rate * db
        costs.append(neuron_cost(w, b, x, y))
    return w, b, np.array(costs)
    ### END SOLUTION


# %% [markdown]
# ## Stage 2: the sigmoid
#
# A network of neurons like the one above can only ever draw straight lines. To bend them, each
# neuron passes its weighted sum `z` through an *activation function*. We use the sigmoid,
#
# $$\sigma(z) = \frac{1}{1 + e^{-z}},$$
#
# which squashes any number into (0, 1): a smooth version of the perceptron's step that says
# "fire" (1) or "don't" (0). Its derivative has a neat form, $\sigma'(z) = \sigma(z)(1-\sigma(z))$.
#
# Careful: `np.exp(-z)` overflows for z = -1000 and NumPy prints a warning. Write the sigmoid so
# that no finite input gives a warning (hint: for negative z, multiply top and bottom by $e^{z}$).

# %% nbgrader={"grade": false, "locked": false, "schema_version": 3, "solution": true, "grade_id": "stage2_sigmoid"}
def sigmoid(z):
    """1 / (1 + exp(-z)) for a scalar or an array of any shape, without overflow warnings."""
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))  # never overflows: the exponent is <= 0
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    ### END SOLUTION


def sigmoid_prime(z):
    """The derivative of the sigmoid at z."""
    ### BEGIN SOLUTION
    s = sigmoid(z)
    return s * (1.0 - s)
    ### END SOLUTION


# %% [markdown]
# ## Stage 3: the forward pass
#
# A network with `layer_sizes = [n0, n1, ..., nL]` has, for every layer l = 1..L, a weight
# matrix `W{l}` of shape (n_{l-1}, n_l) and a bias vector `b{l}` of shape (n_l,), kept in one
# dict `params`. Samples are rows: `X` has shape (m, n0). Each layer computes
#
# $$z_l = a_{l-1} W_l + b_l, \qquad a_l = \sigma(z_l), \qquad a_0 = X .$$
#
# Start the weights small and random (standard deviation $1/\sqrt{n_{l-1}}$) so that each
# neuron starts different from its neighbours and no sigmoid starts saturated; start the biases
# at zero. The same seed must give the same network.
#
# `forward` returns the output activations and a *cache*: whatever `backward` will need later
# (the activations of every layer, usually).

# %% nbgrader={"grade": false, "locked": false, "schema_version": 3, "solution": true, "grade_id": "stage3_forward"}
def init_params(layer_sizes, seed=0):
    """Random weights with standard deviation 1/sqrt(n_in), zero biases."""
    ### BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    params = {}
    for layer, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:]), start=1):
        params[f"W{layer}"] = rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_in, n_out))
        params[f"b{layer}"] = np.zeros(n_out)
    return params
    ### END SOLUTION


def forward(params, X):
    """Returns (A, cache): the output activations (m, n_L) and what backward needs."""
    ### BEGIN SOLUTION
    activations = [np.asarray(X, dtype=float)]
    for layer in range(1, len(params) // 2 + 1):
        z = activations[-1] @ params[f"W{layer}"] + params[f"b{layer}"]
        activations.append(sigmoid(z))
    return activations[-1], activations
    ### END SOLUTION


# %% [markdown]
# ## Stage 4: backpropagation
#
# For classification we measure the network's error with the cross-entropy cost, averaged over
# the m samples:
#
# $$C = -\frac{1}{m}\sum_i \sum_k \Big[y_{ik}\log a_{ik} + (1-y_{ik})\log(1-a_{ik})\Big].$$
#
# Backpropagation is the chain rule applied layer by layer, from the output back to the input.
# With sigmoid outputs and this cost, the error at the output is simply
# $\delta_L = (a_L - y)/m$. Then, for each layer going backwards,
#
# $$\frac{\partial C}{\partial W_l} = a_{l-1}^T \delta_l, \qquad
#   \frac{\partial C}{\partial b_l} = \sum_{\text{samples}} \delta_l, \qquad
#   \delta_{l-1} = (\delta_l W_l^T) \odot \sigma'(z_{l-1}) .$$
#
# (Since $a = \sigma(z)$, $\sigma'(z) = a(1-a)$: the cache of activations is enough.)
# The kit checks your gradients against numerical ones: nudge each parameter by a tiny
# $\epsilon$ both ways and measure how the cost changes.

# %% nbgrader={"grade": false, "locked": false, "schema_version": 3, "solution": true, "grade_id": "stage4_backprop"}
def cross_entropy(A, Y):
    """Cross-entropy cost averaged over the m samples (rows)."""
    ### BEGIN SOLUTION
    m = A.shape[0]
    return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m)
    ### END SOLUTION


def backward(params, cache, Y):
    """Gradients of cross_entropy(forward(params, X)[0], Y): same keys and shapes as params."""
    ### BEGIN SOLUTION
    activations = cache
    n_layers = len(activations) - 1
    m = Y.shape[0]
    grads = {}
    delta = (activations[-1] - Y) / m
    for layer in range(n_layers, 0, -1):
        grads[f"W{layer}"] = activations[layer - 1].T @ delta
        grads[f"b{layer}"] = delta.sum(axis=0)
        if layer > 1:
            a_prev = activations[layer - 1]
            delta = (delta @ params[f"W{layer}"].T) * a_prev * (1.0 - a_prev)
    return grads
    ### END SOLUTION


# %% [markdown]
# ## Stage 5: learning by minibatch gradient descent
#
# Computing the gradient over all 60,000 training images for every single step is slow. Instead,
# each *epoch* shuffles the data and walks through it in small *minibatches*, taking one
# gradient step per minibatch. Every sample is used exactly once per epoch (the last minibatch
# may be smaller). After each epoch, record the training cost so you can watch it fall.

# %% nbgrader={"grade": false, "locked": false, "schema_version": 3, "solution": true, "grade_id": "stage5_training"}
def update(params, grads, learning_rate):
    """New params = params - learning_rate * grads; changes neither argument."""
    ### BEGIN SOLUTION
    return {key: value - learning_rate * grads[key] for key, value in params.items()}
    ### END SOLUTION


def train(X, Y, layer_sizes, epochs, batch_size, learning_rate, seed=0):
    """Minibatch gradient descent. Returns (params, history): one training cost per epoch."""
    ### BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    params = init_params(layer_sizes, seed)
    m = X.shape[0]
    history = []
    for _ in range(epochs):
        order = rng.permutation(m)
        for start in range(0, m, batch_size):
            batch = order[start : start + batch_size]
            _, cache = forward(params, X[batch])
            params = update(params, backward(params, cache, Y[batch]), learning_rate)
        history.append(cross_entropy(forward(params, X)[0], Y))
    return params, history
    ### END SOLUTION


def predict(params, X):
    """The most likely digit for each row of X: integer labels of shape (m,)."""
    ### BEGIN SOLUTION
    return np.argmax(forward(params, X)[0], axis=1)
    ### END SOLUTION


# %% [markdown]
# ## Stage 6: reading handwritten digits
#
# MNIST holds 70,000 pictures of handwritten digits, 28 x 28 grey pixels each: 60,000 to train
# on and 10,000 kept back to test on. Flattened, each picture is a row of 784 inputs; the
# network has 10 outputs, one per digit, and its answer is the output that fires most.
#
# Choose your network and training settings below. The grader trains your `train` on the
# 60,000 training images with these settings (within a time budget) and measures accuracy
# itself on the 10,000 test images, which your code never sees. You need 95%. The workshop's
# scikit-learn MLPClassifier scored 0.8725: you can beat it.

# %% nbgrader={"grade": false, "locked": false, "schema_version": 3, "solution": true, "grade_id": "stage6_mnist"}
### BEGIN SOLUTION
HYPERPARAMS = {
    "layer_sizes": [784, 100, 10],
    "epochs": 10,
    "batch_size": 32,
    "learning_rate": 0.5,
}
### END SOLUTION
