"""Reading evocluster runs from Python: `load_checkpoint(path)` for one checkpoint file,
`load_run(out_dir)` for an output directory (its jobs, each with its newest intact
checkpoint). Needs h5py and numpy only; pandas (logbook as a DataFrame), matplotlib
(`python3 -m evocluster.report OUT`) and xxhash (payload checksums) when present.
"""

from .checkpoint import Checkpoint, Fitness, Individual, Population, load_checkpoint
from .integrity import CheckpointError
from .logbook import Logbook
from .run import Job, Run, load_run

__all__ = ["Checkpoint", "CheckpointError", "Fitness", "Individual", "Job", "Logbook",
           "Population", "Run", "load_checkpoint", "load_run"]
