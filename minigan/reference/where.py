"""Where an implementation raised: the innermost frame of the traceback in its own code.

Frames inside NumPy, the Python standard library and minigan.reference (the checker) are
passed over: an error raised in ``numpy/_core/einsumfunc.py`` is reported at the line of the
implementation that called einsum.
"""
import os
import sysconfig
import traceback
from pathlib import Path

import numpy as np

_PATHS = sysconfig.get_paths()
_SKIPPED = [Path(np.__file__).resolve().parent, Path(__file__).resolve().parent]
_STDLIB = Path(_PATHS["stdlib"]).resolve()
_INSTALLED = [Path(_PATHS[k]).resolve() for k in ("purelib", "platlib")]


def _library(filename):
    if filename.startswith("<"):
        return True
    path = Path(filename).resolve()
    if any(path.is_relative_to(p) for p in _SKIPPED):
        return True
    return path.is_relative_to(_STDLIB) and not any(path.is_relative_to(p) for p in _INSTALLED)


def _shown(filename):
    try:
        return os.path.relpath(filename)
    except ValueError:                       # another drive on Windows
        return filename


def locate(err):
    """'path:line in function: source line' of the frame to blame, or '' without a traceback."""
    frames = traceback.extract_tb(err.__traceback__)
    if not frames:
        return ""
    own = [f for f in frames if not _library(f.filename)]
    frame = (own or frames)[-1]
    code = f": {frame.line.strip()}" if frame.line else ""
    return f"{_shown(frame.filename)}:{frame.lineno} in {frame.name}{code}"


def describe(err):
    """One line: the exception and where it was raised in the implementation."""
    place = locate(err)
    text = f"{type(err).__name__}: {err}".strip()
    return f"{text}  (at {place})" if place else text


