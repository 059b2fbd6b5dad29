"""Read and write IDX files, the format of MNIST and Fashion-MNIST.

An IDX file is a 4-byte magic number, then one big-endian uint32 per dimension, then the
items in C order (last index fastest), big-endian::

    bytes 0-1   0x00 0x00         always zero
    byte  2     type code         0x08 ubyte, 0x09 sbyte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
    byte  3     ndim              1 for a label vector, 3 for a stack of images
    ndim x 4    dims              e.g. 60000, 28, 28
    rest        data              prod(dims) items of the type above

So Fashion-MNIST images start with magic 0x00000803 (ubyte, 3 dims: N, 28, 28) and labels with
0x00000801 (ubyte, 1 dim: N). The files are usually gzip-compressed; ``read_idx`` and
``write_idx`` gunzip and gzip when the content (or the file name) says so.

``DatasetError`` lives here because this is the lowest file of ``minigan.data``: every other
data module imports it from here, and every message it carries names the file at fault.
"""
import gzip
import zlib
from pathlib import Path

import numpy as np

GZIP_MAGIC = b"\x1f\x8b"

# IDX type code -> big-endian numpy dtype
IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


class DatasetError(RuntimeError):
    """A data file is missing, corrupt or malformed; the message names the file and the fix."""


def gunzip(blob, source):
    """Decompress ``blob`` if it starts with the gzip magic, else return it unchanged.

    A truncated or damaged stream raises DatasetError naming ``source`` instead of the bare
    EOFError / zlib.error that gzip gives, which would not say which of four files is broken.
    """
    if not blob.startswith(GZIP_MAGIC):
        return blob
    try:
        return gzip.decompress(blob)
    except (EOFError, OSError, zlib.error) as err:
        raise DatasetError(f"{source}: cannot decompress gzip data ({len(blob)} bytes): {err}") from err


def parse_idx(raw, source="<bytes>", ndim=None, dtype=None):
    """Turn uncompressed IDX bytes into a native-endian, writable numpy array.

    ``ndim`` and ``dtype`` (optional) are what the caller expects; a file that disagrees, or
    whose length does not match its header, raises DatasetError naming ``source``.
    """
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_DTYPES:
        found = raw[:4].hex() if raw else "an empty file"
        raise DatasetError(
            f"{source}: not an IDX file: expected a magic number 0x0000TTDD (TT a type code in "
            f"{sorted(hex(c) for c in IDX_DTYPES)}, DD the number of dimensions), found {found}"
        )
    idx_dtype, found_ndim = IDX_DTYPES[raw[2]], raw[3]
    magic = int.from_bytes(raw[:4], "big")
    if ndim is not None and found_ndim != ndim:
        raise DatasetError(
            f"{source}: expected {ndim} dimension(s), found {found_ndim} (magic number 0x{magic:08x})"
        )
    if dtype is not None and idx_dtype.newbyteorder("=") != np.dtype(dtype):
        raise DatasetError(
            f"{source}: expected items of type {np.dtype(dtype)}, found {idx_dtype.newbyteorder('=')} "
            f"(magic number 0x{magic:08x})"
        )
    header = 4 + 4 * found_ndim
    if len(raw) < header:
        raise DatasetError(f"{source}: header cut short: {found_ndim} dims need {header} bytes, found {len(raw)}")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(found_ndim))
    expected = header + int(np.prod(shape, dtype=np.int64)) * idx_dtype.itemsize
    if len(raw) != expected:
        raise DatasetError(
            f"{source}: header says shape {shape} of {idx_dtype.newbyteorder('=')}, which needs "
            f"{expected} bytes, but the file holds {len(raw)} bytes (truncated or padded)"
        )
    items = np.frombuffer(raw, dtype=idx_dtype, offset=header).reshape(shape)
    # astype copies, so the result is writable and does not pin the decompressed bytes
    return items.astype(idx_dtype.newbyteorder("="))


def read_idx(path, ndim=None, dtype=None):
    """Read an IDX file, gzip-compressed or not, into a numpy array (see ``parse_idx``)."""
    path = Path(path)
    try:
        blob = path.read_bytes()
    except OSError as err:
        raise DatasetError(f"{path}: cannot read: {err}") from err
    return parse_idx(gunzip(blob, path), path, ndim=ndim, dtype=dtype)


def idx_bytes(array):
    """The uncompressed IDX encoding of ``array`` (a dtype listed in IDX_DTYPES)."""
    array = np.asarray(array)
    codes = {dt.newbyteorder("="): code for code, dt in IDX_DTYPES.items()}
    if array.dtype not in codes:
        raise TypeError(f"IDX cannot store dtype {array.dtype}; use one of {sorted(map(str, codes))}")
    if array.ndim > 255:
        raise ValueError("IDX stores at most 255 dimensions")
    magic = bytes([0, 0, codes[array.dtype], array.ndim])
    dims = b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    big_endian = array.astype(array.dtype.newbyteorder(">"), copy=False)
    return magic + dims + np.ascontiguousarray(big_endian).tobytes()


def write_idx(path, array, compress=None, mtime=0):
    """Write ``array`` as an IDX file; gzip it when ``compress`` is True or the name ends in .gz.

    ``mtime`` goes into the gzip header; the default 0 makes the bytes reproducible.
    """
    path = Path(path)
    raw = idx_bytes(array)
    if compress if compress is not None else path.suffix == ".gz":
        raw = gzip.compress(raw, mtime=mtime)
    path.write_bytes(raw)
    return path
