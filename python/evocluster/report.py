"""`python3 -m evocluster.report OUT [--into DIR]` (what `evocluster report OUT` runs):
PNG figures of a run and a one-page HTML summary linking them, in OUT/report/ by default.

Figures: convergence.png (min/avg/max and best so far; with several jobs the median best
so far and its spread across jobs), failures.png (failed attempts by class per generation),
workers.png (worker utilisation per generation, from workers.csv) and, for runs with
several objectives, pareto_front.png and hypervolume.png (nsga2). Exit 0 on success,
2 for a directory that is not a run, 1 when matplotlib is missing.
"""

import argparse
import html
import os
import sys

import numpy as np

from . import load_run
from .integrity import CheckpointError

STATUS_COLUMNS = ("status_failed", "status_non_zero_exit", "status_signaled", "status_timeout",
                  "status_garbage", "status_non_finite")
FIGURE_SIZE = (8, 5)  # inches at 100 dpi: every figure is 800 x 500 pixels
DPI = 100


def column(logbook, name):
    return np.asarray(logbook[name], dtype=float)


def convergence(plt, run):
    figure, axes = plt.subplots(figsize=FIGURE_SIZE)
    if len(run.jobs) == 1:
        log = run.jobs[0].logbook
        gen = column(log, "gen")
        axes.fill_between(gen, column(log, "min"), column(log, "max"), alpha=0.2,
                          label="min to max")
        axes.plot(gen, column(log, "avg"), label="mean")
        axes.plot(gen, column(log, "min"), label="min")
        axes.plot(gen, np.minimum.accumulate(column(log, "min")), "k--", label="best so far")
    else:
        # Jobs may differ in length (a run still going): align by generation.
        length = min(len(job.logbook) for job in run.jobs)
        best = np.array([np.minimum.accumulate(column(job.logbook, "min"))[:length]
                         for job in run.jobs])
        gen = column(run.jobs[0].logbook, "gen")[:length]
        for row in best:
            axes.plot(gen, row, color="grey", alpha=0.3, linewidth=0.8)
        axes.fill_between(gen, np.percentile(best, 25, axis=0), np.percentile(best, 75, axis=0),
                          alpha=0.3, label="25th to 75th percentile")
        axes.plot(gen, np.median(best, axis=0), "k-", label=f"median of {len(run.jobs)} jobs")
        axes.set_title("best so far across jobs (grey: each job)")
    if np.all(column(run.jobs[0].logbook, "min") > 0):
        axes.set_yscale("log")
    axes.set_xlabel("generation")
    axes.set_ylabel("fitness (objective 0, minimised)")
    axes.legend()
    return figure


def failures(plt, run):
    figure, axes = plt.subplots(figsize=FIGURE_SIZE)
    length = min(len(job.logbook) for job in run.jobs)
    gen = column(run.jobs[0].logbook, "gen")[:length]
    bottom = np.zeros(length)
    total = 0
    for name in STATUS_COLUMNS:
        counts = sum(column(job.logbook, name)[:length] for job in run.jobs)
        total += counts.sum()
        axes.bar(gen, counts, bottom=bottom, label=name[len("status_"):], width=1.0)
        bottom += counts
    if total == 0:
        axes.text(0.5, 0.5, "no failed evaluation attempts", ha="center", va="center",
                  transform=axes.transAxes)
        axes.set_ylim(0, 1)
    else:
        axes.legend()
    axes.set_xlabel("generation")
    axes.set_ylabel("failed attempts" + (" (all jobs)" if len(run.jobs) > 1 else ""))
    axes.set_title(f"failures by class: {int(total)} in all")
    return figure


def utilisation(table):
    """Per generation: the mean over ranks of busy / (busy + idle); for a generation that
    appears again after a restart the last rows count."""
    latest = {}
    for gen, rank, busy, idle in zip(column(table, "gen"), column(table, "rank"),
                                     column(table, "busy_s"), column(table, "idle_s")):
        latest[(gen, rank)] = busy / (busy + idle) if busy + idle > 0 else 0.0
    gens = sorted({gen for gen, _ in latest})
    return np.array(gens), np.array([np.mean([u for (g, _), u in latest.items() if g == gen])
                                     for gen in gens])


def workers(plt, run):
    figure, axes = plt.subplots(figsize=FIGURE_SIZE)
    plotted = False
    for job in run.jobs:
        if job.workers is None or len(job.workers) == 0:
            continue
        gens, mean = utilisation(job.workers)
        axes.plot(gens, mean, label=f"job {job.index}" if len(run.jobs) > 1 else "mean")
        plotted = True
    if not plotted:
        axes.text(0.5, 0.5, "no workers.csv rows (a run with one rank)", ha="center",
                  va="center", transform=axes.transAxes)
    axes.set_ylim(0, 1.05)
    axes.set_xlabel("generation")
    axes.set_ylabel("busy / (busy + idle), mean over workers")
    axes.set_title("worker utilisation")
    if plotted:
        axes.legend()
    return figure


def pareto_front(plt, run):
    figure, axes = plt.subplots(figsize=FIGURE_SIZE)
    for job in run.jobs:
        front = job.hall_of_fame.fitness
        order = np.argsort(front[:, 0])
        axes.plot(front[order, 0], front[order, 1], "o-", markersize=4,
                  label=f"job {job.index}: {len(front)} points")
    axes.set_xlabel("objective 0")
    axes.set_ylabel("objective 1")
    objectives = run.jobs[0].hall_of_fame.objectives
    axes.set_title("Pareto front (hall of fame)" +
                   (f", objectives 0 and 1 of {objectives}" if objectives > 2 else ""))
    axes.legend()
    return figure


def hypervolume(plt, run):
    figure, axes = plt.subplots(figsize=FIGURE_SIZE)
    for job in run.jobs:
        axes.plot(column(job.logbook, "gen"), column(job.logbook, "hypervolume"),
                  label=f"job {job.index}")
    axes.set_xlabel("generation")
    axes.set_ylabel("hypervolume of the first front")
    axes.set_title("hypervolume over time (reference: algorithm.hv_reference)")
    axes.legend()
    return figure


def figures_for(run):
    chosen = [("convergence", convergence), ("failures", failures), ("workers", workers)]
    if run.jobs[0].hall_of_fame.objectives > 1:
        chosen.append(("pareto_front", pareto_front))
    if "hypervolume" in run.jobs[0].logbook:
        chosen.append(("hypervolume", hypervolume))
    return chosen


def summary_html(run, names):
    rows = []
    for job in run.jobs:
        best = job.hall_of_fame.best() or job.population.best()
        fitness = ", ".join(f"{value:.6g}" for value in best.fitness) if best else "-"
        rows.append(f"<tr><td>{job.index}</td><td>{job.generation}</td>"
                    f"<td>{job.attrs.get('evaluations', '')}</td>"
                    f"<td>{'yes' if job.final else 'no'}</td><td>{fitness}</td>"
                    f"<td>{len(job.hall_of_fame)}</td>"
                    f"<td>{html.escape(os.path.basename(job.checkpoint.path))}</td></tr>")
    images = "\n".join(f'<h2>{name.replace("_", " ")}</h2>\n'
                       f'<a href="{name}.png"><img src="{name}.png" alt="{name}"></a>'
                       for name in names)
    config = run.jobs[0].checkpoint.config
    title = html.escape(f"evocluster run {run.directory}")
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:auto}}
td,th{{padding:0 1em;text-align:left}}</style></head><body>
<h1>{title}</h1>
<p>problem {html.escape(str(config.get("problem", {}).get("name", "?")))}, algorithm
{html.escape(run.jobs[0].algorithm_name)}, seed {run.jobs[0].attrs.get("seed")},
{len(run.jobs)} job(s)</p>
<table><tr><th>job</th><th>generation</th><th>evaluations</th><th>final</th>
<th>best fitness</th><th>hall of fame</th><th>checkpoint</th></tr>
{chr(10).join(rows)}
</table>
{images}
<h2>configuration</h2><pre>{html.escape(run.jobs[0].checkpoint.config_text)}</pre>
</body></html>
"""


def write_report(out_dir, into=None):
    """Writes the figures and index.html; returns the paths written."""
    import matplotlib
    matplotlib.use("Agg")  # files only: no display on a cluster node
    import matplotlib.pyplot as plt

    run = load_run(out_dir, pandas=False)
    into = into or os.path.join(out_dir, "report")
    os.makedirs(into, exist_ok=True)
    written, names = [], []
    for name, draw in figures_for(run):
        figure = draw(plt, run)
        figure.tight_layout()
        path = os.path.join(into, f"{name}.png")
        figure.savefig(path, dpi=DPI)
        plt.close(figure)
        written.append(path)
        names.append(name)
    index = os.path.join(into, "index.html")
    with open(index, "w") as stream:
        stream.write(summary_html(run, names))
    written.append(index)
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(prog="evocluster report",
                                     description="figures and an HTML summary of a run")
    parser.add_argument("out", help="the run's output directory")
    parser.add_argument("--into", help="where to write (default: OUT/report)")
    arguments = parser.parse_args(argv)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("evocluster report: matplotlib is missing (Debian: apt-get install "
              "python3-matplotlib)", file=sys.stderr)
        return 1
    try:
        written = write_report(arguments.out, arguments.into)
    except CheckpointError as error:
        print(f"evocluster report: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
