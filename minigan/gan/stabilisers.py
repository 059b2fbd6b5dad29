"""Stabilisers from the GAN literature, each optional, documented here in one place.

Each one changes a single thing in the training step; the trainer (trainer.py) calls them.

- Experience replay (Shrivastava et al. 2017; Pfau & Vinyals 2016): D also sees fakes from
  earlier generators, so G cannot win by hopping from mode to mode faster than D forgets.
  ``ReplayBuffer.mix`` swaps part of the fake batch for stored past fakes.
- Mini-batch discrimination (Salimans et al. 2016): D sees statistics across the batch and so
  notices a collapsed batch. It is a layer: ``minigan.nn.MinibatchDiscrimination``.
- Packing (Lin et al. 2018, PacGAN): D judges m samples at once, so a generator that draws m
  alike samples is easy to catch. A layer in front of D: ``minigan.nn.Pack``.
- One-sided label smoothing (Salimans et al. 2016): D's target for real data is 0.9 instead of 1,
  which stops D from growing over-confident; fakes keep target 0. A loss argument (real_label).
- Instance noise (Sonderby et al. 2017; Arjovsky & Bottou 2017): Gaussian noise on D's inputs
  makes the real and fake distributions overlap, so D's gradients stay informative.
  ``instance_noise_std`` anneals it to 0.
- Feature matching (Salimans et al. 2016): G minimises ||mean f(x) - mean f(G(z))||^2 for D's
  intermediate features f, instead of maximising D's output. ``feature_matching_loss``.
- Weight clipping (Arjovsky et al. 2017): keeps a WGAN critic Lipschitz. ``clip_weights``.
- Gradient penalties (Gulrajani et al. 2017; Mescheder et al. 2018): WGAN-GP and R1, in penalty.py.
- Averaging G's weights (Yazici et al. 2019): samples drawn from an exponential moving average
  of G's iterates, which oscillate around the equilibrium. ``averaging.WeightAverage``.
"""
import numpy as np

from ..backend import device_of, fits, get_array_module, to_device, to_numpy


class ReplayBuffer:
    """A fixed-size store of past fakes, filled first-in first-out.

    The store lives where the fakes live, in their dtype: if G is moved or cast between
    calls (or the store was loaded from a checkpoint, on the host), the next ``push`` or
    ``mix`` moves it to the fakes' device and dtype first, so fakes never travel through
    the host. Which stored fakes come back is drawn on the host from ``rng`` (a numpy
    Generator, the trainer's), so a run replays the same draws on either device.
    """

    def __init__(self, size):
        self.size = size
        self.items = None          # (size, ...) array once the first batch arrives
        self.count = 0             # how many slots are filled
        self.position = 0          # next slot to overwrite

    def _follow(self, fakes):
        """The store on the fakes' device and in their dtype, allocated on the first batch."""
        xp = get_array_module(fakes)
        if self.items is None:
            self.items = xp.zeros((self.size,) + fakes.shape[1:], dtype=fakes.dtype)
        elif not fits(self.items, fakes, shape=False):
            self.items = to_device(self.items, device_of(fakes)).astype(fakes.dtype, copy=False)
        return xp

    def push(self, fakes):
        xp = self._follow(fakes)
        fakes = fakes[-self.size:]
        slots = (self.position + xp.arange(len(fakes))) % self.size
        self.items[slots] = fakes
        self.position = (self.position + len(fakes)) % self.size
        self.count = min(self.count + len(fakes), self.size)

    def mix(self, fakes, fraction, rng):
        """Return fakes with round(fraction * N) of its rows replaced by stored fakes, then store
        the current fakes. Until the buffer holds anything, fakes come back unchanged."""
        n = int(round(fraction * len(fakes)))
        out = fakes
        if self.count and n:
            xp = self._follow(fakes)
            picks = self.items[xp.asarray(rng.integers(0, self.count, n))]
            out = xp.concatenate([fakes[: len(fakes) - n], picks])
        self.push(fakes)
        return out

    def state_dict(self):
        """Host arrays and integers, wherever the store lives."""
        items = to_numpy(self.items) if self.items is not None else np.zeros((0,))
        return {"items": items, "count": self.count, "position": self.position}

    def load_state_dict(self, state):
        self.count, self.position = int(state["count"]), int(state["position"])
        self.items = np.array(state["items"]) if self.count else None


def instance_noise_std(start, step, total_steps):
    """Noise std at a generator step: start, falling linearly to 0 at total_steps."""
    if not start or total_steps <= 0:
        return 0.0
    return start * max(0.0, 1.0 - step / total_steps)


def add_instance_noise(x, std, rng):
    if not std:
        return x
    noise = rng.standard_normal(x.shape) * std
    return x + to_device(noise.astype(x.dtype), device_of(x))


def feature_matching_loss(real_features, fake_features):
    """L = sum_k (mean_n f_r[n, k] - mean_n f_f[n, k])^2, on flattened features.

    dL/df_f[n, k] = -2 (mean f_r - mean f_f)[k] / N_fake; real features are constants.
    Returns (value, dfake_features) with dfake_features in fake_features' shape.
    """
    xp = get_array_module(fake_features)
    n = fake_features.shape[0]
    diff = real_features.reshape(len(real_features), -1).mean(0) - fake_features.reshape(n, -1).mean(0)
    dfake = xp.broadcast_to(-2.0 * diff / n, (n, diff.size)).reshape(fake_features.shape)
    return (diff * diff).sum(), dfake.astype(fake_features.dtype)


def clip_weights(model, limit):
    """WGAN's weight clipping: every parameter clipped in place to [-limit, limit]."""
    for p in model.params.values():
        get_array_module(p).clip(p, -limit, limit, out=p)
