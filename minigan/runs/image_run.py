"""The epoch loop the image demos share: train a GAN on 28 x 28 images for whole epochs and
leave a run directory that a person can look at and a script can score.

    run = ImageRun(trainer, "runs/dcgan", steps_per_epoch=60000 // 128, scorer=QualityScorer())
    run.resume()              # optional: continue from runs/dcgan/checkpoint.npz, exactly
    run.train(epochs=10)      # per epoch: a grid, curves, history, scores, a checkpoint
    run.finish()              # samples.npy, metrics.json, training.gif

The run directory:
    grids/epoch_000.png ...   the same fixed noise through G after every epoch (000: untrained)
    training.gif              those grids in order
    curves.png                losses, mean D(x), D(G(z)) and G's gradient norm over steps
    class_shares.png          the class shares of G's samples over steps (below)
    history.json, .csv        the trainer's per-step records
    epochs.json               per epoch: training seconds, mean losses, scores when scored
    checkpoint.npz            everything needed to continue bit-identically, replaced atomically
    samples.npy               num_samples images of G, float32 (N, 28, 28) in [-1, 1]
    metrics.json              QualityScorer on samples.npy (and the test set's own classifier score),
                              the class shares at the end and their dynamics over training

At the end of every epoch, and every ``share_every`` steps, 256 images of G (the player, not
its weight average) from fixed noise go through the classifier (the scorer's, else the shipped
one): the fraction it assigns to each class is added to that step's history record as
class_share_0 .. class_share_9 (so it travels with checkpoints and survives a resume), to
epochs.json, and drawn in class_shares.png. A collapsing G shows one class at a time; a cycling
one moves it around (metrics.shares.share_dynamics sums that up in metrics.json).

Samples are drawn with G in eval mode: batch norm uses its running statistics, so an image
depends on its own z alone, not on the batch it is drawn with, and the shipped generator
draws the same image for the same z at any batch size. PyTorch's DCGAN example draws in
train mode (batch statistics): ``sample_mode="train"`` does that, leaving the running
statistics as they were. Sampling uses its own noise (seeded by ``seed``), never the
trainer's rng, so drawing grids does not change the training run.

A conditional trainer's G (a LabelledGenerator) is drawn with concat(z, onehot(y)): the grid
has one row per class, samples.npy has equally many of each class (y = i mod C), and
metrics.json adds the share of each class's samples the classifier assigns to that class.
With ``config.g_average`` every image comes from the trainer's ``sampler``, G's weight average,
after its batch norms get statistics of their own (standing_statistics on 5,000 codes of a fixed
calibration noise, redone whenever G has trained since); the last iterate G is scored beside it
(epochs.json: g_frechet_distance, g_classifier_score; metrics.json: "last_iterate"; its images in
samples_last_iterate.npy), so one run shows what averaging adds to the same game.
"""
import time
from pathlib import Path

import numpy as np

from ..backend import device_of, to_device, to_numpy
from ..data.fashion_mnist import CLASSES
from ..metrics.health import training_health
from ..metrics.shares import class_shares, share_dynamics
from ..gan.averaging import standing_statistics
from ..gan.checkpoint import save_checkpoint
from ..gan.sampling import CALIBRATION_CODES, drawing_network, generate, latent_inputs
from ..jsonio import write_json
from ..models.classifier import predict_proba
from ..plots.animation import write_gif
from ..plots.common import new_figure, save_figure, training_curves
from ..plots.images import save_image_grid
from ..plots.lessons import plot_shares
from ..pretrained import load_pretrained
from . import CHECKPOINT

SHARE_SAMPLES = 256               # G's images behind each measurement of the class shares
SHARE_KEYS = [f"class_share_{k}" for k in range(len(CLASSES))]


def class_accuracy(model, images, labels, num_classes=10):
    """Per class: the fraction of images with that label the classifier assigns to it (a list)."""
    predicted = to_numpy(predict_proba(model, to_device(images[:, None], device_of(next(iter(model.params.values()))))
                                       ).argmax(axis=1))
    return [float((predicted[labels == k] == k).mean()) if (labels == k).any() else None
            for k in range(num_classes)]


class ImageRun:
    """Drives a GANTrainer epoch by epoch and writes the run directory described above.

    trainer:          a GANTrainer (or ConditionalGANTrainer) whose data are images
    steps_per_epoch:  generator steps per epoch (60000 // batch_size for a full pass)
    scorer:           a QualityScorer, or None to skip scores
    score_every:      score num_samples images every this many epochs (0: only in finish)
    reference:        test images (N, 1, 28, 28) whose own classifier score metrics.json shows
    share_every:      measure the class shares every this many steps too (0: at the end of epochs only)
    classifier:       the classifier of the class shares (default: the scorer's, else the shipped one)
    """

    def __init__(self, trainer, out, steps_per_epoch, scorer=None, num_samples=10000, score_every=1,
                 sample_mode="eval", seed=0, reference=None, progress=True, log=print, share_every=0,
                 classifier=None):
        self.trainer, self.out = trainer, Path(out)
        self.steps_per_epoch, self.scorer, self.score_every = steps_per_epoch, scorer, score_every
        self.sample_mode, self.reference, self.progress, self.log = sample_mode, reference, progress, log
        self.num_classes = getattr(trainer.G, "num_classes", None)
        z_dim, C = trainer.config.z_dim, self.num_classes
        if C:
            self.grid_labels, self.grid_columns = np.repeat(np.arange(C), C), C
            self.sample_labels = np.arange(num_samples) % C
        else:
            self.grid_labels, self.grid_columns, self.sample_labels = None, 8, None
        grid_size = len(self.grid_labels) if C else 64
        self.grid_inputs = latent_inputs(grid_size, z_dim, np.random.default_rng([seed, 1]), C, self.grid_labels)
        self.sample_inputs = latent_inputs(num_samples, z_dim, np.random.default_rng([seed, 2]), C,
                                           self.sample_labels)
        calibration_labels = np.arange(CALIBRATION_CODES) % C if C else None
        self.calibration_inputs = latent_inputs(CALIBRATION_CODES, z_dim, np.random.default_rng([seed, 3]), C,
                                                calibration_labels)
        share_labels = np.arange(SHARE_SAMPLES) % C if C else None
        self.share_inputs = latent_inputs(SHARE_SAMPLES, z_dim, np.random.default_rng([seed, 4]), C, share_labels)
        self.share_every = share_every
        if classifier is None:
            classifier = scorer.model if scorer is not None else load_pretrained("fashion-classifier",
                                                                                trainer.device)
        self.classifier = classifier
        self._calibrated_at = None
        self.epochs = []
        (self.out / "grids").mkdir(parents=True, exist_ok=True)

    @property
    def epoch(self):
        return self.trainer.step // self.steps_per_epoch

    def resume(self):
        """Continue from out/checkpoint.npz: weights, optimizers, data order, rng, history, epoch log."""
        meta = self.trainer.load(self.out / CHECKPOINT)
        self.epochs = meta.get("image_run", {}).get("epochs", [])
        self.log(f"resumed from {self.out / CHECKPOINT} at epoch {self.epoch} (step {self.trainer.step})")
        return self.epoch

    def train(self, epochs):
        """Train until ``epochs`` epochs are done (a resumed run continues where it stopped)."""
        if self.trainer.step == 0:
            self.save_grid(0)
        self._start = time.perf_counter()
        self.trainer.fit(epochs * self.steps_per_epoch, callback=self._after_step, progress=self.progress)

    def _after_step(self, trainer, record):
        epoch_end = trainer.step % self.steps_per_epoch == 0
        if epoch_end or (self.share_every and trainer.step % self.share_every == 0):
            self.record_class_shares()
        if epoch_end:
            self.end_epoch(trainer.step // self.steps_per_epoch)

    def record_class_shares(self):
        """The classifier's class shares of G's images from the fixed share noise, added to the
        last history record (class_share_0 ..); returns them (K,)."""
        images = generate(self.trainer.G, self.share_inputs, mode=self.sample_mode)
        shares = class_shares(self.classifier, images)
        self.trainer.history.records[-1].update(zip(SHARE_KEYS, shares.tolist()))
        return shares

    def class_share_history(self):
        """(steps, shares (T, K)) of every history record that holds class shares."""
        records = [r for r in self.trainer.history.records if SHARE_KEYS[0] in r]
        return [r["step"] for r in records], np.array([[r[k] for k in SHARE_KEYS] for r in records])

    def end_epoch(self, epoch):
        seconds = time.perf_counter() - self._start
        records = self.trainer.history.records[-self.steps_per_epoch:]
        entry = {"epoch": epoch, "step": self.trainer.step, "seconds": seconds}
        for key in ("d_loss", "g_loss", "d_real", "d_fake", "wasserstein_estimate", "g_grad_norm"):
            if key in records[-1]:
                entry[key] = float(np.mean([r[key] for r in records]))
        if SHARE_KEYS[0] in records[-1]:
            entry["class_shares"] = [records[-1][k] for k in SHARE_KEYS]
        self.save_grid(epoch)
        if self.scorer is not None and self.score_every and epoch % self.score_every == 0:
            drawers = {"": None, "g_": self.trainer.G} if self.averaging else {"": None}
            for prefix, network in drawers.items():
                scores = self.scorer.score(self.samples(network))
                entry.update({prefix + key: scores[key] for key in ("frechet_distance", "classifier_score")})
        self.epochs.append(entry)
        self.save()
        scored = (f"  FD {entry['frechet_distance']:.2f}  score {entry['classifier_score']:.2f}"
                  if "frechet_distance" in entry else "")
        if "g_frechet_distance" in entry:
            scored += f"  (last iterate: FD {entry['g_frechet_distance']:.2f}  score {entry['g_classifier_score']:.2f})"
        game = (f"W {entry['wasserstein_estimate']:.3f}" if self.trainer.config.loss == "wasserstein"
                else f"D(x) {entry['d_real']:.2f}  D(G(z)) {entry['d_fake']:.2f}")
        self.log(f"epoch {epoch}  {seconds:.0f} s  d_loss {entry['d_loss']:.3f}  g_loss {entry['g_loss']:.3f}  "
                 f"{game}{scored}")
        self._start = time.perf_counter()

    @property
    def averaging(self):
        """True when samples come from G's weight average rather than G itself."""
        return self.trainer.sampler is not self.trainer.G

    @property
    def sampler(self):
        """The trainer's sampler; G's weight average with batch-norm statistics of its own."""
        sampler = self.trainer.sampler
        if self.averaging and self._calibrated_at != self.trainer.step:
            standing_statistics(drawing_network(sampler), self.calibration_inputs)
            self._calibrated_at = self.trainer.step
        return sampler

    def samples(self, network=None):
        """num_samples images of ``network`` (default: the sampler) from the fixed noise."""
        return generate(self.sampler if network is None else network, self.sample_inputs, mode=self.sample_mode)

    def save_grid(self, epoch):
        images = generate(self.sampler, self.grid_inputs, mode=self.sample_mode)
        return save_image_grid(images, self.out / "grids" / f"epoch_{epoch:03d}.png", self.grid_columns,
                               title=f"epoch {epoch}")

    def save(self):
        """Checkpoint (atomic), history, epoch log and curves."""
        arrays, meta = self.trainer.state()
        meta["image_run"] = {"epochs": self.epochs}
        save_checkpoint(self.out / CHECKPOINT, arrays, meta)
        history = self.trainer.history
        history.save_json(self.out / "history.json")
        history.save_csv(self.out / "history.csv")
        write_json(self.out / "epochs.json", self.epochs, allow_nan=True)   # a diverged epoch is logged, NaN and all
        if len(history):
            training_curves(history, self.out / "curves.png", wasserstein=self.trainer.config.loss == "wasserstein")
        steps, shares = self.class_share_history()
        if len(steps) > 1:
            fig, ax = new_figure(10, 3.6)
            plot_shares(ax, steps, shares, CLASSES, "classes of G's images over training (the shipped classifier)")
            ax.set_xlabel("generator step")
            save_figure(fig, self.out / "class_shares.png")

    def finish(self):
        """samples.npy, metrics.json (with a scorer), training.gif, and for a conditional G
        classes.png: the grid with each row's class and its classifier accuracy."""
        samples = self.samples()
        np.save(self.out / "samples.npy", samples)
        metrics = {"epochs": self.epoch, "steps": self.trainer.step, "sample_mode": self.sample_mode,
                   "seconds_per_epoch": [e["seconds"] for e in self.epochs]}
        steps, shares = self.class_share_history()
        if len(steps):
            metrics["class_shares"] = dict(zip(CLASSES, shares[-1].tolist()))
            metrics["class_share_dynamics"] = {"measurements": len(steps), **share_dynamics(shares)}
        if self.scorer is not None:
            metrics.update(self._scores(samples))
            if self.reference is not None:
                metrics["test_set_classifier_score"] = self.scorer.score(self.reference)["classifier_score"]
        if self.averaging:
            last = self.samples(self.trainer.G)
            np.save(self.out / "samples_last_iterate.npy", last)
            if self.scorer is not None:
                metrics["last_iterate"] = self._scores(last)
        metrics["health"] = training_health(self.trainer.history.records, samples[:1000])
        if metrics["health"]["warnings"]:
            self.log("warning: " + "; ".join(metrics["health"]["warnings"]))
        write_json(self.out / "metrics.json", metrics, allow_nan=True)
        grids = sorted((self.out / "grids").glob("epoch_*.png"))
        if grids:
            write_gif(grids, self.out / "training.gif", seconds_per_frame=0.5)
        if self.num_classes and "conditional_accuracy" in metrics:
            self.save_class_grid(metrics["conditional_accuracy"])
        return metrics

    def _scores(self, images):
        """The scorer's figures; for a conditional G also the share of each class's samples
        the classifier assigns to that class, and its mean."""
        scores = self.scorer.score(images)
        if self.num_classes:
            per_class = class_accuracy(self.scorer.model, images, self.sample_labels, self.num_classes)
            scores.update(conditional_accuracy=per_class, mean_conditional_accuracy=float(np.mean(per_class)))
        return scores

    def save_class_grid(self, per_class, names=None):
        names = names or CLASSES
        labels = [f"{names[k]}  {100 * a:.0f}%" for k, a in enumerate(per_class)]
        images = generate(self.sampler, self.grid_inputs, mode=self.sample_mode)
        return save_image_grid(images, self.out / "classes.png", self.grid_columns, row_labels=labels,
                               title="one row per class; % of that class's samples the classifier agrees with")

