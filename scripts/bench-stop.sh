#!/usr/bin/env bash
# How fast a stop is: SIGUSR1 to mpirun in the middle of a generation, 3 ranks, in two cases
#   builtin  sphere with problem.delay_ms = 200 (built-in evaluations of 200 ms)
#   command  a command program that sleeps 60 s (evocluster-guard kills it)
# and the same on a single rank (builtin-np1, command-np1: the master evaluates itself)
# and prints, as the median (and range) of RUNS runs each:
#   signal->durable  until the checkpoint is in place under its final name (renamed; the
#                    directory fsync follows at once)
#   signal->exit     until every rank has exited (mpirun itself follows)
#   durable->exit    the difference, run by run (the promise: < 0.5 s)
#   signal->mpirun   until mpirun itself has exited
# and checks in every run: exit 85, the checkpoint verifies, no rank and no program left.
# On demand only, not part of the suite (it prints figures, asserts none).
#   scripts/bench-stop.sh [RUNS] [USR1|TERM]   (default 5 runs, SIGUSR1; EVO_BIN overrides
#                                               build/evocluster)
# After SIGTERM mpirun reports 1 whatever the ranks said (an Open MPI behaviour): the runs
# must then log "exit 85" instead.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-5}
signal=${2:-USR1}
[[ $signal == USR1 || $signal == TERM ]] || { echo "signal: USR1 or TERM, not $signal" >&2; exit 2; }
bin=${EVO_BIN:-$root/build/evocluster}
[[ -x $bin ]] || { echo "no $bin: build first" >&2; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT  # EVO_KEEP=1 keeps it (logs)
[[ ${EVO_KEEP:-0} == 1 ]] && trap - EXIT && echo "work directory: $work"
echo "load: $(uptime)"
echo "runs per case: $runs, SIG$signal to mpirun"

/usr/bin/python3 - "$bin" "$root" "$work" "$runs" "$signal" <<'PY'
import glob, os, signal, statistics, subprocess, sys, time

binary, root, work, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
stop_signal = signal.SIGUSR1 if sys.argv[5] == "USR1" else signal.SIGTERM
builtin = ["--set", "problem.name=sphere", "--set", "problem.delay_ms=200",
           "--set", "algorithm.population=12"]
command = ["--set", "problem.name=command", "--set", 'command.argv=["sleep", "60"]',
           "--set", "genome.lower=-5", "--set", "genome.upper=5",
           "--set", "algorithm.population=12", "--set", "dispatch.retries=0"]
cases = {  # name: (ranks, arguments)
    "builtin": (3, builtin),
    "command": (3, command),
    "builtin-np1": (1, builtin),
    "command-np1": (1, command),
}
base = ["--set", "problem.dimension=4", "--set", "run.generations=50",
        "--set", "checkpoint.every_generations=0", "--set", "dispatch.batch=1"]

def gone(pid):
    """Exited: no such process any more, or a zombie waiting to be reaped."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in "ZX"
    except OSError:
        return True

def session_pids(sid):
    out = subprocess.run(["pgrep", "-s", str(sid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]

def one_run(case, k):
    out = os.path.join(work, f"{case}-{k}")
    log = open(out + ".log", "w")
    ranks, arguments = cases[case]
    args = ["mpirun", "--oversubscribe", "-np", str(ranks), binary, "run",
            os.path.join(root, "examples/demo.toml"), *base, *arguments, "--out", out]
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    # Mid-generation, evaluations running on both workers: builtin 0.3 s into generation 1
    # (0.6 s or more of evaluations), command 1 s into generation 0 (it never ends).
    deadline = time.monotonic() + 30
    marker = "gen     0 " if case.startswith("builtin") else "output "
    while time.monotonic() < deadline and marker not in open(out + ".log").read():
        time.sleep(0.005)
    time.sleep(0.3 if case.startswith("builtin") else 1.0)
    before = set(glob.glob(os.path.join(out, "checkpoints", "ckpt-*.h5")))
    ranks = [p for p in session_pids(proc.pid) if p != proc.pid and
             open(f"/proc/{p}/cmdline").read().startswith(binary)]
    sent = time.monotonic()
    proc.send_signal(stop_signal)
    durable = None
    exited = None  # the last rank
    rc = None
    while time.monotonic() - sent < 30:
        now = time.monotonic() - sent
        if durable is None and set(glob.glob(os.path.join(out, "checkpoints", "ckpt-*.h5"))) - before:
            durable = now
        if exited is None and all(gone(p) for p in ranks):
            exited = now
        rc = proc.poll()
        if rc is not None:
            break
        time.sleep(0.001)
    launcher = time.monotonic() - sent
    if exited is None:
        exited = launcher
    time.sleep(0.2)  # mpirun's children are reaped by init once mpirun is gone
    if rc is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return None, f"{case} run {k}: still running 30 s after the signal"
    if durable is None and set(glob.glob(os.path.join(out, "checkpoints", "ckpt-*.h5"))) - before:
        durable = exited
    problems = []
    if stop_signal == signal.SIGUSR1 and rc != 85:
        problems.append(f"exit {rc}")
    if "exit 85" not in open(out + ".log").read():
        problems.append("the log does not say exit 85")
    # mpirun returns when its ranks are gone; a program would have to outlive its guard.
    left = [p for p in session_pids(proc.pid) if not gone(p)]  # zombies count as gone
    if left:
        problems.append(f"processes left: " + ", ".join(
            open(f"/proc/{p}/cmdline").read().replace("\0", " ")[:60]
            for p in left if os.path.exists(f"/proc/{p}")))
    newest = sorted(glob.glob(os.path.join(out, "checkpoints", "ckpt-*.h5")))
    if durable is None or not newest:
        problems.append("no checkpoint after the signal")
    elif subprocess.run([binary, "verify", newest[-1]], capture_output=True).returncode != 0:
        problems.append("the checkpoint does not verify")
    if problems:
        return None, f"{case} run {k}: " + "; ".join(problems) + f" (log {out}.log)"
    return (durable, exited, launcher), None

def figure(values):
    return (f"median {statistics.median(values):.3f} s "
            f"(min {min(values):.3f}, max {max(values):.3f})")

failed = 0
for case in cases:
    durables, exits, gaps, launchers = [], [], [], []
    for k in range(runs):
        result, problem = one_run(case, k)
        if problem:
            print("problem:", problem)
            failed += 1
            continue
        durables.append(result[0])
        exits.append(result[1])
        gaps.append(result[1] - result[0])
        launchers.append(result[2])
    if durables:
        print(f"{case}: signal->durable {figure(durables)}")
        print(f"{case}: signal->exit    {figure(exits)}")
        print(f"{case}: durable->exit   {figure(gaps)}")
        print(f"{case}: signal->mpirun  {figure(launchers)}")
sys.exit(1 if failed else 0)
PY
echo "load: $(uptime)"
