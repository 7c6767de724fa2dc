"""Baselines: the seed articles' own NumPy training code, re-implemented faithfully.

These are what tracer's fast path is timed against (benchmarks/training.py); they are
not part of tracer. Each keeps its article's algorithm and NumPy calls, including what
the article gets wrong, so that the timing is of the code as published.
"""

from __future__ import annotations

import numpy as np

# -- seed 003 (CSDN, "BP神经网络计算过程详解"): the 2-2-2 sigmoid network, all weights 1 ---------
#
# The article's Python listing: scalar variables w1..w8, sigmoid through np.exp on each
# scalar, the gradients written out by hand, learning rate 0.5, `for i in range(1)` run
# for 1000 iterations in its text. Left out: its print calls (ten per iteration, which
# would time the terminal). Kept: its slips, diff_w7/diff_w8 swap h_out_1/h_out_2 and the
# hidden deltas swap w6/w8 (invisible while all weights are equal, README "what the seed
# articles got wrong"), so its losses after iteration 1 differ from tracer's.


def sigmoid(in_x):
    return 1.0 / (1 + np.exp(-in_x))


def article_003(iterations: int) -> tuple[float, float, float]:
    """The article's loop; returns its last loss and outputs (lost, o_out_1, o_out_2)."""
    x1 = 0.1
    x2 = 0.88
    y1 = 0.55
    y2 = 1
    w1, w2, w3, w4, w5, w6, w7, w8 = 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0
    for _ in range(iterations):
        h_in_1 = w1 * x1 + w2 * x2
        h_in_2 = w3 * x1 + w4 * x2
        h_out_1 = sigmoid(h_in_1)
        h_out_2 = sigmoid(h_in_2)
        o_in_1 = w5 * h_out_1 + w6 * h_out_2
        o_in_2 = w7 * h_out_1 + w8 * h_out_2
        o_out_1 = sigmoid(o_in_1)
        o_out_2 = sigmoid(o_in_2)
        lost1 = (y1 - o_out_1) ** 2 / 2
        lost2 = (y2 - o_out_2) ** 2 / 2
        lost = lost1 + lost2
        diff_w5 = -(y1 - o_out_1) * o_out_1 * (1 - o_out_1) * h_out_1
        diff_w6 = -(y1 - o_out_1) * o_out_1 * (1 - o_out_1) * h_out_2
        diff_w7 = -(y2 - o_out_2) * o_out_2 * (1 - o_out_2) * h_out_2
        diff_w8 = -(y2 - o_out_2) * o_out_2 * (1 - o_out_2) * h_out_1
        diff_w1 = (
            (-(y1 - o_out_1) * o_out_1 * (1 - o_out_1) * w5 - (y2 - o_out_2) * o_out_2 * (1 - o_out_2) * w7)
            * (1 - h_out_1)
            * h_out_1
            * x1
        )
        diff_w2 = (
            (-(y1 - o_out_1) * o_out_1 * (1 - o_out_1) * w5 - (y2 - o_out_2) * o_out_2 * (1 - o_out_2) * w7)
            * (1 - h_out_1)
            * h_out_1
            * x2
        )
        diff_w3 = (
            (-(y2 - o_out_2) * o_out_2 * (1 - o_out_2) * w6 - (y1 - o_out_1) * o_out_1 * (1 - o_out_1) * w8)
            * (1 - h_out_2)
            * h_out_2
            * x1
        )
        diff_w4 = (
            (-(y2 - o_out_2) * o_out_2 * (1 - o_out_2) * w6 - (y1 - o_out_1) * o_out_1 * (1 - o_out_1) * w8)
            * (1 - h_out_2)
            * h_out_2
            * x2
        )
        theta = 0.5
        update_w5 = w5 - theta * diff_w5
        update_w6 = w6 - theta * diff_w6
        update_w7 = w7 - theta * diff_w7
        update_w8 = w8 - theta * diff_w8
        update_w1 = w1 - theta * diff_w1
        update_w2 = w2 - theta * diff_w2
        update_w3 = w3 - theta * diff_w3
        update_w4 = w4 - theta * diff_w4
        w5 = update_w5
        w6 = update_w6
        w7 = update_w7
        w8 = update_w8
        w1 = update_w1
        w2 = update_w2
        w3 = update_w3
        w4 = update_w4
    return float(lost), float(o_out_1), float(o_out_2)


# -- seed 004 (Daniel Warfield, "Neural Networks – Intuitively and Exhaustively Explained") ----
#
# The article's final SimpleNN: weights drawn with np.random.seed(99) and uniform(-1, 1) in
# (inputs, units) matrices, zero biases, ReLU hidden layers, a linear output, dA = A − y,
# dW = A_prevᵀ·dZ / m, db = Σ dZ / m (the gradient of half the mean squared error), plain
# gradient descent; train() prints the MSE every 20 epochs (the caller captures stdout).
# Its data: 1000 points (x, y) drawn uniformly from [−10, 10]², target
# sin(x) + x·cos(y) + y + 3^(x/3), inputs and targets normalised to mean 0 and deviation 1.
# The article draws them unseeded; here np.random.seed(DATA_SEED) first, for a fixed set.

ARCHITECTURE = [2, 64, 64, 64, 1]
EPOCHS = 2000
LEARNING_RATE = 0.001
SAMPLES = 1000
DATA_SEED = 1


class SimpleNN:
    def __init__(self, architecture):
        self.architecture = architecture
        self.weights = []
        self.biases = []
        np.random.seed(99)
        for i in range(len(architecture) - 1):
            size = (architecture[i], architecture[i + 1])
            self.weights.append(np.random.uniform(low=-1, high=1, size=size))
            self.biases.append(np.zeros((1, architecture[i + 1])))

    @staticmethod
    def relu(x):
        return np.maximum(0, x)

    @staticmethod
    def relu_as_weights(x):
        return (x > 0).astype(float)

    def forward(self, X):
        perceptron_inputs = [X]
        perceptron_outputs = []
        for W, b in zip(self.weights, self.biases, strict=True):
            Z = np.dot(perceptron_inputs[-1], W) + b
            perceptron_outputs.append(Z)
            if W is self.weights[-1]:  # noqa: SIM108 - as the article writes it
                A = Z
            else:
                A = self.relu(Z)
            perceptron_inputs.append(A)
        return perceptron_inputs, perceptron_outputs

    def backward(self, perceptron_inputs, perceptron_outputs, y_true):
        weight_changes = []
        bias_changes = []
        m = len(y_true)
        dA = perceptron_inputs[-1] - y_true.reshape(-1, 1)
        for i in reversed(range(len(self.weights))):
            dZ = dA if i == len(self.weights) - 1 else dA * self.relu_as_weights(perceptron_outputs[i])
            dW = np.dot(perceptron_inputs[i].T, dZ) / m
            db = np.sum(dZ, axis=0, keepdims=True) / m
            weight_changes.append(dW)
            bias_changes.append(db)
            if i > 0:
                dA = np.dot(dZ, self.weights[i].T)
        return list(reversed(weight_changes)), list(reversed(bias_changes))

    def update_weights(self, weight_changes, bias_changes, lr):
        for i in range(len(self.weights)):
            self.weights[i] -= lr * weight_changes[i]
            self.biases[i] -= lr * bias_changes[i]

    def train(self, X, y, epochs, lr=0.01):
        for epoch in range(epochs):
            perceptron_inputs, perceptron_outputs = self.forward(X)
            weight_changes, bias_changes = self.backward(perceptron_inputs, perceptron_outputs, y)
            self.update_weights(weight_changes, bias_changes, lr)
            if epoch % 20 == 0 or epoch == epochs - 1:
                loss = np.mean((perceptron_inputs[-1].flatten() - y) ** 2)  # MSE
                print(f"EPOCH {epoch}: Loss = {loss:.4f}")

    def predict(self, X):
        perceptron_inputs, _ = self.forward(X)
        return perceptron_inputs[-1].flatten()


def random_function(x, y):
    return np.sin(x) + x * np.cos(y) + y + 3 ** (x / 3)


def article_004_data(n_samples: int = SAMPLES) -> tuple[np.ndarray, np.ndarray]:
    """The article's training set: normalised inputs (n × 2) and targets (n)."""
    np.random.seed(DATA_SEED)
    x_random = np.random.uniform(-10, 10, n_samples)
    y_random = np.random.uniform(-10, 10, n_samples)
    z_random = random_function(x_random, y_random)
    inputs = np.column_stack((x_random, y_random))
    outputs = z_random
    inputs = (inputs - np.mean(inputs, axis=0)) / np.std(inputs, axis=0)
    outputs = (outputs - np.mean(outputs)) / np.std(outputs)
    return inputs, outputs
