"""minigan: a minimal GAN library whose every layer writes its own forward and backward pass.

Layers are in ``minigan.nn``, losses in ``minigan.losses``, optimizers in ``minigan.optim``,
weight initialisers in ``minigan.init`` and the gradient checker in ``minigan.gradcheck``.
The same code runs on NumPy (CPU) and CuPy (CUDA); ``minigan.backend`` picks by the data.
The fast twins of the layers live in ``minigan.accel`` and run only when switched on.
"""
__version__ = "0.1.0"
