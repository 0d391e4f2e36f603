"""The workshop's ten-point table that the single neuron is fitted to (stage 1)."""

import numpy as np

# Least squares through these points: w = -0.6786, b = 2.7408. With plain gradient descent on
# the summed cost, the largest stable learning rate is 2/125.1 = 0.016: 0.01 converges, 0.02
# diverges, 0.001 creeps.
TABLE_X = np.array([0.3, 0.7, 1.1, 1.4, 1.9, 2.2, 2.6, 3.1, 3.4, 3.8])
TABLE_Y = np.array([2.321, 2.324, 1.937, 1.7, 1.815, 1.559, 0.857, 0.515, 0.405, 0.063])
