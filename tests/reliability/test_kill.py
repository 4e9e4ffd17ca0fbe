"""kill -9 of an app kernel (a real ipykernel running the kit, as Voilà starts it) in the middle of
submissions: afterwards the database is intact and every acknowledged rating is there, exactly once.
The server's kill -9 (with a cursist submitting in Chromium) is in tests/browser/test_kill_server.py."""

from __future__ import annotations

import os
import queue
import signal
import time

import pytest
from jupyter_client.manager import KernelManager

from oefenkit.identity import SYSTEM

from ..runtime_env import KERNEL_NAME, runtime_is_separate
from .checks import integrity, lost_and_duplicated, stored_submissions

KERNEL_CODE = """
import itertools, os
from oefenkit.storage import database
from oefenkit.storage.kit import Kit
kit = Kit(database.make_engine(os.environ["OEFENKIT_DATABASE_URL"]))
person = kit.find_person("kernel.schrijver")
print("PID", os.getpid(), flush=True)
for j in itertools.count():
    sid = f"kernel-{j}"
    kit.add_ratings(person, "betrouwbaar-kernel", {"sensitiviteit": 1 + j % 9, "cooperatie": 9 - j % 9},
                    note="kill -9", submission_id=sid)
    print("ACK", sid, flush=True)
"""


def test_kill_an_app_kernel_mid_submissions(kit, database_url, report):
    backend = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
    kit.add_case(SYSTEM, "betrouwbaar-kernel", "Fragment voor kill -9", programme_code="babytijd")
    kit.add_person(SYSTEM, "kernel.schrijver", role="cursist")
    kit.engine.dispose()

    # The kernel as the server starts it: the runtime-only environment's Python (conftest.py).
    km = KernelManager(kernel_name=KERNEL_NAME if runtime_is_separate() else "python3")
    km.start_kernel(env={**os.environ, "OEFENKIT_DATABASE_URL": database_url})
    client = km.client()
    client.start_channels()
    acknowledged, pid = [], None
    try:
        client.wait_for_ready(timeout=60)
        client.execute(KERNEL_CODE)
        deadline = time.monotonic() + 120
        while len(acknowledged) < 300 and time.monotonic() < deadline:
            try:
                msg = client.get_iopub_msg(timeout=5)
            except queue.Empty:
                continue
            if msg["msg_type"] == "error":
                pytest.fail("kernel error: " + "\n".join(msg["content"]["traceback"]))
            if msg["msg_type"] != "stream":
                continue
            for line in msg["content"]["text"].splitlines():
                if line.startswith("PID "):
                    pid = int(line.split()[1])
                elif line.startswith("ACK "):
                    acknowledged.append(line.split()[1])
        assert pid is not None and len(acknowledged) >= 300
        os.kill(pid, signal.SIGKILL)  # in the middle of a submission
        while True:  # acknowledgements already on their way before the kill
            try:
                msg = client.get_iopub_msg(timeout=2)
            except queue.Empty:
                break
            if msg["msg_type"] == "stream":
                acknowledged += [line.split()[1] for line in msg["content"]["text"].splitlines()
                                 if line.startswith("ACK ")]
        killed_at = len(acknowledged)
    finally:
        client.stop_channels()
        km.shutdown_kernel(now=True)

    stored = stored_submissions(database_url)
    lost, duplicated = lost_and_duplicated(acknowledged, stored, scales_per_submission=2)
    check = integrity(database_url)
    report(f"{backend}: app kernel killed with SIGKILL after {killed_at} acknowledged submissions: "
           f"{len(stored)} stored, {len(lost)} lost, {len(duplicated)} duplicated or partial, integrity {check}")
    assert lost == [] and duplicated == []
    assert check == "ok"
    # Stored but not acknowledged: the submission in flight, or an acknowledgement the kill cut off; whole either way.
    assert len(stored) >= len(acknowledged)
