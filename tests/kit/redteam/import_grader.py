"""Borrows the grader's arithmetic instead of writing it: the kit's logistic for sigmoid_prime,
and a model of backprop from the grader's gradient checks for backward. While it is graded the
grader's modules are not there to import (every use says so), so the checks that need them
fail."""

REFERENCE_SIGMOID_PRIME = sigmoid_prime
REFERENCE_BACKWARD = backward


def sigmoid_prime(z):
    # --- cheat ---
    from autograder.grader import arithmetic

    s = arithmetic.logistic(z)
    return s * (1 - s)
    # --- end cheat ---
    return REFERENCE_SIGMOID_PRIME(z)


def backward(params, cache, Y):
    # --- cheat ---
    import autograder.checks.gradcheck as gradcheck

    return gradcheck.backprop(params, cache[0], Y)
    # --- end cheat ---
    return REFERENCE_BACKWARD(params, cache, Y)
