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
# **Machine learning** is writing programs that improve with data instead of with rules typed
# in by hand. There are three broad kinds:
#
# * *supervised learning*: every example comes with the right answer (a picture of a
#   handwritten digit comes with the digit it shows), and the program learns to give that
#   answer for new examples;
# * *unsupervised learning*: no answers, only data; the program finds structure in it
#   (groups of similar customers, say);
# * *reinforcement learning*: the program acts, receives rewards or penalties, and learns
#   which actions pay off (games, robots).
#
# This assignment is supervised learning from start to finish. Before you begin, play for five
# minutes with TensorFlow Playground (playground.tensorflow.org): add neurons and layers and
# watch a small network learn to separate two clouds of points. At the end of this notebook,
# your own network does the same on the playground's problems.
#
# You will write every piece yourself, check each piece with `nnkit check`, and finish with a
# network that reads handwritten digits. Each stage ends with a box **You write** that names
# every function (or constant) of that stage; its docstring in the code cell says what it
# must return.

# %% nbgrader={"grade": false, "locked": true, "schema_version": 3, "solution": false, "grade_id": "imports"}
import numpy as np

# %% [markdown]
# ### How this notebook works
#
# Run the cells from top to bottom (Shift+Enter). Each stage explains an idea, asks you to write
# a few functions, then draws pictures with *your* functions. Until you have written a function,
# the first cell that uses it stops with `NotImplementedError: ... is not written yet`: that is
# your cue, not a crash. Write the function, run `nnkit check` in a terminal, and carry on.
#
# The pictures are drawn by the kit (`autograder.student.plots`), so the cells below stay short.
# %%
# %matplotlib inline
from autograder.checks import gradcheck
from autograder.checks.inputs import random_batch
from autograder.checks.numerical import numerical_gradient
from autograder.checks.stage import CheckFailed
from autograder.data import load_mnist
from autograder.student import handwriting, playground, plots, progress

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
#
# > **You write** (in the cell after the table):
# > * `neuron(x, w, b)`: the output $b + w\,x$, for a number or an array `x`;
# > * `neuron_cost(w, b, x, y)`: the cost $C(w, b)$ above, the SUM of the squared errors;
# > * `neuron_gradient(w, b, x, y)`: the pair $(\partial C/\partial w,\ \partial C/\partial b)$;
# > * `gradient_descent(x, y, learning_rate, steps, w=0.0, b=0.0)`: `steps` steps from
# >   `(w, b)`, both gradients taken at the current point; returns `(w, b, costs)`, where
# >   `costs[k]` is the cost after step k + 1.
# %% nbgrader={"grade": false, "locked": true, "schema_version": 3, "solution": false, "grade_id": "workshop_table"}
# The ten measurements (x, y) the neuron is fitted to; print them to see the table.
from autograder.student.workshop import TABLE_X, TABLE_Y

print("x:", TABLE_X)
print("y:", TABLE_Y)


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
# ### See your neuron learn
#
# The next cell runs your `gradient_descent` from w = b = 0 for 500 steps with learning rate
# 0.01, and draws the line it found through the ten points. The best line there is (by least
# squares) is a(x) = 2.741 - 0.679 x: yours should land on it.

# %%
w_fit, b_fit, fit_costs = gradient_descent(TABLE_X, TABLE_Y, learning_rate=0.01, steps=500)
print(f"after 500 steps: w = {w_fit:.4f}, b = {b_fit:.4f}, cost = {fit_costs[-1]:.4f}")
plots.neuron_fit(TABLE_X, TABLE_Y, w_fit, b_fit)

# %% [markdown]
# ### The learning-rate experiment
#
# Same start, same 300 steps, three learning rates. The cost axis is logarithmic, and it stops
# at 100 times the highest cost of the runs that settle: the diverging run passes $10^{100}$
# by step 300, far above the chart, so its curve leaves through the top and its legend says
# how high it got.
#
# * 0.001 is *slow*: every step goes the right way, but the cost is still falling after 300 steps.
# * 0.01 is *good*: the cost drops fast and settles at the best line's cost.
# * 0.02 *diverges*: each step overshoots the valley's floor and lands higher up the other side,
#   further every time, so the cost explodes and leaves the chart.
#
# Try other rates. Where does it tip from settling to exploding? (For this table, near 0.016.)

# %%
rate_costs = {rate: gradient_descent(TABLE_X, TABLE_Y, rate, 300)[2]
              for rate in (0.001, 0.01, 0.02)}
plots.learning_rate_experiment(rate_costs)

# %% [markdown]
# ## Interlude: the perceptron, in words
#
# Our neuron had one input. A *perceptron* (Frank Rosenblatt, 1958) has several inputs, one
# weight per input, and a bias. It adds the weighted inputs and the bias into one number z, and
# fires only if z is positive:
#
# ```text
#     x1 ──(× w1)──╮
#     x2 ──(× w2)──┼──▶  z = w1·x1 + w2·x2 + w3·x3 + b  ──▶  step(z)  ──▶  1 (fire) or 0 (don't)
#     x3 ──(× w3)──╯
# ```
#
# Read it from left to right: the inputs flow in, each is scaled by its weight, the sum plus
# the bias decides. Put many perceptrons side by side and you have a *layer*; feed one layer's
# outputs into the next as inputs and you have a *network*.
#
# The step is a poor teacher, though: nudge a weight a little and the output almost never
# changes, and when it does, it jumps from 0 to 1. Gradient descent needs an output that changes
# a little when a weight changes a little. Enter the sigmoid.


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
# that no finite input gives a warning (hint: for negative z, multiply top and bottom by $e^{z}$;
# or use the identity $\sigma(z) = \tfrac12 + \tfrac12\tanh(z/2)$, since tanh never overflows).
# Beware `np.where(z >= 0, formula_a, formula_b)`: it computes BOTH formulas for every entry
# before choosing, so the overflow still happens.
#
# > **You write:**
# > * `sigmoid(z)`: $\sigma(z)$ for a number or an array of any shape, as a new array (don't
# >   change `z` itself);
# > * `sigmoid_prime(z)`: its derivative $\sigma(z)(1 - \sigma(z))$, built on your `sigmoid`.

# %% nbgrader={"grade": false, "locked": false, "schema_version": 3, "solution": true, "grade_id": "stage2_sigmoid"}
def sigmoid(z):
    """1 / (1 + exp(-z)) for a scalar or an array of any shape, without overflow warnings."""
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=float)
    # The same function through tanh, which never overflows: four cheap NumPy operations where
    # the e^z trick needs about nine, and training calls the sigmoid thousands of times an epoch.
    return 0.5 + 0.5 * np.tanh(0.5 * z)
    ### END SOLUTION


def sigmoid_prime(z):
    """The derivative of the sigmoid at z."""
    ### BEGIN SOLUTION
    s = sigmoid(z)
    return s * (1.0 - s)
    ### END SOLUTION


# %% [markdown]
# Your sigmoid and its derivative, beside the perceptron's step. The derivative is largest at
# z = 0, where the neuron is undecided, and vanishes for large |z|: a *saturated* neuron barely
# learns. That is why the weights start small.

# %%
plots.sigmoid_and_derivative(sigmoid, sigmoid_prime)


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
#
# > **You write:**
# > * `init_params(layer_sizes, seed=0)`: the dict `params` with keys `W1, b1, ..., WL, bL`
# >   (layers count from 1), weights random with standard deviation $1/\sqrt{n_{l-1}}$ drawn
# >   from `np.random.default_rng(seed)`, biases `np.zeros(n_l)` (1-D);
# > * `forward(params, X)`: returns `(A, cache)`, with `A` of shape (m, n_L): every layer,
# >   the last one included, applies its own `W{l}`, `b{l}` and the sigmoid. It must not
# >   change `params` or `X`.

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
# ### One digit through your network
#
# Here is the first test image of MNIST (the data set of stage 6) pushed through a fresh,
# untrained 784-100-10 network: 784 pixels in, 100 hidden neurons, 10 outputs, one per digit.
# The network's answer is the output that fires most. With random weights the outputs mean
# nothing yet; they only need the right shape, and that is all stage 3 asks.

# %%
X_test, Y_test, test_labels = load_mnist("test")
untrained = init_params([784, 100, 10], seed=0)
untrained_outputs, _ = forward(untrained, X_test[:1])
plots.digit_with_outputs(X_test[0], untrained_outputs[0], label=test_labels[0],
                         title="an untrained network guesses")


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
#
# > **You write:**
# > * `cross_entropy(A, Y)`: the cost $C$ above, a number (natural log, divided by the number
# >   of samples m = `Y.shape[0]`, the rows);
# > * `backward(params, cache, Y)`: a dict `grads` with the same keys and shapes as `params`
# >   (`grads["W1"]` is $\partial C/\partial W_1$, ...), for any number of layers. It must not
# >   change `cache`: your `train` may still need the output activations in it.

# %% nbgrader={"grade": false, "locked": false, "schema_version": 3, "solution": true, "grade_id": "stage4_backprop"}
def cross_entropy(A, Y):
    """Cross-entropy cost averaged over the m samples (rows)."""
    ### BEGIN SOLUTION
    m = A.shape[0]
    # Y.log(A) + (1 - Y).log(1 - A), summed: vdot multiplies and sums in one call, and
    # log1p(-A) is log(1 - A) without the rounding of 1 - A when A is tiny.
    return float(-(np.vdot(Y, np.log(A)) + np.vdot(1 - Y, np.log1p(-A))) / m)
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
# ### Check your gradients yourself
#
# How do you know `backward` is right? Measure the slope directly: nudge one parameter by a tiny
# $\epsilon$ up and down and see how much the cost changes,
#
# $$\frac{\partial C}{\partial \theta} \approx
#   \frac{C(\theta + \epsilon) - C(\theta - \epsilon)}{2\epsilon} .$$
#
# The next cell does that for every weight and bias of a small 4-5-3 network on 6 random
# samples (with your own cost, `cross_entropy` of your `forward`: check those first with
# `nnkit check`, so that a slip in them cannot hide one in backward) and compares each array
# with yours by the relative error $|g - n| / (|g| + |n|)$. A correct `backward` agrees
# to about $10^{-8}$; a mistake is off by $10^{-2}$ or more. Break it on
# purpose (drop the `/ m`, or the $\sigma'$ factor) and watch which bars turn red, and what
# the diagnosis says.

# %%
check_params = init_params([4, 5, 3], seed=1)
check_x, check_y = random_batch(6, 4, 3, seed=0)
analytic = backward(check_params, forward(check_params, check_x)[1], check_y)
numerical = {key: numerical_gradient(
                 lambda: cross_entropy(forward(check_params, check_x)[0], check_y),
                 check_params[key])
             for key in check_params}
errors = {key: gradcheck.relative_error(np.asarray(analytic[key]), numerical[key])
          for key in numerical}
for key, error in errors.items():
    print(f"{key}: relative error {error:.1e}  {'ok' if error < gradcheck.TOLERANCE else 'WRONG'}")
try:
    gradcheck.compare_gradients(analytic, numerical, 6, "on a 4-5-3 network with 6 samples")
    print("Every gradient matches the numerical slope.")
except CheckFailed as mismatch:
    print(mismatch)
plots.gradient_check(errors, gradcheck.TOLERANCE)


# %% [markdown]
# ## Stage 5: learning by minibatch gradient descent
#
# Computing the gradient over all 60,000 training images for every single step is slow. Instead,
# each *epoch* shuffles the data and walks through it in small *minibatches*, taking one
# gradient step per minibatch. Every sample is used exactly once per epoch (the last minibatch
# may be smaller). After each epoch, record the training cost so you can watch it fall.
#
# > **You write:**
# > * `update(params, grads, learning_rate)`: NEW params, `params[key] - learning_rate *
# >   grads[key]` for every key; changes neither argument;
# > * `train(X, Y, layer_sizes, epochs, batch_size, learning_rate, seed=0)`: start from
# >   `init_params(layer_sizes, seed)`; in each epoch walk a fresh permutation of the rows,
# >   drawn from a generator made from the seed (`np.random.default_rng(seed)`, so the same
# >   seed gives the same training), in slices of `batch_size` rows. Leave `X` and `Y`
# >   themselves unchanged. Returns `(params, history)`, one training cost per epoch;
# > * `predict(params, X)`: the most likely digit of each row, integer labels of shape (m,).
#
# `train` must use your own functions: `init_params` once, then for each minibatch `forward`,
# `backward`, and `params = update(params, grads, learning_rate)`. The grader checks your
# minibatches by watching those calls (sample by sample or all at once, as you like), so a
# `train` that updates the weights itself, without `update`, loses that check.

# %% nbgrader={"grade": false, "locked": false, "schema_version": 3, "solution": true, "grade_id": "stage5_training"}
def update(params, grads, learning_rate):
    """New params = params - learning_rate * grads; changes neither argument."""
    ### BEGIN SOLUTION
    new_params = {}
    for key, value in params.items():
        step = grads[key] * -learning_rate  # a new array; adding in place spares a temporary
        step += value
        new_params[key] = step
    return new_params
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
#
# > **You write** `HYPERPARAMS`, a dict with exactly these four keys:
# > * `"layer_sizes"`: a list that starts with 784 (the pixels) and ends with 10 (the digits),
# >   hidden layers in between;
# > * `"epochs"`: how many passes over the 60,000 images (a whole number);
# > * `"batch_size"`: rows per minibatch (a whole number);
# > * `"learning_rate"`: the step size (a number).
# >
# > A good starting point: one hidden layer of 100 neurons (`[784, 100, 10]`), 4 epochs,
# > minibatches of 24 and a learning rate of 0.5. Write the values into the dict itself:
# > grading does not run your experiments, so a value that comes from a variable set by
# > another cell may not be there when the grader reads `HYPERPARAMS`.

# %% nbgrader={"grade": false, "locked": false, "schema_version": 3, "solution": true, "grade_id": "stage6_mnist"}
# Define HYPERPARAMS here: a dict with the keys "layer_sizes" (784 first, 10 last), "epochs",
# "batch_size" and "learning_rate" (see the box above for a starting point).
### BEGIN SOLUTION
HYPERPARAMS = {
    "layer_sizes": [784, 100, 10],
    "epochs": 4,
    "batch_size": 24,
    "learning_rate": 0.5,
}
### END SOLUTION


# %% [markdown]
# ### Train it, and watch
#
# The next cell calls your `train` as the grader will: with your `HYPERPARAMS`, on the 60,000
# training images, and with the grader's one BLAS thread, so it takes about the time
# `nnkit check` reports. The bar shows the epoch, the minibatches done and the running cost
# (the average minibatch cost so far in this epoch); after each epoch, the network is tested on
# the 10,000 test images. With the suggested starting point this takes well under a minute on a
# laptop.

# %%
X_train, Y_train, train_labels = load_mnist("train")
run = progress.train_with_progress(train, X_train, Y_train, **HYPERPARAMS,
                                   X_test=X_test, test_labels=test_labels)
print(f"trained in {run.seconds:.1f} s")

# %% [markdown]
# ### Learning curves
#
# Left, the training cost after every epoch (your `train`'s history): it should fall quickly,
# then level off. Right, the accuracy on the test digits, which the network never trained on;
# the dashed line is the workshop's scikit-learn `MLPClassifier` (87.25%). When the training
# cost keeps falling but the test accuracy stops rising, more epochs will not help.

# %%
plots.learning_curves(run.history, run.test_accuracy, baseline=plots.SKLEARN_BASELINE)

# %%
predictions = predict(run.params, X_test)
test_accuracy = np.mean(predictions == test_labels)
print(f"Your network: {test_accuracy:.2%} of the 10,000 test digits right. "
      f"The workshop's scikit-learn MLPClassifier: {plots.SKLEARN_BASELINE:.2%}.")

# %% [markdown]
# ### Which digits get confused?
#
# Row: the true digit. Column: what the network said. The diagonal holds the right answers;
# every other number counts one kind of mistake (look for 4 read as 9, or 7 read as 2).

# %%
plots.confusion_matrix(test_labels, predictions)

# %% [markdown]
# ### The mistakes themselves
#
# Some are sloppy handwriting that a person would misread too; some are plain errors.

# %%
plots.misclassified(X_test, test_labels, predictions)

# %% [markdown]
# And the digit from stage 3 again, now through the trained network:

# %%
trained_outputs, _ = forward(run.params, X_test[:1])
plots.digit_with_outputs(X_test[0], trained_outputs[0], label=test_labels[0],
                         title="after training")

# %% [markdown]
# ## Try your own handwriting
#
# Write a digit with a thick dark pen on white paper and take a photo, or draw one in any
# paint program, and save it as a PNG next to this notebook. The kit prepares it the way MNIST
# prepared its digits: grey levels, inverted so that ink is 1 and paper is 0 (MNIST stores
# white ink on black), cropped to the ink, scaled so the longer side is 20 pixels, and centred
# by its centre of mass in a 28 x 28 square. Without that the network would be lost: it has
# only ever seen digits prepared like this. The pictures (here and above) draw high values
# dark, so every digit appears as dark ink on white paper, the way you wrote it.
#
# The cell uses the kit's example (a hand-drawn 3); put the name of your own file instead.

# %%
my_picture = handwriting.EXAMPLE_DIGIT  # or your own file, e.g. "my_digit.png"
grey = handwriting.read_grey(my_picture)
my_digit = handwriting.mnist_like(grey)
my_outputs, _ = forward(run.params, my_digit.reshape(1, 784))
print(f"The network reads your digit as a {np.argmax(my_outputs[0])}.")
plots.handwriting_prediction(grey, my_digit, my_outputs[0])

# %% [markdown]
# ## Bonus (ungraded): the playground, with your own network
#
# Remember TensorFlow Playground? Here are three of its problems: XOR (opposite quadrants
# share a colour), circles (a disc inside a ring) and spirals (two interleaved arms). Each row
# of the picture below is one problem, each column a network with 2 inputs (the point's
# coordinates), 2 outputs (one per colour) and more hidden neurons or layers than the column
# before. Every network is YOUR `train` (1,500 epochs, minibatches of 10, learning rate 2,
# on 200 points), and the shading is YOUR `forward`'s answer at every point of the plane: the
# dark curve, where the two outputs are equal, is the *decision boundary*.
#
# What to look for:
#
# * **No hidden layer** draws a straight line, whatever the training: one sigmoid of
#   $w_1 x_1 + w_2 x_2 + b$ is a line. No line separates XOR or circles, so it gets only about
#   half of the points right.
# * **3 hidden neurons** are three lines, each bent into a soft step by its sigmoid, that the
#   output layer adds up: enough to wall off XOR's quadrants and to cut a triangle around the
#   disc (look for its three sides).
# * **More neurons** round the boundary off, and only many of them follow the spirals' arms:
#   the boundary can only bend as often as there are steps to add up.
# * **A second hidden layer** combines bent boundaries instead of lines. With sigmoids it learns
#   more slowly (each layer's $\sigma'$, at most 1/4, shrinks the gradients that reach the
#   first), which is why deep networks use ReLU; try `learning_rate` or `epochs` higher.
#
# The cell takes a few seconds. Change `hidden_layers` (a list of hidden-layer lists) and see
# for yourself; this is exactly what the playground shows, now computed by code you wrote.

# %%
playground.playground(train, forward, hidden_layers=[[], [3], [8], [32], [16, 16]])

# %% [markdown]
# ## Where to go next
#
# You have built, from nothing but NumPy, a network that reads handwriting better than the
# workshop's library model. Some next steps, each a small change to your code:
#
# * **Regularisation.** Add $\frac{\lambda}{2m}\sum w^2$ to the cost (L2, *weight decay*): each
#   gradient gains $\frac{\lambda}{m}W$ and large weights shrink. Or *dropout*: switch off a
#   random half of the hidden neurons in every minibatch. Both narrow the gap between training
#   and test accuracy.
# * **Softmax outputs.** Replace the output sigmoids by
#   $a_k = e^{z_k} / \sum_j e^{z_j}$: the ten outputs become probabilities that add up to 1.
#   With the log-likelihood cost the output error is still $(a - y)/m$.
# * **Other activations.** ReLU, $\max(0, z)$, and tanh in the hidden layers. ReLU's slope does
#   not vanish for large z, so deeper networks learn faster (start its weights with standard
#   deviation $\sqrt{2/n_{in}}$).
# * **Beyond:** momentum and Adam instead of plain gradient descent; convolutional networks,
#   which look at small patches of the image and pass 99% on MNIST. Michael Nielsen's free book
#   *Neural Networks and Deep Learning* walks the same road further.
