"""A real small training job: an MLP 2 → 16 → 16 → 2 (tanh, softmax cross-entropy, Adam, full batch)
on two spirals, in numpy, logging every kind of summary through ``metrics_client.SummaryWriter``.

    METRICS_SERVER=http://127.0.0.1:50051 METRICS_TOKEN=... python examples/python/train_spirals.py
    python examples/python/train_spirals.py --offline --run logs/spirals   # event files instead

The only Metrics-specific line is the import: the rest is torch.utils.tensorboard's API.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from metrics_client import SummaryWriter
from metrics_client._proto.tensorboard import graph_pb2


def spirals(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    t = np.sqrt(rng.random(n)) * 3 * np.pi
    arms = []
    for label in (0, 1):
        angle = t + label * np.pi
        arm = np.stack([t * np.cos(angle), t * np.sin(angle)], axis=1) / (3 * np.pi)
        arms.append(arm + rng.normal(0, 0.02, arm.shape))
    return np.concatenate(arms), np.repeat([0, 1], n)


class MLP:
    def __init__(self, sizes: list[int], rng: np.random.Generator) -> None:
        self.sizes = sizes
        self.params = {}
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            self.params[f"dense{i}/w"] = rng.normal(0, 1 / np.sqrt(a), (a, b))
            self.params[f"dense{i}/b"] = np.zeros(b)
        self.m = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.v = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.t = 0

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        activations = [x]
        layers = len(self.sizes) - 1
        for i in range(layers):
            z = activations[-1] @ self.params[f"dense{i}/w"] + self.params[f"dense{i}/b"]
            activations.append(np.tanh(z) if i < layers - 1 else z)
        logits = activations[-1]
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True), activations

    def loss_and_gradients(self, x: np.ndarray, y: np.ndarray) -> tuple[float, dict]:
        probs, activations = self.forward(x)
        loss = float(-np.log(probs[np.arange(len(y)), y] + 1e-12).mean())
        delta = probs.copy()
        delta[np.arange(len(y)), y] -= 1
        delta /= len(y)
        grads = {}
        for i in reversed(range(len(self.sizes) - 1)):
            grads[f"dense{i}/w"] = activations[i].T @ delta
            grads[f"dense{i}/b"] = delta.sum(axis=0)
            if i:
                delta = (delta @ self.params[f"dense{i}/w"].T) * (1 - activations[i] ** 2)
        return loss, grads

    def adam(self, grads: dict, lr: float, b1: float = 0.9, b2: float = 0.999) -> None:
        self.t += 1
        for k, g in grads.items():
            self.m[k] = b1 * self.m[k] + (1 - b1) * g
            self.v[k] = b2 * self.v[k] + (1 - b2) * g * g
            m_hat, v_hat = self.m[k] / (1 - b1 ** self.t), self.v[k] / (1 - b2 ** self.t)
            self.params[k] -= lr * m_hat / (np.sqrt(v_hat) + 1e-8)

    def graph(self) -> graph_pb2.GraphDef:
        graph = graph_pb2.GraphDef()
        graph.node.add(name="input", op="Placeholder")
        previous = "input"
        for i in range(len(self.sizes) - 1):
            graph.node.add(name=f"dense{i}/w", op="VariableV2")
            graph.node.add(name=f"dense{i}/b", op="VariableV2")
            graph.node.add(name=f"dense{i}/matmul", op="MatMul", input=[previous, f"dense{i}/w"])
            graph.node.add(name=f"dense{i}/add", op="Add", input=[f"dense{i}/matmul", f"dense{i}/b"])
            previous = f"dense{i}/add"
            if i < len(self.sizes) - 2:
                graph.node.add(name=f"dense{i}/tanh", op="Tanh", input=[previous])
                previous = f"dense{i}/tanh"
        graph.node.add(name="softmax", op="Softmax", input=[previous])
        return graph


def boundary_image(model: MLP, x: np.ndarray, y: np.ndarray, size: int = 96) -> np.ndarray:
    """HWC float image in [0, 1]: the predicted class probability, with the data points on top."""
    grid = np.linspace(-1.1, 1.1, size)
    xx, yy = np.meshgrid(grid, grid[::-1])
    probs, _ = model.forward(np.stack([xx.ravel(), yy.ravel()], axis=1))
    p = probs[:, 1].reshape(size, size)
    image = np.stack([p, 0.3 * np.ones_like(p), 1 - p], axis=2) * 0.8
    cols = np.clip(((x[:, 0] + 1.1) / 2.2 * (size - 1)).astype(int), 0, size - 1)
    rows = np.clip(((1.1 - x[:, 1]) / 2.2 * (size - 1)).astype(int), 0, size - 1)
    image[rows, cols] = np.where(y[:, None] == 1, [1.0, 1.0, 0.2], [0.2, 1.0, 1.0])
    return image


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default=None, help="run name (default: torch's runs/<datetime>_<host>)")
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--lr", type=float, default=0.02)
    parser.add_argument("--hidden", type=int, default=16)
    parser.add_argument("--server", help="ingest URL (default METRICS_SERVER)")
    parser.add_argument("--token", help="token (default METRICS_TOKEN)")
    parser.add_argument("--offline", action="store_true", help="write event files into --run instead")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    x_train, y_train = spirals(300, rng)
    x_eval, y_eval = spirals(100, rng)
    model = MLP([2, args.hidden, args.hidden, 2], rng)
    options = {"offline": True} if args.offline else {"server": args.server, "token": args.token}
    with SummaryWriter(args.run, **{k: v for k, v in options.items() if v is not None}) as writer:
        writer.add_graph(model.graph())
        writer.add_text("about", f"MLP 2 → {args.hidden} → {args.hidden} → 2 on **two spirals**, Adam lr={args.lr}")
        writer.add_custom_scalars({"training": {"loss": ["Multiline", ["loss/train", "loss/eval"]]}})
        started = time.time()
        for step in range(args.steps):
            loss, grads = model.loss_and_gradients(x_train, y_train)
            model.adam(grads, args.lr)
            eval_probs, _ = model.forward(x_eval)
            eval_loss = float(-np.log(eval_probs[np.arange(len(y_eval)), y_eval] + 1e-12).mean())
            accuracy = float((eval_probs.argmax(axis=1) == y_eval).mean())
            writer.add_scalar("loss/train", loss, step)
            writer.add_scalar("loss/eval", eval_loss, step)
            writer.add_scalar("accuracy/eval", accuracy, step)
            writer.add_scalars("loss", {"train": loss, "eval": eval_loss}, step)
            if step % 50 == 0 or step == args.steps - 1:
                for name, value in model.params.items():
                    writer.add_histogram(f"weights/{name}", value, step)
                    writer.add_histogram(f"gradients/{name}", grads[name], step)
                writer.add_image("decision_boundary", boundary_image(model, x_eval, y_eval), step, dataformats="HWC")
                writer.add_pr_curve("eval/pr", y_eval, eval_probs[:, 1], step)
                tone = np.sin(2 * np.pi * (220 + 660 * accuracy) * np.arange(8000) / 16000) * 0.5
                writer.add_audio("accuracy_tone", tone, step, sample_rate=16000)
                writer.add_text("progress", f"step {step}: loss {loss:.4f}, eval accuracy **{accuracy:.1%}**", step)
        writer.add_hparams({"lr": args.lr, "hidden": args.hidden, "optimizer": "adam"},
                           {"hparam/accuracy": accuracy, "hparam/loss": eval_loss}, run_name="hparams")
        print(f"run {writer.get_logdir()}: {args.steps} steps in {time.time() - started:.1f} s, "
              f"eval accuracy {accuracy:.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
