"""train hands the data to scikit-learn's MLPClassifier (where the instructor allows it to be
imported) and returns its fitted weights: a library did the training, not the submission's own
forward, backward and update. Before the grader redid the training, this passed stage 6."""

HYPERPARAMS = {"layer_sizes": [784, 100, 10], "epochs": 1, "batch_size": 600,
               "learning_rate": 0.5}
REFERENCE_TRAIN = train


def train(X, Y, layer_sizes, epochs, batch_size, learning_rate, seed=0):
    # --- cheat ---
    if X.shape == (60000, 784):
        init_params(layer_sizes, seed)  # calls that look like a training
        from sklearn.neural_network import MLPClassifier

        net = MLPClassifier(hidden_layer_sizes=(100,), activation="logistic", max_iter=3,
                            batch_size=200, random_state=seed)
        net.fit(X, np.argmax(Y, axis=1))
        return ({"W1": net.coefs_[0], "b1": net.intercepts_[0], "W2": net.coefs_[1],
                 "b2": net.intercepts_[1]}, [float(net.loss_)] * epochs)
    # --- end cheat ---
    return REFERENCE_TRAIN(X, Y, layer_sizes, epochs, batch_size, learning_rate, seed)
