"""Record how Python Alembic moves through revision graphs, as fixtures for alembic-core.

Run: pip install 'alembic==1.20.1' && python3 tools/alembic-fixtures/generate.py
Writes alembic-core/tests/fixtures/alembic.json. For each scenario (a revision graph and
a sequence of commands) it records, after every command, the rows of alembic_version,
the migration steps Alembic ran (for `history`, the revisions it lists), or the error it
raised. alembic-core's test
`alembic_fixtures.rs` replays the same commands and compares.
"""
import json
import os
import sys
import tempfile
import warnings

import alembic
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
import sqlalchemy as sa

ENV_PY = '''
from alembic import context
import sqlalchemy as sa
config = context.config
engine = sa.create_engine(config.get_main_option("sqlalchemy.url"))
def on_apply(ctx, step, heads, run_args):
    config.attributes["log"].append(
        ("up " if step.is_upgrade else "down ") + (step.up_revision_id if step.is_upgrade else step.up_revision_id)
    )
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=None, on_version_apply=on_apply)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
'''

SCRIPT = '''
revision = {rev!r}
down_revision = {down!r}
branch_labels = {labels!r}
depends_on = {deps!r}
def upgrade():
    pass
def downgrade():
    pass
'''

# Ids are twelve characters like the ones `revision` makes, spelled so prefixes mean something.
SCENARIOS = {
    "linear": {
        "revisions": [
            ("1aaa00000001", [], [], []),
            ("2bbb00000002", ["1aaa00000001"], [], []),
            ("3ccc00000003", ["2bbb00000002"], [], []),
            ("4ddd00000004", ["3ccc00000003"], [], []),
        ],
        "commands": [
            ("upgrade", "+1"), ("upgrade", "+2"), ("upgrade", "-1"), ("upgrade", "head"),
            ("upgrade", "head"), ("downgrade", "-1"), ("downgrade", "-2"), ("downgrade", "+1"),
            ("downgrade", "base"), ("upgrade", "2bbb"), ("upgrade", "1aaa00000001"),
            ("downgrade", "3ccc"), ("upgrade", "4ddd-1"), ("upgrade", "+5"),
            ("upgrade", "head"), ("downgrade", "base+1"), ("downgrade", "-5"),
            ("downgrade", "base+9"), ("upgrade", "zzzz"), ("upgrade", "1aa"),
            ("stamp", "2bbb"), ("upgrade", "2bbb+1"), ("stamp", "base"), ("stamp", "head"),
            ("downgrade", "head-2"), ("upgrade", "base+4"), ("downgrade", "base"),
            ("upgrade", "heads"),
        ],
    },
    "branches": {
        "revisions": [
            ("1000aaaaaaaa", [], [], []),
            ("2000aaaaaaaa", ["1000aaaaaaaa"], ["alpha"], []),
            ("3000aaaaaaaa", ["2000aaaaaaaa"], [], []),
            ("2000bbbbbbbb", ["1000aaaaaaaa"], ["beta"], []),
            ("3000bbbbbbbb", ["2000bbbbbbbb"], [], []),
        ],
        "commands": [
            ("upgrade", "head"), ("upgrade", "heads"), ("downgrade", "alpha@-1"),
            ("downgrade", "beta@base"), ("upgrade", "beta@head"), ("downgrade", "1000"),
            ("upgrade", "alpha@+1"), ("upgrade", "beta@+2"), ("upgrade", "alpha@+1"),
            ("downgrade", "base"), ("upgrade", "3000aaaa"), ("upgrade", "2000bbbb"),
            ("upgrade", "2000"), ("downgrade", "2000aaaa"), ("upgrade", "alpha@head"),
            ("downgrade", "beta@-1"), ("stamp", "heads"), ("stamp", "1000"),
            ("stamp", "head"), ("upgrade", "beta@3000bbbb"), ("upgrade", "alpha@3000bbbb"),
            ("stamp", "base"), ("upgrade", "3000bbbb"), ("stamp", "alpha@head"),
            ("downgrade", "base"),
        ],
    },
    "merge": {
        "revisions": [
            ("r1aaaaaaaaaa", [], [], []),
            ("a2aaaaaaaaaa", ["r1aaaaaaaaaa"], [], []),
            ("b2bbbbbbbbbb", ["r1aaaaaaaaaa"], [], []),
            ("m3mmmmmmmmmm", ["a2aaaaaaaaaa", "b2bbbbbbbbbb"], [], []),
            ("r4aaaaaaaaaa", ["m3mmmmmmmmmm"], [], []),
        ],
        "commands": [
            ("upgrade", "a2aa"), ("upgrade", "b2bb"), ("upgrade", "head"), ("downgrade", "-1"),
            ("downgrade", "-1"), ("downgrade", "a2aa"), ("upgrade", "m3mm"), ("downgrade", "b2bb"),
            ("downgrade", "r1aa"), ("upgrade", "heads"), ("downgrade", "base"),
            ("upgrade", "m3mm"), ("stamp", "a2aa"), ("upgrade", "+1"), ("stamp", "b2bb"),
            ("upgrade", "head"), ("downgrade", "base+1"), ("stamp", "r4aa"),
            ("downgrade", "base"),
        ],
    },
    "depends_on": {
        "revisions": [
            ("c1cccccccccc", [], ["core"], []),
            ("c2cccccccccc", ["c1cccccccccc"], [], []),
            ("n1nnnnnnnnnn", [], ["net"], []),
            ("n2nnnnnnnnnn", ["n1nnnnnnnnnn"], [], ["c2cccccccccc"]),
            ("x1xxxxxxxxxx", [], ["extra"], ["net"]),
        ],
        "commands": [
            ("upgrade", "n2nn"), ("downgrade", "c1cc"), ("upgrade", "heads"),
            ("downgrade", "net@base"), ("downgrade", "base"), ("upgrade", "x1xx"),
            ("upgrade", "core@head"), ("downgrade", "core@base"), ("upgrade", "net@+1"),
            ("upgrade", "net@+1"), ("stamp", "c2cc"), ("stamp", "heads"),
            ("downgrade", "extra@-1"), ("downgrade", "base"), ("upgrade", "core@+1"),
            ("upgrade", "extra@head"), ("downgrade", "base"),
        ],
    },
    "two_roots": {
        "revisions": [
            ("p1pppppppppp", [], [], []),
            ("p2pppppppppp", ["p1pppppppppp"], [], []),
            ("q1qqqqqqqqqq", [], [], []),
        ],
        "commands": [
            ("upgrade", "+1"), ("upgrade", "heads"), ("downgrade", "p1pp"), ("downgrade", "q1qq"),
            ("downgrade", "base"), ("upgrade", "q1qq"), ("upgrade", "p2pp"), ("stamp", "p1pp"),
            ("stamp", "base"), ("downgrade", "base"),
        ],
    },
    # A branch whose only applied revision is its root's parent: relative moves on the
    # branch must not walk the other line.
    "label_walk": {
        "revisions": [
            ("a0aaaaaaaaaa", [], [], []),
            ("b0bbbbbbbbbb", ["a0aaaaaaaaaa"], [], []),
            ("c0cccccccccc", ["b0bbbbbbbbbb"], [], []),
            ("s0ssssssssss", ["a0aaaaaaaaaa"], ["search"], []),
            ("s1ssssssssss", ["s0ssssssssss"], [], []),
        ],
        "commands": [
            ("upgrade", "c0cc"), ("downgrade", "search@-1"), ("upgrade", "search@+1"),
            ("downgrade", "search@-1"), ("upgrade", "search@+2"), ("downgrade", "search@-1"),
            ("downgrade", "search@-1"), ("upgrade", "heads"), ("downgrade", "search@-2"),
            ("downgrade", "c0cc-1"), ("upgrade", "search@head"), ("downgrade", "search@base"),
            ("downgrade", "b0bb-1"), ("downgrade", "base"),
            ("history", ":"), ("history", "search@base:"), ("history", "search@-1:"),
            ("history", "b0bb:"), ("history", ":s0ss"), ("history", "a0aa:c0cc"),
        ],
    },
    # Two lines from one branch point, merged: Alembic runs one line, then the other.
    "merged_paths": {
        "revisions": [
            ("b1bbbbbbbbbb", [], [], []),
            ("c1cccccccccc", ["b1bbbbbbbbbb"], [], []),
            ("d1dddddddddd", ["c1cccccccccc"], [], []),
            ("c2cccccccccc", ["b1bbbbbbbbbb"], [], []),
            ("d2dddddddddd", ["c2cccccccccc"], [], []),
            ("e1eeeeeeeeee", ["d1dddddddddd", "d2dddddddddd"], [], []),
            ("f1ffffffffff", ["e1eeeeeeeeee"], [], []),
        ],
        "commands": [
            ("upgrade", "b1bb"), ("upgrade", "e1ee"), ("downgrade", "b1bb"), ("upgrade", "heads"),
            ("downgrade", "c1cc"), ("upgrade", "d2dd"), ("upgrade", "f1ff"), ("downgrade", "base"),
            ("upgrade", "d1dd"), ("upgrade", "d2dd"), ("upgrade", "+1"), ("downgrade", "-2"),
            ("downgrade", "base"), ("history", ":"), ("history", "c1cc:"), ("history", ":e1ee"),
        ],
    },
    # Two roots where the second line depends on the first: Alembic runs the first line,
    # then the second.
    "depends_across_roots": {
        "revisions": [
            ("a1aaaaaaaaaa", [], [], []),
            ("b1bbbbbbbbbb", ["a1aaaaaaaaaa"], [], []),
            ("c1cccccccccc", ["b1bbbbbbbbbb"], ["lib"], []),
            ("a2aaaaaaaaaa", [], [], []),
            ("b2bbbbbbbbbb", ["a2aaaaaaaaaa"], [], []),
            ("c2cccccccccc", ["b2bbbbbbbbbb"], ["app"], ["c1cccccccccc"]),
        ],
        "commands": [
            ("upgrade", "c2cc"), ("downgrade", "base"), ("upgrade", "app@head"),
            ("downgrade", "lib@-1"), ("downgrade", "c1cc"), ("downgrade", "a1aa"),
            ("upgrade", "heads"), ("downgrade", "app@base"), ("downgrade", "lib@base"),
            ("upgrade", "lib@+2"), ("upgrade", "app@+3"), ("downgrade", "base"),
            ("history", ":"), ("history", "a1aa:"), ("history", "lib@base:"),
            ("history", "app@base:"), ("history", "lib@-1:"), ("history", "b1bb:c2cc"),
        ],
    },
    # A revision applied only as another branch's dependency, then asked to be the target
    # of a downgrade.
    "dependency_only": {
        "revisions": [
            ("c1cccccccccc", [], ["core"], []),
            ("c2cccccccccc", ["c1cccccccccc"], [], []),
            ("d1dddddddddd", [], ["data"], ["c1cccccccccc"]),
        ],
        "commands": [
            ("upgrade", "d1dd"), ("downgrade", "c1cc"), ("upgrade", "c2cc"), ("downgrade", "c1cc"),
            ("downgrade", "base"),
        ],
    },
    # A branch label whose branch runs into a merge: Alembic's code then labels none of the
    # revisions below the labelled one, its documentation says up to the branch point.
    "label_through_merge": {
        "revisions": [
            ("r1rrrrrrrrrr", [], [], []),
            ("a1aaaaaaaaaa", ["r1rrrrrrrrrr"], [], []),
            ("s0ssssssssss", ["a1aaaaaaaaaa"], ["lab"], []),
            ("s1ssssssssss", ["s0ssssssssss"], [], []),
            ("x1xxxxxxxxxx", ["r1rrrrrrrrrr"], [], []),
            ("m1mmmmmmmmmm", ["s1ssssssssss", "x1xxxxxxxxxx"], [], []),
        ],
        "commands": [
            ("upgrade", "x1xx"), ("upgrade", "lab@+1"), ("history", "lab@base:"),
            ("upgrade", "heads"), ("downgrade", "lab@-1"), ("downgrade", "lab@base"),
            ("upgrade", "lab@head"), ("history", ":"), ("downgrade", "base"),
        ],
    },
    # Two revisions below a merge, stamped together.
    "stamp_below_merge": {
        "revisions": [
            ("r1aaaaaaaaaa", [], [], []),
            ("a2aaaaaaaaaa", ["r1aaaaaaaaaa"], [], []),
            ("b2bbbbbbbbbb", ["r1aaaaaaaaaa"], [], []),
            ("m3mmmmmmmmmm", ["a2aaaaaaaaaa", "b2bbbbbbbbbb"], [], []),
        ],
        "commands": [
            ("upgrade", "head"), ("stamp", "a2aa b2bb"), ("stamp", "m3mm"),
            ("downgrade", "base"),
        ],
    },
    "history_depends": {
        "revisions": [
            ("base10000001", [], [], []),
            ("a10000000001", ["base10000001"], [], []),
            ("b10000000001", ["a10000000001"], [], []),
            ("c20000000002", [], [], ["a10000000001"]),
            ("c30000000003", ["c20000000002"], [], []),
        ],
        "commands": [
            ("history", "base1000:"), ("history", ":"), ("history", "a100:"),
            ("history", ":c300"), ("history", "a100:c300"), ("history", "c200:"),
            ("upgrade", "heads"), ("downgrade", "a100"), ("history", "-1:"),
        ],
    },
}

# Seeded random graphs of the shapes real histories take: several roots, chains, branch
# points, 2- and 3-way merges, depends_on by id and by label, branch labels, ids sharing
# prefixes; and random command sequences over them.
RANDOM_GRAPHS = 24


def random_scenario(seed):
    import random
    rng = random.Random(seed)
    revs = []
    labels = {}
    n = rng.randint(5, 11)
    for i in range(n):
        # Pairs of ids share their first four characters, so prefixes are ambiguous.
        rev = "%s%d%s" % ("abcdef"[i // 2 % 6] * 3, i % 2, ("%08x" % rng.getrandbits(32)))
        down = []
        if i > 0 and rng.random() > 0.2:
            down.append(rng.choice(revs)[0])
            if rng.random() > 0.7:
                for _ in range(rng.choice([1, 1, 2])):
                    other = rng.choice(revs)[0]
                    if other not in down:
                        down.append(other)
        lab = []
        if rng.random() > 0.75:
            name = "l%d" % len(labels)
            labels[name] = rev
            lab.append(name)
        deps = []
        if i > 1 and rng.random() > 0.8:
            target = rng.choice(revs)
            deps.append(rng.choice(target[2]) if target[2] and rng.random() > 0.5 else target[0])
        revs.append((rev, down, lab, deps))
    # Drop merges whose parents are ancestors of each other: Alembic refuses such graphs.
    parents = {r: d + p for r, d, _, p in revs}

    def ancestors(r, seen=None):
        seen = set() if seen is None else seen
        for d in parents.get(r, []):
            d = labels.get(d, d)
            if d not in seen:
                seen.add(d)
                ancestors(d, seen)
        return seen

    clean = []
    for rev, down, lab, deps in revs:
        down = [d for d in down if not any(d in ancestors(o) for o in down if o != d)]
        deps = [p for p in deps if labels.get(p, p) not in ancestors(rev) and labels.get(p, p) not in down]
        clean.append((rev, down, lab, deps))
        parents[rev] = down + deps
    ids = [r[0] for r in clean]
    targets = (["head", "heads", "base", "+1", "+2", "-1", "-2"]
               + [i[:4] for i in ids] + ids
               + ["%s@head" % l for l in labels] + ["%s@base" % l for l in labels]
               + ["%s@+1" % l for l in labels] + ["%s@-1" % l for l in labels]
               + ["%s-1" % i[:6] for i in ids] + ["%s+1" % i[:6] for i in ids])
    commands = []
    for _ in range(rng.randint(10, 16)):
        cmd = rng.choice(["upgrade", "upgrade", "downgrade", "downgrade", "stamp"])
        commands.append((cmd, rng.choice(targets)))
    ranges = ([":"] + ["%s:" % i[:4] for i in ids] + [":%s" % i[:4] for i in ids]
              + ["%s@base:" % l for l in labels] + ["%s@-1:" % l for l in labels])
    commands.extend(("history", r) for r in rng.sample(ranges, min(4, len(ranges))))
    return {"revisions": clean, "commands": commands}


for seed in range(RANDOM_GRAPHS):
    SCENARIOS["random_%02d" % seed] = random_scenario(seed)


def run(name, scenario):
    root = tempfile.mkdtemp(prefix="alembic-fixture-")
    versions = os.path.join(root, "versions")
    os.makedirs(versions)
    with open(os.path.join(root, "env.py"), "w") as f:
        f.write(ENV_PY)
    with open(os.path.join(root, "script.py.mako"), "w") as f:
        f.write("")
    for rev, down, labels, deps in scenario["revisions"]:
        down_v = None if not down else (down[0] if len(down) == 1 else tuple(down))
        with open(os.path.join(versions, rev + "_m.py"), "w") as f:
            f.write(SCRIPT.format(rev=rev, down=down_v, labels=tuple(labels) or None,
                                  deps=tuple(deps) or None))
    db = os.path.join(root, "db.sqlite")
    cfg = Config()
    cfg.set_main_option("script_location", root)
    cfg.set_main_option("sqlalchemy.url", "sqlite:///" + db)
    engine = sa.create_engine("sqlite:///" + db)
    results = []
    for cmd, arg in scenario["commands"]:
        cfg.attributes["log"] = []
        entry = {"command": cmd, "arg": arg}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                if cmd == "upgrade":
                    command.upgrade(cfg, arg)
                elif cmd == "downgrade":
                    command.downgrade(cfg, arg)
                elif cmd == "stamp":
                    command.stamp(cfg, arg.split())
                elif cmd == "history":
                    # What `alembic history -r ARG` lists, in its order, newest first.
                    base, head = arg.split(":")
                    script = ScriptDirectory.from_config(cfg)
                    cfg.attributes["log"] = [
                        r.revision
                        for r in script.walk_revisions(base=base or "base", head=head or "heads")
                    ]
            except Exception as e:  # the fixture records whatever Alembic does
                entry["error"] = "%s: %s" % (type(e).__name__, e)
        entry["warnings"] = [str(w.message) for w in caught if "alembic" in str(w.filename)]
        entry["ran"] = list(cfg.attributes["log"])
        with engine.connect() as c:
            insp = sa.inspect(c)
            rows = []
            if insp.has_table("alembic_version"):
                rows = [r[0] for r in c.execute(sa.text("SELECT version_num FROM alembic_version"))]
        entry["rows"] = sorted(rows)
        results.append(entry)
    return {
        "name": name,
        "revisions": [
            {"revision": r, "down_revisions": d, "branch_labels": l, "depends_on": dep}
            for r, d, l, dep in scenario["revisions"]
        ],
        "commands": results,
    }


def main():
    out = {
        "alembic": alembic.__version__,
        "sqlalchemy": sa.__version__,
        "scenarios": [run(n, s) for n, s in SCENARIOS.items()],
    }
    path = os.path.join(os.path.dirname(__file__), "..", "..", "alembic-core", "tests", "fixtures", "alembic.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote", os.path.normpath(path), file=sys.stderr)


if __name__ == "__main__":
    main()
