"""The run directory of a progressively growing GAN, trained phase by phase (minigan.gan.progressive).

    growth = ProgressiveGAN(rng=seed)
    schedule = GrowthSchedule.from_total(600_000, batch_size=64)
    run = ProgressiveRun(growth, schedule, EpochSampler(images), "runs/progressive", config, lr=1e-3,
                         betas=(0.0, 0.99), scorer=QualityScorer())
    run.train()               # per phase: a grid, a score, a checkpoint; frames for the GIF
    run.finish()              # samples.npy, metrics.json, growth.gif, curves

Grids, frames, samples and scores come from G's weight average (ProgressiveTrainer.draw).

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

from ..gan.checkpoint import save_checkpoint
from ..gan.progressive import ProgressiveTrainer
from ..gan.sampling import generate, latent_inputs
from ..jsonio import write_json
from ..plots.animation import frame_steps, write_gif
from ..plots.common import training_curves
from ..plots.images import save_image_grid, save_image_strip
from . import CHECKPOINT


class ProgressiveRun:
    """Drives a ProgressiveTrainer (``progressive``) through its schedule and writes the run directory above.

    ``trainer`` is its GANTrainer; ``phases`` the log of finished phases (phases.json)."""

    def __init__(self, growth, schedule, sampler, out, config, lr=1e-3, betas=(0.0, 0.99), scorer=None,
                 num_samples=10000, average=0.999, frames=60, checkpoint_every=500, progress=True, log=print):
        self.growth, self.schedule, self.out, self.config = growth, schedule, Path(out), config
        self.scorer, self.progress, self.log = scorer, progress, log
        self.checkpoint_every = checkpoint_every
        self.frame_steps = set(frame_steps(schedule.total_steps, frames))
        self.grid_inputs = latent_inputs(64, config.z_dim, np.random.default_rng([config.seed, 1]))
        self.sample_inputs = latent_inputs(num_samples, config.z_dim, np.random.default_rng([config.seed, 2]))
        self.phases, self.frames = [], []
        self.progressive = ProgressiveTrainer(growth, schedule, sampler, config, lr, betas, average)
        self.trainer = self.progressive.trainer
        (self.out / "grids").mkdir(parents=True, exist_ok=True)
        (self.out / "frames").mkdir(exist_ok=True)

    @property
    def phase(self):
        """The phase the next training step belongs to."""
        return self.progressive.phase

    def draw(self, inputs):
        """Images (N, 28, 28) float32 from G's weight average (ProgressiveTrainer.draw)."""
        return self.progressive.draw(inputs)

    def train(self, until=None):
        """Train to the end of the schedule (or to step ``until``; a resumed run continues)."""
        if self.trainer.step == 0:
            self.save_grid(self.out / "grids" / "start.png", "untrained")
        self._start = time.perf_counter()
        self.trainer.fit(until or self.schedule.total_steps, callback=self._after_step, progress=self.progress)

    def _after_step(self, trainer, record):
        step = trainer.step
        self.progressive.after_step(step)
        if step in self.frame_steps:
            path = self.out / "frames" / f"step_{step:06d}.png"
            self.save_grid(path, f"{self.phase.name}  step {step}")
            self.frames.append(str(path.relative_to(self.out)))
        if step == self.phase.end:
            self.end_phase()
        elif self.checkpoint_every and step % self.checkpoint_every == 0:
            self.save()

    def end_phase(self):
        """Log the phase that ends with this step (grid, losses, scores), enter the next, checkpoint."""
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
        self.progressive.advance()
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
        arrays, meta = self.progressive.state()
        meta["progressive"] = {"phases": self.phases, "frames": self.frames, **meta["progressive"]}
        save_checkpoint(self.out / CHECKPOINT, arrays, meta)
        history = self.trainer.history
        history.save_json(self.out / "history.json")
        history.save_csv(self.out / "history.csv")
        write_json(self.out / "phases.json", self.phases)

    def resume(self):
        """Continue from out/checkpoint.npz: the phase's networks, weights, optimizers, data
        order, randomness, history, the weight average and the phase log. Returns the step."""
        path = self.out / CHECKPOINT
        meta = self.progressive.load(path)
        self.phases = meta["progressive"]["phases"]
        self.frames = meta["progressive"]["frames"]
        step = int(meta["step"])
        self.log(f"resumed from {path} at step {step} ({self.phase.name})")
        return step

    def finish(self):
        """samples.npy, metrics.json (with a scorer), curves.png and growth.gif."""
        if len(self.trainer.history):
            training_curves(self.trainer.history, self.out / "curves.png")
        samples = self.draw(self.sample_inputs)
        np.save(self.out / "samples.npy", samples)
        metrics = {"steps": self.trainer.step, "images": self.trainer.step * self.config.batch_size,
                   "weight_average": self.progressive.average, "phases": self.phases}
        if self.scorer is not None:
            metrics.update(self.scorer.score(samples))
            raw = self.scorer.score(generate(self.progressive.sampler_network(), self.sample_inputs))
            metrics["without_weight_average"] = {k: raw[k] for k in ("frechet_distance", "classifier_score")}
        write_json(self.out / "metrics.json", metrics)
        self.save_phase_strip()
        frames = [self.out / "grids" / "start.png"] + [self.out / f for f in self.frames]
        frames = [f for f in frames if f.exists()]
        if frames:
            write_gif(frames, self.out / "growth.gif", seconds_per_frame=0.25)
        return metrics
