"""Shuffled mini-batches for one epoch.

    for x_real in iterate_minibatches(x, 64, rng):             # x: (N, ...)
    for x_real, y in iterate_minibatches((x, labels), 64, rng):

The order comes from the ``rng`` passed in, so an epoch is reproducible from the generator's
state and nothing touches the global random state.

Shuffling stays on the host by design: ``rng`` must be a numpy Generator, and the order is a
host array of N indices. A permutation of N integers is cheap on the CPU, CuPy's Generator has
no ``permutation``, and the trainer's one numpy Generator (saved in every checkpoint) then
decides the order on either device. The data may live on either side: a host index into a CuPy
array is copied to the device by CuPy, so each batch comes back where its array lives; a host
data set's batches are moved to the device by the caller (the trainer's ``real_batch``).
"""
import numpy as np


def check_host_generator(rng):
    """Raise TypeError unless rng is a numpy Generator: shuffling runs on the host."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy Generator (np.random.default_rng(seed)), got "
                        f"{type(rng).__module__}.{type(rng).__name__}: shuffling runs on the host, whatever "
                        f"device the data is on")


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
    check_host_generator(rng)
    return _batches(arrays, rng.permutation(n), batch_size, drop_last, isinstance(x, tuple))


def _batches(arrays, order, batch_size, drop_last, as_tuple):
    """The generator proper, so that bad arguments fail at the call, not at the first next()."""
    n = len(order)
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        index = order[start:start + batch_size]
        batch = tuple(a[index] for a in arrays)
        yield batch if as_tuple else batch[0]


class EpochSampler:
    """The trainer's data source over an array: ``sample(n, rng)`` returns the next n items of a
    shuffled epoch, reshuffling when fewer than n remain (drop_last, like a PyTorch DataLoader
    with shuffle=True, drop_last=True).

    Each epoch's order is a permutation from a seed drawn from the trainer's rng (a numpy
    Generator: shuffling runs on the host, see above), so the state to checkpoint is three
    integers: the epoch's seed, the position, the epoch count. Items come back on the device
    of ``x``.
    ``labels``, if given, travel with the items: ``last_labels`` holds the latest batch's.
    """

    def __init__(self, x, labels=None):
        self.x, self.labels = x, labels
        self.seed, self.position, self.epoch = None, 0, 0
        self.order, self.last_labels = None, None

    def __len__(self):
        return len(self.x)

    def batches_per_epoch(self, batch_size):
        return len(self.x) // batch_size

    def sample(self, n, rng):
        if n > len(self.x):
            raise ValueError(f"batch of {n} asked from a data set of {len(self.x)}")
        if self.order is None or self.position + n > len(self.x):
            check_host_generator(rng)
            self._shuffle(int(rng.integers(2**63)))
        index = self.order[self.position:self.position + n]
        self.position += n
        if self.labels is not None:
            self.last_labels = self.labels[index]
        return self.x[index]

    def _shuffle(self, seed):
        self.seed, self.position, self.epoch = seed, 0, self.epoch + 1
        self.order = np.random.default_rng(seed).permutation(len(self.x))

    def state_dict(self):
        return {"seed": self.seed, "position": self.position, "epoch": self.epoch}

    def load_state_dict(self, state):
        if state["seed"] is None:
            self.seed, self.order, self.position, self.epoch = None, None, 0, 0
            return
        self._shuffle(int(state["seed"]))
        self.position, self.epoch = int(state["position"]), int(state["epoch"])
