"""Mutation testing of the code that guards people and exams (issue 21), with cosmic-ray.

    .venv/bin/python benchmarks/mutation.py [AREA ...] [--keep DIR]

AREA is one of ``permissions``, ``certification``, ``exam-secrecy``, ``sessions`` (default: the
first three). For each area this

1. copies the committed-or-not working tree (without ``.venv``/``.git``/data) to a scratch folder, so
   the real checkout is never mutated, not even when the run is killed half-way;
2. records once which tests execute which lines of the area's modules (the *coverage map*, see
   below; it is also the baseline: every mapped test passed on the unmutated copy);
3. writes a cosmic-ray config for the area's modules with its test command and runs
   ``cosmic-ray init`` / ``cr-filter-operators`` / ``cosmic-ray exec`` with ONE local worker (the
   machine has two cores and CI and benchmarks share them); cosmic-ray's ``*`` → ``/`` on the bare
   ``*`` of a signature is left out too (:func:`skip_signature_stars`);
4. deletes each one-line permission check (``require(...)``) of the area's modules in turn, a
   mutant cosmic-ray has no operator for, and runs the module's tests the same way;
5. prints the score of each pass (killed / all; an incompetent mutant — one that does not even
   import — and one that hits the timeout count as killed) and every surviving mutant as a diff.

Test selection (what mutmut does). The coverage map comes from one run of the fast part of the suite
(``tests/`` without ``tests/browser``, ``-k 'not postgresql'``, no nbval) under coverage.py, limited to
the area's modules, with one dynamic context per test and phase (its pytest node id for the test's
own body, another for its fixtures) and each test's duration. Per mutant the test command diffs the
mutated module against its pristine copy, finds the statement the changed line belongs to and runs
only the tests whose own body executed that statement (when there are none: the tests whose
fixtures did), fastest first, ``-x``. Fixtures are kept apart because every test with the ``kit``
fixture loads the content: counting them would select nearly the whole suite (≈ 300 s) for every
mutant of the loading code that survives. A narrower selection can only make a mutant survive that a
wider one would kill, never the other way round; such a survivor is then looked at like any other. A change in a function's header (a default value, a decorator) selects the tests that ran
the function's body; a change at module or class level (a constant, a dataclass field) selects
every test that ran any line of the module. A mutant on a statement no test executes survives at
once, without running pytest: a real gap in the tests. Tests that failed while the map was made
are left out of it (and printed). Code that tests run in another process (the live server, app
kernels, the reliability tests' writer processes) is not in the map, so a mutant only such tests
would kill counts as a survivor; the per-module lists in ``AREAS`` remain the fallback when there
is no map (``--no-coverage-map``). ``--rerun-survivors`` maps the test files that changed since the
kept run again before it reruns the survivors.

``--postgresql`` starts one PostgreSQL server for the run: a mutant that survives its (SQLite) tests
then runs the PostgreSQL variants of the same tests (``…[sqlite]`` → ``…[postgresql]``), which kills
the mutants of code that only matters there, such as a row lock (``FOR UPDATE``; SQLite serialises
writes and ignores it). Only survivors pay for it.

Outside the regular CI run: a full run takes tens of minutes (see ``benchmarks/README.md``).
Exit status 1 when an area scores below ``TARGET``.

Why cosmic-ray and not mutmut: mutmut 3 runs the tests against a copy under ``mutants/`` with
trampolines inside functions, so module-level tables (``AREA_ROLES``, ``_ROLE_ACTIONS``) are not
mutated and code run in a subprocess (the live server, app kernels) imports a different copy.
cosmic-ray rewrites the real source file of the copy for each mutant and runs any shell command,
so every process sees the mutant; it runs on Python 3.11 and needs no change to the layout.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.95
#: Folder in the copy with the unmutated modules, to tell which module a mutant changed.
PRISTINE = ".mutation-pristine"

#: Pytest options shared by every area: SQLite only (the storage code is the same on PostgreSQL and
#: starting a PostgreSQL per mutant would dominate the run), stop at the first failure, no cache, and
#: without the nbval and Hypothesis plugins, whose imports (nbformat's JSON-schema grammar, Hypothesis'
#: strategies) cost ≈ 3 s per mutant and which none of the areas' tests use.
PYTEST_ALL_DATABASES = ("python -m pytest -x -q -p no:cacheprovider -p no:randomly -p no:nbval "
                        "-p no:hypothesispytest -o 'addopts=--strict-markers' ")
PYTEST = PYTEST_ALL_DATABASES + "-k 'not postgresql'"
#: ``--postgresql``: the URL of the one PostgreSQL server of the run. A mutant that survives its SQLite
#: tests then runs the PostgreSQL twins of the same tests (``…[sqlite]`` → ``…[postgresql]``): some
#: code only matters there (a row lock ``FOR UPDATE``, which SQLite ignores; SQLite serialises writes).
POSTGRESQL_PASS = "OEFENKIT_MUTATION_POSTGRESQL"

#: The coverage map in the copy (see the docstring): module → statement line → test node ids, and
#: each test's duration.
COVERAGE_MAP = ".mutation-coverage.json"
#: What the coverage map is made from: the fast, in-process part of the suite (no browser tests, no
#: PostgreSQL, no nbval; ``-k`` is in ``PYTEST``).
MAP_TESTS = ("tests", "--ignore=tests/browser")

#: Per area: each module with the tests that exercise it (in the order they run; the fastest killers
#: first, since ``-x`` stops at the first failure). Without a coverage map, a mutant of one module runs only that module's tests.
AREAS: dict[str, dict[str, list[str]]] = {
    "permissions": {
        "oefenkit/permissions.py": ["tests/test_permissions.py", "tests/security/test_actor_without_id.py"],
        "oefenkit/identity.py": ["tests/test_identity.py", "tests/test_permissions.py"],
    },
    "certification": {
        "oefenkit/certification.py": [
            "tests/test_certification.py", "tests/test_exam.py::test_explain_says_each_rule_in_plain_dutch",
            "tests/test_exam.py::test_failed_exam_result_in_plain_dutch_with_next_step", "tests/test_certificates.py"],
    },
    "exam-secrecy": {  # test_storage_values.py: every value class is frozen (no line of the module runs)
        "oefenkit/storage/practice_attempts.py": [
            "tests/test_practice.py", "tests/test_exam.py::test_no_cursist_verb_reveals_exam_expert_scores_before_submission",
            "tests/test_storage_values.py"],
        "oefenkit/storage/exam_attempts.py": ["tests/security/test_exam_outcome_refusal.py", "tests/test_exam.py",
                                              "tests/test_storage_values.py"],
        "oefenkit/storage/cases.py": ["tests/test_exam.py", "tests/test_permissions.py", "tests/test_library.py",
                                      "tests/test_storage_values.py"],
        "oefenkit/storage/ratings.py": ["tests/test_permissions.py", "tests/test_exam.py", "tests/test_practice.py",
                                        "tests/test_storage_values.py"],
    },
    "sessions": {
        "oefenkit/storage/logins.py": ["tests/security/test_login_sessions.py"],
        "oefenkit/server/kernels.py": ["tests/security/test_kernel_ownership.py", "tests/test_kernel.py"],
        "oefenkit/server/kernel_routes.py": ["tests/security/test_kernel_ownership.py", "tests/test_request_actor.py"],
    },
}
DEFAULT_AREAS = ("permissions", "certification", "exam-secrecy")

#: Operators that are left out, as regular expressions over cosmic-ray's operator names. Kept: the
#: boundary and negation of each comparison, and/or swaps, ``not`` added or removed, True/False,
#: numbers, loops that never run, break/continue, +/− and ×/÷ swaps. Left out: the other binary
#: operator swaps (``%``, ``**``, shifts, bit operators on numbers and strings: nearly always
#: a crash, so killed without telling anything), comparison swaps to ``is``/``is not`` on values
#: (identity of ints and floats; CPython-specific), decorator removal (every ``@dataclass`` and
#: ``@staticmethod`` breaks the import), exception-type swaps and the variable replacer/inserter
#: (thousands of mutants, mostly type errors).
EXCLUDED_OPERATORS = [
    r"core/ReplaceBinaryOperator_(?!Add_Sub|Sub_Add|Mul_Div|Div_Mul).*",
    r"core/ReplaceComparisonOperator_(Eq|NotEq|Lt|LtE|Gt|GtE)_(Is|IsNot)$",
    r"core/ReplaceComparisonOperator_(Is|IsNot)_(Lt|LtE|Gt|GtE)$",
    r"core/ReplaceComparisonOperator_(Eq|NotEq)_(Lt|LtE|Gt|GtE)$",
    r"core/ReplaceComparisonOperator_(Lt|LtE|Gt|GtE)_(Eq|NotEq)$",
    r"core/ReplaceComparisonOperator_(Lt_Gt|Gt_Lt|LtE_GtE|GtE_LtE)$",
    r"core/ReplaceUnaryOperator_.*Invert.*",
    r"core/ReplaceUnaryOperator_(UAdd|USub)_Not$",
    r"core/RemoveDecorator",
    r"core/ExceptionReplacer",
    r"core/VariableReplacer",
    r"core/VariableInserter",
]


def _copy_tree(dest: Path) -> None:
    ignore = shutil.ignore_patterns(".git", ".venv", ".venv-runtime", ".hub-node", "__pycache__", "*.pyc",
                                    "node_modules", ".pytest_cache", "mutation-*", PRISTINE)
    shutil.copytree(ROOT, dest, ignore=ignore, symlinks=True)


def _config(area: str, spec: dict, python: str, timeout: float) -> str:
    modules = ", ".join(json.dumps(m) for m in spec)
    excluded = ", ".join(json.dumps(e) for e in EXCLUDED_OPERATORS)
    command = f"{python} benchmarks/mutation.py --run-tests {area}"
    return f"""[cosmic-ray]
module-path = [{modules}]
timeout = {timeout}
excluded-modules = []
test-command = {json.dumps(command)}

[cosmic-ray.distributor]
name = "local"

[cosmic-ray.filters.operators-filter]
exclude-operators = [{excluded}]
"""


def rerun_survivors(area: str, workdir: Path) -> dict:
    """Run the survivors of a kept run (``--keep DIR``) again against the checkout's current tests:
    the tests are copied into the kept copy, the survivors' results are cleared and ``cosmic-ray exec``
    runs just those (the session keeps the killed ones). For the loop "add a test, check the survivor"."""
    tree = workdir / area
    changed = _changed_test_files(ROOT / "tests", tree / "tests")
    shutil.rmtree(tree / "tests")
    shutil.copytree(ROOT / "tests", tree / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "benchmarks" / "mutation.py", tree / "benchmarks" / "mutation.py")  # the test command
    for module in AREAS[area]:  # a run killed half-way may have left a mutant in the copy
        shutil.copy2(tree / PRISTINE / module, tree / module)
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
    if (tree / COVERAGE_MAP).exists() and changed:  # map the changed tests again (all, if a helper changed)
        selection = [f for f in changed if Path(f).name.startswith("test_") and not f.startswith("tests/browser/")]
        full = len(selection) < len(changed) or any(not (tree / f).exists() for f in changed)
        build_coverage_map(area, tree, env, None if full else selection)
    session = tree / "mutation.sqlite"
    con = sqlite3.connect(session)
    # A run stopped half-way: its unrun mutants stay unrun (held back by a placeholder result,
    # removed again below), so that only the survivors run now.
    unrun = [j for (j,) in con.execute("SELECT job_id FROM work_items WHERE job_id NOT IN "
                                       "(SELECT job_id FROM work_results)")]
    con.executemany("INSERT INTO work_results (job_id, worker_outcome) VALUES (?, 'HELD')", [(j,) for j in unrun])
    con.execute("DELETE FROM work_results WHERE test_outcome = 'SURVIVED'")
    con.commit()
    started = time.monotonic()
    try:
        subprocess.run([str(Path(sys.executable).parent / "cosmic-ray"), "exec", str(tree / "mutation.toml"),
                        str(session)], cwd=tree, env=env, check=True)
    finally:
        con.execute("DELETE FROM work_results WHERE worker_outcome = 'HELD'")
        con.commit()
        con.close()
    total, killed, survivors = _results(session)
    return {"area": area, "modules": list(AREAS[area]), "mutants": total, "killed": killed,
            "score": killed / total if total else 1.0, "seconds": round(time.monotonic() - started),
            "survivors": survivors}


def skip_signature_stars(session: Path, tree: Path) -> int:
    """Mark as left out (SKIPPED, as ``cr-filter-operators`` does) the mutants of cosmic-ray's ``*`` → ``/``
    operator that hit the bare ``*`` of a signature (``def f(a, *, b)`` → ``def f(a, /, b)``): that
    ``*`` is the keyword-only marker, not a multiplication, and every call in the kit passes those
    arguments by keyword. Returns how many were left out (also of a session that already ran them)."""
    con = sqlite3.connect(session)
    sources: dict[str, list[str]] = {}
    marked = []
    for job, module, row, col in con.execute(
            "SELECT job_id, module_path, start_pos_row, start_pos_col FROM mutation_specs "
            "WHERE operator_name LIKE '%ReplaceBinaryOperator_Mul_%' AND job_id NOT IN "
            "(SELECT job_id FROM work_results WHERE worker_outcome = 'SKIPPED')"):
        lines = sources.setdefault(module, (tree / PRISTINE / module).read_text(encoding="utf-8").splitlines())
        line = lines[row - 1]
        if line[col:col + 1] == "*" and line[col + 1:].lstrip()[:1] in (",", ")"):
            marked.append(job)
    con.executemany("INSERT OR REPLACE INTO work_results (job_id, worker_outcome, output, test_outcome, diff) "
                    "VALUES (?, 'SKIPPED', 'the keyword-only marker * of a signature', NULL, NULL)",
                    [(j,) for j in marked])
    con.commit()
    con.close()
    return len(marked)


def _changed_test_files(new: Path, old: Path) -> list[str]:
    """Files under ``tests/`` (as ``tests/...`` paths) that differ between two copies, or exist in one only."""
    def files(root: Path) -> dict[str, bytes]:
        return {f"tests/{p.relative_to(root).as_posix()}": p.read_bytes() for p in root.rglob("*")
                if p.is_file() and "__pycache__" not in p.parts}
    a, b = files(new), files(old)
    return sorted(f for f in a.keys() | b.keys() if a.get(f) != b.get(f))


def _results(session: Path) -> tuple[int, int, list[dict]]:
    """(all mutants, killed, survivors) from a cosmic-ray session database."""
    con = sqlite3.connect(session)
    rows = con.execute(
        "SELECT m.job_id, m.module_path, m.operator_name, m.occurrence, m.start_pos_row, r.test_outcome, "
        "r.worker_outcome, r.diff FROM mutation_specs m JOIN work_results r ON r.job_id = m.job_id"
    ).fetchall()
    con.close()
    survivors = []
    killed = 0
    rows = [r for r in rows if r[6] not in ("SKIPPED", "HELD")]  # left out by the operator filter; not run yet
    for job, module, op, occ, line, test_outcome, worker_outcome, diff in rows:
        if worker_outcome == "EXCEPTION":
            raise SystemExit(f"cosmic-ray could not run mutant {job} ({module}:{line} {op})")
        if test_outcome == "SURVIVED" and worker_outcome == "NORMAL":
            survivors.append({"job": job, "module": module, "operator": op, "occurrence": occ, "line": line,
                              "diff": diff})
        else:
            killed += 1
    return len(rows), killed, survivors


def run_area(area: str, workdir: Path, timeout: float, coverage_map: bool = True, workers: int = 1) -> dict:
    spec = AREAS[area]
    tree = workdir / area
    _copy_tree(tree)
    for module in spec:  # the unmutated sources, to tell which module a mutant changed
        (tree / PRISTINE / module).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(tree / module, tree / PRISTINE / module)
    bin_dir = Path(sys.executable).parent
    config = tree / "mutation.toml"
    config.write_text(_config(area, spec, sys.executable, timeout), encoding="utf-8")
    session = tree / "mutation.sqlite"
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
    # The copy, not the editable install of the checkout, must be what the tests import.
    where = subprocess.run([sys.executable, "-c", "import oefenkit; print(oefenkit.__file__)"], cwd=tree, env=env,
                           capture_output=True, text=True, check=True).stdout.strip()
    if not where.startswith(str(tree)):
        raise SystemExit(f"{area}: the tests would import {where}, not the copy in {tree}")
    started = time.monotonic()
    if coverage_map:
        _prepare_map(area, tree, workdir, env)
    else:
        _baseline(area, tree, env)
    subprocess.run([str(bin_dir / "cosmic-ray"), "init", str(config), str(session)], cwd=tree, env=env, check=True)
    subprocess.run([str(bin_dir / "cr-filter-operators"), str(session), str(config)], cwd=tree, env=env, check=True)
    skip_signature_stars(session, tree)
    if workers > 1:
        exec_in_copies(session, tree, workers, f"{sys.executable} benchmarks/mutation.py --run-tests {area}", timeout)
    else:
        subprocess.run([str(bin_dir / "cosmic-ray"), "exec", str(config), str(session)], cwd=tree, env=env, check=True)
    seconds = time.monotonic() - started
    total, killed, survivors = _results(session)
    return {"area": area, "modules": list(spec), "mutants": total, "killed": killed,
            "score": killed / total if total else 1.0, "seconds": round(seconds), "survivors": survivors}


# -- more than one worker -----------------------------------------------------------------------------

def exec_in_copies(session: Path, tree: Path, workers: int, test_command: str, timeout: float) -> None:
    """What ``cosmic-ray exec`` does, with ``workers`` processes at once: each works in its own copy of
    ``tree`` (a mutant is written into the copy's source file, so two may not share one) and the
    results go into the same session. cosmic-ray's own parallel distributor (``http``) runs an HTTP
    server per worker that executes any test command a request names, on every network interface;
    this needs no listener at all. Unrun mutants stay unrun when the run is stopped (resume with
    ``cosmic-ray exec`` or this again)."""
    import multiprocessing

    from cosmic_ray.work_db import WorkDB, use_db

    copies = [tree] + [tree.with_name(f"{tree.name}-w{i}") for i in range(2, workers + 1)]
    for copy in copies[1:]:
        if copy.exists():
            shutil.rmtree(copy)
        shutil.copytree(tree, copy, ignore=shutil.ignore_patterns("mutation.sqlite"), symlinks=True)
    ctx = multiprocessing.get_context("fork")
    trees = ctx.Queue()
    for copy in copies:
        trees.put(str(copy))
    with use_db(str(session), WorkDB.Mode.open) as db:
        jobs = [(item.job_id, item.mutations, test_command, timeout) for item in db.pending_work_items]
        print(f"{len(jobs)} mutants in {workers} copies", flush=True)
        with ctx.Pool(workers, initializer=_enter_copy, initargs=(trees,), maxtasksperchild=None) as pool:
            for done, (job_id, result) in enumerate(pool.imap_unordered(_mutate_and_test, jobs), 1):
                db.set_result(job_id, result)
                if done % 25 == 0:
                    print(f"{done} of {len(jobs)} mutants run", flush=True)


def _enter_copy(trees) -> None:
    """Pool initialiser: this worker process takes one copy of the tree for good, with the area's
    modules as they were (a run stopped mid-mutant leaves that mutant in the copy's source)."""
    copy = trees.get()
    os.chdir(copy)
    os.environ["PYTHONPATH"] = copy
    for pristine in Path(PRISTINE).rglob("*.py"):
        shutil.copy2(pristine, pristine.relative_to(PRISTINE))


def _mutate_and_test(job: tuple):
    from cosmic_ray.mutating import mutate_and_test

    job_id, mutations, test_command, timeout = job
    return job_id, mutate_and_test(mutations=mutations, test_command=test_command, timeout=timeout)


# -- the coverage map ------------------------------------------------------------------------------

def make_coverage_map(area: str, out: Path, selection: list[str]) -> int:
    """Run ``selection`` (pytest arguments) under coverage.py in this process, limited to the area's
    modules, and write the map to ``out``: ``{"lines": {module: {line: [node id, ...]}}, "setup_lines":
    {...}, "durations": {node id: s}, "failed": [node id, ...]}``. ``lines`` holds the tests whose own
    body (the call phase) executed the line, ``setup_lines`` those whose fixtures did (every test
    with the ``kit`` fixture loads the content, so the loading code would otherwise select nearly
    the whole suite). Failed tests are left out."""
    import coverage  # the test extra; imported here so that the per-mutant command does not pay for it
    modules = {str(Path(m).resolve()): m for m in AREAS[area]}
    cov = coverage.Coverage(data_file=None, include=list(modules), config_file=False)
    cov.start()
    import pytest

    class ContextPlugin:
        """One coverage context per test and phase (``<node id>`` for the call, ``<node id>|setup``
        for its fixtures' setup and teardown), and each test's duration and outcome."""

        def __init__(self) -> None:
            self.durations: dict[str, float] = {}
            self.failed: set[str] = set()

        @pytest.hookimpl(tryfirst=True)
        def pytest_runtest_setup(self, item) -> None:
            cov.switch_context(f"{item.nodeid}|setup")

        @pytest.hookimpl(tryfirst=True)
        def pytest_runtest_call(self, item) -> None:
            cov.switch_context(item.nodeid)

        @pytest.hookimpl(tryfirst=True)
        def pytest_runtest_teardown(self, item) -> None:
            cov.switch_context(f"{item.nodeid}|setup")

        def pytest_runtest_logreport(self, report) -> None:
            self.durations[report.nodeid] = self.durations.get(report.nodeid, 0.0) + report.duration
            if report.failed:
                self.failed.add(report.nodeid)

        def pytest_runtest_logfinish(self, nodeid, location) -> None:
            cov.switch_context("")  # what runs between tests (collection, module teardown) is no test's

    plugin = ContextPlugin()
    options = [a for a in shlex.split(PYTEST)[3:] if a not in ("-x", "-q")]  # every test, not up to the first failure
    code = pytest.main([*options, "-rf", *selection], plugins=[plugin])
    cov.stop()
    data = cov.get_data()
    lines: dict[str, dict[str, list[str]]] = {}
    setup_lines: dict[str, dict[str, list[str]]] = {}
    for path in data.measured_files():
        module = modules.get(str(Path(path).resolve()))
        if module is None:
            continue
        for n, contexts in sorted(data.contexts_by_lineno(path).items()):
            call = sorted(c for c in contexts if c and "|" not in c and c not in plugin.failed)
            setup = sorted({c.split("|")[0] for c in contexts if c.endswith("|setup")} - plugin.failed)
            if call:
                lines.setdefault(module, {})[str(n)] = call
            if setup:
                setup_lines.setdefault(module, {})[str(n)] = setup
    out.write_text(json.dumps({"lines": lines, "setup_lines": setup_lines, "durations": plugin.durations,
                               "failed": sorted(plugin.failed)}), encoding="utf-8")
    return 0 if code in (0, 1) else int(code)  # 1: some tests failed (left out of the map, listed)


def build_coverage_map(area: str, tree: Path, env: dict, selection: list[str] | None = None) -> dict:
    """Make the coverage map in ``tree`` (a child process: the copy's modules, not the checkout's).
    With ``selection`` (test files), map only those and merge them into the existing map, replacing
    their old entries."""
    target = tree / COVERAGE_MAP
    partial = tree / f"{COVERAGE_MAP}.part"
    started = time.monotonic()
    log = tree / f"{COVERAGE_MAP}.log"  # pytest's output, to follow a long run
    with log.open("w", encoding="utf-8") as out:
        result = subprocess.run([sys.executable, "benchmarks/mutation.py", "--make-map", area, str(partial),
                                 *(selection or MAP_TESTS)], cwd=tree, env=env, stdout=out, stderr=subprocess.STDOUT)
    if result.returncode != 0 or not partial.exists():
        raise SystemExit(f"{area}: making the coverage map failed, see {log}:\n"
                         + log.read_text(encoding="utf-8")[-3000:])
    new = json.loads(partial.read_text(encoding="utf-8"))
    partial.unlink()
    if selection is not None and target.exists():
        old = json.loads(target.read_text(encoding="utf-8"))
        mine = tuple(f"{t}::" for t in selection)
        for kind in ("lines", "setup_lines"):
            for module, by_line in old[kind].items():
                merged = new[kind].setdefault(module, {})
                for line, tests in by_line.items():
                    kept = [t for t in tests if not t.startswith(mine)]
                    merged[line] = sorted(set(merged.get(line, [])) | set(kept))
        new["durations"] = {**{t: d for t, d in old["durations"].items() if not t.startswith(mine)},
                            **new["durations"]}
        new["failed"] = sorted({t for t in old["failed"] if not t.startswith(mine)} | set(new["failed"]))
    target.write_text(json.dumps(new), encoding="utf-8")
    tests = {t for kind in ("lines", "setup_lines") for by_line in new[kind].values() for ts in by_line.values()
             for t in ts}
    print(f"{area}: coverage map of {len(tests)} tests over {len(new['lines'])} modules "
          f"in {time.monotonic() - started:.0f} s" + (f"; {len(new['failed'])} failed, left out" if new["failed"] else ""),
          flush=True)
    if new["failed"]:
        print("  failed: " + ", ".join(new["failed"]), flush=True)
    return new


def _changed_lines(pristine: str, mutant: str) -> list[int]:
    """Line numbers (1-based, in the pristine source) that the mutant changed."""
    import difflib
    a, b = pristine.splitlines(), mutant.splitlines()
    out: list[int] = []
    for tag, i1, i2, _j1, _j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            out.extend(range(i1 + 1, i2 + 1) if i2 > i1 else [max(i1, 1)])
    return out


def _statement_at(tree, line: int):
    """(innermost statement containing ``line``, whether it is inside a function body, and the
    function whose header — decorators, signature, defaults — holds the line, if any)."""
    import ast
    best, in_function, header_of = None, False, None

    def start(node) -> int:
        return min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])

    def visit(node, inside: bool) -> None:
        nonlocal best, in_function, header_of
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt) and start(child) <= line <= child.end_lineno:
                best, in_function, header_of = child, inside, None
                is_function = isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
                if is_function and line < child.body[0].lineno:
                    header_of = child
                    return
                visit(child, inside or is_function)
                return
            if not isinstance(child, ast.stmt):
                visit(child, inside)

    visit(tree, False)
    return best, in_function, header_of


def tests_for_mutant(cmap: dict, module: str, pristine: str, lines: list[int],
                     listed: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The mapped tests that execute the statement(s) at ``lines`` of ``module``, fastest first. For a
    change at module or class level (a dataclass's ``frozen=True``) also the mapped tests of the
    module's ``listed`` test files: code that dataclasses and similar generate (``__init__``,
    ``__setattr__``, ``__hash__``) runs no line of the module, so a test that only builds a value and
    assigns to it is not in the map's lines (``test_an_actor_cannot_be_changed`` was missed so)."""
    import ast
    syntax = ast.parse(pristine)
    selected: set[str] = set()
    for kind in ("lines", "setup_lines"):  # the tests whose own body runs it; else those whose fixtures do
        by_line = {int(n): ts for n, ts in cmap.get(kind, {}).get(module, {}).items()}
        selected = _select(syntax, by_line, lines)
        if selected:
            break
    durations = cmap["durations"]
    if any(_module_level(syntax, line) for line in lines):
        def listed_here(test: str) -> bool:  # a listed file, or a listed test (and its parameters)
            return any(test == f or test.startswith((f"{f}::", f"{f}[")) for f in listed)
        selected |= {t for t in durations if listed_here(t) and t not in cmap.get("failed", [])}
    return sorted(selected, key=lambda t: (durations.get(t, 0.0), t))


def _module_level(syntax, line: int) -> bool:
    """Is ``line`` outside every function (a module constant, a class body or a class decorator)?"""
    stmt, in_function, header_of = _statement_at(syntax, line)
    return header_of is None and (stmt is None or not in_function)


def _select(syntax, by_line: dict[int, list[str]], lines: list[int]) -> set[str]:
    selected: set[str] = set()
    for line in lines:
        stmt, in_function, header_of = _statement_at(syntax, line)
        if header_of is not None:  # a default value or a decorator: the tests that call the function
            first, last = header_of.body[0].lineno, header_of.end_lineno
        elif _module_level(syntax, line):  # module or class level: every test that uses the module
            first, last = 0, 10 ** 9
        else:  # the statement's own lines (a compound statement's header, not its body)
            body = getattr(stmt, "body", None)
            first = stmt.lineno
            last = body[0].lineno - 1 if isinstance(body, list) and body and body[0].lineno > line else stmt.end_lineno
        for n, tests in by_line.items():
            if first <= n <= last:
                selected.update(tests)
    return selected


def _prepare_map(area: str, tree: Path, workdir: Path, env: dict) -> None:
    """Put the area's coverage map into ``tree``: made once per run (in the first copy), then shared."""
    shared = workdir / f"{area}{COVERAGE_MAP}"
    if shared.exists():
        shutil.copy2(shared, tree / COVERAGE_MAP)
    else:
        build_coverage_map(area, tree, env)
        shutil.copy2(tree / COVERAGE_MAP, shared)


def _baseline(area: str, tree: Path, env: dict) -> None:
    """Without a coverage map: the area's listed tests must pass on the unmutated copy, or every
    mutant would count as killed. (With a map, making it was the baseline: failed tests are not in it.)"""
    baseline = subprocess.run([sys.executable, "benchmarks/mutation.py", "--run-tests", area], cwd=tree, env=env,
                              capture_output=True, text=True)
    if baseline.returncode != 0:
        raise SystemExit(f"{area}: the tests fail without any mutation:\n{baseline.stdout[-3000:]}")


CHECK = re.compile(r"^(?P<indent>\s*)require\(.*\)\s*(#.*)?$")


def run_check_removal(area: str, workdir: Path, timeout: float, coverage_map: bool = True) -> dict:
    """A second pass cosmic-ray has no operator for: delete each permission check (a whole
    ``require(...)`` statement on one line) of the area's modules, one at a time, and run that
    module's tests. This is the mutant that hid the ``find_exam_outcome`` gap of issue 21."""
    spec = AREAS[area]
    tree = workdir / f"{area}-checks"
    _copy_tree(tree)
    for module in spec:
        (tree / PRISTINE / module).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(tree / module, tree / PRISTINE / module)
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
    started = time.monotonic()
    if coverage_map:
        _prepare_map(area, tree, workdir, env)
    else:
        _baseline(area, tree, env)
    total, killed, survivors = 0, 0, []
    for module in spec:
        path = tree / module
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines(keepends=True)
        for i, line in enumerate(lines):
            match = CHECK.match(line.rstrip("\n"))
            if not match:
                continue
            total += 1
            mutant = lines[:i] + [f"{match['indent']}pass  # mutant: permission check removed\n"] + lines[i + 1:]
            path.write_text("".join(mutant), encoding="utf-8")
            try:
                result = subprocess.run([sys.executable, "benchmarks/mutation.py", "--run-tests", area], cwd=tree,
                                        env=env, capture_output=True, text=True, timeout=timeout)
                outcome = result.returncode
            except subprocess.TimeoutExpired:
                outcome = -1  # counted as killed, as cosmic-ray does
            finally:
                path.write_text(source, encoding="utf-8")
            if outcome == 0:
                survivors.append({"module": module, "line": i + 1, "operator": "RemovePermissionCheck",
                                  "diff": f"-{line.rstrip()}\n+{match['indent']}pass"})
            else:
                killed += 1
    return {"area": f"{area} (checks removed)", "modules": list(spec), "mutants": total, "killed": killed,
            "score": killed / total if total else 1.0, "seconds": round(time.monotonic() - started),
            "survivors": survivors}


def run_tests(area: str) -> int:
    """The test command cosmic-ray runs in the copy. With a coverage map: the mapped tests that execute
    the changed statement, fastest first (none: the mutant survives at once). Without one: the listed
    tests of the module that differs from its pristine copy (all of the area's when none does: the
    baseline)."""
    spec = AREAS[area]
    changed = [m for m in spec if Path(m).read_bytes() != (Path(PRISTINE) / m).read_bytes()]
    if changed and Path(COVERAGE_MAP).exists():
        cmap = json.loads(Path(COVERAGE_MAP).read_text(encoding="utf-8"))
        tests = []
        for module in changed:
            pristine = (Path(PRISTINE) / module).read_text(encoding="utf-8")
            lines = _changed_lines(pristine, Path(module).read_text(encoding="utf-8"))
            tests += tests_for_mutant(cmap, module, pristine, lines, spec[module])
            print(f"{module}:{','.join(map(str, lines))}: {len(tests)} tests execute it", flush=True)
        tests = sorted(set(tests), key=lambda t: (cmap["durations"].get(t, 0.0), t))
        if not tests:
            return 0  # no test executes the mutated statement: a survivor without running anything
    else:
        tests = list(dict.fromkeys(t for m in (changed or spec) for t in spec[m]))
    twins = postgresql_twins(tests) if os.environ.get(POSTGRESQL_PASS) else []
    if twins:  # SQLite first; only a mutant that survives it runs the PostgreSQL twins
        if subprocess.run([sys.executable, *shlex.split(PYTEST)[1:], *tests]).returncode != 0:
            return 1
        # only the twins that exist (a test may be parametrised with SQLite alone)
        files = sorted({t.split("::", 1)[0] for t in twins})
        collected = subprocess.run([sys.executable, *shlex.split(PYTEST_ALL_DATABASES)[1:], "--collect-only",
                                    "-k", "postgresql", *files], capture_output=True, text=True).stdout.splitlines()
        twins = [t for t in twins if t in set(collected)]
        if not twins:
            return 0
        os.environ["OEFENKIT_TEST_POSTGRES_URL"] = os.environ[POSTGRESQL_PASS]
        os.execv(sys.executable, [sys.executable, *shlex.split(PYTEST_ALL_DATABASES)[1:], *twins])
    # exec, not a child: when cosmic-ray stops a run that took too long, pytest itself gets the signal.
    os.execv(sys.executable, [sys.executable, *shlex.split(PYTEST)[1:], *tests])


def postgresql_twins(tests: list[str]) -> list[str]:
    """The PostgreSQL variants of the tests parametrised by database (``test_x[sqlite]``,
    ``test_y[sqlite-3]`` → ``test_x[postgresql]``, ``test_y[postgresql-3]``), in the same order."""
    twins = []
    for test in tests:
        name, bracket, params = test.partition("[")
        swapped = re.sub(r"(?<![^-])sqlite(?=[\]-])", "postgresql", params, count=1)  # a whole parameter
        if bracket and swapped != params:
            twins.append(name + bracket + swapped)
    return twins


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("areas", nargs="*", help=f"any of {', '.join(AREAS)} (default: {', '.join(DEFAULT_AREAS)})")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per mutant before it counts as killed")
    parser.add_argument("--workers", type=int, default=1,
                        help="mutants run at once, each worker in its own copy of the tree (default 1: the "
                             "machine is shared with CI and benchmarks)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--only-checks", action="store_true",
                        help="only the permission-check removal pass (no cosmic-ray run)")
    parser.add_argument("--no-checks", action="store_true", help="skip the permission-check removal pass")
    parser.add_argument("--rerun-survivors", action="store_true",
                        help="with --keep DIR of an earlier run: run only its survivors again, with today's tests")
    parser.add_argument("--postgresql", action="store_true",
                        help="start one PostgreSQL server; a mutant that survives its SQLite tests also runs "
                             "their PostgreSQL variants")
    parser.add_argument("--no-coverage-map", action="store_true",
                        help="run each module's listed tests (AREAS) instead of the tests that execute the mutant")
    parser.add_argument("--run-tests", metavar="AREA", help=argparse.SUPPRESS)  # cosmic-ray's test command
    parser.add_argument("--make-map", nargs=2, metavar=("AREA", "OUT"), help=argparse.SUPPRESS)
    args, extra = parser.parse_known_args(argv)
    if args.make_map:  # in the copy: the rest of the command line is the pytest selection
        return make_coverage_map(args.make_map[0], Path(args.make_map[1]), [*args.areas, *extra])
    if extra:
        parser.error(f"unrecognised arguments: {' '.join(extra)}")
    if args.run_tests:
        return run_tests(args.run_tests)
    unknown = set(args.areas) - set(AREAS)
    if unknown:
        parser.error(f"unknown area {sorted(unknown)[0]!r}")
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="oefenkit-mutation-"))
    workdir.mkdir(parents=True, exist_ok=True)
    results = []
    server = None
    if args.postgresql:
        sys.path.insert(0, str(ROOT))
        from tests.pg_server import PostgresServer

        server = PostgresServer().start()
        os.environ[POSTGRESQL_PASS] = server.url
    try:
        runs = []
        for area in args.areas or DEFAULT_AREAS:
            if args.rerun_survivors:
                if args.keep is None:
                    parser.error("--rerun-survivors needs --keep DIR of the earlier run")
                runs.append(lambda area=area: rerun_survivors(area, workdir))
                continue
            if not args.only_checks:
                runs.append(lambda area=area: run_area(area, workdir, args.timeout, not args.no_coverage_map,
                                                       args.workers))
            if not args.no_checks:
                runs.append(lambda area=area: run_check_removal(area, workdir, args.timeout, not args.no_coverage_map))
        for run in runs:
            result = run()
            area = result["area"]
            results.append(result)
            print(f"\n== {area}: {result['killed']}/{result['mutants']} killed = {100 * result['score']:.1f} % "
                  f"in {result['seconds']} s", flush=True)
            for s in result["survivors"]:
                print(f"-- survivor {s['module']}:{s['line']} {s['operator']}\n{s['diff']}", flush=True)
    finally:
        if server is not None:
            server.stop()
        if args.json:
            args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print("\nsummary:")
    for r in results:
        print(f"  {r['area']:<14} {r['killed']:>4}/{r['mutants']:<4} {100 * r['score']:5.1f} %  {r['seconds']:>5} s  "
              f"{len(r['survivors'])} survivors")
    return 0 if all(r["score"] >= TARGET for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
