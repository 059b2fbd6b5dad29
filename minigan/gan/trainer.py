"""The GAN game, one step at a time, written to be stepped through in a debugger.

One training iteration (``train_step``):

  1. Discriminator step, ``d_steps`` times (G's weights untouched):
        x ~ data,  z ~ N(0, I),  x_fake = G(z)          (G only runs forward)
        D forward/backward on x      with dL_D/dl_real  -> gradients into D
        D forward/backward on x_fake with dL_D/dl_fake  -> gradients add up in D
        with config.penalty: the gradient penalty (WGAN-GP or R1) adds its gradients too
        D's optimizer steps; weight clipping for WGAN.
     Real and fake go through D as separate batches (batch norm sees one kind at a time),
     as in PyTorch's DCGAN example.
  2. Generator step (D's weights untouched: D.requires_grad is off, D's optimizer does not step):
        x_fake from the last D step (G's weights and caches are unchanged since; or a fresh
        z ~ N(0, I), x_fake = G(z) with config.g_fresh_noise),  l = D(x_fake)
        dl = dL_G/dl,  dx_fake = D.backward(dl)  (through D, no gradients for D's weights)
        G.backward(dx_fake) -> gradients into G; G's optimizer steps.
        with config.g_average: G's weight average takes a step towards G (averaging.py).

Randomness comes from one numpy Generator seeded by ``config.seed``; it is saved with every
checkpoint, so a resumed run draws the same numbers an uninterrupted one would.
"""
import os
import sys

import numpy as np

from .. import __version__, accel
from ..backend import all_finite, device_of, get_array_module, to_device, to_numpy
from ..losses import get_loss
from ..nn.activations import sigmoid
from ..nn.sequential import Sequential
from .averaging import WeightAverage
from .checkpoint import (CheckpointError, check_model_arrays, load_checkpoint, load_model_arrays, model_arrays,
                         save_checkpoint)
from .config import GANConfig
from .guards import NonFiniteError, check_finite, check_updated
from .history import History, Progress
from .penalty import apply_penalty
from .stabilisers import (ReplayBuffer, add_instance_noise, clip_weights, feature_matching_loss,
                          instance_noise_std)


class GANTrainer:
    """Trains a generator G and a discriminator D (any minigan layers) against each other.

    G:          maps z (N, z_dim) to samples shaped like the data.
    D:          maps samples to logits (N, 1); no sigmoid at the end.
    g_optimizer, d_optimizer: built on G and D (separate learning rates are just two optimizers).
    data:       an object with ``sample(n, rng) -> array`` (toy distributions, datasets);
                with ``state_dict``/``load_state_dict`` too, its position is checkpointed.
    config:     a GANConfig.
    """

    def __init__(self, G, D, g_optimizer, d_optimizer, data, config=None):
        self.G, self.D = G, D
        self.g_optimizer, self.d_optimizer = g_optimizer, d_optimizer
        self.data = data
        self.config = config or GANConfig()
        c = self.config
        if c.accel:
            accel.apply(G, D, g_optimizer, d_optimizer)
        real_label = {"real_label": 1.0 - c.label_smoothing} if c.label_smoothing else {}
        self.loss = get_loss(c.loss, **real_label)
        self.generator_loss = get_loss(c.loss)
        self.rng = np.random.default_rng(c.seed)
        self.replay = ReplayBuffer(c.replay_size) if c.replay_size else None
        self.G_average = WeightAverage(G, c.g_average) if c.g_average else None
        self.features = Sequential(*D.layers[: c.feature_matching]) if c.feature_matching else None
        self.step = 0
        self.history = History()
        self.rollbacks = []                        # what rollback did, if config.rollback allowed it
        self.last_fake = None                      # G's output in the last D step, reused by G's step
        self.G.needs_input_grad = False            # nobody needs dL/dz

    @property
    def device(self):
        return device_of(next(iter(self.G.params.values())))

    @property
    def sampler(self):
        """The network that draws samples for pictures and metrics: G's weight average when
        config.g_average is on, else G itself."""
        return self.G if self.G_average is None else self.G_average.average

    def noise(self, n):
        """z ~ N(0, I), drawn on the CPU from the trainer's Generator, in G's dtype and device."""
        first = next(iter(self.G.params.values()))
        z = self.rng.standard_normal((n, self.config.z_dim)).astype(first.dtype)
        return to_device(z, self.device)

    def real_batch(self, n):
        """A batch from the data source, in D's dtype and on its device (the source may hand
        out host or device arrays)."""
        first = next(iter(self.D.params.values()))
        batch = self.data.sample(n, self.rng)
        if device_of(batch) == "cpu":
            batch = np.asarray(batch, dtype=first.dtype)            # cast before it travels
        return to_device(batch, self.device).astype(first.dtype, copy=False)

    def _instance_noise(self, x):
        std = instance_noise_std(self.config.instance_noise, self.step, self.config.instance_noise_steps)
        return add_instance_noise(x, std, self.rng)

    def discriminator_step(self):
        """One update of D on a real batch and a fake batch; G's weights are untouched."""
        c = self.config
        real = self._instance_noise(self.real_batch(c.batch_size))
        fake = self.last_fake = self.G.forward(self.noise(c.batch_size))
        if self.replay is not None:
            fake = self.replay.mix(fake, c.replay_fraction, self.rng)
        fake = self._instance_noise(fake)
        real_logits, fake_logits, loss, penalty, norms = self.discriminator_gradients(real, fake)
        loss = float(loss)                         # one read back to the host
        if c.check_finite:
            check_finite("D", self.D, loss, self.step + 1)
        self.d_optimizer.step()
        if c.check_finite:
            check_updated("D", self.d_optimizer, self.step + 1)
        if c.clip:
            clip_weights(self.D, c.clip)
        return self.discriminator_record(real_logits, fake_logits, loss, penalty, norms)

    def discriminator_gradients(self, real, fake):
        """D's gradients of its loss on a real and a fake batch, accumulated in D.grads.

        Returns (real_logits, fake_logits, loss, penalty, norms) as arrays on D's device (penalty
        and norms None without config.penalty); nothing is read back to the host."""
        c = self.config
        self.D.zero_grad()
        self.D.needs_input_grad = False            # D's input gradient is not used in its own step
        real_logits = self.D.forward(real)
        real_loss, dreal = self.loss.real_term(real_logits)
        self.D.backward(dreal)
        fake_logits = self.D.forward(fake)
        fake_loss, dfake = self.loss.fake_term(fake_logits)
        self.D.backward(dfake)
        self.D.needs_input_grad = True
        loss, penalty, norms = real_loss + fake_loss, None, None
        if c.penalty:
            penalty, norms = apply_penalty(self.D, c.penalty, c.penalty_weight, real, fake, self.rng)
            loss = loss + penalty
        return real_logits, fake_logits, loss, penalty, norms

    @staticmethod
    def discriminator_record(real_logits, fake_logits, loss, penalty=None, norms=None):
        """The numbers a D step reports, as Python floats (this reads the device)."""
        real_logits, fake_logits = to_numpy(real_logits), to_numpy(fake_logits)
        record = {
            "d_loss": float(loss),
            "d_real": float(sigmoid(real_logits).mean()),
            "d_fake": float(sigmoid(fake_logits).mean()),
            "d_accuracy": float(((real_logits > 0).sum() + (fake_logits < 0).sum())
                                / (real_logits.size + fake_logits.size)),
            "real_logit": float(real_logits.mean()),
            "fake_logit": float(fake_logits.mean()),
            "wasserstein_estimate": float(real_logits.mean() - fake_logits.mean()),
        }
        if penalty is not None:
            record.update(penalty=float(penalty), grad_norm=float(to_numpy(norms).mean()))
        return record

    def generator_step(self):
        """One update of G through D; D's weights get no gradient and are not updated."""
        c = self.config
        if c.g_fresh_noise or self.last_fake is None:
            self.last_fake = self.G.forward(self.noise(c.batch_size))
        fake = self._instance_noise(self.last_fake)
        self.last_fake = None
        real = self.real_batch(c.batch_size) if self.features is not None else None
        value = float(self.generator_gradients(fake, real))
        if c.check_finite:
            check_finite("G", self.G, value, self.step + 1)
        grad_norm = float(gradient_norm(self.G))    # how hard D pushes G: vanishes when D saturates
        self.g_optimizer.step()
        if c.check_finite:
            check_updated("G", self.g_optimizer, self.step + 1)
        if self.G_average is not None:
            self.G_average.update(self.G)
        return {"g_loss": value, "g_grad_norm": grad_norm}

    def generator_gradients(self, fake, real=None):
        """G's gradients of its loss on ``fake`` (G's last output), through D, into G.grads.

        D's weights get no gradient. ``real``: the real batch that feature matching compares
        with (config.feature_matching). Returns the loss as an array on G's device."""
        self.G.zero_grad()
        self.D.requires_grad_(False)
        try:
            if self.features is not None:
                real_features = self.features.forward(real)
                value, dfeatures = feature_matching_loss(real_features, self.features.forward(fake))
                dfake = self.features.backward(dfeatures)
            else:
                logits = self.D.forward(fake)
                value, dlogits = self.generator_loss.generator_term(logits)
                dfake = self.D.backward(dlogits)
            self.G.backward(dfake)
        finally:
            self.D.requires_grad_(True)
        return value

    def train_step(self):
        """d_steps discriminator steps, then one generator step; returns and records the numbers."""
        for _ in range(self.config.d_steps):
            record = self.discriminator_step()
        record.update(self.generator_step())
        self.step += 1
        record = {"step": self.step, **record}
        self.history.append(record)
        return record

    def fit(self, steps, callback=None, progress=True, checkpoint_path=None, checkpoint_every=0):
        """Train until ``self.step == steps`` (a resumed trainer continues where it stopped).

        callback(trainer, record) runs after every step (for frames and plots);
        a checkpoint is written every ``checkpoint_every`` steps and at the end.
        A NonFiniteError stops the run (the last checkpoint stays as it was) unless
        ``config.rollback`` allows reloading that checkpoint with lower learning rates.
        """
        bar = Progress(steps, enabled=progress, critic=self.config.loss == "wasserstein")
        rollbacks = 0
        while self.step < steps:
            try:
                record = self.train_step()
            except NonFiniteError as err:
                if rollbacks >= self.config.rollback or not checkpoint_path or not os.path.exists(checkpoint_path):
                    raise
                rollbacks += 1
                self._roll_back(checkpoint_path, err)
                continue
            bar.update(self.step, record)
            if callback is not None:
                callback(self, record)
            if checkpoint_path and checkpoint_every and self.step % checkpoint_every == 0:
                self.save(checkpoint_path)
        if checkpoint_path:
            self.save(checkpoint_path)
        return self.history

    def _roll_back(self, checkpoint_path, err):
        """Reload the last checkpoint; continue with the learning rates in use times the factor."""
        optimizers = (self.g_optimizer, self.d_optimizer)
        rates = [opt.hyper["lr"] * self.config.rollback_lr_factor for opt in optimizers]
        self.load(checkpoint_path)
        for opt, lr in zip(optimizers, rates):
            opt.hyper["lr"] = lr
        self.rollbacks.append({"failed_step": err.step, "where": err.where, "resumed_from": self.step,
                               "g_lr": rates[0], "d_lr": rates[1]})
        print(f"\n{err}\nrolled back to step {self.step}; learning rates now {rates[0]:.3g} (G), "
              f"{rates[1]:.3g} (D)", file=sys.stderr)

    # --- checkpoints --------------------------------------------------------------------------

    def state(self):
        """(arrays, meta): everything needed to continue this run exactly."""
        arrays = {**model_arrays(self.G, "G"), **model_arrays(self.D, "D")}
        meta = {"minigan_version": __version__, "step": self.step, "seed": self.config.seed,
                "config": self.config.to_dict(), "rng": self.rng.bit_generator.state,
                "history": self.history.records, "optimizers": {}, "layer_rngs": {}}
        for key, opt in (("g_optimizer", self.g_optimizer), ("d_optimizer", self.d_optimizer)):
            state = opt.state_dict()
            meta["optimizers"][key] = {"hyper": state["hyper"], "step_count": state["step_count"]}
            for name, slot in state["state"].items():
                for k, v in slot.items():
                    arrays[f"{key}/{name}/{k}"] = v
        for prefix, model in (("G", self.G), ("D", self.D)):
            for i, m in enumerate(model.modules()):
                if isinstance(getattr(m, "rng", None), np.random.Generator):
                    meta["layer_rngs"][f"{prefix}/{i}"] = m.rng.bit_generator.state
        if self.G_average is not None:
            arrays.update(model_arrays(self.G_average.average, "G_average"))
            meta["g_average_updates"] = self.G_average.updates
        if self.replay is not None:
            for k, v in self.replay.state_dict().items():
                arrays[f"replay/{k}"] = np.asarray(v)
        if hasattr(self.data, "state_dict"):
            meta["data"] = self.data.state_dict()
        return arrays, meta

    def save(self, path):
        """Write a checkpoint, unless something in it is NaN or infinite: then NonFiniteError, and
        the checkpoint at ``path`` stays the last good one."""
        arrays, meta = self.state()
        if not all_finite(a for a in arrays.values() if a.dtype.kind == "f"):
            bad = next(k for k, a in arrays.items() if a.dtype.kind == "f" and not all_finite([a]))
            raise NonFiniteError(f"step {self.step}: not writing {path}: '{bad}' holds NaN or inf; the last "
                                 f"checkpoint is kept", self.step, bad)
        save_checkpoint(path, arrays, meta)

    def load(self, path):
        """Restore a run saved by ``save``: weights, optimizer state, step, history, randomness.

        Everything is checked before anything changes: a checkpoint of another architecture,
        optimizer rule or model raises CheckpointError and leaves the trainer as it was."""
        arrays, meta = load_checkpoint(path)
        optimizers = (("g_optimizer", self.g_optimizer), ("d_optimizer", self.d_optimizer))
        states = {}
        try:
            for prefix, model in (("G", self.G), ("D", self.D)) + ((("G_average", self.G_average.average),)
                                                                  if self.G_average is not None else ()):
                check_model_arrays(model, arrays, prefix, source=str(path))
            for key, opt in optimizers:
                slots = {}
                for name, value in arrays.items():
                    if name.startswith(key + "/"):
                        pname, k = name[len(key) + 1:].rsplit("/", 1)
                        slots.setdefault(pname, {})[k] = value
                states[key] = {**meta["optimizers"][key], "state": slots}
                opt.check_state_dict(states[key])
            step, rng, history, layer_rngs = int(meta["step"]), meta["rng"], meta["history"], meta["layer_rngs"]
            average_updates = int(meta["g_average_updates"]) if self.G_average is not None else None
            replay = ({k: arrays[f"replay/{k}"] for k in ("items", "count", "position")}
                      if self.replay is not None else None)
        except (KeyError, ValueError, TypeError) as err:
            what = f"missing {err}" if isinstance(err, KeyError) else str(err)
            raise CheckpointError(f"{path}: does not fit this trainer ({what}); nothing was loaded") from err
        load_model_arrays(self.G, arrays, "G", source=str(path))
        load_model_arrays(self.D, arrays, "D", source=str(path))
        for key, opt in optimizers:
            opt.load_state_dict(states[key])
        for prefix, model in (("G", self.G), ("D", self.D)):
            for i, m in enumerate(model.modules()):
                state = layer_rngs.get(f"{prefix}/{i}")
                if state is not None:
                    m.rng.bit_generator.state = state
        if self.G_average is not None:
            load_model_arrays(self.G_average.average, arrays, "G_average", source=str(path))
            self.G_average.updates = average_updates
        if self.replay is not None:
            self.replay.load_state_dict(replay)
        if "data" in meta and hasattr(self.data, "load_state_dict"):
            self.data.load_state_dict(meta["data"])
        self.rng.bit_generator.state = rng
        self.step = step
        self.history = History(history)
        return meta


def gradient_norm(model):
    """||dL/dtheta||_2 over all of model's parameters, as a 0-d array on its device."""
    grads = list(model.grads.values())
    xp = get_array_module(grads[0])
    return xp.sqrt(sum((g.astype(xp.float64) ** 2).sum() for g in grads))


def config_from_checkpoint(path):
    """The GANConfig a checkpoint was trained with (to rebuild the same run)."""
    _, meta = load_checkpoint(path)
    return GANConfig.from_dict(meta["config"])


def describe(trainer):
    """A short JSON-able summary of a trainer's set-up, for run directories."""
    return {"config": trainer.config.to_dict(), "G": repr(trainer.G), "D": repr(trainer.D),
            "g_optimizer": repr(trainer.g_optimizer), "d_optimizer": repr(trainer.d_optimizer)}
