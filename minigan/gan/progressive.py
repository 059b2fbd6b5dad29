"""Training a progressively growing GAN (minigan.models.progressive) phase by phase.

    growth = ProgressiveGAN(rng=seed)
    schedule = GrowthSchedule.from_total(600_000, batch_size=64)
    run = ProgressiveRun(growth, schedule, EpochSampler(images), "runs/progressive", config, lr=1e-3,
                         betas=(0.0, 0.99), scorer=QualityScorer())
    run.train()               # per phase: a grid, a score, a checkpoint; frames for the GIF
    run.finish()              # samples.npy, metrics.json, growth.gif, curves

One GANTrainer does every step. At a phase boundary ``enter`` swaps in the next phase's G and
D (Sequentials of the same shared blocks) and new Adam optimizers that carry over the state of
every weight that stays: persisting weights keep their moments. When new weights appear (the
start of a fade) the step count restarts at 0: the new weights get Adam's usual bias correction,
and the old ones take smaller steps for a few hundred steps, as their second moment is divided
by 1 - beta2^t. During a fade, alpha for the next step is set after every step on both FadeIn
layers and on the real images, which are blended the same way:
    real = (1 - alpha) upsample(avgpool(x)) + alpha x        (x at the phase's resolution)

Samples, grids and scores come from a moving average of G's weights (Karras et al. 2018, decay
``average``) kept per block under the block's name (with batch norm, running statistics are
recomputed for it before it draws), upsampled (nearest) to 28 x 28 below the last level.

The run directory:
    grids/<phase>.png         at the end of each phase (stable_7, fade_14, ...); grids/start.png
    frames/step_*.png          frames of growth.gif, spread over the run
    phases.json               per phase: steps, images, training seconds, losses, FD, score
    checkpoint.npz            written at each phase end and every checkpoint_every steps
    history.json/.csv         the trainer's per-step records (with each checkpoint)
    curves.png, samples.npy (N, 28, 28) float32, metrics.json, growth.gif     at the end
    phases.png                 the grids of every phase's end side by side, with their scores
"""
import time
from pathlib import Path

import numpy as np

from ..backend import to_device
from ..cli import write_json
from ..nn import AvgPool2d, FadeIn, Sequential, Upsample2d
from ..optim import Adam
from ..plots.animation import frame_steps, write_gif
from ..plots.common import training_curves
from ..plots.images import save_image_grid, save_image_strip
from .checkpoint import load_checkpoint, save_checkpoint
from .averaging import standing_statistics
from .image_run import CALIBRATION_CODES, CHECKPOINT, generate, latent_inputs
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


class ProgressiveRun:
    """Drives a GANTrainer through a GrowthSchedule and writes the run directory above."""

    def __init__(self, growth, schedule, sampler, out, config, lr=1e-3, betas=(0.0, 0.99), scorer=None,
                 num_samples=10000, average=0.999, frames=60, checkpoint_every=500, progress=True, log=print):
        self.growth, self.schedule, self.out, self.config = growth, schedule, Path(out), config
        self.scorer, self.average, self.progress, self.log = scorer, average, progress, log
        self.checkpoint_every = checkpoint_every
        self.frame_steps = set(frame_steps(schedule.total_steps, frames))
        self.grid_inputs = latent_inputs(64, config.z_dim, np.random.default_rng([config.seed, 1]))
        self.sample_inputs = latent_inputs(num_samples, config.z_dim, np.random.default_rng([config.seed, 2]))
        self.calibration_inputs = latent_inputs(CALIBRATION_CODES, config.z_dim,
                                                np.random.default_rng([config.seed, 3]))
        self.phases, self.frames, self.averages, self.average_counts = [], [], {}, {}
        self.phase = schedule.phase_at(1)
        G, D = self._networks(self.phase, 1)
        self.trainer = GANTrainer(G, D, Adam(G, lr=lr, betas=betas), Adam(D, lr=lr, betas=betas),
                                  ResolutionData(sampler, growth.size(self.phase.level)), config)
        (self.out / "grids").mkdir(parents=True, exist_ok=True)
        (self.out / "frames").mkdir(exist_ok=True)

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
        t.G, t.D, t.last_fake = G, D, None
        t.data.size, t.data.alpha = self.growth.size(phase.level), phase.alpha(step)
        self.phase = phase

    def set_alpha(self, alpha):
        for net in (self.trainer.G, self.trainer.D):
            for m in net.modules():
                if isinstance(m, FadeIn):
                    m.alpha = alpha
        self.trainer.data.alpha = alpha

    # --- the weight average of G -----------------------------------------------------------------

    def _live_weights(self):
        """(key, block, param name) of every weight of the current G, keyed 'G.block1/0.1.weight'."""
        parts = self.growth.parts()
        for part in self.growth.generator_parts(self.phase.level, self.phase.fade):
            for name in parts[part].params:
                yield f"{part}/{name}", parts[part], name

    def update_average(self):
        """average <- d average + (1 - d) weight, d = min(decay, (1 + n) / (10 + n)) after the
        weight's n-th update: a block new to G is followed closely at first, not held near its
        random start for thousands of steps."""
        for key, block, name in self._live_weights():
            p = block.params[name]
            n = self.average_counts.get(key, 0)
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
        batch norm draws with running statistics recomputed for the averaged weights (as
        ImageRun's sampler does); G's own weights, statistics and mode are restored after."""
        G, swapped = self.trainer.G, []
        for key, block, name in self._live_weights():
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

    # --- the loop --------------------------------------------------------------------------------

    def train(self, until=None):
        """Train to the end of the schedule (or to step ``until``; a resumed run continues)."""
        if self.trainer.step == 0:
            self.save_grid(self.out / "grids" / "start.png", "untrained")
        self._start = time.perf_counter()
        self.trainer.fit(until or self.schedule.total_steps, callback=self._after_step, progress=self.progress)

    def _after_step(self, trainer, record):
        step = trainer.step
        self.update_average()
        if self.phase.fade:
            self.set_alpha(self.phase.alpha(step + 1))
        if step in self.frame_steps:
            path = self.out / "frames" / f"step_{step:06d}.png"
            self.save_grid(path, f"{self.phase.name}  step {step}")
            self.frames.append(str(path.relative_to(self.out)))
        if step == self.phase.end:
            self.end_phase()
        elif self.checkpoint_every and step % self.checkpoint_every == 0:
            self.save()

    def end_phase(self):
        phase, trainer = self.phase, self.trainer
        seconds = time.perf_counter() - self._start
        records = trainer.history.records[-phase.steps:]
        entry = {"phase": phase.name, "level": phase.level, "size": self.growth.size(phase.level),
                 "end_step": trainer.step, "steps": phase.steps, "images": phase.steps * self.config.batch_size,
                 "seconds": seconds}
        for key in ("d_loss", "g_loss", "d_real", "d_fake"):
            entry[key] = float(np.mean([r[key] for r in records]))
        self.save_grid(self.out / "grids" / f"{phase.name}.png", f"end of {phase.name}")
        if self.scorer is not None:
            started = time.perf_counter()
            scores = self.scorer.score(self.draw(self.sample_inputs))
            entry.update(frechet_distance=scores["frechet_distance"], classifier_score=scores["classifier_score"],
                         score_seconds=time.perf_counter() - started)
        self.phases.append(entry)
        index = self.schedule.phases.index(phase)
        if index + 1 < len(self.schedule.phases):
            self.enter(self.schedule.phases[index + 1])
        self.save()
        scored = (f"  FD {entry['frechet_distance']:.2f}  score {entry['classifier_score']:.2f}"
                  if "frechet_distance" in entry else "")
        self.log(f"{phase.name}  {entry['images']} images  {seconds:.0f} s  d_loss {entry['d_loss']:.3f}  "
                 f"g_loss {entry['g_loss']:.3f}  D(x) {entry['d_real']:.2f}  D(G(z)) {entry['d_fake']:.2f}{scored}")
        self._start = time.perf_counter()

    def save_phase_strip(self):
        """phases.png: the grid saved at the end of each phase, left to right, with its scores."""
        titles = [f"{p['phase'].replace('_', ' ')}: {p['images']:,} images"
                  + (f"\nFD {p['frechet_distance']:.1f}, score {p['classifier_score']:.2f}"
                     if "frechet_distance" in p else "") for p in self.phases]
        grids = [self.out / "grids" / f"{p['phase']}.png" for p in self.phases]
        if grids:
            return save_image_strip(grids, self.out / "phases.png", titles)

    def save_grid(self, path, title):
        return save_image_grid(self.draw(self.grid_inputs), path, 8, title=title)

    # --- checkpoints and the end -------------------------------------------------------------------

    def save(self):
        """Checkpoint (atomic), history and the phase log."""
        arrays, meta = self.trainer.state()
        arrays.update({f"G_average/{k}": v for k, v in self.averages.items()})
        meta["progressive"] = {"phases": self.phases, "frames": self.frames, "schedule": self.schedule.to_list(),
                               "average_counts": self.average_counts}
        save_checkpoint(self.out / CHECKPOINT, arrays, meta)
        history = self.trainer.history
        history.save_json(self.out / "history.json")
        history.save_csv(self.out / "history.csv")
        write_json(self.out / "phases.json", self.phases)

    def resume(self):
        """Continue from out/checkpoint.npz: the phase's networks, weights, optimizers, data
        order, randomness, history, the weight average and the phase log."""
        path = self.out / CHECKPOINT
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
        self.phases = meta["progressive"]["phases"]
        self.frames = meta["progressive"]["frames"]
        self.log(f"resumed from {path} at step {step} ({phase.name})")
        return step

    def finish(self):
        """samples.npy, metrics.json (with a scorer), curves.png and growth.gif."""
        if len(self.trainer.history):
            training_curves(self.trainer.history, self.out / "curves.png")
        samples = self.draw(self.sample_inputs)
        np.save(self.out / "samples.npy", samples)
        metrics = {"steps": self.trainer.step, "images": self.trainer.step * self.config.batch_size,
                   "weight_average": self.average, "phases": self.phases}
        if self.scorer is not None:
            metrics.update(self.scorer.score(samples))
            raw = self.scorer.score(generate(self.sampler_network(), self.sample_inputs))
            metrics["without_weight_average"] = {k: raw[k] for k in ("frechet_distance", "classifier_score")}
        write_json(self.out / "metrics.json", metrics)
        self.save_phase_strip()
        frames = [self.out / "grids" / "start.png"] + [self.out / f for f in self.frames]
        frames = [f for f in frames if f.exists()]
        if frames:
            write_gif(frames, self.out / "growth.gif", seconds_per_frame=0.25)
        return metrics
