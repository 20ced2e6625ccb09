"""The 512-byte integrity header of a checkpoint (docs/checkpoint-format.md), checked on the
bytes in memory before h5py parses any of them: what was verified is what is parsed.

The payload's XXH3-128 needs the xxhash module (Debian: python3-xxhash). Without it only the
header's structure and length are checked, and a warning says so once.
"""

import struct
import warnings

try:
    import xxhash
except ImportError:  # the header is still checked; the payload hash is not
    xxhash = None

MAGIC = b"EVOCKPT\n"
HEADER_SIZE = 512
HEADER_VERSION = 1
FORMAT_VERSION = 1
_warned_no_xxhash = False


class CheckpointError(Exception):
    """A checkpoint that is damaged, not a checkpoint, or of another format version."""


def verify_image(data, name):
    """Raises CheckpointError naming `name` unless `data` (the whole file) is intact."""
    global _warned_no_xxhash
    if len(data) < HEADER_SIZE or data[:8] != MAGIC:
        raise CheckpointError(f"{name}: not an evocluster checkpoint (bad magic)")
    head = data[:HEADER_SIZE]
    header_version, user_block, format_version, _, length = struct.unpack_from("<IIIIQ", head, 8)
    if xxhash is not None:
        header_hash = xxhash.xxh3_64_digest(head[:48] + bytes(8) + head[56:])
        if header_hash != head[48:56]:
            raise CheckpointError(f"{name}: checksum mismatch: header XXH3-64 is "
                                  f"{header_hash.hex()}, header says {head[48:56].hex()}")
    if header_version != HEADER_VERSION or user_block != HEADER_SIZE:
        raise CheckpointError(f"{name}: unknown integrity header version {header_version} "
                              f"(user block {user_block})")
    if length != len(data) - HEADER_SIZE:
        raise CheckpointError(f"{name}: truncated: header says {length} bytes, "
                              f"file has {len(data) - HEADER_SIZE}")
    if xxhash is not None:
        payload_hash = xxhash.xxh3_128_digest(data[HEADER_SIZE:])
        if payload_hash != head[32:48]:
            raise CheckpointError(f"{name}: checksum mismatch: payload XXH3-128 is "
                                  f"{payload_hash.hex()}, header says {head[32:48].hex()}")
    elif not _warned_no_xxhash:
        _warned_no_xxhash = True
        warnings.warn("evocluster: the xxhash module is missing (Debian: python3-xxhash): "
                      "checkpoint headers are checked, payload checksums are not")
    if format_version != FORMAT_VERSION:
        raise CheckpointError(f"{name}: incompatible format version {format_version} "
                              f"(this reader reads {FORMAT_VERSION})")
