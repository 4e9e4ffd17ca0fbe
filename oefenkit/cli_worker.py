"""``oefenkit worker``: run the queued anonymisation jobs (``oefenkit/jobs.py``), outside any page.

``./kit start`` starts one with the server (``oefenkit serve --with-worker``); on PostgreSQL any
number of workers on any number of machines share the queue (README, docs/architecture.md).
"""

from __future__ import annotations

import os
import subprocess
import sys

from .cli_common import _ready_kit, _settings
from .storage.anonymise_jobs import DEFAULT_LEASE_S

__all__ = ["add_parsers", "cmd_worker", "start_worker_process"]


def cmd_worker(args) -> int:
    from .jobs import run_worker  # huey only where a worker runs

    settings = _settings(args)
    kit = _ready_kit(settings)  # a clear message if the database is unreachable or not migrated
    run_worker(kit, settings.effective_database_url, concurrency=args.concurrency, lease_s=args.lease, parent_pid=args.parent_pid)
    return 0


def add_parsers(sub) -> None:
    p = sub.add_parser("worker", help="voer de anonimiseertaken uit de wachtrij uit (laat dit draaien)",
                       description="Haalt anonimiseertaken uit de wachtrij in de database en voert ze uit, "
                                   "los van de pagina's. Op PostgreSQL mogen meerdere werkers (ook op andere "
                                   "machines) tegelijk draaien. Stoppen: Ctrl+C; een lopende taak gaat dan "
                                   "terug in de wachtrij.")
    p.add_argument("--concurrency", type=int, default=1,
                   help="aantal taken tegelijk in deze werker (standaard 1; elke taak gebruikt ongeveer "
                        "twee processorkernen)")
    p.add_argument("--lease", type=float, default=DEFAULT_LEASE_S,
                   help=f"seconden zonder levensteken waarna een taak van een gestopte werker opnieuw "
                        f"begint (standaard {DEFAULT_LEASE_S:.0f})")
    p.add_argument("--parent-pid", type=int, help="stop zodra dit proces (de server) stopt")
    p.set_defaults(func=cmd_worker)


def start_worker_process(args) -> subprocess.Popen:
    """``oefenkit worker`` as a child of this process (``serve --with-worker``), with the same options."""
    command = [sys.executable, "-m", "oefenkit"]
    if args.data_dir:
        command += ["--data-dir", args.data_dir]
    if args.database_url:
        command += ["--database-url", args.database_url]
    command += ["worker", "--parent-pid", str(os.getpid())]
    return subprocess.Popen(command)
