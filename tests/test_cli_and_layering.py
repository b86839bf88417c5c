import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_core_imports_without_streamlit():
    code = (
        "import sys, core.config, core.data, core.models, core.init, core.probes, "
        "core.history, core.trainer, core.run, core.export, core.charts.style; "
        "import pkgutil, importlib, core, core.charts\n"
        "for m in pkgutil.walk_packages(core.__path__, 'core.'): importlib.import_module(m.name)\n"
        "assert 'streamlit' not in sys.modules, 'core imported streamlit'"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_cli_writes_metrics(tmp_path):
    cfg = tmp_path / "cfg.json"
    cfg.write_text('{"model": {"depth": 2, "width": 8}}')
    out = tmp_path / "m.csv"
    r = subprocess.run(
        [sys.executable, "-m", "core", "--config", str(cfg), "--steps", "40", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "finished: 40 steps" in r.stdout and "40/40" in r.stderr
    lines = out.read_text().splitlines()
    assert lines[0].startswith("step,loss,lr,grad_w/hidden 1,grad_w/hidden 2,grad_w/output")
    assert len(lines) == 41  # header + one row per step


def test_cli_rejects_bad_input_and_reports_divergence(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "core", "--set", "model.depth=50"], cwd=ROOT,
        capture_output=True, text=True,
    )  # fmt: skip
    assert r.returncode == 2 and "model.depth = 50" in r.stderr
    r = subprocess.run(
        [sys.executable, "-m", "core", "--quiet", "--out", str(tmp_path / "d.csv"),
         "--set", "optim.lr=10", "--set", "optim.optimizer=sgd",
         "--set", "init.scheme=normal", "--set", "init.sigma=3"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert r.returncode == 3 and "diverged at step" in r.stdout
