
# %% [markdown]
# ## Stage 7: softmax
#
# > **You write** `softmax(z)`: for a batch `z` (one sample per row), each row's
# > $e^{z_k} / \sum_j e^{z_j}$, so that every row is a probability distribution. Subtract each
# > row's largest value before `np.exp` (the result is the same, and nothing overflows).

# %% nbgrader={"grade": false, "locked": false, "schema_version": 3, "solution": true, "grade_id": "stage7_softmax"}
def softmax(z):
    """Row-wise softmax of a batch z of shape (m, k): each row sums to 1."""
    ### BEGIN SOLUTION
    shifted = np.exp(z - np.max(z, axis=1, keepdims=True))
    return shifted / np.sum(shifted, axis=1, keepdims=True)
    ### END SOLUTION
