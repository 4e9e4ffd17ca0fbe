"""The kernel manager's activity watch (``OefenkitKernelManager.start_watching_activity``, issue 14).

It replaces jupyter_server's, which parsed every kernel message in full; the culling of idle and
disconnected kernels depends on it, so it must keep the same rules."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from jupyter_client.session import Session

from oefenkit.server.kernels import OefenkitKernelManager

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def _frames(session: Session, msg_type: str, content: dict, parent_type: str | None = "execute_request"):
    parent = session.msg_header(parent_type) if parent_type else {}
    msg = session.msg(msg_type, content=content, parent=parent)
    return session.serialize(msg, ident=[f"kernel.x.{msg_type}".encode()])


def test_activity_and_execution_state_follow_the_kernel(tmp_path):
    """Does a real kernel's work update its last activity and end 'idle'; does a forged message (wrong
    signature) change nothing; and do the state rules hold (untracked requests do not make it busy)?"""
    async def scenario():
        km = OefenkitKernelManager(fork_kernels=False, root_dir=str(NOTEBOOKS), connection_dir=str(tmp_path))
        kid = await km.start_kernel(path=str(NOTEBOOKS), env=dict(os.environ))
        try:
            kernel = km.get_kernel(kid)
            client = kernel.client()
            client.start_channels()
            await client.wait_for_ready(timeout=60)
            before = kernel.last_activity
            await client.execute_interactive("x = 1", timeout=60)
            await asyncio.sleep(0.5)
            assert kernel.last_activity > before
            assert kernel.execution_state == "idle"
            client.stop_channels()

            record = kernel._activity_stream._recv_callback
            good = Session(key=kernel.session.key)
            seen = kernel.last_activity
            record(_frames(good, "status", {"execution_state": "busy"}))
            assert kernel.execution_state == "busy" and kernel.last_activity > seen
            record(_frames(good, "status", {"execution_state": "idle"}))
            assert kernel.execution_state == "idle"
            # a status in reply to an untracked request (comm_info_request) leaves the state alone
            record(_frames(good, "status", {"execution_state": "busy"}, parent_type="comm_info_request"))
            assert kernel.execution_state == "idle"
            # a message signed with another key is not the kernel's: no activity, no state
            seen = kernel.last_activity
            forged = Session(key=b"not-the-kernels-key")
            record(_frames(forged, "status", {"execution_state": "busy"}))
            assert kernel.execution_state == "idle" and kernel.last_activity == seen
        finally:
            await km.shutdown_all(now=True)
            # Close the manager's zmq context now: left to the garbage collector, its destruction
            # once blocked a later test for good (zmq's term waiting on a socket of this closed loop).
            km.context.destroy(linger=0)

    asyncio.run(scenario())
