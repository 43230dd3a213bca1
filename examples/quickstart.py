"""Ember quickstart: two small models fitted with hand-written gradients.

1. Linear regression by gradient descent, checked against the weights that
   generated the data.
2. Softmax (multinomial logistic) regression on three Gaussian blobs,
   reporting training accuracy.

Only arrays, elementwise ops, reductions and matmul are used: the gradients
are written out by hand. The data are generated deterministically with numpy.

    python examples/quickstart.py
"""

import time

import numpy as np

import mlx.core as mx


def linear_regression(steps: int = 300, lr: float = 0.1) -> float:
    """Fits y = X w + b; returns the largest error in the recovered weights."""
    rng = np.random.default_rng(0)
    n, d = 8192, 32
    x_np = rng.standard_normal((n, d)).astype(np.float32)
    w_true = rng.standard_normal((d, 1)).astype(np.float32)
    b_true = np.float32(0.5)
    noise = 0.01 * rng.standard_normal((n, 1)).astype(np.float32)
    y_np = x_np @ w_true + b_true + noise

    x, y = mx.array(x_np), mx.array(y_np)
    w, b = mx.zeros((d, 1)), mx.zeros((1,))
    for step in range(steps + 1):
        err = x @ w + b - y
        loss = mx.mean(err * err)
        # d(loss)/dw = 2/n X^T err, d(loss)/db = 2 mean(err)
        grad_w = (2.0 / n) * (x.T @ err)
        grad_b = 2.0 * mx.mean(err, axis=0)
        w, b = w - lr * grad_w, b - lr * grad_b
        mx.eval(w, b, loss)
        if step % 50 == 0:
            print(f"  step {step:4d}  mse {loss.item():.6f}")

    w_err = float(mx.max(mx.abs(w - mx.array(w_true))))
    b_err = abs(float(b) - float(b_true))
    print(f"  max |w - w_true| = {w_err:.2e}, |b - b_true| = {b_err:.2e}")
    return max(w_err, b_err)


def softmax_regression(steps: int = 200, lr: float = 0.5) -> float:
    """Classifies three Gaussian blobs; returns the training accuracy."""
    rng = np.random.default_rng(1)
    k, d, per_class = 3, 2, 1000
    centers = np.array([[0.0, 2.0], [2.0, -1.0], [-2.0, -1.0]], np.float32)
    points = [c + 0.8 * rng.standard_normal((per_class, d)) for c in centers]
    x_np = np.concatenate(points).astype(np.float32)
    labels_np = np.repeat(np.arange(k), per_class).astype(np.int32)

    x, labels = mx.array(x_np), mx.array(labels_np)
    n = x.shape[0]
    # One-hot targets by broadcasting a comparison.
    targets = (labels[:, None] == mx.arange(k)[None, :]).astype(mx.float32)
    w, b = mx.zeros((d, k)), mx.zeros((k,))
    for step in range(steps + 1):
        logits = x @ w + b
        probs = mx.softmax(logits, axis=-1)
        # Cross-entropy through logsumexp, stable for large logits.
        log_probs = logits - mx.logsumexp(logits, axis=-1, keepdims=True)
        loss = -mx.mean(mx.sum(targets * log_probs, axis=-1))
        delta = (probs - targets) / n
        w, b = w - lr * (x.T @ delta), b - lr * mx.sum(delta, axis=0)
        mx.eval(w, b, loss)
        if step % 50 == 0:
            print(f"  step {step:4d}  cross-entropy {loss.item():.4f}")

    predictions = mx.argmax(x @ w + b, axis=-1)
    accuracy = float(mx.mean(predictions == labels))
    print(f"  training accuracy {accuracy:.3f}")
    return accuracy


def main() -> None:
    start = time.perf_counter()
    print(f"Ember on {mx.default_device()}")
    print("Linear regression (gradient descent)")
    weight_error = linear_regression()
    print("Softmax regression (three classes)")
    accuracy = softmax_regression()
    print(f"done in {time.perf_counter() - start:.2f} s")
    if weight_error > 1e-2 or accuracy < 0.9:
        raise SystemExit("quickstart: the models did not converge")


if __name__ == "__main__":
    main()
