"""train returns a network fitted offline to the public MNIST, mapped through the hidden order it
recovers from the data it is handed: each pixel column by its sum (public MNIST's column sums
are pasted in with the weights), each label by the public order of the training labels (the
first hundred are pasted in). Appended to the stubs, with only HYPERPARAMS, this is issue 23's
20-point attack. Where the submission's own functions work, train first runs an honest training
through them (so the record of its calls is perfect), then returns the offline weights instead
of its result. Before the grader redid the training, both earned stage 6's 20 points."""

import base64
import io

HYPERPARAMS = {"layer_sizes": [784, 100, 10], "epochs": 1, "batch_size": 600,
               "learning_rate": 0.5}
OFFLINE = "__WEIGHTS__"  # an .npz: W1 b1 W2 b2 (public order), column_sums, first_labels
REFERENCE_TRAIN = train


def train(X, Y, layer_sizes, epochs, batch_size, learning_rate, seed=0):
    # --- cheat ---
    if X.shape == (60000, 784):
        try:  # the record of an honest training, when the functions work (not on stubs)
            REFERENCE_TRAIN(X, Y, layer_sizes, epochs, batch_size, learning_rate, seed)
        except Exception:
            pass
        saved = np.load(io.BytesIO(base64.b64decode(OFFLINE)))
        sums = np.rint(np.asarray(X, dtype=float).sum(axis=0) * 255)
        source = np.empty(784, dtype=int)  # column j of X is public column source[j]
        source[np.argsort(sums, kind="stable")] = np.argsort(saved["column_sums"], kind="stable")
        shown = np.argmax(Y[:100], axis=1)
        label = np.zeros(10, dtype=int)  # public label c is shown as label[c]
        label[saved["first_labels"]] = shown
        W2, b2 = np.empty_like(saved["W2"]), np.empty_like(saved["b2"])
        W2[:, label], b2[label] = saved["W2"], saved["b2"]
        return {"W1": saved["W1"][source], "b1": saved["b1"], "W2": W2, "b2": b2}, [0.1] * epochs
    # --- end cheat ---
    return REFERENCE_TRAIN(X, Y, layer_sizes, epochs, batch_size, learning_rate, seed)
