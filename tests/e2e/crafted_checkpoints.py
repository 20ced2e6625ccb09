#!/usr/bin/python3
"""Crafted checkpoints: edits of a real checkpoint made with h5py and then resealed.

    crafted_checkpoints.py KIND BASE.h5 OUT_DIR

KIND names the run BASE.h5 comes from (real, binary, integer, permutation, cmaes); each
kind gets the cases written for it (a case without kinds is made from the real run only:
the structure and the root fields are the same for every genome type and algorithm). Every case is written to OUT_DIR/<case>.h5 with a
valid integrity header (the XXH3 checksums recomputed, as anyone can: they are unkeyed),
so it passes the frame check and only the structure check or the content validator can
refuse it. One line per case goes to stdout: "<case> <object>", where <object> is the text
the refusal must name (a path such as /population/genomes, or an attribute name).
Files a case points at (another HDF5 file, a FIFO, raw external storage) are made in
OUT_DIR/targets/.
"""

import ctypes
import os
import shutil
import struct
import sys

import h5py
import numpy as np
import xxhash

USER_BLOCK = 512
MAGIC = b"EVOCKPT\n"


def reseal(path):
    """Recomputes the integrity header of docs/checkpoint-format.md over the file as it is."""
    with open(path, "rb") as stream:
        data = bytearray(stream.read())
    old = data[:USER_BLOCK]
    format_version = struct.unpack_from("<I", old, 16)[0]
    payload = bytes(data[USER_BLOCK:])
    head = bytearray(USER_BLOCK)
    struct.pack_into("<8sIIIIQ", head, 0, MAGIC, 1, USER_BLOCK, format_version, 0, len(payload))
    head[32:48] = xxhash.xxh3_128_digest(payload)
    head[48:56] = xxhash.xxh3_64_digest(bytes(head[:48]) + bytes(8) + bytes(head[56:]))
    data[:USER_BLOCK] = head
    with open(path, "wb") as stream:
        stream.write(data)


def set_attr(obj, name, value, dtype=None):
    """Replaces an attribute, keeping its stored type unless `dtype` says otherwise."""
    if dtype is None and isinstance(value, str):
        dtype = h5py.string_dtype()
    elif dtype is None and name in obj.attrs:
        dtype = obj.attrs.get_id(name).dtype
    obj.attrs.create(name, value, dtype=dtype)


def replace(group, name, data, **kwargs):
    """Replaces a dataset by a new contiguous one holding `data`."""
    dtype = kwargs.pop("dtype", None)
    if dtype is None and name in group:
        dtype = group[name].dtype
    del group[name]
    return group.create_dataset(name, data=data, dtype=dtype, **kwargs)


def edit_genomes(f, where, edit):
    genomes = f[where + "/genomes"][()]
    edit(genomes)
    f[where + "/genomes"][...] = genomes


# --- user-defined links: h5py cannot make them, so register a class and call HDF5 -----------

def hdf5_library():
    """The libhdf5 h5py runs on, loaded into this process."""
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            if "libhdf5" in os.path.basename(path) and "_hl" not in path and ".so" in path:
                return ctypes.CDLL(path)
    raise RuntimeError("h5py's libhdf5 not found in /proc/self/maps")


TRAVERSE = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_char_p, ctypes.c_int64, ctypes.c_void_p,
                            ctypes.c_size_t, ctypes.c_int64, ctypes.c_int64)


class LinkClass(ctypes.Structure):  # H5L_class_t of HDF5 1.10 (H5L_LINK_CLASS_T_VERS 1)
    _fields_ = [("version", ctypes.c_int), ("id", ctypes.c_int), ("comment", ctypes.c_char_p),
                ("create_func", ctypes.c_void_p), ("move_func", ctypes.c_void_p),
                ("copy_func", ctypes.c_void_p), ("trav_func", TRAVERSE),
                ("del_func", ctypes.c_void_p), ("query_func", ctypes.c_void_p)]


_keep_alive = []


def create_user_defined_link(group, name, payload=b"/population/genomes"):
    lib = hdf5_library()
    traverse = TRAVERSE(lambda *args: -1)
    link_class = LinkClass(1, 65, b"evocluster test class", None, None, None, traverse, None, None)
    _keep_alive.extend([traverse, link_class])
    if lib.H5Lregister(ctypes.byref(link_class)) < 0:
        raise RuntimeError("H5Lregister failed")
    lib.H5Lcreate_ud.argtypes = [ctypes.c_int64, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                                 ctypes.c_size_t, ctypes.c_int64, ctypes.c_int64]
    if lib.H5Lcreate_ud(group.id.id, name.encode(), 65, payload, len(payload), 0, 0) < 0:
        raise RuntimeError("H5Lcreate_ud failed")


# --- the cases ---------------------------------------------------------------------------

class Context:
    def __init__(self, kind, base, out):
        self.kind, self.base, self.out = kind, base, out
        self.targets = os.path.join(out, "targets")
        with h5py.File(base, "r") as f:
            self.shape = f["population/genomes"].shape
            self.generation = int(f.attrs["generation"])
            self.ranks = int(f.attrs["ranks"])
            self.config = f["config/text"].asstr()[()]

    def target(self, name):
        os.makedirs(self.targets, exist_ok=True)
        return os.path.abspath(os.path.join(self.targets, name))


ALL_KINDS = {"real", "binary", "integer", "permutation", "cmaes"}
GENERATIONAL = {"real", "binary", "integer", "permutation"}
CASES = []  # (name, kinds, object named, edit(f, ctx))


def case(name, named, kinds=frozenset({"real"})):
    def register(edit):
        CASES.append((name, kinds, named, edit))
        return edit
    return register


# Item 1: objects our writer never makes.

@case("external-link-to-file", "/population/genomes")
def _(f, ctx):
    other = ctx.target("other.h5")
    with h5py.File(other, "w") as target:
        target["genomes"] = f["population/genomes"][()]
    del f["population/genomes"]
    f["population/genomes"] = h5py.ExternalLink(other, "/genomes")


@case("external-link-to-fifo", "/population/genomes")
def _(f, ctx):
    fifo = ctx.target("fifo")
    if not os.path.exists(fifo):
        os.mkfifo(fifo)
    del f["population/genomes"]
    f["population/genomes"] = h5py.ExternalLink(fifo, "/genomes")


@case("external-link-extra", "/algorithm/elsewhere")
def _(f, ctx):
    f["algorithm/elsewhere"] = h5py.ExternalLink(ctx.target("missing.h5"), "/x")


@case("soft-link-loop", "/algorithm/loop")
def _(f, ctx):
    f["algorithm/loop"] = h5py.SoftLink("/algorithm/loop")


@case("soft-link-cycle", "/rng/a")
def _(f, ctx):
    f["rng/a"] = h5py.SoftLink("/rng/b")
    f["rng/b"] = h5py.SoftLink("/rng/a")


@case("soft-link-instead-of-dataset", "/hall_of_fame/genomes")
def _(f, ctx):
    del f["hall_of_fame/genomes"]
    f["hall_of_fame/genomes"] = h5py.SoftLink("/population/genomes")


@case("soft-link-group", "/config")
def _(f, ctx):
    text = f["config/text"][()]
    del f["config"]
    f["stash/text"] = text
    f["config"] = h5py.SoftLink("/stash")


@case("user-defined-link", "/population/genomes")
def _(f, ctx):
    del f["population/genomes"]
    create_user_defined_link(f["population"], "genomes")


@case("hard-link-twice", "/algorithm/alias")
def _(f, ctx):
    f["algorithm/alias"] = f["population/genomes"]


@case("virtual-dataset", "/population/genomes")
def _(f, ctx):
    source = ctx.target("vds-source.h5")
    genomes = f["population/genomes"][()]
    with h5py.File(source, "w") as target:
        target["genomes"] = genomes
    layout = h5py.VirtualLayout(shape=genomes.shape, dtype="<f8")
    layout[:] = h5py.VirtualSource(source, "genomes", shape=genomes.shape)
    del f["population/genomes"]
    f["population"].create_virtual_dataset("genomes", layout, fillvalue=0.0)


@case("external-storage", "/population/genomes")
def _(f, ctx):
    genomes = f["population/genomes"][()]
    raw = ctx.target("genomes.raw")
    del f["population/genomes"]
    f["population"].create_dataset("genomes", data=genomes, dtype="<f8",
                                   external=[(raw, 0, genomes.nbytes)])


@case("compressed-terabytes", "/population/genomes")
def _(f, ctx):
    del f["population/genomes"]
    f["population"].create_dataset("genomes", shape=(2**36, ctx.shape[1]), dtype="<f8",
                                   chunks=(1024, ctx.shape[1]), compression="gzip")


@case("chunked-layout", "/population/genomes")
def _(f, ctx):
    replace(f["population"], "genomes", f["population/genomes"][()], chunks=True)


@case("compact-layout", "/algorithm/population_size")
def _(f, ctx):
    values = f["algorithm/population_size"][()]
    del f["algorithm/population_size"]
    space = h5py.h5s.create_simple(values.shape)
    plist = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    plist.set_layout(h5py.h5d.COMPACT)
    dataset = h5py.h5d.create(f["algorithm"].id, b"population_size", h5py.h5t.STD_I64LE, space,
                              dcpl=plist)
    dataset.write(h5py.h5s.ALL, h5py.h5s.ALL, values)


@case("extendible-shape", "/logbook/gen")
def _(f, ctx):
    replace(f["logbook"], "gen", f["logbook/gen"][()], maxshape=(None,), chunks=True)


@case("extra-root-group", "/extra")
def _(f, ctx):
    f.create_group("extra")


@case("extra-dataset", "/population/extra")
def _(f, ctx):
    f["population/extra"] = np.zeros(3)


@case("extra-root-attribute", "attribute evil")
def _(f, ctx):
    f.attrs["evil"] = 1


@case("committed-datatype", "/rng/type")
def _(f, ctx):
    f["rng/type"] = np.dtype("<f8")


@case("big-endian-genomes", "/population/genomes")
def _(f, ctx):
    replace(f["population"], "genomes", f["population/genomes"][()], dtype=">f8")


@case("float32-genomes", "/population/genomes")
def _(f, ctx):
    replace(f["population"], "genomes", f["population/genomes"][()], dtype="<f4")


@case("three-dimensional-genomes", "/population/genomes")
def _(f, ctx):
    genomes = f["population/genomes"][()]
    replace(f["population"], "genomes", genomes.reshape(genomes.shape + (1,)))


@case("fixed-length-config-text", "/config/text")
def _(f, ctx):
    text = ctx.config.encode()
    replace(f["config"], "text", np.array(text, dtype="S%d" % len(text)),
            dtype="S%d" % len(text))


@case("missing-fitness", "/population/fitness")
def _(f, ctx):
    del f["population/fitness"]


@case("missing-group", "/run")
def _(f, ctx):
    del f["run"]


@case("missing-seed-attribute", "/seed")
def _(f, ctx):
    del f.attrs["seed"]


@case("float-generation-attribute", "/generation")
def _(f, ctx):
    set_attr(f, "generation", float(ctx.generation), dtype="<f8")


@case("array-generation-attribute", "/generation")
def _(f, ctx):
    set_attr(f, "generation", np.array([ctx.generation, ctx.generation], dtype="<i8"))


@case("integer-config-text", "/config/text")
def _(f, ctx):
    replace(f["config"], "text", np.int64(1), dtype="<i8")


# Item 2 (and 3): fields a run could never have written, shapes the config contradicts.

@case("generation-minus-5", "generation")
def _(f, ctx):
    set_attr(f, "generation", -5)


@case("generation-2-pow-62", "generation")
def _(f, ctx):
    set_attr(f, "generation", 2**62)


@case("generation-plus-1", "generation")
def _(f, ctx):
    set_attr(f, "generation", ctx.generation + 1)


@case("in-progress-other-generation-zeros", "/in_progress")
def _(f, ctx):
    group = f["in_progress"]
    n, dim = ctx.shape
    objectives = f["population/fitness"].shape[1]
    replace(group, "genomes", np.zeros((n, dim)), dtype="<f8")
    replace(group, "fitness", np.full((n, objectives), np.nan), dtype="<f8")
    set_attr(group, "dimension", dim)
    set_attr(group, "objectives", objectives)
    set_attr(group, "generation", ctx.generation + 3)
    set_attr(group, "evaluations_needed", n)
    set_attr(f, "final", 0)


@case("in-progress-in-final", "final checkpoint", kinds={"real"})
def _(f, ctx):
    group = f["in_progress"]
    n, dim = ctx.shape
    replace(group, "genomes", f["population/genomes"][()], dtype="<f8")
    replace(group, "fitness", np.full((n, 1), np.nan), dtype="<f8")
    set_attr(group, "dimension", dim)
    set_attr(group, "objectives", 1)
    set_attr(group, "generation", ctx.generation + 1)
    set_attr(group, "evaluations_needed", n)


@case("in-progress-evaluations-needed", "/in_progress evaluations_needed")
def _(f, ctx):
    set_attr(f["in_progress"], "evaluations_needed", 5)


@case("in-progress-failed-more-than-done", "/in_progress failed")
def _(f, ctx):
    set_attr(f["in_progress"], "failed", 3, dtype="<i8")


@case("in-progress-empty-generation-minus-3", "/in_progress")
def _(f, ctx):
    set_attr(f["in_progress"], "generation", -3)


@case("nan-genome", "/population/genomes row 0 column 1", kinds=ALL_KINDS)
def _(f, ctx):
    edit_genomes(f, "population", lambda g: g.__setitem__((0, 1), np.nan))


@case("inf-genome", "/population/genomes row 1 column 0")
def _(f, ctx):
    edit_genomes(f, "population", lambda g: g.__setitem__((1, 0), np.inf))


@case("minus-inf-hall-of-fame-genome", "/hall_of_fame/genomes row 0 column 0")
def _(f, ctx):
    edit_genomes(f, "hall_of_fame", lambda g: g.__setitem__((0, 0), -np.inf))


@case("real-genome-above-bounds", "/population/genomes row 2 column 3",
      kinds={"real"})
def _(f, ctx):
    edit_genomes(f, "population", lambda g: g.__setitem__((2, 3), 5.13))


@case("real-genome-below-bounds", "/population/genomes row 0 column 0", kinds={"real"})
def _(f, ctx):
    edit_genomes(f, "population", lambda g: g.__setitem__((0, 0), -1e6))


@case("binary-genome-2", "/population/genomes row 0 column 2", kinds={"binary"})
def _(f, ctx):
    edit_genomes(f, "population", lambda g: g.__setitem__((0, 2), 2.0))


@case("binary-genome-half", "/population/genomes row 1 column 0", kinds={"binary"})
def _(f, ctx):
    edit_genomes(f, "population", lambda g: g.__setitem__((1, 0), 0.5))


@case("integer-genome-fraction", "/population/genomes row 0 column 0", kinds={"integer"})
def _(f, ctx):
    edit_genomes(f, "population", lambda g: g.__setitem__((0, 0), 1.5))


@case("integer-genome-out-of-bounds", "/population/genomes row 0 column 1", kinds={"integer"})
def _(f, ctx):
    edit_genomes(f, "population", lambda g: g.__setitem__((0, 1), 99.0))


@case("permutation-duplicate", "/population/genomes row 0", kinds={"permutation"})
def _(f, ctx):
    edit_genomes(f, "population", lambda g: g.__setitem__((0, 0), g[0, 1]))


@case("permutation-out-of-range", "/population/genomes row 1", kinds={"permutation"})
def _(f, ctx):
    edit_genomes(f, "population", lambda g: g.__setitem__((1, 0), float(g.shape[1])))


@case("permutation-fraction", "/population/genomes row 0", kinds={"permutation"})
def _(f, ctx):
    edit_genomes(f, "population", lambda g: g.__setitem__((0, 0), g[0, 0] + 0.25))


@case("seed-contradicts-config", "seed")
def _(f, ctx):
    set_attr(f, "seed", int(f.attrs["seed"]) + 1)


@case("job-1-of-1", "job")
def _(f, ctx):
    set_attr(f, "job", 1)


@case("job-minus-1", "job")
def _(f, ctx):
    set_attr(f, "job", -1)


@case("evaluations-minus-1", "evaluations")
def _(f, ctx):
    set_attr(f, "evaluations", -1)


@case("evaluations-too-many", "evaluations")
def _(f, ctx):
    set_attr(f, "evaluations", int(f.attrs["evaluations"]) + 1000)


@case("config-hash-wrong", "config_hash")
def _(f, ctx):
    set_attr(f, "config_hash", int(f.attrs["config_hash"]) ^ 1)


@case("ranks-0", "ranks")
def _(f, ctx):
    set_attr(f, "ranks", 0)


@case("final-2", "final")
def _(f, ctx):
    set_attr(f, "final", 2)


@case("population-size-5", "/algorithm/population_size", kinds=GENERATIONAL)
def _(f, ctx):
    f["algorithm/population_size"][...] = 5


@case("population-size-empty", "/algorithm/population_size",
      kinds=GENERATIONAL)
def _(f, ctx):
    replace(f["algorithm"], "population_size", np.zeros(0, dtype="<i8"))


@case("population-size-float", "/algorithm/population_size", kinds={"real"})
def _(f, ctx):
    replace(f["algorithm"], "population_size", f["algorithm/population_size"][()], dtype="<f8")


@case("algorithm-extra-array", "/algorithm")
def _(f, ctx):
    f["algorithm/surplus"] = np.zeros(2)


@case("algorithm-of-another-algorithm", "/algorithm", kinds={"real", "cmaes"})
def _(f, ctx):
    other = "simple" if ctx.kind == "cmaes" else "cmaes"
    set_attr(f["algorithm"], "name", other)


@case("algorithm-named-de", "/algorithm", kinds={"real", "binary"})
def _(f, ctx):
    set_attr(f["algorithm"], "name", "de")


@case("logbook-shorter-than-generation", "/logbook")
def _(f, ctx):
    for name in list(f["logbook"]):
        replace(f["logbook"], name, f["logbook/" + name][:-1])


@case("logbook-one-column-short", "/logbook/max")
def _(f, ctx):
    replace(f["logbook"], "max", f["logbook/max"][:-1])


@case("logbook-gen-renumbered", "/logbook/gen")
def _(f, ctx):
    f["logbook/gen"][1] = 7


@case("logbook-negative-evals", "/logbook row 1")
def _(f, ctx):
    f["logbook/evals"][1] = -3


@case("logbook-missing-column", "/logbook")
def _(f, ctx):
    del f["logbook/std"]


@case("garbage-config-text", "/config/text")
def _(f, ctx):
    replace(f["config"], "text", "\x01\x02 not [ toml = = ]", dtype=h5py.string_dtype())


@case("config-text-empty", "/config/text")
def _(f, ctx):
    replace(f["config"], "text", "", dtype=h5py.string_dtype())


@case("config-text-unknown-key", "/config/text")
def _(f, ctx):
    replace(f["config"], "text", ctx.config + "\n[evil]\nkey = 1\n", dtype=h5py.string_dtype())


@case("config-text-other-seed", "seed")
def _(f, ctx):
    text = ctx.config.replace("seed = ", "seed = 1", 1)
    replace(f["config"], "text", text, dtype=h5py.string_dtype())


@case("genomes-one-column-short", "/population/genomes")
def _(f, ctx):
    replace(f["population"], "genomes", f["population/genomes"][:, :-1])
    set_attr(f["population"], "dimension", ctx.shape[1] - 1)


@case("genomes-column-short-dimension-kept", "/population")
def _(f, ctx):
    replace(f["population"], "genomes", f["population/genomes"][:, :-1])


@case("dimension-attribute-wrong", "/population")
def _(f, ctx):
    set_attr(f["population"], "dimension", ctx.shape[1] + 1)


@case("fitness-rows-short", "/population")
def _(f, ctx):
    replace(f["population"], "fitness", f["population/fitness"][:-1])


@case("fitness-nan", "/population/fitness row 0")
def _(f, ctx):
    f["population/fitness"][0, 0] = np.nan


@case("fitness-inf", "/hall_of_fame/fitness row 0")
def _(f, ctx):
    f["hall_of_fame/fitness"][0, 0] = np.inf


@case("population-row-dropped", "/population", kinds=GENERATIONAL)
def _(f, ctx):
    replace(f["population"], "genomes", f["population/genomes"][:-1])
    replace(f["population"], "fitness", f["population/fitness"][:-1])


@case("hall-of-fame-too-large", "/hall_of_fame", kinds={"real"})
def _(f, ctx):
    genomes = np.repeat(f["hall_of_fame/genomes"][:1], 50, axis=0)
    fitness = np.repeat(f["hall_of_fame/fitness"][:1], 50, axis=0)
    replace(f["hall_of_fame"], "genomes", genomes)
    replace(f["hall_of_fame"], "fitness", fitness)


@case("rng-all-zero", "/rng/state", kinds=ALL_KINDS)
def _(f, ctx):
    f["rng/state"][...] = 0


@case("rng-extra-row", "/rng/state")
def _(f, ctx):
    state = f["rng/state"][()]
    replace(f["rng"], "state", np.vstack([state, state]))


@case("rng-seven-words", "/rng/state")
def _(f, ctx):
    replace(f["rng"], "state", f["rng/state"][:, :7])


@case("ranks-history-empty", "/run/ranks_history")
def _(f, ctx):
    replace(f["run"], "ranks_history", np.zeros(0, dtype="<i8"))


@case("ranks-history-contradicts-ranks", "/run/ranks_history")
def _(f, ctx):
    f["run/ranks_history"][-1] = ctx.ranks + 3


# CMA-ES state: what the update equations need to hold.

@case("cmaes-mean-nan", "/algorithm/mean", kinds={"cmaes"})
def _(f, ctx):
    f["algorithm/mean"][0] = np.nan


@case("cmaes-sigma-zero", "/algorithm/sigma", kinds={"cmaes"})
def _(f, ctx):
    f["algorithm/sigma"][0] = 0.0


@case("cmaes-sigma-negative", "/algorithm/sigma", kinds={"cmaes"})
def _(f, ctx):
    f["algorithm/sigma"][0] = -0.5


@case("cmaes-covariance-short", "/algorithm/covariance", kinds={"cmaes"})
def _(f, ctx):
    replace(f["algorithm"], "covariance", f["algorithm/covariance"][:-1])


@case("cmaes-covariance-asymmetric", "/algorithm/covariance", kinds={"cmaes"})
def _(f, ctx):
    f["algorithm/covariance"][1] = f["algorithm/covariance"][1] + 1.0


@case("cmaes-eigenvalue-negative", "/algorithm/sqrt_eigenvalues", kinds={"cmaes"})
def _(f, ctx):
    f["algorithm/sqrt_eigenvalues"][0] = -1.0


@case("cmaes-best-history-short", "/algorithm/best_history", kinds={"cmaes"})
def _(f, ctx):
    replace(f["algorithm"], "best_history", f["algorithm/best_history"][:-1])


@case("cmaes-restarts-beyond-config", "/algorithm/restarts_done", kinds={"cmaes"})
def _(f, ctx):
    f["algorithm/restarts_done"][0] = 3


@case("cmaes-mu-above-lambda", "/algorithm", kinds={"cmaes"})
def _(f, ctx):
    f["algorithm/mu"][0] = int(f["algorithm/lambda"][0]) + 1


@case("cmaes-started-2", "/algorithm/started", kinds={"cmaes"})
def _(f, ctx):
    f["algorithm/started"][0] = 2


@case("cmaes-counteval-negative", "/algorithm/counteval", kinds={"cmaes"})
def _(f, ctx):
    f["algorithm/counteval"][0] = -1


@case("cmaes-population-not-lambda", "/population", kinds={"cmaes"})
def _(f, ctx):
    replace(f["population"], "genomes", f["population/genomes"][:-1])
    replace(f["population"], "fitness", f["population/fitness"][:-1])


# Why the job ended (root attribute stop_reason of a final checkpoint).

@case("stop-reason-in-non-final", "stop_reason", kinds=GENERATIONAL)
def _(f, ctx):
    set_attr(f, "final", 0)
    set_attr(f, "stop_reason", "generations")


@case("stop-reason-unknown", "stop_reason", kinds=ALL_KINDS)
def _(f, ctx):
    set_attr(f, "stop_reason", "because")


@case("stop-reason-of-another-algorithm", "stop_reason", kinds={"real"})
def _(f, ctx):
    set_attr(f, "stop_reason", "cmaes:tolx")


@case("stop-reason-rule-not-configured", "stop_reason", kinds=GENERATIONAL)
def _(f, ctx):
    # The file's own /config/text sets no run.target_fitness: the rule cannot have held.
    set_attr(f, "stop_reason", "target_fitness")


@case("cmaes-median-history-short", "/algorithm/median_history", kinds={"cmaes"})
def _(f, ctx):
    replace(f["algorithm"], "median_history", f["algorithm/median_history"][:-1])


@case("cmaes-last-criterion-unknown", "/algorithm/last_criterion", kinds={"cmaes"})
def _(f, ctx):
    f["algorithm/last_criterion"][0] = 42


@case("cmaes-terminated-without-stop-reason", "/algorithm/last_criterion", kinds={"cmaes"})
def _(f, ctx):
    f["algorithm/last_criterion"][0] = 4
    f["algorithm/restart_pending"][0] = 0


@case("cmaes-stop-reason-with-no-criterion", "stop_reason", kinds={"cmaes"})
def _(f, ctx):
    f["algorithm/last_criterion"][0] = 0
    set_attr(f, "stop_reason", "cmaes:tolx")


def main():
    kind, base, out = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    ctx = Context(kind, base, out)
    for name, kinds, named, edit in CASES:
        if kind not in kinds:
            continue
        path = os.path.join(out, name + ".h5")
        shutil.copyfile(base, path)
        with h5py.File(path, "r+") as f:
            edit(f, ctx)
        reseal(path)
        print(name, named)


if __name__ == "__main__":
    main()
