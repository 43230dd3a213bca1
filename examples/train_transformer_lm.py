"""Character-level transformer language model on the King James Bible.

The text is Genesis and Exodus of the King James Version (public domain,
about 375,000 characters), stored in examples/data/kjv_genesis_exodus.txt.gz.
The last 10% is held out for validation.

The model is a small causal transformer: token and learned position
embeddings, a stack of pre-norm nn.TransformerEncoder layers under an
additive causal mask, and a linear read-out to the character vocabulary.
It is trained with AdamW (linear warm-up, then cosine decay) on random
windows of the text, printing the training loss and tokens/s as it goes,
then the validation loss and a sample generated with mx.random.categorical.

With the defaults (2 layers, 128 dims, 4 heads, context 64, batch 32, 800
steps, about 420,000 parameters) training takes 75-100 s on 2 idle CPU
cores (18,000-22,000 tokens/s) and the validation loss ends near 1.3 nats per
character (a uniform guess over the 72 characters scores ln 72 = 4.28); the
program exits with status 1 if it is above 1.6. Training stops early, with a
note, once it has run for --time-limit seconds (150 by default), so that a
busy machine does not stretch the run much past 3 minutes.

    python examples/train_transformer_lm.py [--steps 800] [--seed 0] [--quick]

--quick trains a smaller model for 40 steps and checks a lower bar (3.0): a
smoke test.
"""

import argparse
import gzip
import math
import pathlib
import sys
import time

import numpy as np

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim
from mlx.utils import tree_reduce

DATA = pathlib.Path(__file__).resolve().parent / "data" / "kjv_genesis_exodus.txt.gz"
VALIDATION_FRACTION = 0.1
EVAL_BATCHES = 8
EXPECTED_LOSS = 1.6
QUICK_EXPECTED_LOSS = 3.0


class CharVocab:
    """The characters of a text, each mapped to its index in sorted order."""

    def __init__(self, text: str):
        self.chars = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self):
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        return np.array([self.index[c] for c in text], dtype=np.int32)

    def decode(self, ids) -> str:
        return "".join(self.chars[i] for i in ids)


class TransformerLM(nn.Module):
    """Embeddings, a causal transformer encoder stack and a vocabulary read-out."""

    def __init__(self, vocab_size: int, dims: int, num_heads: int, num_layers: int, context: int):
        super().__init__()
        self.context = context
        self.token_embedding = nn.Embedding(vocab_size, dims)
        self.position_embedding = nn.Embedding(context, dims)
        self.transformer = nn.TransformerEncoder(
            num_layers, dims, num_heads, mlp_dims=4 * dims, norm_first=True
        )
        self.out_proj = nn.Linear(dims, vocab_size)

    def __call__(self, ids):
        length = ids.shape[1]
        h = self.token_embedding(ids) + self.position_embedding(mx.arange(length))
        # Each position sees only itself and earlier ones.
        mask = nn.MultiHeadAttention.create_additive_causal_mask(length)
        return self.out_proj(self.transformer(h, mask))


def load_text():
    with gzip.open(DATA, "rt", encoding="ascii") as f:
        return f.read()


def random_windows(data: np.ndarray, batch_size: int, context: int, rng: np.random.Generator):
    """Inputs and next-character targets, (batch_size, context) each, from
    windows starting at random offsets."""
    starts = rng.integers(0, len(data) - context - 1, size=batch_size)
    rows = starts[:, None] + np.arange(context + 1)
    windows = data[rows]
    return mx.array(windows[:, :-1]), mx.array(windows[:, 1:])


def loss_fn(model, inputs, targets):
    return nn.losses.cross_entropy(model(inputs), targets, reduction="mean")


def evaluate(model, batches) -> float:
    losses = [loss_fn(model, x, y) for x, y in batches]
    return float(mx.mean(mx.stack(losses)))


def generate(model, prompt_ids, length: int, temperature: float):
    """Extend prompt_ids by length characters, sampling each from the
    model's distribution over the last context characters."""
    ids = list(prompt_ids)
    for _ in range(length):
        window = mx.array([ids[-model.context :]])
        logits = model(window)[0, -1]
        next_id = mx.random.categorical(logits * (1.0 / temperature))
        ids.append(int(next_id))
    return ids[len(prompt_ids) :]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=800)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--context", type=int, default=64)
    parser.add_argument("--dims", type=int, default=128)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--weight-decay", type=float, default=0.01)
    parser.add_argument("--warmup", type=int, default=50, help="warm-up steps")
    parser.add_argument("--log-every", type=int, default=50)
    parser.add_argument("--time-limit", type=float, default=150.0,
                        help="stop training after this many seconds")
    parser.add_argument("--sample-length", type=int, default=300)
    parser.add_argument("--temperature", type=float, default=0.8)
    parser.add_argument("--prompt", default="And God said")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--quick", action="store_true",
        help=f"a small model, 40 steps and a bar of {QUICK_EXPECTED_LOSS} (smoke test)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.steps, args.layers, args.dims, args.context = 40, 2, 64, 32
        args.warmup, args.log_every, args.sample_length = 10, 10, 80
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    expected = QUICK_EXPECTED_LOSS if args.quick else EXPECTED_LOSS
    mx.random.seed(args.seed)
    rng = np.random.default_rng(args.seed)  # training windows

    text = load_text()
    vocab = CharVocab(text)
    unknown = sorted(set(args.prompt) - set(vocab.chars))
    if unknown:
        sys.exit(f"error: the prompt has characters that are not in the text: {unknown}")
    data = vocab.encode(text)
    split = int(len(data) * (1 - VALIDATION_FRACTION))
    train_data, val_data = data[:split], data[split:]
    # The validation windows are the same for every seed and step count.
    val_rng = np.random.default_rng(2024)
    val_batches = [
        random_windows(val_data, args.batch_size, args.context, val_rng)
        for _ in range(EVAL_BATCHES)
    ]
    print(
        f"text: {len(data):,} characters ({len(train_data):,} train, "
        f"{len(val_data):,} validation), vocabulary of {len(vocab)}"
    )

    model = TransformerLM(len(vocab), args.dims, args.heads, args.layers, args.context)
    mx.eval(model.parameters())
    num_params = tree_reduce(lambda total, p: total + p.size, model.parameters(), 0)
    print(
        f"model: {args.layers} layers, {args.dims} dims, {args.heads} heads, "
        f"context {args.context}, {num_params:,} parameters"
    )

    warmup = min(args.warmup, max(args.steps - 1, 1))
    schedule = optim.join_schedules(
        [
            optim.linear_schedule(args.lr / warmup, args.lr, warmup),
            optim.cosine_decay(args.lr, max(args.steps - warmup, 1), end=args.lr * 0.1),
        ],
        [warmup],
    )
    optimizer = optim.AdamW(learning_rate=schedule, weight_decay=args.weight_decay)
    loss_and_grad = nn.value_and_grad(model, loss_fn)

    tokens_per_step = args.batch_size * args.context
    start = last_log = time.perf_counter()
    window_loss, window_steps, steps_done = 0.0, 0, 0
    stopped_early = False
    for step in range(1, args.steps + 1):
        inputs, targets = random_windows(train_data, args.batch_size, args.context, rng)
        loss, grads = loss_and_grad(model, inputs, targets)
        grads, _ = optim.clip_grad_norm(grads, max_norm=1.0)
        optimizer.update(model, grads)
        mx.eval(model.parameters(), optimizer.state, loss)
        window_loss += float(loss)
        window_steps += 1
        steps_done = step

        now = time.perf_counter()
        if step % args.log_every == 0 or step == args.steps:
            rate = window_steps * tokens_per_step / (now - last_log)
            print(
                f"step {step:4d}  loss {window_loss / window_steps:.3f}  "
                f"lr {optimizer.learning_rate.item():.2e}  "
                f"{rate:,.0f} tokens/s  time {now - start:.1f}s",
                flush=True,
            )
            window_loss, window_steps, last_log = 0.0, 0, now
        if now - start > args.time_limit and step < args.steps:
            print(f"time limit of {args.time_limit:.0f}s reached after {step} steps; stopping")
            stopped_early = True
            break

    train_time = time.perf_counter() - start
    model.eval()
    val_loss = evaluate(model, val_batches)
    print(
        f"trained {steps_done} steps in {train_time:.1f}s "
        f"({steps_done * tokens_per_step / train_time:,.0f} tokens/s)"
    )
    print(
        f"validation loss {val_loss:.3f} nats/char "
        f"(perplexity {math.exp(val_loss):.2f})"
    )

    sample = generate(model, vocab.encode(args.prompt), args.sample_length, args.temperature)
    print(f"sample (temperature {args.temperature}):")
    print("-" * 60)
    print(args.prompt + vocab.decode(sample))
    print("-" * 60)

    passed = val_loss <= expected
    print(
        f"final validation loss {val_loss:.3f} (expected <= {expected:.2f}): "
        f"{'OK' if passed else 'ABOVE EXPECTED'}"
    )
    if stopped_early:
        # The bar assumes the full schedule; a busy machine may cut it short.
        print(
            f"note: training stopped at step {steps_done} of {args.steps} "
            f"(--time-limit {args.time_limit:.0f}s); the bar assumes all steps"
        )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
