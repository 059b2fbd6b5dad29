"""BLAS settings for minigan's entry points (demos, ``python -m minigan``, benchmarks).

OpenBLAS reads its environment once, when NumPy loads, so an entry point calls ``configure``
before anything imports NumPy; the library itself changes no environment variable::

    import minigan.blas
    minigan.blas.configure()          # then import numpy, minigan.nn, ...

OpenBLAS's idle threads spin for a while after every matrix product, on the cores that
minigan.accel's own threads (accel/parallel.py) need next; OPENBLAS_THREAD_TIMEOUT=4 (2^4
cycles) makes them sleep at once. Values already in the environment are kept (set
OPENBLAS_THREAD_TIMEOUT=28, OpenBLAS's own default, to keep the spinning).
"""
import os


def configure(threads=None):
    """Set OpenBLAS's thread timeout, and its thread count if ``threads`` is given (toy-sized
    matrices gain nothing from a second thread, which only spins on a busy machine)."""
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
    if threads is not None:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", str(threads))
