"""The kernel websocket's frame checks (oefenkit/server/kernelws.py) without a server."""

from __future__ import annotations

import json
import struct
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jupyter_server.services.kernels.connection.base import serialize_binary_message, serialize_msg_to_ws_v1

from oefenkit.server.kernelws import FrameError, check_incoming_frame, outgoing_header

HEADER = {"msg_id": "1", "msg_type": "comm_msg", "session": "s", "username": "", "version": "5.3"}


def v1_frame(header=HEADER, buffers=(), channel="shell") -> bytes:
    parts = [json.dumps(header).encode(), b"{}", b"{}", json.dumps({"comm_id": "c", "data": {}}).encode()]
    return serialize_msg_to_ws_v1(parts + list(buffers), channel)


def test_a_well_formed_frame_gives_channel_and_header():
    """Does a v1 frame as jupyter_server and JupyterLab build it pass, with its channel and header?"""
    assert check_incoming_frame(v1_frame(buffers=[b"abc", b""])) == ("shell", HEADER)
    assert outgoing_header(v1_frame(channel="iopub")) == HEADER


@pytest.mark.parametrize("frame, why", [
    (struct.pack("<Q", 10**17) + b"\0" * 64, "out of range"),
    (b"\1\0\0", "shorter"),
    ("{}", "text frame"),
    (serialize_binary_message({"header": HEADER, "parent_header": {}, "metadata": {}, "content": {},
                               "buffers": [b"x"]}), "out of range"),
    (v1_frame(buffers=[b"x"] * 65), "out of range"),
    (v1_frame()[:-3], "span"),
    (v1_frame(header=["not", "a", "dict"]), "msg_type"),
])
def test_malformed_frames_are_refused(frame, why):
    """Are legacy frames, huge counts, too many buffers, truncated frames and bad headers refused?"""
    with pytest.raises(FrameError, match=why):
        check_incoming_frame(frame)


def test_outgoing_legacy_frame_is_read_in_constant_time():
    """Is the header of a legacy-framed binary message read at once (None), not by building 10^17 offsets?"""
    legacy = serialize_binary_message({"header": HEADER, "parent_header": {}, "metadata": {}, "content": {},
                                       "channel": "iopub", "buffers": [b"x" * 100]})
    start = time.monotonic()
    assert outgoing_header(legacy) is None
    assert time.monotonic() - start < 0.1


@settings(max_examples=300, deadline=200)
@given(st.binary(max_size=400), st.integers(min_value=0, max_value=2**64 - 1))
def test_any_bytes_are_checked_quickly(tail, count):
    """Whatever the bytes say, is a frame either refused with FrameError or read, within 200 ms?"""
    frame = struct.pack("<Q", count) + tail
    try:
        check_incoming_frame(frame)
    except FrameError:
        pass
    header = outgoing_header(frame)
    assert header is None or isinstance(header, dict)
