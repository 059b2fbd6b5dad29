"""Shuffled mini-batches for one epoch.

    for x_real in iterate_minibatches(x, 64, rng):             # x: (N, ...)
    for x_real, y in iterate_minibatches((x, labels), 64, rng):

The order comes from the ``rng`` passed in (a numpy Generator, or CuPy's twin), so an epoch
is reproducible from the generator's state and nothing touches the global random state.
"""
import numpy as np


def iterate_minibatches(x, batch_size, rng, drop_last=True):
    """Yield shuffled batches of ``x`` (an array, or a tuple of arrays of equal length).

    Each item appears in at most one batch per epoch. ``drop_last`` leaves out the final
    short batch, which a GAN prefers: batch norm statistics from a handful of items are noisy,
    and every step then sees the same batch size.
    """
    arrays = x if isinstance(x, tuple) else (x,)
    n = len(arrays[0])
    if any(len(a) != n for a in arrays):
        raise ValueError(f"arrays differ in length: {[len(a) for a in arrays]}")
    if int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    if not (isinstance(rng, np.random.Generator) or type(rng).__module__.startswith("cupy")):
        raise TypeError(f"rng must be a numpy Generator (np.random.default_rng(seed)), got {type(rng).__name__}")
    return _batches(arrays, rng.permutation(n), batch_size, drop_last, isinstance(x, tuple))


def _batches(arrays, order, batch_size, drop_last, as_tuple):
    """The generator proper, so that bad arguments fail at the call, not at the first next()."""
    n = len(order)
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        index = order[start:start + batch_size]
        batch = tuple(a[index] for a in arrays)
        yield batch if as_tuple else batch[0]
