"""Terugkomdag live scoring under load: 30 participants, each its own process, one session.

Every participant process opens its own :class:`~oefenkit.storage.kit.Kit` on the
database (as every Voilà page is its own kernel) and goes through the verbs the
participant page uses (``join_session``, ``submit_session_scores`` with a fresh
``submission_id`` per click). After a common start signal each submits
``--submissions`` times (a changed score each time), with a random pause of
0.1–0.6 s between clicks, all into the same round.

A dashboard poller in the parent does what the trainer's page does
(``oefenkit_widgets.dashboard``): it polls ``session_token`` every
``oefenkit_widgets.session.POLL_INTERVAL`` seconds and fetches ``session_state`` when
the token changed. A submission is *visible* in the first state whose fetch
started after the submission's transaction committed (the state is read after
the commit, so it includes it); the latency is from the end of the participant's
``submit_session_scores`` call to the end of that fetch.

At the end: *lost* = a participant's stored score or ``submission_id`` is not
that of their last acknowledged submission, or the dashboard's final count and
histogram do not match; *duplicated* = more than one row for a (round,
participant, scale). Failed calls are counted separately.

Run: ``python benchmarks/live.py`` (SQLite file and a throwaway PostgreSQL, as
``tests/pg_server.py`` starts it); ``--db sqlite`` or ``--db postgresql`` for one.
Figures go to ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

N_PARTICIPANTS = 30
SCALES = ("sensitiviteit", "cooperatie")


def _kit(url: str):
    from oefenkit.storage import database
    from oefenkit.storage.kit import Kit

    return Kit(database.make_engine(url))


def setup(url: str, n: int) -> tuple[int, str]:
    """Migrate, load content and sample cases, add a trainer and ``n`` cursists, open round 1."""
    from argon2 import PasswordHasher

    from oefenkit import identity
    from oefenkit.content import SAMPLES_DIR, load_content, load_into
    from oefenkit.identity import SYSTEM
    from oefenkit.settings import PROJECT_ROOT
    from oefenkit.storage import database

    identity._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # accounts only, no logins
    kit = _kit(url)
    database.upgrade(kit.engine)
    load_into(kit, load_content(PROJECT_ROOT / "content", samples_dir=SAMPLES_DIR))
    trainer = kit.add_person(SYSTEM, "bench.trainer", role="trainer", display_name="Trainer", password="x" * 12)
    for i in range(n):
        kit.add_person(SYSTEM, f"bench.p{i:02d}", role="cursist", display_name=f"P{i}", password="x" * 12)
    session = kit.create_session(trainer)
    kit.open_round(trainer, session["id"])
    kit.engine.dispose()
    return session["id"], session["join_code"]


def participant(url: str, index: int, code: str, submissions: int, ready, start, results) -> None:
    """One participant's process: join, wait for the start, submit ``submissions`` times."""
    kit = _kit(url)
    me = kit.find_person(f"bench.p{index:02d}")
    rng = random.Random(index)
    log = []
    session_id = kit.join_session(me, code)["session_id"]
    ready.release()
    start.wait()
    for k in range(submissions):
        scores = {"sensitiviteit": 1 + (index + k) % 9, "cooperatie": 1 + (index * 3 + k) % 9}
        sub = f"p{index:02d}-{k}"
        t0 = time.time()
        try:
            kit.submit_session_scores(me, session_id, 1, scores, f"poging {k}", submission_id=sub)
            log.append(("ok", sub, scores, t0, time.time()))
        except Exception as exc:  # noqa: BLE001 - counted as failed
            log.append(("failed", sub, repr(exc), t0, time.time()))
        time.sleep(rng.uniform(0.1, 0.6))
    results.put((index, log))
    kit.engine.dispose()


def dashboard(url: str, session_id: int, interval: float, stop: threading.Event, fetches: list) -> None:
    """The trainer page's loop: poll the token, fetch the state when it changed."""
    kit = _kit(url)
    trainer = kit.find_person("bench.trainer")
    token = None
    while not stop.is_set():
        current = kit.session_token(trainer, session_id)
        if current != token:
            started = time.time()
            state = kit.session_state(trainer, session_id)
            token = state["token"]
            fetches.append((started, time.time(), state))
        time.sleep(interval)
    kit.engine.dispose()


def run(url: str, n: int, submissions: int, interval: float) -> dict:
    from sqlalchemy import func, select

    from oefenkit.storage import models as m

    session_id, code = setup(url, n)
    ctx = mp.get_context("spawn")
    ready, start, results = ctx.Semaphore(0), ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=participant, args=(url, i, code, submissions, ready, start, results))
             for i in range(n)]
    for p in procs:
        p.start()
    for _ in procs:
        ready.acquire()
    fetches: list = []
    stop = threading.Event()
    poller = threading.Thread(target=dashboard, args=(url, session_id, interval, stop, fetches))
    poller.start()
    time.sleep(interval * 2)
    start.set()
    logs = dict(results.get() for _ in procs)
    for p in procs:
        p.join()
    time.sleep(interval * 3)  # let the dashboard catch up with the last submissions
    stop.set()
    poller.join()

    ok = [entry for log in logs.values() for entry in log if entry[0] == "ok"]
    failed = [entry for log in logs.values() for entry in log if entry[0] != "ok"]
    latencies, unseen = [], 0
    for _, _, _, _, committed in ok:
        seen = next((end for begun, end, _ in fetches if begun >= committed), None)
        if seen is None:
            unseen += 1
        else:
            latencies.append(seen - committed)

    kit = _kit(url)
    last = {i: next((e for e in reversed(log) if e[0] == "ok"), None) for i, log in logs.items()}
    lost = 0
    with kit.transaction() as s:
        rows = s.execute(select(m.Person.username, m.Scale.code, m.Rating.score, m.Rating.submission_id)
                         .join(m.Person, m.Person.id == m.Rating.rater_id)
                         .join(m.Scale, m.Scale.id == m.Rating.scale_id)
                         .where(m.Rating.live_session_id == session_id)).all()
        per_key = s.execute(select(func.count()).select_from(m.Rating).where(m.Rating.live_session_id == session_id)
                            .group_by(m.Rating.live_round_id, m.Rating.rater_id, m.Rating.scale_id)).scalars().all()
    duplicated = sum(c - 1 for c in per_key)
    stored = {(u, sc): (score, sub) for u, sc, score, sub in rows}
    for i, entry in last.items():
        if entry is None:
            continue
        _, sub, scores, _, _ = entry
        for scale in SCALES:
            if stored.get((f"bench.p{i:02d}", scale)) != (scores[scale], sub):
                lost += 1
    final = fetches[-1][2]
    expected_hist = [0] * 9
    for entry in last.values():
        if entry is not None:
            expected_hist[entry[2]["sensitiviteit"] - 1] += 1
    if final["round"]["submitted"] != sum(1 for e in last.values() if e) or \
            list(final["stats"][0].histogram) != expected_hist:
        lost += 1
    kit.engine.dispose()
    q = statistics.quantiles(latencies, n=20) if len(latencies) >= 2 else [float("nan")] * 19
    return {"submissions": len(ok), "failed": len(failed), "unseen": unseen, "lost": lost,
            "duplicated": duplicated, "p50": statistics.median(latencies), "p95": q[18],
            "max": max(latencies), "dashboard_fetches": len(fetches),
            "fetch_p50": statistics.median(end - begun for begun, end, _ in fetches),
            "fetch_max": max(end - begun for begun, end, _ in fetches)}


def main(argv=None) -> int:
    from oefenkit_widgets.session import POLL_INTERVAL

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--participants", type=int, default=N_PARTICIPANTS)
    parser.add_argument("--submissions", type=int, default=5, help="submissions per participant")
    parser.add_argument("--interval", type=float, default=POLL_INTERVAL, help="dashboard poll interval (s)")
    args = parser.parse_args(argv)
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"{args.participants} participant processes × {args.submissions} submissions, "
          f"dashboard poll {args.interval} s")
    targets = []
    with tempfile.TemporaryDirectory() as tmp:
        if args.db in ("sqlite", "both"):
            targets.append(("SQLite", f"sqlite:///{Path(tmp) / 'live.sqlite3'}", None))
        server = None
        if args.db in ("postgresql", "both"):
            from tests.pg_server import PostgresServer

            server = PostgresServer().start()
            targets.append(("PostgreSQL", server.url, server))
        try:
            for name, url, _ in targets:
                r = run(url, args.participants, args.submissions, args.interval)
                print(f"{name:<11} submissions {r['submissions']:>4}  failed {r['failed']}  lost {r['lost']}  "
                      f"duplicated {r['duplicated']}  not seen {r['unseen']}  "
                      f"latency p50 {r['p50']:.3f} s  p95 {r['p95']:.3f} s  max {r['max']:.3f} s  "
                      f"({r['dashboard_fetches']} dashboard fetches, session_state p50 {r['fetch_p50']:.3f} s, "
                      f"max {r['fetch_max']:.3f} s)")
        finally:
            if server is not None:
                server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
