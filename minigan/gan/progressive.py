"""Training a progressively growing GAN (minigan.models.progressive) phase by phase.

    growth = ProgressiveGAN(rng=seed)
    schedule = GrowthSchedule.from_total(600_000, batch_size=64)
    progressive = ProgressiveTrainer(growth, schedule, EpochSampler(images), config, lr=1e-3, betas=(0.0, 0.99))

    def after_step(trainer, record):
        progressive.after_step(trainer.step)       # the weight average, the next step's alpha
        if trainer.step == progressive.phase.end:
            progressive.advance()                  # the next phase's networks from the next step on

    progressive.trainer.fit(schedule.total_steps, callback=after_step)
    images = progressive.draw(latent_inputs(64, config.z_dim, rng))      # (64, 28, 28), from the averaged G

One GANTrainer does every step. At a phase boundary ``enter`` swaps in the next phase's G and
D (Sequentials of the same shared blocks) and new Adam optimizers that carry over the state of
every weight that stays: persisting weights keep their moments. When new weights appear (the
start of a fade) the step count restarts at 0: the new weights get Adam's usual bias correction,
and the old ones take smaller steps for a few hundred steps, as their second moment is divided
by 1 - beta2^t. During a fade, alpha for the next step is set after every step on both FadeIn
layers and on the real images, which are blended the same way:
    real = (1 - alpha) upsample(avgpool(x)) + alpha x        (x at the phase's resolution)

Images are drawn from a moving average of G's weights (Karras et al. 2018, decay ``average``)
kept per block under the block's name (with batch norm, running statistics are recomputed for
it before it draws), upsampled (nearest) to 28 x 28 below the last level. The run directory
around this training (grids, scores, checkpoints, GIF) is minigan.runs.progressive_run.
"""
import numpy as np

from .. import accel
from ..backend import device_of, fits, to_device
from ..nn import AvgPool2d, FadeIn, Sequential, Upsample2d
from ..optim import Adam
from .averaging import standing_statistics
from .checkpoint import load_checkpoint
from .sampling import CALIBRATION_CODES, generate, latent_inputs
from .trainer import GANTrainer

SIZE = 28


def real_at(x, size, alpha=None):
    """Real images (N, C, 28, 28) at ``size`` by average pooling; with alpha, blended with their
    own half-resolution version as G's output is during a fade."""
    if size < x.shape[-1]:
        x = AvgPool2d(x.shape[-1] // size).forward(x)
    if alpha is not None:
        x = (1 - alpha) * Upsample2d(2).forward(AvgPool2d(2).forward(x)) + alpha * x
    return x


class ResolutionData:
    """The trainer's data source: ``sample`` draws full-size images and brings them to the phase."""

    def __init__(self, sampler, size=SIZE):
        self.sampler, self.size, self.alpha = sampler, size, None

    def sample(self, n, rng):
        return real_at(self.sampler.sample(n, rng), self.size, self.alpha)

    def state_dict(self):
        return self.sampler.state_dict()

    def load_state_dict(self, state):
        self.sampler.load_state_dict(state)


def carry_over(old, model):
    """A new optimizer of old's kind and hyper-parameters on ``model``, holding old's state for
    every parameter array the two models share; step count 0 if ``model`` has new arrays."""
    new = type(old)(model)
    new.hyper = dict(old.hyper)
    names = {id(p): name for name, p in old.model.params.items()}
    fresh = False
    for name, p in model.params.items():
        before = names.get(id(p))
        fresh |= before is None
        if before in old.state:
            new.state[name] = old.state[before]
    new.step_count = 0 if fresh else old.step_count
    return new


class ProgressiveTrainer:
    """A GANTrainer (``trainer``) taken through a GrowthSchedule, with the weight average of G.

    growth:    a ProgressiveGAN, whose shared blocks every phase's G and D are built from
    schedule:  a GrowthSchedule; ``phase`` is the one the next step belongs to
    sampler:   full-size real images (N, C, 28, 28), e.g. an EpochSampler
    average:   the decay of G's weight average
    """

    def __init__(self, growth, schedule, sampler, config, lr=1e-3, betas=(0.0, 0.99), average=0.999):
        self.growth, self.schedule, self.average = growth, schedule, average
        self.calibration_inputs = latent_inputs(CALIBRATION_CODES, config.z_dim,
                                                np.random.default_rng([config.seed, 3]))
        self.averages, self.average_counts = {}, {}
        self.phase = schedule.phase_at(1)
        G, D = self._networks(self.phase, 1)
        self.trainer = GANTrainer(G, D, Adam(G, lr=lr, betas=betas), Adam(D, lr=lr, betas=betas),
                                  ResolutionData(sampler, growth.size(self.phase.level)), config)

    def _networks(self, phase, step):
        alpha = phase.alpha(step)
        return self.growth.generator(phase.level, alpha), self.growth.discriminator(phase.level, alpha)

    def enter(self, phase):
        """Swap in the networks of ``phase`` for the next step, optimizers carried over."""
        t, step = self.trainer, self.trainer.step + 1
        G, D = self._networks(phase, step)
        G.to(t.device), D.to(t.device)
        G.needs_input_grad = False
        t.g_optimizer, t.d_optimizer = carry_over(t.g_optimizer, G), carry_over(t.d_optimizer, D)
        if t.config.accel:
            accel.apply(G, D, t.g_optimizer, t.d_optimizer)
        t.G, t.D, t.last_fake = G, D, None
        t.data.size, t.data.alpha = self.growth.size(phase.level), phase.alpha(step)
        self.phase = phase

    def advance(self):
        """Enter the phase after the current one, if the schedule has one."""
        index = self.schedule.phases.index(self.phase)
        if index + 1 < len(self.schedule.phases):
            self.enter(self.schedule.phases[index + 1])

    def set_alpha(self, alpha):
        for net in (self.trainer.G, self.trainer.D):
            for m in net.modules():
                if isinstance(m, FadeIn):
                    m.alpha = alpha
        self.trainer.data.alpha = alpha

    def after_step(self, step):
        """What follows every training step: the weight average, and during a fade the next step's alpha."""
        self.update_average()
        if self.phase.fade:
            self.set_alpha(self.phase.alpha(step + 1))

    # --- the weight average of G -----------------------------------------------------------------

    def live_weights(self):
        """(key, block, param name) of every weight of the current G, keyed 'G.block1/0.1.weight'."""
        parts = self.growth.parts()
        for part in self.growth.generator_parts(self.phase.level, self.phase.fade):
            for name in parts[part].params:
                yield f"{part}/{name}", parts[part], name

    def update_average(self):
        """average <- d average + (1 - d) weight, d = min(decay, (1 + n) / (10 + n)) after the
        weight's n-th update: a block new to G is followed closely at first, not held near its
        random start for thousands of steps."""
        for key, block, name in self.live_weights():
            p = block.params[name]
            n = self.average_counts.get(key, 0)
            average = self.averages.get(key)
            if average is not None and not fits(average, p):     # G was moved or cast since
                self.averages[key] = to_device(average, device_of(p)).astype(p.dtype)
            if n == 0:
                self.averages[key] = p.copy()
            else:
                decay = min(self.average, (1 + n) / (10 + n))
                self.averages[key] *= decay
                self.averages[key] += (1 - decay) * p
            self.average_counts[key] = n + 1

    def sampler_network(self):
        """G at 28 x 28 (upsampled from its level), with the averaged weights swapped in while in use."""
        G = self.trainer.G
        size = self.growth.size(self.phase.level)
        return G if size == SIZE else Sequential(*G.layers, Upsample2d(SIZE // size))

    def draw(self, inputs):
        """Images (N, 28, 28) from the averaged G (G itself before any average exists). A G with
        batch norm draws with running statistics recomputed for the averaged weights; G's own
        weights, statistics and mode are restored after."""
        G, swapped = self.trainer.G, []
        for key, block, name in self.live_weights():
            if key in self.averages:
                swapped.append((block, name, block.params[name]))
                block.params[name] = self.averages[key]
        training, buffers = G.training, {k: v.copy() for k, v in G.buffers.items()}
        try:
            if swapped and buffers:
                standing_statistics(G, self.calibration_inputs)
            return generate(self.sampler_network(), inputs)
        finally:
            for block, name, original in swapped:
                block.params[name] = original
            for k, v in buffers.items():
                G.buffers[k][...] = v
            G.train(training)

    # --- checkpoints -------------------------------------------------------------------------------

    def state(self):
        """The GANTrainer's (arrays, meta), with the weight average as arrays 'G_average/<key>' and
        meta["progressive"]: the schedule and each averaged weight's update count."""
        arrays, meta = self.trainer.state()
        arrays.update({f"G_average/{k}": v for k, v in self.averages.items()})
        meta["progressive"] = {"schedule": self.schedule.to_list(), "average_counts": self.average_counts}
        return arrays, meta

    def load(self, path):
        """Continue from a checkpoint of ``state``: the phase's networks, weights, optimizers, data
        order, randomness, history and the weight average. Returns the checkpoint's meta."""
        arrays, meta = load_checkpoint(path)
        step = int(meta["step"])
        self.trainer.step = step
        phase = self.schedule.phase_at(step + 1)
        if phase is not self.phase or phase.fade:
            self.enter(phase)
        self.trainer.load(path)
        self.averages = {k[len("G_average/"):]: to_device(v.copy(), self.trainer.device)
                         for k, v in arrays.items() if k.startswith("G_average/")}
        self.average_counts = meta["progressive"]["average_counts"]
        return meta
