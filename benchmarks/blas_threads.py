"""Thread counts for a benchmark, set before NumPy or torch is imported (BLAS reads them then).

    from blas_threads import use_threads
    use_threads(ARGS.threads)          # then import numpy, torch

OpenBLAS, OpenMP, MKL and minigan's own CPU pool (minigan/accel/parallel.py) all get ``n``, so
both frameworks run on the same number of threads. Imports nothing heavy itself.
"""
import os

THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "MINIGAN_THREADS")


def use_threads(n):
    for var in THREAD_VARIABLES:
        os.environ[var] = str(n)
