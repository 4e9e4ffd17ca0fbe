"""50 concurrent writers x 100 submissions, each a separate process through the same Kit verb the
practice app uses, on SQLite and on PostgreSQL: nothing lost, nothing duplicated, integrity intact.

Every tenth submission is sent twice (a retry after a lost acknowledgement); idempotent submission
ids must turn the retry into a no-op.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import time

import pytest

from oefenkit.identity import SYSTEM

from .checks import integrity, lost_and_duplicated, stored_submissions

WRITERS = 50
SUBMISSIONS = 100


def _writer(url: str, username: str, cases: list[str], start, results, log_path: str) -> None:
    import faulthandler
    import sys
    import traceback

    log = open(log_path, "w", buffering=1)  # this worker's own stderr: pytest's capture is not shared
    sys.stderr = log
    faulthandler.enable(log)
    try:
        _write(url, username, cases, start, results)
    except BaseException:
        traceback.print_exc(file=log)
        raise


def _write(url: str, username: str, cases: list[str], start, results) -> None:
    from oefenkit.storage import database
    from oefenkit.storage.kit import Kit

    engine = database.make_engine(url)
    kit = Kit(engine)
    person = kit.find_person(username)
    acknowledged, errors = [], []
    start.wait()
    for j in range(SUBMISSIONS):
        sid = f"{username}-{j}"
        scores = {"sensitiviteit": 1 + (j % 9), "cooperatie": 9 - (j % 9)}
        for attempt in range(2 if j % 10 == 0 else 1):
            try:
                kit.add_ratings(person, cases[j % len(cases)], scores, note=f"poging {attempt}",
                                submission_id=sid)
            except Exception as exc:  # noqa: BLE001 - counted, reported by the test
                errors.append(f"{sid}: {type(exc).__name__}: {exc}")
                break
        else:
            acknowledged.append(sid)
    engine.dispose()
    results.put((username, acknowledged, errors))


def test_fifty_writers(kit, database_url, report, tmp_path):
    backend = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
    cases = [f"betrouwbaar-{n}" for n in range(10)]
    for code in cases:
        kit.add_case(SYSTEM, code, f"Fragment {code}", programme_code="babytijd")
    for i in range(WRITERS):
        kit.add_person(SYSTEM, f"schrijver{i:02d}", role="cursist")
    kit.engine.dispose()

    ctx = mp.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    logs = [tmp_path / f"schrijver{i:02d}.log" for i in range(WRITERS)]
    workers = [ctx.Process(target=_writer, args=(database_url, f"schrijver{i:02d}", cases, start, results,
                                                 str(logs[i])))
               for i in range(WRITERS)]
    for p in workers:
        p.start()
    time.sleep(3)  # let every process import and connect
    began = time.perf_counter()
    start.set()
    collected = []
    deadline = time.monotonic() + 600
    while len(collected) < WRITERS:
        try:
            collected.append(results.get(timeout=5))
            continue
        except queue.Empty:
            pass
        died = [(i, p.exitcode) for i, p in enumerate(workers) if p.exitcode not in (None, 0)]
        hung = time.monotonic() > deadline
        if died or hung:
            for p in workers:
                p.kill()
            details = "\n".join(f"{logs[i].name}: exit {code}\n{logs[i].read_text(errors='replace')[-2000:]}"
                                 for i, code in died[:3])
            pytest.fail(f"{len(collected)} of {WRITERS} writers reported; died: {died[:10]}; "
                        f"{'timed out; ' if hung else ''}{details}")
    elapsed = time.perf_counter() - began
    for p in workers:
        p.join(timeout=60)
        assert p.exitcode == 0

    acknowledged = [sid for _, acks, _ in collected for sid in acks]
    errors = [e for _, _, errs in collected for e in errs]
    stored = stored_submissions(database_url)
    lost, duplicated = lost_and_duplicated(acknowledged, stored, scales_per_submission=2)
    check = integrity(database_url)
    report(f"{backend}: {WRITERS} writers x {SUBMISSIONS} submissions (+10 % retried) in {elapsed:.1f} s: "
           f"{len(acknowledged)} acknowledged, {len(stored)} stored, {len(lost)} lost, "
           f"{len(duplicated)} duplicated, {len(errors)} errors, integrity {check}")
    assert errors == []
    assert len(acknowledged) == WRITERS * SUBMISSIONS
    assert lost == [] and duplicated == []
    assert len(stored) == WRITERS * SUBMISSIONS
    assert check == "ok"
