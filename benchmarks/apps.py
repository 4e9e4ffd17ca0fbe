"""Time to interactive and kernel memory of the training apps, against hello-world.

One ``oefenkit serve`` (through ``_serve_with_hello.py``, which adds a
hello-world ipywidgets notebook to the same server) on a fresh data directory
with the sample cases. In Debian's Chromium, logged in as a cursist, each app
is opened ``--repeat`` times; for each load we measure:

* **time to interactive**: from navigation start until the app's first control
  is visible (hello-world: its button; practice app: the first ``.ok-case``
  entry; other apps: their hook, see ``APPS``);
* **kernel memory**: VmRSS of the kernel process started for that page, read
  from ``/proc`` once the page is interactive.

Goals (issue 6): time to interactive at most 1.5× hello-world's, kernel
memory at most 120 MiB per app. Run: ``.venv/bin/python benchmarks/apps.py``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OEFENKIT = Path(sys.executable).with_name("oefenkit")
PASSWORD = "benchmark-wachtwoord"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]

#: app path → CSS selector that means "interactive"
APPS = {
    "hallo.ipynb": ".ok-hello",
    "start.ipynb": ".ok-landing",
    "training/oefenen.ipynb": ".ok-case",
    "training/modules.ipynb": ".ok-module",
    "training/toets.ipynb": ".ok-exam-start",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kernel_pids(runtime: Path) -> dict[int, float]:
    """Kernel processes of this server (their connection file lies in our runtime dir) → start time."""
    out = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if "ipykernel" in cmd and str(runtime) in cmd:
                out[int(proc.name)] = proc.stat().st_mtime
        except OSError:
            continue
    return out


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def main() -> int:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--apps", nargs="*", default=list(APPS), help="app paths to measure")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="oefenkit-bench-"))
    data, notebooks = work / "data", work / "notebooks"
    shutil.copytree(ROOT / "notebooks", notebooks)
    subprocess.run([str(OEFENKIT), "--data-dir", str(data), "init"], check=True, capture_output=True)
    subprocess.run([str(OEFENKIT), "--data-dir", str(data), "users", "add", "bench", "--role", "cursist",
                    "--password-stdin"], input=PASSWORD + "\n", text=True, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "_serve_with_hello.py"), str(data),
                               str(notebooks), str(port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/oefenkit/health", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        results: dict[str, dict[str, list[float]]] = {}
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="nl-NL")
            page = context.new_page()
            page.goto(base + "/login")
            page.fill("input[name=username]", "bench")
            page.fill("input[name=password]", PASSWORD)
            page.press("input[name=password]", "Enter")
            page.wait_for_selector(".ok-landing", timeout=60_000)
            for app in args.apps:
                selector = APPS[app]
                times, mems = [], []
                for _ in range(args.repeat):
                    before = kernel_pids(data / "runtime")
                    t0 = time.perf_counter()
                    page.goto(f"{base}/voila/render/{app}")
                    page.wait_for_selector(selector, state="visible", timeout=120_000)
                    times.append(time.perf_counter() - t0)
                    new = {p: t for p, t in kernel_pids(data / "runtime").items() if p not in before}
                    if new:
                        mems.append(rss_mib(max(new, key=new.get)))
                    page.goto("about:blank")
                results[app] = {"tti": times, "rss": mems}
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        shutil.rmtree(work, ignore_errors=True)

    hello = statistics.median(results["hallo.ipynb"]["tti"]) if "hallo.ipynb" in results else None
    ok = True
    print(f"{'app':<26} {'TTI median':>11} {'× hello':>8} {'RSS median':>11}  targets")
    for app, r in results.items():
        tti = statistics.median(r["tti"])
        rss = statistics.median(r["rss"]) if r["rss"] else float("nan")
        ratio = tti / hello if hello else float("nan")
        verdict = ""
        if app != "hallo.ipynb":
            good = ratio <= 1.5 and rss <= 120
            ok &= good
            verdict = "OK" if good else "MISS"
        print(f"{app:<26} {tti:>9.2f} s {ratio:>7.2f}× {rss:>8.0f} MiB  {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
