"""nnkit: an autograded exercise kit for building a neural network from scratch."""
