"""App kernels and the server talk over Unix sockets, not TCP ports (issue 14).

The kernels' five channels (shell, iopub, stdin, control, heartbeat) are Unix sockets in a private (0700) directory: the data directory's
``runtime/``, or a private temporary one when that path is too long for a socket
(``oefenkit/server/app.py``, ``kernel_connection_root``). With TCP on loopback, a room of 30
opening at once saw a "free" port taken by another connection before the kernel bound it ("Address
already in use"), the restarter failed the same way, and that page never answered; and every local
user of the machine could reach the kernels' channels. (ipykernel still binds one loopback port of its
own for output of a kernel's subprocesses, with zmq's retry on a taken port; the server never uses it.)
"""

from __future__ import annotations

from pathlib import Path

import psutil

from oefenkit.server.app import UNIX_SOCKET_PATH_MAX, kernel_connection_root

from .kernel_client import kernel_info_over_websocket, logged_in, open_page
from .test_kernel_limits import START, kernel_pids, kit_server


def test_kernel_channels_are_unix_sockets(tmp_path_factory):
    """Does an open page's kernel answer over its websocket while its channels are Unix sockets in a
    directory nobody else may enter, and the server holds no TCP connection to any kernel?"""
    server = kit_server(tmp_path_factory, "ipc")
    try:
        client = logged_in(server.base_url, "cursist1")
        kernel_id = open_page(client, START)
        assert kernel_info_over_websocket(client, kernel_id)
        pids = list(kernel_pids(server))
        assert pids
        kernel_ports = set()
        for pid in pids:
            process = psutil.Process(pid)
            kernel_ports |= {c.laddr.port for c in process.net_connections(kind="inet")}
            paths = {c.laddr for c in process.net_connections(kind="unix") if c.laddr}
            kernel_sockets = [p for p in paths if "-ipc-" in p]
            assert len(kernel_sockets) >= 5, paths  # shell, iopub, stdin, control, heartbeat
            for path in kernel_sockets:
                assert len(path) <= UNIX_SOCKET_PATH_MAX
                folder = Path(path).parent
                assert folder.stat().st_mode & 0o077 == 0, folder  # nobody but the server's user
        to_kernels = [c for c in psutil.Process(server.process.pid).net_connections(kind="inet")
                      if c.raddr and c.raddr.port in kernel_ports]
        assert to_kernels == []
    finally:
        server.stop()


def test_connection_folder_is_short_enough_for_sockets(tmp_path):
    """Is the data directory's runtime folder used when its path leaves room for a kernel's socket names,
    and a private temporary folder (0700) otherwise?"""
    short = tmp_path / "d"
    short.mkdir()
    chosen = kernel_connection_root(short)
    if len(str(short / "runtime")) + 69 <= UNIX_SOCKET_PATH_MAX:
        assert chosen == short / "runtime"
    deep = tmp_path / ("x" * 60) / "data"
    deep.mkdir(parents=True)
    other = kernel_connection_root(deep)
    assert other != deep / "runtime" and not str(other).startswith(str(deep))
    assert len(str(other)) + 69 <= UNIX_SOCKET_PATH_MAX
    assert other.stat().st_mode & 0o077 == 0
    assert (deep / "runtime").is_dir()  # still made: the kernels' IPython settings live there
