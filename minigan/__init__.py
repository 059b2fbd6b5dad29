"""minigan: a minimal GAN library whose every layer writes its own forward and backward pass.

Layers are in ``minigan.nn``, losses in ``minigan.losses``, optimizers in ``minigan.optim``,
weight initialisers in ``minigan.init`` and the gradient checker in ``minigan.gradcheck``.
The same code runs on NumPy (CPU) and CuPy (CUDA); ``minigan.backend`` picks by the data.
"""
import os

# OpenBLAS's idle threads spin for ~0.1 s after every matrix product, on the cores that the
# fast paths' own threads (minigan/nn/parallel.py) need next; 4 (2^4 cycles) makes them sleep
# at once. OpenBLAS reads this when NumPy loads, so it counts only when minigan is imported
# first. It goes into os.environ, so subprocesses inherit it; a value already set is kept
# (set OPENBLAS_THREAD_TIMEOUT=28, OpenBLAS's own default, to keep the spinning).
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")

__version__ = "0.1.0"
