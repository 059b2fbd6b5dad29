"""Deterministic .npz files: the same arrays give the same bytes, every time, on every machine.

``np.savez`` stamps the current time into every zip entry, so two saves of the same arrays
differ. Here every entry gets the zip epoch (1980-01-01 00:00:00) and fixed attributes, nothing
is compressed, and entries are written in sorted order. ``np.load`` reads the result like any
other .npz file; ``read_npz`` is a convenience that returns a plain dict.
"""
import hashlib
import io
import os
import zipfile

import numpy as np
from numpy.lib import format as npy_format

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def npy_bytes(array):
    """One array in the .npy format, without pickles."""
    buffer = io.BytesIO()
    npy_format.write_array(buffer, np.asarray(array, order="C"), allow_pickle=False)
    return buffer.getvalue()


def write_npz(path, arrays):
    """Write name -> array to ``path`` (written to a temporary file, then renamed into place)."""
    tmp = f"{path}.tmp"
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as archive:
        for name in sorted(arrays):
            info = zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_EPOCH)
            info.create_system = 3                  # "unix", whatever system writes it
            info.external_attr = 0o644 << 16        # rw-r--r--
            archive.writestr(info, npy_bytes(arrays[name]))
    os.replace(tmp, path)


def read_npz(path):
    """name -> array, every array read into memory."""
    with np.load(path, allow_pickle=False) as npz:
        return {name: npz[name] for name in npz.files}


def sha256_of(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()
