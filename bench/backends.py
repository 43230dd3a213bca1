"""The backends bench/run.py times: the MLX API (Ember or Apple's mlx) and
PyTorch, each with the same small vocabulary of operations, so every case
is written once."""

import numpy as np


class MlxBackend:
    """The MLX API (Ember or Apple's mlx): lazy, forced with mx.eval."""

    name = "mlx"

    def __init__(self, device="cpu"):
        import mlx.core as mx

        self.mx = mx
        self.module = mx.__file__ if hasattr(mx, "__file__") else "mlx.core"
        mx.set_default_device(mx.gpu if device == "gpu" else mx.cpu)

    def bfloat16(self, x):
        return x.astype(self.mx.bfloat16)

    def array(self, data):
        a = self.mx.array(data)
        self.mx.eval(a)
        return a

    def force(self, *arrays):
        self.mx.eval(*arrays)

    def add(self, a, b):
        return a + b

    def tanh(self, x):
        return self.mx.tanh(x)

    def sum(self, x, axis=None):
        return self.mx.sum(x, axis=axis)

    def softmax(self, x):
        return self.mx.softmax(x, axis=-1)

    def matmul(self, a, b):
        return a @ b

    def sin(self, x):
        return self.mx.sin(x)

    def conv2d(self, x, w):
        return self.mx.conv2d(x, w, padding=1)

    def grad(self, f, x):
        return self.mx.grad(f)(x)

    def compiled_grad(self, f):
        return self.mx.compile(self.mx.grad(f))

    def compile(self, f):
        return self.mx.compile(f)

    def argmax(self, x):
        return self.mx.argmax(x, axis=-1)

    def layer_norm(self, x, w, b):
        return self.mx.fast.layer_norm(x, w, b, 1e-5)

    def rms_norm(self, x, w):
        return self.mx.fast.rms_norm(x, w, 1e-5)

    def sdpa(self, q, k, v):
        return self.mx.fast.scaled_dot_product_attention(q, k, v, scale=q.shape[-1] ** -0.5)

    def transformer_step(self, dims, heads, seq, batch):
        """One Adam step of a pre-norm transformer encoder layer on an MSE loss."""
        import mlx.nn as nn
        import mlx.optimizers as optim

        mx = self.mx
        layer = nn.TransformerEncoderLayer(dims, heads, mlp_dims=4 * dims, norm_first=True)
        opt = optim.Adam(learning_rate=1e-3)
        x = self.array(_random((batch, seq, dims)))
        target = self.array(_random((batch, seq, dims), 1))

        def loss_fn(model, x, t):
            return mx.mean(mx.square(model(x, None) - t))

        value_and_grad = nn.value_and_grad(layer, loss_fn)

        def run():
            loss, grads = value_and_grad(layer, x, target)
            opt.update(layer, grads)
            mx.eval(loss, layer.state, opt.state)

        return run

    def mlp_step(self, sizes, batch, compiled):
        """One Adam step of an MLP with ReLUs and a cross-entropy loss."""
        import mlx.nn as nn
        import mlx.optimizers as optim

        mx = self.mx
        layers = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers += [nn.Linear(a, b)] + ([nn.ReLU()] if i < len(sizes) - 2 else [])
        model = nn.Sequential(*layers)
        opt = optim.Adam(learning_rate=1e-3)
        x = self.array(_random((batch, sizes[0])))
        y = self.array(np.random.default_rng(1).integers(0, sizes[-1], batch).astype(np.int32))

        def loss_fn(model, x, y):
            return nn.losses.cross_entropy(model(x), y, reduction="mean")

        value_and_grad = nn.value_and_grad(model, loss_fn)

        def step(x, y):
            loss, grads = value_and_grad(model, x, y)
            opt.update(model, grads)
            return loss

        state = [model.state, opt.state]
        if compiled:
            step = mx.compile(step, inputs=state, outputs=state)

        def run():
            loss = step(x, y)
            mx.eval(loss, state)

        return run


class TorchBackend:
    """PyTorch eager (on the CPU, or CUDA with --device gpu): every op runs
    when called; on the GPU, force() waits for the queued work."""

    name = "torch"

    def __init__(self, device="cpu"):
        import torch

        self.torch = torch
        self.module = torch.__file__
        self.device = "cuda" if device == "gpu" else "cpu"

    def array(self, data):
        return self.torch.from_numpy(np.ascontiguousarray(data)).to(self.device)

    def bfloat16(self, x):
        return x.to(self.torch.bfloat16)

    def force(self, *arrays):
        if self.device == "cuda":
            self.torch.cuda.synchronize()

    def add(self, a, b):
        return a + b

    def tanh(self, x):
        return self.torch.tanh(x)

    def sum(self, x, axis=None):
        return x.sum() if axis is None else x.sum(dim=axis)

    def softmax(self, x):
        return self.torch.softmax(x, dim=-1)

    def matmul(self, a, b):
        return a @ b

    def sin(self, x):
        return self.torch.sin(x)

    def conv2d(self, x, w):
        # Same NHWC data as the MLX case, computed in torch's NCHW layout.
        out = self.torch.nn.functional.conv2d(
            x.permute(0, 3, 1, 2), w.permute(0, 3, 1, 2), padding=1
        )
        return out.permute(0, 2, 3, 1)

    def grad(self, f, x):
        x = x.detach().requires_grad_(True)
        return self.torch.autograd.grad(f(x), x)[0]

    def compiled_grad(self, f):
        compiled = self.torch.compile(f)

        def g(x):
            x = x.detach().requires_grad_(True)
            return self.torch.autograd.grad(compiled(x), x)[0]

        return g

    def compile(self, f):
        return self.torch.compile(f)

    def argmax(self, x):
        return x.argmax(dim=-1)

    def layer_norm(self, x, w, b):
        return self.torch.nn.functional.layer_norm(x, (x.shape[-1],), w, b, 1e-5)

    def rms_norm(self, x, w):
        return self.torch.nn.functional.rms_norm(x, (x.shape[-1],), w, 1e-5)

    def sdpa(self, q, k, v):
        return self.torch.nn.functional.scaled_dot_product_attention(q, k, v)

    def transformer_step(self, dims, heads, seq, batch):
        torch = self.torch
        layer = torch.nn.TransformerEncoderLayer(
            dims, heads, dim_feedforward=4 * dims, dropout=0.0, batch_first=True,
            norm_first=True)
        opt = torch.optim.Adam(layer.parameters(), lr=1e-3)
        x = self.array(_random((batch, seq, dims)))
        target = self.array(_random((batch, seq, dims), 1))

        def run():
            opt.zero_grad()
            loss = torch.mean(torch.square(layer(x) - target))
            loss.backward()
            opt.step()

        return run

    def mlp_step(self, sizes, batch, compiled):
        torch = self.torch
        layers = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers += [torch.nn.Linear(a, b)] + ([torch.nn.ReLU()] if i < len(sizes) - 2 else [])
        model = torch.nn.Sequential(*layers)
        forward = torch.compile(model) if compiled else model
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        x = self.array(_random((batch, sizes[0])))
        y = torch.from_numpy(np.random.default_rng(1).integers(0, sizes[-1], batch))

        def run():
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(forward(x), y)
            loss.backward()
            opt.step()

        return run


def _random(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


# Each case: setup(backend) -> (run, metric(seconds) -> value, unit).
