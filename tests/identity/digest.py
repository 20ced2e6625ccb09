#!/usr/bin/python3
"""Prints the reproducible content of a run's output directory, one line per item.

For every job's final checkpoint: one line per HDF5 attribute and dataset, "path sha256"
of its h5dump text (floats as %.17g, so every bit counts), leaving out what depends on the
launch rather than the result: created_utc, software_version, /run/ranks_history, the
logbook's run-dependent columns (retried, wall_s, evals_per_s, status_*) and the output
line of /config/text. Then the logbook.csv rows without those columns. With
--evaluations (steady_state, which is not order-deterministic) only generation, final,
evaluations and the gen/evals columns. Only the Python standard library and h5dump.
  digest.py [--evaluations] OUT_DIR
"""
import glob
import hashlib
import os
import re
import subprocess
import sys

RUN_DEPENDENT = re.compile(r"^(retried|wall_s|evals_per_s|status_.*)$")
LAUNCH_DEPENDENT = {"/created_utc", "/software_version", "/run/ranks_history"}
OPENING = re.compile(r'^( *)(GROUP|DATASET|ATTRIBUTE) "(.*)" \{$')


def objects(path):
    """(path, kind, text) for every attribute and dataset of an HDF5 file, via h5dump."""
    text = subprocess.run(["h5dump", "-m", "%.17g", "-w", "0", path], check=True,
                          capture_output=True, text=True).stdout
    lines = text.split("\n")
    stack = []  # (indent, name) of the open groups
    i = 0
    while i < len(lines):
        match = OPENING.match(lines[i])
        if not match:
            i += 1
            continue
        indent, kind, name = len(match.group(1)), match.group(2), match.group(3)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parent = "/".join(n for _, n in stack if n != "/")
        full = "/" if name == "/" else "/" + "/".join(filter(None, [parent, name]))
        if kind == "GROUP":
            stack.append((indent, name))
            yield full, kind, ""
            i += 1
            continue
        # A leaf ends at the first "}" with its own indentation (string data is indented more).
        end = i + 1
        while end < len(lines) and lines[end] != " " * indent + "}":
            end += 1
        yield full, kind, "\n".join(lines[i + 1:end])
        i = end + 1


def keep(full):
    if full in LAUNCH_DEPENDENT:
        return False
    return not (full.startswith("/logbook/") and RUN_DEPENDENT.match(full[len("/logbook/"):]))


def final_checkpoints(out):
    jobs = sorted(glob.glob(os.path.join(out, "job.*")), key=lambda d: int(d.rsplit(".", 1)[1]))
    for directory in jobs or [out]:
        files = sorted(glob.glob(os.path.join(directory, "checkpoints", "ckpt-*.h5")))
        yield directory, files[-1] if files else None


def logbook_rows(directory, columns_wanted):
    with open(os.path.join(directory, "logbook.csv")) as f:
        rows = [line.rstrip("\n").split(",") for line in f if line.strip()]
    header = rows[0]
    picked = [i for i, name in enumerate(header) if columns_wanted(name)]
    return [",".join(row[i] for i in picked) for row in rows]


def main():
    args = sys.argv[1:]
    evaluations_only = "--evaluations" in args
    args = [a for a in args if a != "--evaluations"]
    if len(args) != 1:
        sys.exit(__doc__)
    out = args[0]
    for directory, checkpoint in final_checkpoints(out):
        job = os.path.relpath(directory, out)
        if checkpoint is None:
            print(f"{job}: no checkpoint")
            continue
        for full, kind, text in objects(checkpoint):
            if kind == "GROUP" or not keep(full):
                continue
            if evaluations_only:
                if full in ("/generation", "/final", "/evaluations"):
                    value = re.search(r"\(0\): (.*)", text).group(1)
                    print(f"{job} {full} = {value}")
                continue
            if full == "/config/text":
                text = "\n".join(l for l in text.split("\n") if not l.strip().startswith("output = "))
            digest = hashlib.sha256(text.encode()).hexdigest()[:20]
            print(f"{job} {full} {digest}")
        if evaluations_only:
            wanted = lambda name: name in ("gen", "evals")
        else:
            wanted = lambda name: not RUN_DEPENDENT.match(name)
        for row in logbook_rows(directory, wanted):
            print(f"{job} logbook.csv {row}")


if __name__ == "__main__":
    main()
