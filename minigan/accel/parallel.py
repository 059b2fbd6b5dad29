"""NumPy work split over CPU threads, for the accelerated layers.

NumPy runs every element-wise operation, copy and reduction on one core, while the matrix
products (BLAS) already use them all. Its inner loops release the GIL, so one operation
applied to disjoint pieces of an array from several Python threads runs on several cores
at once. Every array here is split along axis 0 (the batch, or the rows of a matrix), which
works for any memory layout, channels-first or channels-last:

    map_rows(fn, (x, slope), (y,))     # fn(x[a:b], slope[a:b], y[a:b]) for each piece
    sum_rows(fn, (rows,))              # fn(rows[a:b]) summed over the pieces
    for_rows(fn, n)                    # fn(a, b) for pieces of range(n)
    multiply(a, b)                     # a * b in pieces

Element-wise results are bit-identical to the one-piece call: each element is computed by
the same code. A sum over axis 0 becomes a sum of partial sums, which rounds differently
in the last bits (tests/accel/test_equal.py holds it to float tolerance).

Threads: ``set_threads(n)``; by default $MINIGAN_THREADS, else $OMP_NUM_THREADS, else
$OPENBLAS_NUM_THREADS, else every core. Work under ``MIN_ELEMENTS`` elements runs inline
(a thread hand-off costs more than a small operation), and so does everything on CuPy (the
GPU is parallel already).
"""
import os
import threading
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager

import numpy as np

from ..backend import get_array_module

MIN_ELEMENTS = 1 << 18
_threads = None
_pool = None
_lock = threading.Lock()


def _forget_pool():
    """A forked child inherits the pool object but not its threads: it must build its own."""
    global _pool
    _pool = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def default_threads():
    for var in ("MINIGAN_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        value = os.environ.get(var, "")
        if value.isdigit() and int(value) >= 1:
            return int(value)
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1           # the cores this process may use
    return os.cpu_count() or 1


def threads():
    """How many threads the accelerated layers use."""
    global _threads
    if _threads is None:
        _threads = default_threads()
    return _threads


def set_threads(n):
    """Use n threads from now on (1: all work runs on the calling thread)."""
    global _threads, _pool
    if not (isinstance(n, int) and n >= 1):
        raise ValueError(f"threads must be a positive integer, got {n!r}")
    with _lock:
        if _pool is not None:
            _pool.shutdown()
        _threads, _pool = n, None


@contextmanager
def configured(threads=None, min_elements=None):
    """Temporarily change the thread count and the size threshold (tests use min_elements=1)."""
    global MIN_ELEMENTS
    before_threads, before_min = _threads, MIN_ELEMENTS
    if threads is not None:
        set_threads(threads)
    if min_elements is not None:
        MIN_ELEMENTS = min_elements
    try:
        yield
    finally:
        MIN_ELEMENTS = before_min
        if threads is not None:
            set_threads(before_threads or default_threads())


def pieces(n, elements):
    """[(a, b), ...]: range(n) cut into up to threads() near-equal pieces; one piece when the
    work (``elements``) is small or there is one thread."""
    parts = min(threads(), n) if elements >= MIN_ELEMENTS else 1
    bounds = [n * i // parts for i in range(parts + 1)]
    return list(zip(bounds[:-1], bounds[1:]))


def for_rows(fn, n, elements):
    """fn(a, b) for each piece of range(n), the pieces at once; returns the results in order.
    Every piece has finished before this returns or raises (the first piece's error first)."""
    cuts = pieces(n, elements)
    if len(cuts) == 1:
        return [fn(0, n)]
    futures = [_executor().submit(fn, a, b) for a, b in cuts[1:]]
    try:
        first = fn(*cuts[0])                       # the calling thread does its share
    finally:
        wait(futures)                              # no piece still writing after an error
    return [first] + [f.result() for f in futures]


def _executor():
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(threads(), thread_name_prefix="minigan")
        return _pool


def on_cpu(*arrays):
    return all(isinstance(a, np.ndarray) for a in arrays)


def map_rows(fn, inputs, outputs):
    """fn(*(x[a:b] for x in inputs), *(y[a:b] for y in outputs)) over pieces of axis 0."""
    arrays = tuple(inputs) + tuple(outputs)
    n = arrays[0].shape[0]
    elements = arrays[0].size if on_cpu(*arrays) else 0
    for_rows(lambda a, b: fn(*(x[a:b] for x in arrays)), n, elements)
    return outputs


def sum_rows(fn, inputs, outputs=()):
    """The sum over pieces of fn(*(x[a:b] for x in inputs + outputs)): a reduction over axis 0 in
    parts (fn may also write its piece of ``outputs``)."""
    arrays = tuple(inputs) + tuple(outputs)
    n = arrays[0].shape[0]
    elements = arrays[0].size if on_cpu(*arrays) else 0
    parts = for_rows(lambda a, b: fn(*(x[a:b] for x in arrays)), n, elements)
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


def multiply(a, b):
    """a * b for arrays of one shape, in pieces; the result has a's memory layout."""
    if a.shape != b.shape:
        raise ValueError(f"parallel.multiply needs arrays of one shape, got {a.shape} and {b.shape}")
    xp = get_array_module(a, b)
    out = xp.empty_like(a, dtype=xp.result_type(a, b))
    map_rows(xp.multiply, (a, b), (out,))
    return out
