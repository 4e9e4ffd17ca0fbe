"""The kernel websocket (``/api/kernels/<id>/channels``) with safe framing and size caps.

Voilà 0.5.13's ``VoilaKernelWebsocketHandler.write_message`` reads every outgoing binary frame
with the v1 parser, also on a socket that uses the legacy framing (opened without the
``v1.kernel.websocket.jupyter.org`` subprotocol). The parser then takes the legacy frame's first
8 bytes as a count of about 10^17 offsets and builds that list on the event loop: the server stops
answering and grows by gigabytes. jupyter_server's parser of *incoming* v1 frames
(``deserialize_msg_from_ws_v1``) trusts the count in the same way, so one crafted frame from a
page does the same. This handler:

* accepts a kernel websocket only with the v1 subprotocol (every page Voilà serves uses it);
  anything else gets HTTP 400 before the upgrade;
* checks every incoming frame before jupyter_server parses it: binary, a bounded number of parts,
  offsets inside the frame and in order, a known channel and a message type of the widget
  protocol (the same list standalone Voilà configures); a malformed frame closes the socket,
  a message of another type is dropped and logged;
* reads the header of an outgoing frame in constant time (only the offsets it needs), still
  drops ``execute_input`` as Voilà does, drops ``stderr`` streams (tracebacks, warnings and
  paths belong in the server log, not on the page; see ``docs/security.md``);
* caps the size of a message in both directions (``OEFENKIT_WEBSOCKET_MAX_MB``): a larger frame
  from the browser closes the socket (Tornado, code 1009), a larger message from the kernel is
  dropped and logged.
"""

from __future__ import annotations

import json

from tornado.concurrent import Future
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

from .pageerror import PageError

__all__ = [
    "V1_PROTOCOL", "ALLOWED_MESSAGE_TYPES", "DEFAULT_MAX_BYTES", "SETTING", "FrameError",
    "OefenkitKernelWebsocketHandler", "check_incoming_frame", "outgoing_header",
]

V1_PROTOCOL = "v1.kernel.websocket.jupyter.org"
#: What a page may send to its kernel: the widget protocol and kernel info. The same list standalone
#: Voilà gives its kernel manager (``allowed_message_types``), kept here so no configuration can widen it.
ALLOWED_MESSAGE_TYPES = frozenset({
    "comm_open", "comm_close", "comm_msg", "comm_info_request", "kernel_info_request", "shutdown_request",
})
#: Channels a page may send on (comm and info requests go on shell; shutdown may go on control).
ALLOWED_CHANNELS = frozenset({"shell", "control"})
#: Tornado application setting with the cap in bytes (``Settings.websocket_max_bytes``).
SETTING = "oefenkit_websocket_max_bytes"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
#: channel, header, parent header, metadata, content: five parts plus the end offset.
_MIN_OFFSETS = 6
#: Binary buffers one incoming message may carry (a widget update has a handful at most).
MAX_INCOMING_BUFFERS = 64
_WORD = 8


class FrameError(ValueError):
    """A websocket frame that is not a well-formed v1 kernel message."""


def _word(frame: bytes, index: int) -> int:
    return int.from_bytes(frame[_WORD * index:_WORD * (index + 1)], "little")


def _offset_count(frame: bytes, limit: int | None) -> int:
    if len(frame) < _WORD:
        raise FrameError("frame shorter than its offset count")
    count = _word(frame, 0)
    if count < _MIN_OFFSETS or (limit is not None and count > limit):
        raise FrameError(f"offset count {count} out of range")
    if len(frame) < _WORD * (count + 1):
        raise FrameError("frame shorter than its offset table")
    return count


def check_incoming_frame(frame, max_buffers: int = MAX_INCOMING_BUFFERS) -> tuple[str, dict]:
    """Channel and header of a v1 frame from the browser; :class:`FrameError` unless well formed.

    Work and memory are bounded by the frame's size and ``max_buffers``, whatever its bytes say.
    """
    if not isinstance(frame, (bytes, bytearray, memoryview)):
        raise FrameError("text frame on a v1 socket")
    frame = bytes(frame)
    count = _offset_count(frame, _MIN_OFFSETS + max_buffers)
    offsets = [_word(frame, i + 1) for i in range(count)]
    if offsets[0] != _WORD * (count + 1) or offsets[-1] != len(frame):
        raise FrameError("offsets do not span the frame")
    if any(b < a for a, b in zip(offsets, offsets[1:])):
        raise FrameError("offsets out of order")
    try:
        channel = frame[offsets[0]:offsets[1]].decode("ascii")
        header = json.loads(frame[offsets[1]:offsets[2]])
    except (UnicodeDecodeError, ValueError) as exc:
        raise FrameError(f"unreadable channel or header: {exc}") from None
    if not isinstance(header, dict) or not isinstance(header.get("msg_type"), str):
        raise FrameError("header without msg_type")
    return channel, header


def _part(frame: bytes, index: int) -> bytes | None:
    """Part ``index`` (0 = channel, 1 = header, ...) of a v1 frame in O(1), or None."""
    try:
        count = _offset_count(frame, None)
    except FrameError:
        return None
    if index + 1 >= count:
        return None
    start, end = _word(frame, index + 1), _word(frame, index + 2)
    if not start <= end <= len(frame):
        return None
    return frame[start:end]


def outgoing_header(frame: bytes) -> dict | None:
    """The header of a v1 frame the server is about to send, read in constant time; None if unreadable."""
    raw = _part(frame, 1)
    try:
        header = json.loads(raw) if raw is not None else None
    except ValueError:
        return None
    return header if isinstance(header, dict) else None


class OefenkitKernelWebsocketHandler(VoilaKernelWebsocketHandler):
    """Voilà's kernel websocket, v1 framing only, every frame checked, messages capped in size."""

    @property
    def max_message_size(self) -> int:
        # Tornado closes the socket (1009) when a frame from the browser is larger.
        return int(self.settings.get(SETTING, DEFAULT_MAX_BYTES))

    def _requested_subprotocols(self) -> list[str]:
        raw = self.request.headers.get("Sec-WebSocket-Protocol", "")
        return [p.strip() for p in raw.split(",") if p.strip()]

    async def pre_get(self):
        # Runs after the login check and before the upgrade: refuse with a plain HTTP error.
        if V1_PROTOCOL not in self._requested_subprotocols():
            self.log.warning("Refused kernel websocket without %s for %s (kernel %s)", V1_PROTOCOL,
                             getattr(self.current_user, "username", "?"), self.kernel_id)
            raise PageError(400, f"Alleen het websocketprotocol {V1_PROTOCOL} wordt ondersteund.")
        await super().pre_get()

    def select_subprotocol(self, subprotocols):
        # Always v1 (pre_get made sure it was offered), whatever kernel_ws_protocol says.
        return V1_PROTOCOL if V1_PROTOCOL in subprotocols else None

    def _refuse(self, code: int, reason: str, detail: str) -> None:
        self.log.warning("Kernel websocket %s closed (%s): %s", self.kernel_id, reason, detail)
        self.close(code, reason)

    def on_message(self, ws_message):
        if self.ws_connection is None:  # closed (e.g. by the frame before this one)
            return None
        if self.selected_subprotocol != V1_PROTOCOL:  # cannot happen after pre_get; never parse otherwise
            return self._refuse(1002, "protocol", "socket without the v1 subprotocol")
        try:
            channel, header = check_incoming_frame(ws_message)
        except FrameError as exc:
            return self._refuse(1007, "invalid frame", str(exc))
        if channel not in ALLOWED_CHANNELS or header["msg_type"] not in ALLOWED_MESSAGE_TYPES:
            self.log.warning("Kernel websocket %s: dropped %r on %r (not the widget protocol)",
                             self.kernel_id, header["msg_type"][:60], channel[:20])
            return None
        return super().on_message(ws_message)

    def _drop(self, why: str, *args) -> Future:
        self.log.warning("Kernel websocket %s: dropped an outgoing message: " + why, self.kernel_id, *args)
        return _done()

    def write_message(self, message, binary: bool = False):
        if isinstance(message, dict):  # never produced on a v1 socket; Voilà accepts it, so do we
            message = json.dumps(message)
        size = len(message.encode("utf-8") if isinstance(message, str) else message)
        if size > self.max_message_size:
            return self._drop("%d bytes exceed the cap of %d (OEFENKIT_WEBSOCKET_MAX_MB)", size,
                              self.max_message_size)
        if isinstance(message, bytes):
            header = outgoing_header(message) if self.selected_subprotocol == V1_PROTOCOL else None
            msg_type = header.get("msg_type") if header else None
            if msg_type == "execute_input":  # as Voilà: the page never sees the code it runs
                return _done()
            if msg_type == "stream" and _is_stderr(message):
                text = (_part(message, 4) or b"")[:4000].decode("utf-8", "replace")
                return self._drop("stderr (kept in this log only): %s", text)
        # Skip Voilà's write_message: its v1 parse of every frame is the freeze this class prevents.
        return super(VoilaKernelWebsocketHandler, self).write_message(message, binary)


def _done() -> Future:
    """What Tornado's ``write_message`` returns, for a message that is not sent."""
    done: Future = Future()
    done.set_result(None)
    return done


def _is_stderr(frame: bytes) -> bool:
    raw = _part(frame, 4)  # content
    try:
        content = json.loads(raw) if raw is not None else None
    except ValueError:
        return True  # an unreadable stream message is not sent either
    return not isinstance(content, dict) or content.get("name") != "stdout"

