"""The CLI's one table helper (oefenkit/cli_table.py) and the tables the commands print with it."""

from __future__ import annotations

import os
import subprocess

import pytest

from oefenkit.cli_table import MISSING, Column, table_lines

from .live_server import OEFENKIT
from .test_cli import PW, Runner


@pytest.fixture
def initialised(tmp_path, capsys, monkeypatch, fast_password_hashing):
    for key in list(os.environ):
        if key.startswith("OEFENKIT_"):
            monkeypatch.delenv(key)
    run = Runner(tmp_path / "data", capsys, monkeypatch)
    code, _, err = run("init")
    assert code == 0, err
    return run


def test_columns_keep_their_minimum_width_and_the_last_is_not_padded():
    """With short values, is every column exactly its given width, one space apart, and the last left free?"""
    lines = table_lines([Column("naam", 8), Column("rol", 5), Column("toelichting")],
                        [("ann", "a", "kort"), ("bo", "bb", "")])
    assert lines == ["naam     rol   toelichting", "ann      a     kort", "bo       bb    "]


def test_a_long_value_widens_its_column_for_every_line():
    """Does a value longer than its column's width push that column out for all lines, not only its own?"""
    lines = table_lines([Column("naam", 4), Column("aantal", 2, ">")], [("christiaan", 3), ("an", 12)])
    assert lines == ["naam       aantal", "christiaan      3", "an             12"]
    assert len({line.index(line.split()[-1]) + len(line.split()[-1]) for line in lines}) == 1  # right edges


def test_missing_values_show_a_dash_and_a_short_row_is_refused():
    """Is None shown as '-' (numbers and text alike), and does a row with too few values raise?"""
    assert table_lines([Column("a", 1), Column("b", 3, ">")], [(None, None)])[1] == f"{MISSING}   {MISSING}"
    with pytest.raises(ValueError):
        table_lines([Column("a"), Column("b")], [("alleen a",)])


def test_users_list_stays_aligned_with_a_long_username(initialised):
    """Does `users list` keep the role and active columns under their headers when one username is long?"""
    long_name = "anna-van-der-berg-de-vries-123"
    assert initialised("users", "add", long_name, "--role", "cursist", "--password-stdin", stdin=PW + "\n")[0] == 0
    code, out, _ = initialised("users", "list")
    assert code == 0
    header, *rows = out.splitlines()
    role_at = header.index("rol")
    assert len(long_name) < role_at
    for row in rows:
        assert row[role_at - 1] == " " and row[role_at] != " ", row
    assert any(row.startswith(long_name + " ") for row in rows)


def test_output_into_a_closed_pipe_ends_quietly(initialised):
    """Piped into a reader that stops (`| head`), does the command end with 141 and no traceback?"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OEFENKIT_")}
    reader = subprocess.Popen(["true"], stdin=subprocess.PIPE)
    reader.wait(timeout=30)  # the pipe's reading end is closed before anything is written
    done = subprocess.run([str(OEFENKIT), "--data-dir", str(initialised.data_dir), "cases", "list"],
                          stdout=reader.stdin, stderr=subprocess.PIPE, text=True, env=env, timeout=120)
    reader.stdin.close()
    assert done.returncode == 141, done.stderr
    assert "Traceback" not in done.stderr
