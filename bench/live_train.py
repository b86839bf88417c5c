"""The Train page measured in a real browser: latency, refresh rate, throughput.

    python bench/live_train.py

Starts `streamlit run app.py` on a loopback port, drives it with Playwright in
Debian's Chromium, and prints:
- seconds from pressing Train to the first chart (target <= 1.5 s);
- chart refreshes per second while training (target >= 2);
- seconds from pressing Pause to a frozen step count (target <= 0.5 s);
- live steps/s over a bare torch loop of the same configuration, measured in
  this process while the server is paused (target >= 0.6).
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.train_overhead import bare_rate  # noqa: E402
from core.config import Config  # noqa: E402
from core.trainer import Trainer  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, _free_port  # noqa: E402

COUNT_REFRESHES = """
() => new Promise(resolve => {
  // count how often the step count on the page changes during 5 s: the live
  // fragment redraws it together with the loss and gradient charts
  const text = () => {
    const p = document.querySelector('[data-testid="stProgress"]');
    return p ? p.textContent : '';
  };
  let last = text(), changes = 0;
  const timer = setInterval(() => {
    const now = text();
    if (now !== last) { changes++; last = now; }
  }, 10);
  setTimeout(() => { clearInterval(timer); resolve(changes); }, 5000);
})
"""


def steps_of(text: str) -> int:
    m = re.search(r"step ([\d,]+)", text)
    return int(m.group(1).replace(",", "")) if m else -1


def wait(pred, timeout, interval=0.01):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(interval)
    raise TimeoutError("condition not met")


def main() -> None:
    from playwright.sync_api import sync_playwright

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait(lambda: _healthy(url), 60, 0.2)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url + "/?train.steps=1000000")
            page.get_by_role("button", name="Train").first.wait_for()
            page.wait_for_timeout(1000)  # let the first render settle before timing

            t0 = time.perf_counter()
            page.get_by_role("button", name="Train").first.click()
            # The untrained net's picture is drawn before Train; wait for the loss curve.
            page.locator(".js-plotly-plot .gtitle", has_text="Loss").first.wait_for(timeout=30_000)
            first_chart = time.perf_counter() - t0

            page.wait_for_timeout(1000)
            refreshes = page.evaluate(COUNT_REFRESHES) / 5.0
            progress = page.locator("[data-testid='stProgress']").first
            rates = []
            for _ in range(10):
                m = re.search(r"([\d,]+) steps/s", progress.inner_text())
                if m:
                    rates.append(float(m.group(1).replace(",", "")))
                page.wait_for_timeout(300)
            live = sorted(rates)[len(rates) // 2]

            # Click by coordinates: Playwright's own click first waits for the button to
            # be "stable", which a page redrawing every 0.45 s delays by up to ~0.5 s.
            box = page.get_by_role("button", name="Pause").bounding_box()
            t0 = time.perf_counter()
            page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.get_by_role("button", name="Resume").wait_for()
            frozen = steps_of(progress.inner_text())
            pause_s = time.perf_counter() - t0
            page.wait_for_timeout(1000)
            still = steps_of(progress.inner_text()) == frozen

            torch.set_num_threads(1)
            tr = Trainer(Config().replace(**{"train.steps": 1_000_000}))
            bare_rate(tr)
            bare = sorted(bare_rate(tr) for _ in range(5))[2]
            page.get_by_role("button", name="Stop").click()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)

    print(f"first chart after pressing Train: {first_chart:.2f} s (target <= 1.5)")
    print(f"chart refreshes while training:   {refreshes:.1f} /s (target >= 2)")
    print(f"pause shown (Resume) after:       {pause_s:.2f} s (target <= 0.5); frozen: {still}")
    print(f"live {live:,.0f} steps/s, bare loop {bare:,.0f} steps/s")
    print(f"live/bare throughput: {live / bare:.2f} (target >= 0.6)")


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=1) as r:
            return r.status == 200
    except OSError:
        return False


if __name__ == "__main__":
    main()
