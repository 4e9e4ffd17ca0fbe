"""Coverage of the walking faces (issue 19) without encoding: the anonymiser on the rendered frames.

``anonymise.py --walking V`` measures the whole pipeline on an encoded clip, with deface and the
decode + encode floor beside it. This script answers a narrower question faster: how well does
the temporal rule (``oefenkit/video/track.py``) cover faces walking at 2-15 px per frame, per
speed, size and orientation, on the frames exactly as rendered (no x264, so no compression
between the renderer and the detector)? Coverage is judged as in ``anonymise.py``
(``residual_detail`` ≤ 10 % on the masked frame).

Run: ``.venv/bin/python benchmarks/walking_coverage.py [--variants 0,1,2,3,4] [--frames 150]
[--option NAME=VALUE ...]``
"""

from __future__ import annotations

import argparse
import ast
import collections
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from oefenkit.video.anonymiser import Anonymiser, MaskingOptions
from tests.video.synthetic import DESTROYED_DETAIL, make_walking_clip, residual_detail


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variants", default="0,1,2,3,4")
    ap.add_argument("--frames", type=int, default=150)
    ap.add_argument("--option", action="append", default=[], metavar="NAME=VALUE")
    args = ap.parse_args(argv)
    overrides = {k: ast.literal_eval(v) for k, _, v in (o.partition("=") for o in args.option)}
    options = MaskingOptions(**overrides)
    tally: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    missed = []
    started = time.perf_counter()
    for variant in (int(v) for v in args.variants.split(",")):
        clip = make_walking_clip(variant, n_frames=args.frames)
        frames = [clip.frame(i) for i in range(args.frames)]
        anonymiser = Anonymiser(options, fps=clip.fps)
        for i, frame in enumerate(frames):
            anonymiser.observe(frame, i, i / clip.fps)
        anonymiser.finish()
        for i, frame in enumerate(frames):
            out = anonymiser.mask(frame.copy(), i, i / clip.fps)
            for truth in clip.truth(i):
                ok = residual_detail(frame, out, truth) <= DESTROYED_DETAIL
                for key in ("all", f"speed {truth.speed:g} px/frame", f"size {truth.size:g} px",
                            f"angle {truth.orientation}°"):
                    tally[key][0] += ok
                    tally[key][1] += 1
                if not ok:
                    missed.append((variant, i, truth.face))
    print(f"options: {options}")
    print("| faces | boxes | covered |\n|---|---|---|")
    def order(key: str) -> tuple:
        kind, _, value = key.partition(" ")
        return (key != "all", kind, float(value.split()[0].rstrip("°")) if value else 0.0)

    for key in sorted(tally, key=order):
        hit, total = tally[key]
        print(f"| {key} | {total} | {100 * hit / total:.2f} % |")
    print(f"\nmissed (variant, frame, face), first 20: {missed[:20]}")
    print(f"{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
