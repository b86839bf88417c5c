"""The exported PyTorch script is the experiment the app runs: same losses, same seed.

Each config is run twice: by the engine (Trainer) and by the generated script, and the
numbers of the script's "final:" line must equal the engine's within float tolerance.
A few configs run in a real subprocess (the script is standalone); every init scheme
and activation also runs in-process through exec(), which is cheaper.
"""

from __future__ import annotations

import ast
import contextlib
import io
import math
import os
import subprocess
import sys

import pytest

from core.config import INIT_SCHEMES, Config
from core.script import generate_script, parse_final
from core.trainer import Trainer

N = 40  # steps: enough for momentum, Adam state and a schedule to matter

SUBPROCESS_CONFIGS = {
    "default": {},
    "regression_adam_cosine": {
        "data.dataset": "regression", "model.activation": "tanh",
        "init.scheme": "xavier_normal", "optim.optimizer": "adam", "optim.lr": 0.01,
        "optim.schedule": "cosine",
    },
    "digits_sgd_step": {
        "data.dataset": "digits", "data.n_samples": 300, "model.depth": 2,
        "model.width": 32, "init.scheme": "default", "init.bias": "default",
        "optim.optimizer": "sgd", "optim.lr": 0.1, "optim.schedule": "step",
        "optim.step_size": 10, "optim.gamma": 0.5,
    },
    "spiral_deep_loop": {
        "data.dataset": "spiral", "data.n_classes": 4, "model.depth": 7,
        "model.activation": "leaky_relu", "init.scheme": "kaiming_uniform",
        "init.mode": "fan_out", "init.bias": "default", "init.seed": 5, "data.seed": 3,
        "optim.batch_size": 100,
    },
    "blobs_softmax_wd": {
        "data.dataset": "blobs", "data.n_classes": 2, "model.binary_head": "softmax",
        "model.activation": "sigmoid", "init.scheme": "orthogonal",
        "optim.weight_decay": 0.01, "optim.batch_size": 1,
    },
}  # fmt: skip


def engine_final(cfg: Config) -> dict[str, float]:
    tr = Trainer(cfg)
    tr.run()
    if tr.status == "diverged":
        return {"diverged_at": float(tr.diverged_at)}
    train_loss, _ = tr.evaluate(tr.data.x_train, tr.data.y_train)
    val_loss, val_acc = tr.evaluate(tr.data.x_val, tr.data.y_val)
    return {
        "steps": float(tr.t),
        "loss": tr.last_loss,
        "train_loss": train_loss,
        "val_loss": val_loss,
        "val_acc": val_acc,
    }


def assert_same(script: dict[str, float], engine: dict[str, float]) -> None:
    assert script.keys() == engine.keys()
    for key, want in engine.items():
        got = script[key]
        if math.isnan(want):
            assert math.isnan(got), key
        else:
            assert got == pytest.approx(want, rel=1e-5, abs=1e-7), key


@pytest.mark.parametrize("name", SUBPROCESS_CONFIGS)
def test_script_in_subprocess_matches_engine(name, tmp_path):
    cfg = Config().replace(**SUBPROCESS_CONFIGS[name], **{"train.steps": N})
    path = tmp_path / "experiment.py"
    path.write_text(generate_script(cfg))
    # A clean environment apart from the interpreter: the script imports nothing of ours.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [sys.executable, str(path)], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=240,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert_same(parse_final(proc.stdout), engine_final(cfg))
    assert f"step {N:6d}" in proc.stdout  # the loop prints the loss as it trains


def run_in_process(source: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            exec(compile(source, "experiment.py", "exec"), {"__name__": "__main__"})
        except SystemExit as e:  # a diverged run exits with code 3 after its final line
            assert e.code == 3
    return out.getvalue()


@pytest.mark.parametrize("scheme", INIT_SCHEMES)
@pytest.mark.parametrize("activation", ["relu", "tanh", "gelu"])
def test_every_init_matches_engine(scheme, activation):
    cfg = Config().replace(
        **{
            "init.scheme": scheme, "model.activation": activation, "init.sigma": 0.3,
            "init.a": 0.4, "init.value": 0.05, "init.bias": "constant",
            "init.bias_value": 0.1, "data.dataset": "xor", "train.steps": 15,
        }
    )  # fmt: skip
    assert_same(parse_final(run_in_process(generate_script(cfg))), engine_final(cfg))


def test_diverging_run_reports_the_same_step():
    cfg = Config().replace(
        **{"optim.optimizer": "sgd", "optim.lr": 10.0, "init.scheme": "normal",
           "init.sigma": 5.0, "model.depth": 6, "data.dataset": "regression",
           "train.steps": 200}
    )  # fmt: skip
    engine = engine_final(cfg)
    assert "diverged_at" in engine  # the config really diverges, or this test proves nothing
    assert_same(parse_final(run_in_process(generate_script(cfg))), engine)


@pytest.mark.parametrize("depth", [1, 5, 6, 30])
def test_script_is_valid_readable_python(depth):
    cfg = Config().replace(**{"model.depth": depth})
    src = generate_script(cfg)
    ast.parse(src)
    assert "torch.nn.init" in src or "nn.init." in src
    assert all(len(line) <= 110 for line in src.splitlines())
    # Only the libraries the issue allows.
    mods = set()
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.Import):
            mods |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            mods.add(node.module.split(".")[0])
    assert mods <= {"math", "numpy", "torch", "sklearn"}


def test_parse_final_reads_the_last_line():
    out = "step 1 loss 2\nfinal: steps=3 loss=0.5 train_loss=0.25 val_loss=nan val_acc=1.0\n"
    got = parse_final(out)
    assert got["steps"] == 3 and got["loss"] == 0.5 and math.isnan(got["val_loss"])
