"""Damaged or foreign files are refused with a CheckpointError naming the file and what is
wrong; a file whose HDF5 content links elsewhere is refused even when its checksum is right
(reading a checkpoint never opens another file)."""

import pathlib
import shutil
import struct

import h5py
import numpy as np
import pytest
import xxhash

import evocluster

HEADER = 512


def copy_of_newest(newest, tmp_path, name="copy.h5"):
    target = tmp_path / name
    shutil.copyfile(newest("single.np1"), target)
    return target


def reseal(path):
    """Rewrites the integrity header for the file's present content (length and both
    hashes), as the writer would: the file is then intact by its checksum."""
    data = bytearray(path.read_bytes())
    struct.pack_into("<Q", data, 24, len(data) - HEADER)
    data[32:48] = xxhash.xxh3_128_digest(bytes(data[HEADER:]))
    data[48:56] = bytes(8)
    data[48:56] = xxhash.xxh3_64_digest(bytes(data[:HEADER]))
    path.write_bytes(bytes(data))


def test_a_flipped_payload_byte_is_a_checksum_mismatch(newest, tmp_path):
    path = copy_of_newest(newest, tmp_path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(evocluster.CheckpointError,
                       match=rf"{path}: checksum mismatch: payload XXH3-128"):
        evocluster.load_checkpoint(path)


def test_a_truncated_file_is_refused(newest, tmp_path):
    path = copy_of_newest(newest, tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[:-100])
    with pytest.raises(evocluster.CheckpointError, match=rf"{path}: truncated: header says"):
        evocluster.load_checkpoint(path)


def test_a_file_that_is_no_checkpoint_is_refused(tmp_path):
    path = tmp_path / "plain.h5"
    with h5py.File(path, "w") as plain:
        plain["population/genomes"] = np.zeros((2, 2))
    with pytest.raises(evocluster.CheckpointError, match=rf"{path}: not an evocluster checkpoint"):
        evocluster.load_checkpoint(path)


def test_resealing_an_unchanged_file_keeps_it_readable(newest, tmp_path):
    # The helper below the link tests is sound: it alone does not make a file unreadable.
    path = copy_of_newest(newest, tmp_path)
    reseal(path)
    assert evocluster.load_checkpoint(path).generation == 6


@pytest.mark.parametrize("kind", ["soft", "external"])
def test_a_linked_dataset_is_refused_even_when_sealed(newest, tmp_path, kind):
    path = copy_of_newest(newest, tmp_path)
    other = tmp_path / "elsewhere.h5"
    with h5py.File(other, "w") as elsewhere:
        elsewhere["genomes"] = np.zeros((20, 5))
    with h5py.File(path, "r+") as edit:
        del edit["hall_of_fame/genomes"]
        edit["hall_of_fame/genomes"] = (h5py.SoftLink("/population/genomes") if kind == "soft"
                                        else h5py.ExternalLink(str(other), "genomes"))
    reseal(path)
    with pytest.raises(evocluster.CheckpointError,
                       match=rf"{path}: /hall_of_fame/genomes is a \w+Link; only hard links"):
        evocluster.load_checkpoint(path)


def test_a_dataset_stored_in_another_file_is_refused(newest, tmp_path):
    path = copy_of_newest(newest, tmp_path)
    raw = tmp_path / "genomes.bin"
    raw.write_bytes(np.zeros((20, 5)).tobytes())
    with h5py.File(path, "r+") as edit:
        del edit["population/genomes"]
        edit.create_dataset("population/genomes", shape=(20, 5), dtype="<f8",
                            external=[(str(raw), 0, h5py.h5f.UNLIMITED)])
    reseal(path)
    with pytest.raises(evocluster.CheckpointError, match=r"outside the file; refused"):
        evocluster.load_checkpoint(path)


def test_load_run_skips_a_damaged_newest_checkpoint_loudly(runs, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(runs["single.np1"], out)
    files = sorted((out / "checkpoints").glob("ckpt-*.h5"))
    files[-1].write_bytes(files[-1].read_bytes()[:1000])
    with pytest.warns(UserWarning, match="skipping damaged checkpoint"):
        run = evocluster.load_run(out, pandas=False)
    assert run.jobs[0].checkpoint.path == str(files[-2])
    assert not run.final


REPRODUCERS = pathlib.Path(__file__).resolve().parents[1] / "fuzz" / "reproducers"


def sealed(payload, target):
    """The HDF5 payload behind a valid integrity header (format version 1)."""
    head = bytearray(HEADER)
    struct.pack_into("<8sIIIIQ", head, 0, b"EVOCKPT\n", 1, HEADER, 1, 0, len(payload))
    target.write_bytes(bytes(head) + payload)
    reseal(target)
    return target


@pytest.mark.parametrize("fault, reason", [
    ("hang-h5hg-deserialize", "the parse did not finish within 5 s"),
    ("overflow-h5hg-read", "the parse crashed"),
])
def test_a_file_on_which_hdf5_hangs_or_crashes_is_refused(fault, reason, tmp_path):
    # HDF5 1.10.8 itself loops forever / overflows a buffer on these (found by the fuzz
    # harness): h5py parses in a child first, so this process neither hangs nor crashes.
    path = sealed((REPRODUCERS / f"checkpoint-{fault}.bin").read_bytes(), tmp_path / "f.h5")
    with pytest.raises(evocluster.CheckpointError,
                       match=rf"{path}: HDF5 cannot parse it safely: {reason}"):
        evocluster.load_checkpoint(path)


@pytest.mark.parametrize("fault", ["oom-h5lexists", "leak-h5t-conv-vlen"])
def test_a_file_hdf5_refuses_itself_is_refused_with_its_reason(fault, tmp_path):
    path = sealed((REPRODUCERS / f"checkpoint-{fault}.bin").read_bytes(), tmp_path / "f.h5")
    with pytest.raises(evocluster.CheckpointError, match=rf"^{path}: "):
        evocluster.load_checkpoint(path)
