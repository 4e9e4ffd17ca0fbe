"""Mutation testing of the code that guards people and exams (issue 21), with cosmic-ray.

    .venv/bin/python benchmarks/mutation.py [AREA ...] [--keep DIR]

AREA is one of ``permissions``, ``certification``, ``exam-secrecy``, ``sessions`` (default: the
first three). For each area this

1. copies the committed-or-not working tree (without ``.venv``/``.git``/data) to a scratch folder, so
   the real checkout is never mutated, not even when the run is killed half-way;
2. writes a cosmic-ray config for the area's modules with its test command (the area's own tests,
   SQLite only, ``-x``) and runs ``cosmic-ray init`` / ``cr-filter-operators`` / ``cosmic-ray exec``
   with ONE local worker (the machine has two cores and CI and benchmarks share them);
3. deletes each one-line permission check (``require(...)``) of the area's modules in turn, a
   mutant cosmic-ray has no operator for, and runs the module's tests the same way;
4. prints the score of each pass (killed / all; an incompetent mutant — one that does not even
   import — and one that hits the timeout count as killed) and every surviving mutant as a diff.

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
PYTEST = ("python -m pytest -x -q -p no:cacheprovider -p no:randomly -p no:nbval -p no:hypothesispytest "
          "-o 'addopts=--strict-markers' "
          "-k 'not postgresql'")

#: Per area: each module with the tests that exercise it (in the order they run; the fastest killers
#: first, since ``-x`` stops at the first failure). A mutant of one module runs only that module's tests.
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
    "exam-secrecy": {
        "oefenkit/storage/practice_attempts.py": [
            "tests/test_practice.py", "tests/test_exam.py::test_no_cursist_verb_reveals_exam_expert_scores_before_submission"],
        "oefenkit/storage/exam_attempts.py": ["tests/security/test_exam_outcome_refusal.py", "tests/test_exam.py"],
        "oefenkit/storage/cases.py": ["tests/test_exam.py", "tests/test_permissions.py", "tests/test_library.py"],
        "oefenkit/storage/ratings.py": ["tests/test_permissions.py", "tests/test_exam.py", "tests/test_practice.py"],
    },
    "sessions": {
        "oefenkit/storage/logins.py": ["tests/security/test_login_sessions.py"],
        "oefenkit/server/kernels.py": ["tests/security/test_kernel_ownership.py", "tests/test_kernel.py"],
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
    shutil.rmtree(tree / "tests")
    shutil.copytree(ROOT / "tests", tree / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    for module in AREAS[area]:  # a run killed half-way may have left a mutant in the copy
        shutil.copy2(tree / PRISTINE / module, tree / module)
    session = tree / "mutation.sqlite"
    con = sqlite3.connect(session)
    con.execute("DELETE FROM work_results WHERE test_outcome = 'SURVIVED'")
    con.commit()
    con.close()
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
    started = time.monotonic()
    subprocess.run([str(Path(sys.executable).parent / "cosmic-ray"), "exec", str(tree / "mutation.toml"), str(session)],
                   cwd=tree, env=env, check=True)
    total, killed, survivors = _results(session)
    return {"area": area, "modules": list(AREAS[area]), "mutants": total, "killed": killed,
            "score": killed / total if total else 1.0, "seconds": round(time.monotonic() - started),
            "survivors": survivors}


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
    rows = [r for r in rows if r[6] != "SKIPPED"]  # left out by the operator filter
    for job, module, op, occ, line, test_outcome, worker_outcome, diff in rows:
        if worker_outcome == "EXCEPTION":
            raise SystemExit(f"cosmic-ray could not run mutant {job} ({module}:{line} {op})")
        if test_outcome == "SURVIVED" and worker_outcome == "NORMAL":
            survivors.append({"job": job, "module": module, "operator": op, "occurrence": occ, "line": line,
                              "diff": diff})
        else:
            killed += 1
    return len(rows), killed, survivors


def run_area(area: str, workdir: Path, timeout: float) -> dict:
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
    # The tests must pass on the unmutated copy, or every mutant would count as killed.
    baseline = subprocess.run([sys.executable, "benchmarks/mutation.py", "--run-tests", area], cwd=tree, env=env,
                              capture_output=True, text=True)
    if baseline.returncode != 0:
        raise SystemExit(f"{area}: the tests fail without any mutation:\n{baseline.stdout[-3000:]}")
    started = time.monotonic()
    subprocess.run([str(bin_dir / "cosmic-ray"), "init", str(config), str(session)], cwd=tree, env=env, check=True)
    subprocess.run([str(bin_dir / "cr-filter-operators"), str(session), str(config)], cwd=tree, env=env, check=True)
    subprocess.run([str(bin_dir / "cosmic-ray"), "exec", str(config), str(session)], cwd=tree, env=env, check=True)
    seconds = time.monotonic() - started
    total, killed, survivors = _results(session)
    return {"area": area, "modules": list(spec), "mutants": total, "killed": killed,
            "score": killed / total if total else 1.0, "seconds": round(seconds), "survivors": survivors}


CHECK = re.compile(r"^(?P<indent>\s*)require\(.*\)\s*(#.*)?$")


def run_check_removal(area: str, workdir: Path, timeout: float) -> dict:
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
    baseline = subprocess.run([sys.executable, "benchmarks/mutation.py", "--run-tests", area], cwd=tree, env=env,
                              capture_output=True, text=True)
    if baseline.returncode != 0:
        raise SystemExit(f"{area}: the tests fail without any mutation:\n{baseline.stdout[-3000:]}")
    started = time.monotonic()
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
    """The test command cosmic-ray runs in the copy: the tests of the module that differs from its
    pristine copy (all of the area's tests when none does: the baseline)."""
    spec = AREAS[area]
    changed = [m for m in spec if Path(m).read_bytes() != (Path(PRISTINE) / m).read_bytes()]
    tests = list(dict.fromkeys(t for m in (changed or spec) for t in spec[m]))
    # exec, not a child: when cosmic-ray stops a run that took too long, pytest itself gets the signal.
    os.execv(sys.executable, [sys.executable, *shlex.split(PYTEST)[1:], *tests])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("areas", nargs="*", help=f"any of {', '.join(AREAS)} (default: {', '.join(DEFAULT_AREAS)})")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per mutant before it counts as killed")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--only-checks", action="store_true",
                        help="only the permission-check removal pass (no cosmic-ray run)")
    parser.add_argument("--no-checks", action="store_true", help="skip the permission-check removal pass")
    parser.add_argument("--rerun-survivors", action="store_true",
                        help="with --keep DIR of an earlier run: run only its survivors again, with today's tests")
    parser.add_argument("--run-tests", metavar="AREA", help=argparse.SUPPRESS)  # cosmic-ray's test command
    args = parser.parse_args(argv)
    if args.run_tests:
        return run_tests(args.run_tests)
    unknown = set(args.areas) - set(AREAS)
    if unknown:
        parser.error(f"unknown area {sorted(unknown)[0]!r}")
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="oefenkit-mutation-"))
    workdir.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        runs = []
        for area in args.areas or DEFAULT_AREAS:
            if args.rerun_survivors:
                if args.keep is None:
                    parser.error("--rerun-survivors needs --keep DIR of the earlier run")
                runs.append(lambda area=area: rerun_survivors(area, workdir))
                continue
            if not args.only_checks:
                runs.append(lambda area=area: run_area(area, workdir, args.timeout))
            if not args.no_checks:
                runs.append(lambda area=area: run_check_removal(area, workdir, args.timeout))
        for run in runs:
            result = run()
            area = result["area"]
            results.append(result)
            print(f"\n== {area}: {result['killed']}/{result['mutants']} killed = {100 * result['score']:.1f} % "
                  f"in {result['seconds']} s", flush=True)
            for s in result["survivors"]:
                print(f"-- survivor {s['module']}:{s['line']} {s['operator']}\n{s['diff']}", flush=True)
    finally:
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
