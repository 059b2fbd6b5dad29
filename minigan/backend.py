"""The only module that knows CuPy exists.

Every other file asks the data which array module to use::

    xp = get_array_module(x)      # numpy for numpy arrays, cupy for cupy arrays
    y = xp.maximum(x, 0)

CuPy is imported lazily, the first time a CUDA device is asked for or a CuPy array
is seen, so ``import minigan`` stays fast and works without CuPy installed.
"""
import os

import numpy as np

DEVICES = ("cpu", "cuda")


class DeviceError(RuntimeError):
    """CUDA was asked for but CuPy or a GPU is missing, or a device name is unknown."""


def _is_cupy_array(x):
    return type(x).__module__.split(".")[0] == "cupy"


def get_array_module(*arrays):
    """Return ``cupy`` if any argument is a CuPy array, else ``numpy``."""
    for x in arrays:
        if _is_cupy_array(x):
            import cupy
            return cupy
    return np


def _cupy():
    """Import CuPy and check that a GPU answers; raise DeviceError saying what is missing."""
    try:
        import cupy
    except ImportError as err:
        raise DeviceError(
            "device 'cuda' needs CuPy, which is not installed. "
            'Install it with: pip install -e ".[cuda]" (CUDA 12), or pip install cupy-cuda13x (CUDA 13).'
        ) from err
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as err:  # cupy raises CUDARuntimeError when no driver is present
        raise DeviceError(f"device 'cuda' asked for, but CuPy finds no usable GPU: {err}") from err
    if count == 0:
        raise DeviceError("device 'cuda' asked for, but CuPy finds no GPU.")
    return cupy


def cuda_available():
    """True when CuPy is installed and sees at least one GPU."""
    try:
        _cupy()
    except DeviceError:
        return False
    return True


def check_device(device):
    """Normalise a device name ('cpu', 'cuda', 'cuda:0' -> 'cuda') and reject unknown ones."""
    name = str(device).lower().split(":")[0]
    if name not in DEVICES:
        raise DeviceError(f"unknown device {device!r}: expected one of {', '.join(DEVICES)}")
    if name == "cuda":
        _cupy()
    return name


def default_device(device=None):
    """The device to use: the argument if given, else ``$MINIGAN_DEVICE``, else 'cpu'."""
    return check_device(device or os.environ.get("MINIGAN_DEVICE") or "cpu")


def device_of(x):
    """'cuda' for a CuPy array, 'cpu' for anything else."""
    return "cuda" if _is_cupy_array(x) else "cpu"


def to_device(x, device):
    """Move an array to 'cpu' (NumPy) or 'cuda' (CuPy); returns x itself when it is already there."""
    device = check_device(device)
    if device_of(x) == device:
        return x
    if device == "cpu":
        return x.get()
    return _cupy().asarray(x)


def to_numpy(x):
    """A NumPy array of x, wherever x lives."""
    return x.get() if _is_cupy_array(x) else np.asarray(x)


def as_array_like(x, like):
    """x (NumPy or scalar) as an array on the device and in the dtype of ``like``."""
    xp = get_array_module(like)
    return xp.asarray(x, dtype=like.dtype)


def fits(buf, like, shape=True):
    """True if ``buf`` can stand in for an array like ``like``: same dtype and device (and shape)."""
    return (buf is not None and (not shape or buf.shape == like.shape) and buf.dtype == like.dtype
            and get_array_module(buf) is get_array_module(like))


def finite_flag(arrays):
    """A 0-d bool array on the arrays' device: are all of them free of NaN and inf. Nothing is
    read back to the host; the arrays share a device."""
    arrays = iter(arrays)
    first = next(arrays)
    xp = get_array_module(first)
    flag = xp.asarray(xp.isfinite(first).all())
    for a in arrays:             # not xp.stack: CuPy stacks more than 8 arrays through a host table
        xp.logical_and(flag, xp.isfinite(a).all(), out=flag)
    return flag


def all_finite(arrays):
    """True if no array holds NaN or inf: one read back to the host for all of them.

    On the CPU each array's sum is tried first: one pass with no temporary, and a NaN or inf
    anywhere makes the sum NaN or inf. Only if a sum is not finite (which finite values can
    also give, by overflowing) are the elements checked one by one."""
    arrays = list(arrays)
    if not arrays:
        return True
    if all(isinstance(a, np.ndarray) for a in arrays):
        with np.errstate(over="ignore", invalid="ignore"):          # inf - inf in a sum is the news
            if all(np.isfinite(a.sum()) for a in arrays):
                return True
    return bool(finite_flag(arrays))
