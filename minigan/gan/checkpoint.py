"""Checkpoints: one ``.npz`` of named arrays plus a JSON header, written atomically.

Atomic means a reader sees the old file or the new one, never half of one: the data goes
to a temporary file in the same directory, is flushed and fsync'ed, then renamed over
the target (``os.replace`` is atomic on POSIX and Windows), and the directory is fsync'ed.
A run killed mid-write leaves the previous checkpoint intact.
"""
import json
import os
import tempfile

import numpy as np

from ..backend import to_device, device_of, to_numpy

FORMAT_VERSION = 1
META_KEY = "__meta__"


class CheckpointError(RuntimeError):
    """A checkpoint is unreadable, of another format version, or of another architecture."""


def save_checkpoint(path, arrays, meta):
    """Write arrays (name -> array, any device) and meta (JSON-able dict) to path atomically."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    payload = {name: to_numpy(a) for name, a in arrays.items()}
    header = json.dumps({"format_version": FORMAT_VERSION, **meta})
    payload[META_KEY] = np.frombuffer(header.encode(), dtype=np.uint8)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=directory)
    try:
        os.chmod(tmp, 0o666 & ~_umask())            # mkstemp makes 0600; give the usual permissions
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    if hasattr(os, "O_DIRECTORY"):
        dir_fd = os.open(directory, os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def remove_leftovers(directory):
    """Delete the temporary files (``.tmp-*``) that a write killed before its rename left in
    ``directory``; returns their names. Only for a directory no other process writes into."""
    directory = os.fspath(directory)
    names = sorted(n for n in os.listdir(directory) if n.startswith(".tmp-") and n.endswith((".npz", ".json")))
    for name in names:
        os.unlink(os.path.join(directory, name))
    return names


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def load_checkpoint(path):
    """(arrays, meta) from a checkpoint written by save_checkpoint."""
    try:
        with np.load(os.fspath(path), allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except FileNotFoundError:
        raise
    except Exception as err:
        raise CheckpointError(f"{path}: not a readable minigan checkpoint ({err})") from err
    if META_KEY not in arrays:
        raise CheckpointError(f"{path}: no minigan header inside; was it written by save_checkpoint?")
    meta = json.loads(arrays.pop(META_KEY).tobytes().decode())
    version = meta.get("format_version")
    if version != FORMAT_VERSION:
        raise CheckpointError(f"{path}: checkpoint format version {version}, this minigan reads {FORMAT_VERSION}")
    return arrays, meta


def model_arrays(model, prefix):
    """{prefix/name: array} for every parameter and buffer of a model."""
    return {f"{prefix}/{k}": v for k, v in model.state_dict().items()}


def check_model_arrays(model, arrays, prefix, source="checkpoint"):
    """Raise CheckpointError naming the first parameter or buffer of ``model`` that the prefix/*
    arrays miss, hold in another shape, or hold in excess; returns {name: array}."""
    stored = {k[len(prefix) + 1:]: v for k, v in arrays.items() if k.startswith(prefix + "/")}
    expected = model.state_dict()
    for name, current in expected.items():
        if name not in stored:
            raise CheckpointError(f"{source}: {prefix} parameter {name!r} {tuple(current.shape)} is missing; "
                                  f"is it a checkpoint of another architecture?")
        if tuple(stored[name].shape) != tuple(current.shape):
            raise CheckpointError(f"{source}: {prefix} parameter {name!r} has shape {tuple(stored[name].shape)}, "
                                  f"the model expects {tuple(current.shape)}")
    extra = sorted(set(stored) - set(expected))
    if extra:
        raise CheckpointError(f"{source}: {prefix} parameter {extra[0]!r} is not in the model")
    return stored


def load_model_arrays(model, arrays, prefix, source="checkpoint"):
    """Copy prefix/* arrays into model.params and model.buffers, in the model's dtype and device,
    after ``check_model_arrays``: a mismatch changes nothing."""
    stored = check_model_arrays(model, arrays, prefix, source)
    for name, current in model.state_dict().items():
        value = to_device(stored[name].astype(current.dtype), device_of(current))
        store = model.params if name in model.params else model.buffers
        store[name] = value
