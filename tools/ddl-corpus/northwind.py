#!/usr/bin/env python3
"""Extracts the Northwind fixture of alembic-runtime's sample-database test.

Usage: northwind.py NORTHWIND_SQLITE3_GIT_DIR [COMMIT] > alembic-runtime/tests/runtime/fixtures/northwind.sql

Reads `src/create.sql` of the public northwind-SQLite3 project (MIT licence; the committed
fixture names the commit used) and keeps its CREATE TABLE and CREATE VIEW statements as
written, and every row (pictures replaced by NULL, to keep the fixture small). Python's
sqlite3 module checks that the result loads.
"""
import re
import sqlite3
import subprocess
import sys



def main():
    git_dir = sys.argv[1]
    commit = sys.argv[2] if len(sys.argv) > 2 else "HEAD"
    git = lambda *args: subprocess.run(["git", "--git-dir", git_dir, *args],
                                       check=True, capture_output=True, text=True).stdout
    sha = git("rev-parse", commit).strip()
    sql = git("show", f"{commit}:src/create.sql")
    kept, stmt = [], ""
    for line in sql.splitlines(keepends=True):
        if not stmt and line.lstrip().startswith("--"):
            continue
        stmt += line
        if not sqlite3.complete_statement(stmt):
            continue
        s, stmt = stmt.strip(), ""
        if re.match(r"CREATE\s+(TABLE|VIEW)\b", s, re.I):
            kept.append(s)
        elif re.match(r"INSERT\s+INTO\b", s, re.I):
            kept.append(re.sub(r"X'[0-9A-Fa-f]{64,}'", "NULL", s))
    conn = sqlite3.connect(":memory:")
    conn.executescript("\n".join(kept))
    print(f"-- Northwind, from src/create.sql of the northwind-SQLite3 project (jpwhite3), commit {sha}")
    print("-- (MIT licence), extracted by tools/ddl-corpus/northwind.py: every CREATE TABLE and")
    print("-- CREATE VIEW as written, and every row, pictures as NULL.")
    for s in kept:
        print(s)


main()
