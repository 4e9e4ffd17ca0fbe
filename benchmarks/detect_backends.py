"""CenterFace's forward pass: cv2.dnn against onnxruntime, thread settings, input widths (issue 19).

Every variant runs on the same frames of :func:`tests.video.synthetic.make_clip` (1280×720),
downscaled as :class:`~oefenkit.video.detect.CenterFaceDetector` does. The machine is shared, so
the variants are **interleaved**: each round times every variant on the same block of frames, in
a rotating order, and the report gives the median per round and each variant's ratio to the
first one (cv2.dnn at the detector's default width), round by round.

Run: ``.venv/bin/python benchmarks/detect_backends.py [--frames 24] [--rounds 5]
[--widths 800,640] [--variants NAME,...]``
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from oefenkit.video.detect import CenterFaceDetector  # noqa: E402
from tests.video.synthetic import make_clip  # noqa: E402

#: name -> (backend, precision, cv2 threads or ORT intra-op threads, detectors side by side, ORT
#: threads spinning while they wait). Two cv2.dnn networks forwarding in two threads at once failed
#: in OpenCV 5.1 ("buf.shape() == m.shape()" in forwardGraph), so only onnxruntime runs side by side.
VARIANTS = {
    "opencv": ("opencv", "fp32", None, 1, False),
    "opencv-1t": ("opencv", "fp32", 1, 1, False),
    "ort-2t": ("onnxruntime", "fp32", 2, 1, False),
    "ort-2t-spin": ("onnxruntime", "fp32", 2, 1, True),
    "ort-1t": ("onnxruntime", "fp32", 1, 1, False),
    "ort-1t-x2": ("onnxruntime", "fp32", 1, 2, False),
    "int8-2t": ("onnxruntime", "int8", 2, 1, False),
    "int8-1t-x2": ("onnxruntime", "int8", 1, 2, False),
}


class _Side:
    """One detector called from ``workers`` threads on consecutive frames, as the Anonymiser does
    (the GIL is released in the forward pass; an onnxruntime session may run in several threads)."""

    def __init__(self, variant: str, width: int) -> None:
        backend, precision, threads, workers, spin = VARIANTS[variant]
        self.detector = CenterFaceDetector(width=width, threshold=0.15, backend=backend, precision=precision,
                                           threads=threads, spin=spin)
        self.pool = ThreadPoolExecutor(workers) if workers > 1 else None

    def run(self, frames: list[np.ndarray]) -> int:
        if self.pool is None:
            return sum(len(self.detector.detect(f)) for f in frames)
        jobs = [self.pool.submit(self.detector.detect, f) for f in frames]
        return sum(len(j.result()) for j in jobs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=24)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--widths", default="800")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    args = ap.parse_args(argv)
    clip = make_clip(2026, n_frames=args.frames)
    frames = [clip.frame(i) for i in range(args.frames)]
    names = [(v, int(w)) for w in args.widths.split(",") for v in args.variants.split(",")]
    detectors = {key: _Side(*key) for key in names}
    default_threads = cv2.getNumThreads()
    for side in detectors.values():  # warm up: one network per shape, ORT's first run plans memory
        side.run(frames[:2])
    per_round: dict[tuple[str, int], list[float]] = {key: [] for key in names}
    found: dict[tuple[str, int], int] = {key: 0 for key in names}
    started = time.strftime("%H:%M:%S")
    for r in range(args.rounds):
        order = names[r % len(names):] + names[: r % len(names)]
        for key in order:
            t0 = time.perf_counter()
            n = detectors[key].run(frames)
            per_round[key].append((time.perf_counter() - t0) / len(frames))
            cv2.setNumThreads(default_threads)
            if r == 0:
                found[key] = n
    base = names[0]
    print(f"{args.frames} frames 1280×720, {args.rounds} rounds interleaved, started {started}, "
          f"load average before/after: {os.getloadavg()[0]:.2f}")
    print("| variant | width | ms per pass (median) | passes/s | ratio to first, per round | faces found |")
    print("|---|---|---|---|---|---|")
    for key in names:
        med = statistics.median(per_round[key])
        ratios = [b / v for b, v in zip(per_round[base], per_round[key], strict=True)]
        print(f"| {key[0]} | {key[1]} | {1000 * med:.1f} | {1 / med:.1f} | "
              f"{statistics.median(ratios):.2f}× ({min(ratios):.2f}–{max(ratios):.2f}) | {found[key]} |")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"OpenCV {cv2.__version__}, cv2 threads {default_threads}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
