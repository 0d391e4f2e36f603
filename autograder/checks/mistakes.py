"""The mistakes the kit names: a stable id and a short label for a failing check's diagnosis.

Every failing check explains itself in words ("It looks transposed", "the a(1 - a) part is
missing"); those words are for one student. To add them up over a class (the class report), each
diagnosis the kit gives also has a stable id: the id of the catalogued mistake it was written
for (tests/kit/catalogue/mistakes.py; tests/kit/test_class_report.py checks that every catalogued
diagnosis is recognised under its own id), or one of the few generic ones below (a stub, a
missing function, a time-out, a crash). `recognise` reads the id from the check's id and
message (the words of its own check first, then those of any check of the same stage: "It looks
transposed" in init_seeding's message is the same slip as in init_shapes'), so reports written
before the `mistake` field existed are read the same way.

In the fragments, `#` stands for any one word or number (a count, a size, a learning rate),
which depends on the check's inputs.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Named:
    id: str
    check: str  # the check id whose message carries it; "" for any check
    fragment: str  # words of the message; `#` stands for any one word or number

    @property
    def label(self) -> str:
        """A short label: the id in words ("init weights transposed")."""
        return self.id.replace("-", " ")

    @functools.cached_property
    def pattern(self) -> re.Pattern[str]:
        parts = [re.escape(part) for part in self.fragment.split("#")]
        return re.compile(r".+?".join(parts) if len(parts) > 1 else parts[0])

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "label": self.label}


# The catalogued mistakes, by the check that names them (the catalogue's diagnosis words).
CATALOGUED: tuple[Named, ...] = (
    # -- stage 1 --------------------------------------------------------------------------------
    Named("neuron-swaps-w-and-b", "stage1.neuron_values", "you swapped w and b"),
    Named("cost-averaged-not-summed", "stage1.cost_values", "MEAN of the squared errors"),
    Named("cost-halved", "stage1.cost_values", "don't multiply by 1/2"),
    Named("neuron-gradient-missing-factor-2", "stage1.gradient_values",
          "the factor 2 from differentiating the square is missing"),
    Named("neuron-gradient-sign-error", "stage1.gradient_values",
          "the sign is flipped: it is (a - y), not (y - a)"),
    Named("neuron-gradient-averaged", "stage1.gradient_values",
          "you averaged over the samples; the cost is a sum"),
    Named("neuron-gradient-wrong-order", "stage1.gradient_values",
          "You returned them in the wrong order"),
    Named("descent-steps-uphill", "stage1.descent_converges", "your steps go uphill"),
    Named("descent-gradient-computed-once", "stage1.descent_converges",
          "recompute the gradient at the current (w, b) inside the loop"),
    Named("descent-records-cost-before-step", "stage1.descent_records_costs",
          "costs[0] is the cost BEFORE the first step"),
    Named("descent-ignores-starting-point", "stage1.descent_records_costs",
          "start from the w and b it is given"),
    Named("descent-updates-w-before-b-gradient", "stage1.descent_records_costs",
          "you computed b's gradient with the NEW w"),
    Named("cost-squares-the-sum", "stage1.cost_values", "you squared the sum"),
    Named("neuron-gradient-forgets-x", "stage1.gradient_values", "dC/dw is missing the factor x"),
    Named("descent-one-step-too-few", "stage1.descent_records_costs", "one step too few"),
    # -- stage 2 --------------------------------------------------------------------------------
    Named("sigmoid-sign-error", "stage2.sigmoid_values", "Your values are sigmoid(-z)"),
    Named("scipy-expit-without-permission", "stage2.sigmoid_values",
          "scipy is not available at grading"),
    Named("sigmoid-overflow-warnings", "stage2.sigmoid_is_stable",
          "np.exp(-z) overflows for large negative z"),
    Named("sigmoid-math-exp-on-arrays", "stage2.sigmoid_values",
          "A function from the math module got an array"),
    Named("sigmoid-prime-of-z-not-sigmoid", "stage2.derivative_values", "You computed z(1-z)"),
    Named("sigmoid-prime-applies-sigmoid-twice", "stage2.derivative_values",
          "You applied the sigmoid twice"),
    Named("sigmoid-prime-returns-sigmoid", "stage2.derivative_values",
          "You returned sigmoid(z) itself"),
    Named("sigmoid-prime-sign-error", "stage2.derivative_values", "not s(s - 1)"),
    Named("sigmoid-writes-into-its-input", "stage2.sigmoid_values",
          "sigmoid changed its input z in place"),
    Named("sigmoid-np-where-computes-both-branches", "stage2.sigmoid_is_stable",
          "np.where(condition, a, b) computes BOTH a and b"),
    Named("sigmoid-prime-mixes-s-and-z", "stage2.derivative_values", "You computed s(1 - z)"),
    Named("sigmoid-prime-from-the-raw-formula", "stage2.derivative_values",
          "Build it on your stable sigmoid"),
    # -- stage 3 --------------------------------------------------------------------------------
    Named("init-weights-transposed", "stage3.init_shapes", "It looks transposed"),
    Named("init-all-zero-weights", "stage3.init_statistics", "is all the same value"),
    Named("init-unscaled-weights", "stage3.init_statistics", "unscaled standard normal weights"),
    Named("init-scaled-by-n-not-sqrt-n", "stage3.init_statistics",
          "you divided by n_in instead of sqrt(n_in)"),
    Named("init-weights-not-zero-mean", "stage3.init_statistics", "it should be zero-mean"),
    Named("init-random-biases", "stage3.init_statistics", "should start at zero"),
    Named("init-unseeded", "stage3.init_seeding", "gave different weights"),
    Named("init-ignores-its-seed", "stage3.init_seeding", "it ignores its seed"),
    Named("forward-without-biases", "stage3.forward_values", "network without biases"),
    Named("forward-without-output-sigmoid", "stage3.forward_values", "before the sigmoid"),
    Named("forward-reuses-first-layer-weights", "stage3.forward_values",
          "every layer uses the weights W1"),
    Named("forward-multiplies-by-transposed-weights", "stage3.forward_values",
          "shapes that don't fit: in a @ W the columns of a"),
    Named("forward-modifies-its-input", "stage3.forward_is_pure", "forward changed its input X"),
    Named("forward-modifies-params", "stage3.forward_is_pure", "forward changed params["),
    Named("forward-returns-no-cache", "stage3.forward_values", "should return a pair (A, cache)"),
    Named("init-keys-count-from-zero", "stage3.init_shapes", "count the layers from 1"),
    Named("init-biases-two-dimensional", "stage3.init_shapes",
          "a bias is a 1-D vector: np.zeros(n_out)"),
    Named("forward-loop-skips-last-layer", "stage3.forward_values",
          "your loop stops one layer early"),
    # -- stage 4 --------------------------------------------------------------------------------
    Named("cross-entropy-summed-not-averaged", "stage4.cross_entropy_values",
          "average over the samples (divide by m)"),
    Named("cross-entropy-missing-second-term", "stage4.cross_entropy_values",
          "The (1 - y) log(1 - a) term is missing"),
    Named("cross-entropy-sign-error", "stage4.cross_entropy_values",
          "the cost has a minus in front"),
    Named("cross-entropy-mean-over-every-entry", "stage4.cross_entropy_values",
          "You averaged over every entry"),
    Named("backward-missing-1-over-m", "stage4.backward_one_hidden_layer",
          "times too big (m = # samples)"),
    Named("backward-divides-by-m-twice", "stage4.backward_one_hidden_layer",
          "you divided by m twice"),
    Named("backward-wrong-sign", "stage4.backward_one_hidden_layer",
          "delta_L = (a - y) / m, not (y - a) / m"),
    Named("backward-missing-sigma-prime", "stage4.backward_one_hidden_layer",
          "backpropagation without the sigma' factor"),
    Named("backward-sigma-prime-of-activations", "stage4.backward_one_hidden_layer",
          "sigmoid_prime applied to the activations"),
    Named("backward-quadratic-cost-delta", "stage4.backward_one_hidden_layer",
          "those of the quadratic cost"),
    Named("backward-bias-gradient-wrong-axis", "stage4.backward_shapes",
          "It has one value per sample (m = #)"),
    Named("backward-bias-gradient-averaged", "stage4.backward_one_hidden_layer",
          "only the bias gradients (#) are wrong"),
    Named("backward-forgets-bias-gradients", "stage4.backward_shapes", "has no 'b#'"),
    Named("backward-through-wrong-layer-weights", "stage4.backward_any_depth",
          "through the weights of the layer below"),
    Named("backward-weights-not-transposed", "stage4.backward_any_depth",
          "through W_l instead of its transpose"),
    Named("backward-only-one-hidden-layer", "stage4.backward_any_depth",
          "works for one hidden layer (layer_sizes=#) but not for"),
    Named("backward-gradient-transposed-square-layers", "stage4.backward_any_depth",
          "the gradient is transposed (right values, rows and columns swapped)"),
    Named("cross-entropy-log10", "stage4.cross_entropy_values", "natural logarithm"),
    Named("backward-changes-the-cache-in-place", "stage4.backward_shapes",
          "backward changed the cache"),
    Named("backward-np-matrix-star", "stage4.backward_shapes",
          "with np.matrix, * is the matrix product"),
    Named("backward-m-from-the-outputs", "stage4.backward_one_hidden_layer",
          "m = len(Y[0]) counts the outputs"),
    Named("backward-loop-skips-first-layer", "stage4.backward_shapes",
          "Your loop stops before layer 1"),
    # -- stage 5 --------------------------------------------------------------------------------
    Named("update-adds-the-gradient", "stage5.update_values", "You added the gradient"),
    Named("update-ignores-learning-rate", "stage5.update_values", "the learning_rate is not used"),
    Named("update-mutates-its-inputs", "stage5.update_is_pure",
          "update changed its argument params["),
    Named("predict-wrong-axis", "stage5.predict_labels", "one value per output, not per sample"),
    Named("predict-returns-probabilities", "stage5.predict_labels",
          "predict returned the output activations"),
    Named("train-ignores-learning-rate", "stage5.train_behaviour",
          "passed learning_rate=# to update"),
    Named("train-ignores-batch-size", "stage5.train_behaviour", "did you ignore batch_size"),
    Named("train-reuses-first-minibatch", "stage5.train_behaviour",
          "Every minibatch of epoch 1 held the same rows"),
    Named("train-drops-last-partial-minibatch", "stage5.train_behaviour",
          "The last, smaller minibatch was dropped"),
    Named("train-never-shuffles", "stage5.train_behaviour", "the data is never shuffled"),
    Named("train-shuffles-only-once", "stage5.train_behaviour", "not reshuffled each epoch"),
    Named("train-reinitialises-every-epoch", "stage5.train_behaviour",
          "called init_params # times"),
    Named("train-discards-updated-params", "stage5.train_behaviour",
          "the parameters returned by update were not used by the next forward call"),
    Named("train-ignores-seed", "stage5.train_behaviour",
          "the first forward call did not use init_params(layer_sizes, seed)"),
    Named("train-history-per-minibatch", "stage5.train_behaviour", "That is one per minibatch"),
    Named("train-history-includes-initial-cost", "stage5.train_behaviour",
          "It includes the cost before training"),
    Named("update-forgets-the-biases", "stage5.update_values", "missing b#"),
    Named("predict-argmax-without-axis", "stage5.predict_labels", "np.argmax without axis"),
    Named("train-shuffles-callers-data-in-place", "stage5.train_behaviour",
          "train shuffled the caller's X and Y in place"),
    Named("train-unseeded-permutation", "stage5.train_behaviour",
          "the same seed gave a different training"),
    Named("train-one-epoch-too-few", "stage5.train_behaviour", "one epoch too few"),
    # -- stage 6 --------------------------------------------------------------------------------
    Named("mnist-wrong-output-layer", "stage6.hyperparameters_valid",
          "The last entry is the output layer: 10 digits"),
    Named("mnist-hyperparameters-too-weak", "stage6.mnist_accuracy", "is below the # needed"),
    Named("mnist-hyperparams-from-a-lowercase-variable", "stage6.hyperparameters_valid",
          "HYPERPARAMS was not defined when grading"),
    Named("mnist-layer-sizes-without-the-input", "stage6.hyperparameters_valid",
          "The first entry is the input layer"),
    Named("mnist-learning-rate-as-text", "stage6.hyperparameters_valid",
          "That is text (in quotes)"),
)

# What any check may say about a function that did not answer at all (checks/explain.py).
GENERIC: tuple[Named, ...] = (
    Named("not-written-yet", "", "is not written yet (it raises NotImplementedError)"),
    Named("function-missing", "", "is not defined in your submission"),
    Named("too-slow", "", "did not finish within"),
    Named("too-slow", "", "was stopped: th"),
    Named("worker-crashed", "", "The process running your code stopped"),
    Named("package-not-allowed", "", "is not available at grading"),
)
GENERIC_LABELS = {"not-written-yet": "not written yet (still the stub)",
                  "function-missing": "a graded function is missing",
                  "too-slow": "too slow: stopped at the time limit",
                  "worker-crashed": "crashed the process running it",
                  "package-not-allowed": "imports a package the course does not allow"}


def recognise(check_id: str, message: str) -> dict[str, str] | None:
    """{"id", "label"} of the named mistake a failing check's message gives, else None."""
    for named in CATALOGUED:
        if named.check == check_id and named.pattern.search(message):
            return named.as_dict()
    stage = check_id.partition(".")[0] + "."
    for named in CATALOGUED:  # the same words from another check of the stage: the same slip
        if named.check.startswith(stage) and named.pattern.search(message):
            return named.as_dict()
    for named in GENERIC:
        if named.pattern.search(message):
            return {"id": named.id, "label": GENERIC_LABELS[named.id]}
    return None


def unnamed(check_id: str, check_name: str) -> dict[str, str]:
    """The id and label for a failing check whose message names no known mistake."""
    return {"id": f"other:{check_id}", "label": f"other failure of: {check_name}"}
