"""Handwritten digit classifier trained with mlx.nn and mlx.optimizers.

The data are the UCI optical handwritten digits (1797 grey-scale images of
8x8 pixels, 10 classes) stored in examples/data/digits.csv.gz. A fixed split
(the same for every seed) keeps 1437 images for training and 360 for testing.

Two models: a small CNN (the default: two 3x3 convolution + 2x2 max-pool
stages, 16 and 32 channels, then a linear layer) and an MLP (64 -> 128 ->
128 -> 10, ReLU). Both are trained with Adam on the cross-entropy loss in
mini-batches of 32 for 30 epochs. The CNN reaches a test accuracy of about
0.985 and the MLP about 0.98 (over seeds 0-4: 0.983-0.989 and 0.978-0.983);
the program exits with status 1 if the final test accuracy is below 0.95.
Either takes a few seconds on 2 CPU cores.

    python examples/train_classifier.py [--model cnn|mlp] [--epochs 30] [--seed 0] [--quick]

--quick trains for 3 epochs and checks a lower bar (0.80): a smoke test.
"""

import argparse
import gzip
import pathlib
import sys
import time

import numpy as np

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim
from mlx.utils import tree_reduce

DATA = pathlib.Path(__file__).resolve().parent / "data" / "digits.csv.gz"
NUM_CLASSES = 10
TEST_SIZE = 360
EXPECTED_ACCURACY = 0.95
QUICK_EPOCHS = 3
QUICK_EXPECTED_ACCURACY = 0.80


def load_digits():
    """(train_x, train_y, test_x, test_y) as numpy arrays.

    Each row of the file holds 64 pixel values in 0..16 followed by the
    label. Pixels are scaled to [0, 1]. The split uses its own fixed
    generator so that the test set does not change with --seed.
    """
    with gzip.open(DATA, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.float32)
    images = table[:, :-1] / 16.0
    labels = table[:, -1].astype(np.int32)
    order = np.random.default_rng(12345).permutation(len(labels))
    test, train = order[:TEST_SIZE], order[TEST_SIZE:]
    return images[train], labels[train], images[test], labels[test]


class MLP(nn.Module):
    """Linear layers with ReLU between them."""

    def __init__(self, in_dims: int, hidden_dims: int, num_layers: int, out_dims: int):
        super().__init__()
        sizes = [in_dims] + [hidden_dims] * num_layers + [out_dims]
        self.layers = [nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])]

    def __call__(self, x):
        for layer in self.layers[:-1]:
            x = nn.relu(layer(x))
        return self.layers[-1](x)


class CNN(nn.Module):
    """Two 3x3 convolution + 2x2 max-pool stages, then a linear read-out.

    Takes the flat 64-pixel rows and views them as 8x8 single-channel images
    (NHWC): 8x8x1 -> 4x4xC -> 2x2x2C -> classes.
    """

    def __init__(self, channels: int, out_dims: int):
        super().__init__()
        self.conv1 = nn.Conv2d(1, channels, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(channels, 2 * channels, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(kernel_size=2)
        self.out_proj = nn.Linear(2 * 2 * 2 * channels, out_dims)

    def __call__(self, x):
        x = x.reshape(-1, 8, 8, 1)
        x = self.pool(nn.relu(self.conv1(x)))
        x = self.pool(nn.relu(self.conv2(x)))
        return self.out_proj(x.reshape(x.shape[0], -1))


def loss_fn(model, x, y):
    return nn.losses.cross_entropy(model(x), y, reduction="mean")


def accuracy(model, x, y) -> float:
    predictions = mx.argmax(model(x), axis=1)
    return float(mx.mean(predictions == y))


def batches(x, y, batch_size: int, rng: np.random.Generator):
    """Shuffled mini-batches covering the training set once."""
    order = mx.array(rng.permutation(x.shape[0]))
    for start in range(0, x.shape[0], batch_size):
        ids = order[start : start + batch_size]
        yield x[ids], y[ids]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", choices=["cnn", "mlp"], default="cnn")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--hidden", type=int, default=128, help="MLP width")
    parser.add_argument("--layers", type=int, default=2, help="MLP hidden layers")
    parser.add_argument("--channels", type=int, default=16, help="CNN first-stage channels")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--quick", action="store_true",
        help=f"{QUICK_EPOCHS} epochs and a bar of {QUICK_EXPECTED_ACCURACY} (smoke test)",
    )
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    epochs = QUICK_EPOCHS if args.quick else args.epochs
    expected = QUICK_EXPECTED_ACCURACY if args.quick else EXPECTED_ACCURACY

    mx.random.seed(args.seed)
    rng = np.random.default_rng(args.seed)  # batch order

    train_x, train_y, test_x, test_y = map(mx.array, load_digits())
    print(
        f"digits: {train_x.shape[0]} train / {test_x.shape[0]} test images, "
        f"{train_x.shape[1]} pixels, {NUM_CLASSES} classes"
    )

    if args.model == "cnn":
        model: nn.Module = CNN(args.channels, NUM_CLASSES)
    else:
        model = MLP(train_x.shape[1], args.hidden, args.layers, NUM_CLASSES)
    mx.eval(model.parameters())
    num_params = tree_reduce(lambda total, p: total + p.size, model.parameters(), 0)
    print(f"model: {args.model}, {num_params:,} parameters")
    optimizer = optim.Adam(learning_rate=args.lr)
    loss_and_grad = nn.value_and_grad(model, loss_fn)

    start = time.perf_counter()
    test_acc = accuracy(model, test_x, test_y)  # what --epochs 0 reports
    for epoch in range(1, epochs + 1):
        total_loss, seen = 0.0, 0
        for x, y in batches(train_x, train_y, args.batch_size, rng):
            loss, grads = loss_and_grad(model, x, y)
            optimizer.update(model, grads)
            mx.eval(model.parameters(), optimizer.state, loss)
            total_loss += float(loss) * x.shape[0]
            seen += x.shape[0]
        train_acc = accuracy(model, train_x, train_y)
        test_acc = accuracy(model, test_x, test_y)
        print(
            f"epoch {epoch:3d}  loss {total_loss / seen:.4f}  "
            f"train acc {train_acc:.4f}  test acc {test_acc:.4f}  "
            f"time {time.perf_counter() - start:.1f}s",
            flush=True,
        )

    passed = test_acc >= expected
    print(
        f"final test accuracy {test_acc:.4f} (expected >= {expected:.2f}): "
        f"{'OK' if passed else 'BELOW EXPECTED'}"
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
