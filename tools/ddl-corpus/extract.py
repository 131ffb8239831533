#!/usr/bin/env python3
"""Extracts the DDL corpus of alembic-runtime's corpus test from SQLite's own test suite.

Usage: extract.py SQLITE_GIT_DIR [COMMIT] > alembic-runtime/tests/runtime/fixtures/sqlite_testsuite.sql

Reads the Tcl test files named below from a git checkout of SQLite's source (any mirror;
the committed fixture names the one used), takes the SQL of every `execsql { … }` and
`do_execsql_test NAME { … }` block, and keeps the CREATE TABLE / INDEX / VIEW / TRIGGER and
INSERT statements of each block that SQLite (Python's sqlite3 module) accepts, in order,
as one case. Each case starts with a `-- source: FILE:LINE` line. Nothing else of the test
suite is kept.
"""
import re
import sqlite3
import subprocess
import sys

FILES = [
    "alter", "alter2", "alter3", "alter4", "altercol", "altercons", "alterdropcol",
    "alterdropcol2", "alterlegacy", "alterqf", "altertab", "altertab2", "altertab3",
    "altertrig", "fkey1", "fkey2", "fkey3", "fkey4", "fkey5", "fkey6", "fkey7", "fkey8",
    "gencol1", "trigger1", "trigger2", "trigger3", "trigger4", "trigger5", "trigger6",
    "trigger7", "trigger8", "trigger9", "triggerA", "triggerB", "triggerC", "triggerD",
    "triggerE", "triggerF", "triggerG", "view", "view2", "view3", "without_rowid1",
    "without_rowid2", "without_rowid3", "without_rowid4", "without_rowid5",
    "without_rowid6", "without_rowid7",
]
KEEP = re.compile(r"^\s*(CREATE\s+(UNIQUE\s+)?(TABLE|INDEX|VIEW|TRIGGER)|INSERT)\b", re.I)
SKIP = re.compile(r"\$|\bTEMP(ORARY)?\b|\bVIRTUAL\b|\b(aux|temp|main)\s*\.", re.I)
BLOCK = re.compile(r"(?:\bexecsql|\bdo_execsql_test\s+\S+)\s*\{")


def blocks(text):
    """(line, body) of every brace-balanced block opened by execsql / do_execsql_test."""
    for m in BLOCK.finditer(text):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        yield text.count("\n", 0, m.start()) + 1, text[m.end():i - 1]


def statements(sql):
    """Splits on `;` outside quotes and outside CREATE TRIGGER … END."""
    out, cur, quote, i = [], [], None, 0
    while i < len(sql):
        c = sql[i]
        cur.append(c)
        if quote:
            if c == quote:
                quote = None
        elif c in "'\"`":
            quote = c
        elif c == "[":
            quote = "]"
        elif c == "-" and sql[i:i + 2] == "--":
            j = sql.find("\n", i)
            j = len(sql) if j < 0 else j
            cur.pop()
            i = j
            continue
        elif c == ";":
            stmt = "".join(cur)
            if sqlite3.complete_statement(stmt):
                out.append(stmt.strip().rstrip(";").strip())
                cur = []
        i += 1
    rest = "".join(cur).strip()
    if rest:
        out.append(rest)
    return [s for s in out if s]


def main():
    git_dir = sys.argv[1]
    commit = sys.argv[2] if len(sys.argv) > 2 else "HEAD"
    show = lambda path: subprocess.run(
        ["git", "--git-dir", git_dir, "show", f"{commit}:{path}"],
        check=True, capture_output=True, text=True).stdout
    sha = subprocess.run(["git", "--git-dir", git_dir, "rev-parse", commit],
                         check=True, capture_output=True, text=True).stdout.strip()
    version = show("VERSION").strip()
    print(f"-- DDL from SQLite's test suite (test/*.test of SQLite {version}, commit {sha}),")
    print("-- extracted by tools/ddl-corpus/extract.py: one case per test block, each")
    print("-- statement as the test wrote it. SQLite's test files are in the public domain.")
    seen = set()
    for name in FILES:
        for line, body in blocks(show(f"test/{name}.test")):
            kept = [s for s in statements(body) if KEEP.match(s) and not SKIP.search(s)]
            conn = sqlite3.connect(":memory:")
            ok = []
            for s in kept:
                try:
                    conn.execute(s)
                    ok.append(s)
                except sqlite3.Error:
                    pass
            if not any(re.match(r"\s*CREATE\s+TABLE", s, re.I) for s in ok):
                continue
            key = "\n".join(ok)
            if key in seen:
                continue
            seen.add(key)
            print(f"\n-- source: test/{name}.test:{line}")
            for s in ok:
                print(s + ";")


main()
