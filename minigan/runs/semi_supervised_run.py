"""A semi-supervised GAN run beside its supervised baseline, and the run directory they leave.

    run = SemiSupervisedRun(trainer, baseline, "runs/ssl", x_test, y_test, eval_every=500)
    run.resume()              # optional: both continue from runs/ssl/checkpoint.npz, exactly
    run.train(steps=6000)     # every eval_every steps: both test accuracies, a checkpoint
    run.finish()              # metrics.json, accuracy.png, samples.png, samples.npy

The two train in turns of eval_every steps each, the same number of labelled batches, and are
scored on the same test images after every turn (D and the baseline in eval mode: no noise;
argmax over the K logits). Without a trainer (``trainer=None``) the baseline runs alone, to tune it.

With ``average`` (a decay such as 0.999) each network is scored through a moving average of its
weights (minigan/gan/averaging.py), updated after every step of its trainer; the scores of the
networks themselves are kept beside, as ``<name>_unaveraged``. D's weights keep moving with the
game (each G step changes what "real" and "fake" look like), and its accuracy on test images
swings by a point or two from one evaluation to the next; the average sits at the centre of
that swing. The baseline is averaged the same way, so both are scored alike.

The run directory:
    checkpoint.npz            both trainers (the baseline's arrays under baseline/, the averages under
                              <name>_average/), replaced atomically
    evaluations.json          per turn: step, both test accuracies, training seconds
    history.json              the semi-supervised trainer's per-step records; baseline_history.json
    accuracy.png              both test accuracies over steps, and D's loss terms
    samples.png               64 of G's images from fixed noise; samples.npy: num_samples of them
    metrics.json              per network: test accuracy, per-class accuracy, confusion matrix
                              (rows: true class, columns: predicted); G's Frechet distance and
                              classifier score (QualityScorer) when a scorer is given
"""
import time
from pathlib import Path

import numpy as np

from ..backend import device_of, to_device, to_numpy
from ..data.fashion_mnist import CLASSES
from ..gan.averaging import WeightAverage
from ..gan.checkpoint import CheckpointError, load_checkpoint, load_model_arrays, model_arrays, save_checkpoint
from ..gan.sampling import generate, latent_inputs
from ..jsonio import write_json
from ..models.classifier import predict_proba
from ..plots.common import new_figure, plot_series, save_figure
from ..plots.images import save_image_grid
from . import CHECKPOINT

NETWORKS = ("semi_supervised", "supervised_only")


def predictions(model, x):
    """argmax of the model's logits on images x, in eval mode; the model is left in the mode it had."""
    first, training = next(iter(model.params.values())), model.training
    predicted = to_numpy(predict_proba(model, to_device(x.astype(first.dtype, copy=False), device_of(first)))
                         .argmax(axis=1))
    model.train(training)
    return predicted


def confusion_matrix(labels, predicted, num_classes):
    """(K, K) counts: row = true class, column = predicted class."""
    index = num_classes * np.asarray(labels) + np.asarray(predicted)
    return np.bincount(index, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def classification_report(labels, predicted, num_classes):
    """Accuracy, per-class accuracy (recall) and the confusion matrix, as JSON-able values."""
    matrix = confusion_matrix(labels, predicted, num_classes)
    per_class = matrix.diagonal() / np.maximum(matrix.sum(axis=1), 1)
    return {"test_accuracy": float(matrix.trace() / matrix.sum()), "per_class_accuracy": per_class.tolist(),
            "confusion_matrix": matrix.tolist()}


class SemiSupervisedRun:
    """trainer: a SemiSupervisedGANTrainer, or None; baseline: a LabelledOnlyTrainer on the same labelled
    images. x_test (N, 1, 28, 28), y_test (N,): the images both are scored on. scorer: a QualityScorer for G.
    average: the decay of the weight averages that are scored (0: score the networks themselves)."""

    def __init__(self, trainer, baseline, out, x_test, y_test, eval_every, scorer=None, num_samples=10000, seed=0,
                 progress=True, log=print, average=0.0):
        self.trainer, self.baseline, self.out = trainer, baseline, Path(out)
        self.x_test, self.y_test, self.eval_every = x_test, np.asarray(y_test), eval_every
        self.scorer, self.progress, self.log = scorer, progress, log
        self.num_classes = int(self.y_test.max()) + 1
        self.models = {name: model for name, model in zip(NETWORKS, (trainer and trainer.D, baseline.model)) if model}
        self.averages = {name: WeightAverage(model, average) for name, model in self.models.items()} if average else {}
        if trainer is not None:
            z_dim = trainer.config.z_dim
            self.grid_inputs = latent_inputs(64, z_dim, np.random.default_rng([seed, 1]))
            self.sample_inputs = latent_inputs(num_samples, z_dim, np.random.default_rng([seed, 2]))
        self.evaluations = []
        self.out.mkdir(parents=True, exist_ok=True)

    def resume(self):
        """Continue both trainers from out/checkpoint.npz."""
        path = self.out / CHECKPOINT
        arrays, meta = load_checkpoint(path)
        if self.trainer is not None:
            self.trainer.load(path)
        self.baseline.load_state(arrays, meta["baseline"], prefix="baseline", source=str(path))
        run = meta["semi_supervised_run"]
        if sorted(run.get("average_updates", {})) != sorted(self.averages):
            raise CheckpointError(f"{path} was written with weight averages of {sorted(run.get('average_updates', {}))}, "
                             f"this run averages {sorted(self.averages)}: resume with the run's own --average")
        for name, average in self.averages.items():
            load_model_arrays(average.average, arrays, f"{name}_average", source=str(path))
            average.updates = int(run["average_updates"][name])
        self.evaluations = run["evaluations"]
        self.log(f"resumed from {path} at step {self.step}")
        return self.step

    @property
    def step(self):
        """Steps done by each trainer (they stop at the same step after every turn)."""
        return self.baseline.step

    def train(self, steps):
        """Train both to ``steps`` steps, in turns of eval_every, scoring and saving after each turn."""
        while self.step < steps:
            target = min(steps, (self.step // self.eval_every + 1) * self.eval_every)
            start = time.perf_counter()
            if self.trainer is not None:
                self.trainer.fit(target, callback=self.follow("semi_supervised"), progress=self.progress)
            middle = time.perf_counter()
            self.baseline.fit(target, callback=self.follow("supervised_only"), progress=self.progress)
            self.evaluate(middle - start, time.perf_counter() - middle)
            self.save()

    def follow(self, name):
        """The trainer's per-step callback: the network's weight average takes a step (if averaging)."""
        if name not in self.averages:
            return None
        average, model = self.averages[name], self.models[name]
        return lambda trainer, record: average.update(model)

    def scored(self, name):
        """The network whose accuracy is reported: the weight average, or the network itself."""
        return self.averages[name].average if name in self.averages else self.models[name]

    def evaluate(self, seconds=0.0, baseline_seconds=0.0):
        entry = {"step": self.step, "seconds": seconds, "baseline_seconds": baseline_seconds}
        for name, model in self.models.items():
            entry[name] = float((predictions(self.scored(name), self.x_test) == self.y_test).mean())
            if name in self.averages:
                entry[f"{name}_unaveraged"] = float((predictions(model, self.x_test) == self.y_test).mean())
        self.evaluations.append(entry)
        scores = "  ".join(f"{name.replace('_', ' ')} {entry[name]:.4f}" for name in self.models)
        self.log(f"step {entry['step']}  accuracy: {scores}  ({seconds:.0f} s + {baseline_seconds:.0f} s)")
        return entry

    def save(self):
        """Checkpoint (atomic), histories, evaluations and the accuracy figure."""
        arrays, meta = self.trainer.state() if self.trainer is not None else ({}, {})
        baseline_arrays, meta["baseline"] = self.baseline.state(prefix="baseline")
        for name, average in self.averages.items():
            baseline_arrays.update(model_arrays(average.average, f"{name}_average"))
        meta["semi_supervised_run"] = {"evaluations": self.evaluations,
                                       "average_updates": {name: a.updates for name, a in self.averages.items()}}
        save_checkpoint(self.out / CHECKPOINT, {**arrays, **baseline_arrays}, meta)
        if self.trainer is not None:
            self.trainer.history.save_json(self.out / "history.json")
        self.baseline.history.save_json(self.out / "baseline_history.json")
        write_json(self.out / "evaluations.json", self.evaluations)
        self.plot_accuracy(self.out / "accuracy.png")

    def plot_accuracy(self, path):
        fig, (top, bottom) = new_figure(6.5, 6.0, nrows=2)
        steps = [e["step"] for e in self.evaluations]
        for name, label, color in ((NETWORKS[0], "GAN's D", "tab:blue"),
                                   (NETWORKS[1], "labelled images only", "tab:orange")):
            if name not in self.models:
                continue
            averaged = name in self.averages
            top.plot(steps, [100 * e[name] for e in self.evaluations], "o-", color=color,
                     label=label + (", weight average" if averaged else ""))
            if averaged:
                top.plot(steps, [100 * e[f"{name}_unaveraged"] for e in self.evaluations], ":", color=color,
                         alpha=0.6, label=label + ", own weights")
        top.set_xlabel("step")
        top.set_ylabel("accuracy on the scored images (%)")
        top.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize="small")   # above: off the curves
        top.grid(alpha=0.3)
        if self.trainer is not None and len(self.trainer.history):
            plot_series(bottom, self.trainer.history, (("labelled_loss", "labelled", "tab:green"),
                                                       ("unlabelled_loss", "unlabelled real", "tab:blue"),
                                                       ("fake_loss", "fake", "tab:red")))
            bottom.set_ylabel("D's loss terms")
        return save_figure(fig, path)

    def finish(self):
        """metrics.json, samples.png and samples.npy; returns the metrics."""
        metrics = {"steps": self.step, "evaluations": self.evaluations, "classes": list(CLASSES)}
        for name, model in self.models.items():
            metrics[name] = classification_report(self.y_test, predictions(self.scored(name), self.x_test),
                                                  self.num_classes)
            if name in self.averages:
                metrics[name]["weight_average_decay"] = self.averages[name].decay
                metrics[name]["unaveraged_test_accuracy"] = float(
                    (predictions(model, self.x_test) == self.y_test).mean())
        if self.trainer is None:
            write_json(self.out / "metrics.json", metrics)
            return metrics
        metrics["gain"] = metrics[NETWORKS[0]]["test_accuracy"] - metrics[NETWORKS[1]]["test_accuracy"]
        samples = generate(self.trainer.G, self.sample_inputs)
        np.save(self.out / "samples.npy", samples)
        save_image_grid(generate(self.trainer.G, self.grid_inputs), self.out / "samples.png",
                        title=f"G after {self.trainer.step} steps")
        if self.scorer is not None:
            scores = self.scorer.score(samples)
            metrics["generator"] = {k: scores[k] for k in ("frechet_distance", "classifier_score", "num_images")}
        write_json(self.out / "metrics.json", metrics)
        return metrics
