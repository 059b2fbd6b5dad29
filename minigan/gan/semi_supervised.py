"""The semi-supervised GAN (Salimans et al. 2016, section 5; Odena 2016): a K+1-class
discriminator that learns the K classes from a few labelled images, "real" from every
unlabelled one and "fake" from G's samples; G is trained by feature matching on one of D's
hidden layers. And its baseline: the same network trained on the labelled images alone.

One D step (``discriminator_step``), w = ``unsupervised_weight``:

    labelled batch (x, y)   -> D -> K logits -> labelled_term            (cross-entropy over K)
    unlabelled batch x      -> D -> K logits -> w * unlabelled_term      (-log D(x))
    fake batch G(z)         -> D -> K logits -> w * fake_term            (-log(1 - D(G(z))))

three forward/backward passes of D in turn (each layer caches only its last forward), the
gradients summed, one optimizer step. G's step is GANTrainer's feature matching,
||mean f(x) - mean f(G(z))||^2 with f = D's first ``config.feature_matching`` layers and x an
unlabelled batch, on the fake batch of the last D step. The losses and their label convention
are in minigan/semi_supervised_losses.py.

The unlabelled images come from ``data`` (the trainer's usual source, often every training
image), the labelled ones from ``labelled``, an ``EpochSampler(x, labels)`` over the few; both
are drawn with the trainer's rng and both positions are checkpointed.

``LabelledOnlyTrainer`` is the baseline: the labelled term alone, the same labelled batches
(its own sampler over the same images), batch size, optimizer and number of steps; no G.
"""
import numpy as np

from ..backend import device_of, to_device, to_numpy
from ..semi_supervised_losses import fake_term, labelled_term, real_logit, unlabelled_term
from .checkpoint import load_checkpoint, load_model_arrays, model_arrays, save_checkpoint
from .guards import check_finite
from .history import History, Progress
from .trainer import GANTrainer


def labelled_batch(sampler, n, model, rng):
    """The next n labelled images (in the model's dtype, on its device) and their labels."""
    first = next(iter(model.params.values()))
    x = np.asarray(sampler.sample(n, rng), dtype=first.dtype)
    return to_device(x, device_of(first)), to_device(np.asarray(sampler.last_labels), device_of(first))


def batch_accuracy(logits, labels):
    return float((to_numpy(logits).argmax(axis=1) == to_numpy(labels)).mean())


class SemiSupervisedGANTrainer(GANTrainer):
    """GANTrainer with D a K-logit classifier and the D step above. ``config.feature_matching``
    (the number of D's layers whose output G matches) is required."""

    def __init__(self, G, D, g_optimizer, d_optimizer, data, labelled, config, unsupervised_weight=0.5):
        if config.feature_matching is None:
            raise ValueError("the semi-supervised GAN trains G by feature matching: set "
                             "GANConfig(feature_matching=number of D's layers to match)")
        if getattr(labelled, "labels", None) is None:
            raise ValueError("labelled must be an EpochSampler(x, labels)")
        super().__init__(G, D, g_optimizer, d_optimizer, data, config)
        self.labelled, self.unsupervised_weight = labelled, float(unsupervised_weight)

    def discriminator_step(self):
        c, w = self.config, self.unsupervised_weight
        x_lab, y_lab = labelled_batch(self.labelled, c.batch_size, self.D, self.rng)
        real = self.real_batch(c.batch_size)
        fake = self.last_fake = self.G.forward(self.noise(c.batch_size))
        self.D.zero_grad()
        self.D.needs_input_grad = False            # D's input gradient is not used in its own step
        terms = []
        for x, term, weight in ((x_lab, lambda l: labelled_term(l, y_lab), 1.0), (real, unlabelled_term, w),
                                (fake, fake_term, w)):
            logits = self.D.forward(x)
            value, dlogits = term(logits)
            self.D.backward(weight * dlogits)
            terms.append((logits, value))
        self.D.needs_input_grad = True
        (lab_logits, lab_loss), (real_logits, real_loss), (fake_logits, fake_loss) = terms
        loss = float(lab_loss + w * (real_loss + fake_loss))        # one read back to the host
        if c.check_finite:
            check_finite("D", self.D, loss, self.step + 1)
        self.d_optimizer.step()
        record = self.discriminator_record(real_logit(real_logits)[:, None], real_logit(fake_logits)[:, None], loss)
        record.update(labelled_loss=float(lab_loss), unlabelled_loss=float(real_loss), fake_loss=float(fake_loss),
                      labelled_accuracy=batch_accuracy(lab_logits, y_lab))
        return record

    def state(self):
        arrays, meta = super().state()
        meta["labelled_data"] = self.labelled.state_dict()
        meta["unsupervised_weight"] = self.unsupervised_weight
        return arrays, meta

    def load(self, path):
        meta = super().load(path)
        self.labelled.load_state_dict(meta["labelled_data"])
        return meta


class LabelledOnlyTrainer:
    """The supervised baseline: ``model`` trained on the labelled images alone, minimising the
    labelled term (cross-entropy over the K classes), one labelled batch a step.

    model, optimizer: the classifier (same network as the semi-supervised D) and its optimizer.
    labelled:         an EpochSampler(x, labels) over the labelled images.
    seed:             of the trainer's numpy Generator, which draws the batches' order.
    """

    def __init__(self, model, optimizer, labelled, batch_size, seed=0, accel=False, check=True):
        from .. import accel as fast
        self.model, self.optimizer, self.labelled = model, optimizer, labelled
        self.batch_size, self.check = batch_size, check
        if accel:
            fast.apply(model, optimizer)
        self.rng = np.random.default_rng(seed)
        self.step = 0
        self.history = History()
        model.needs_input_grad = False             # nobody needs dL/dx

    def train_step(self):
        x, y = labelled_batch(self.labelled, self.batch_size, self.model, self.rng)
        self.model.zero_grad()
        logits = self.model.forward(x)
        value, dlogits = labelled_term(logits, y)
        self.model.backward(dlogits)
        loss = float(value)
        if self.check:
            check_finite("classifier", self.model, loss, self.step + 1)
        self.optimizer.step()
        self.step += 1
        record = {"step": self.step, "labelled_loss": loss, "labelled_accuracy": batch_accuracy(logits, y)}
        self.history.append(record)
        return record

    def fit(self, steps, callback=None, progress=True):
        """Train until ``self.step == steps``; callback(trainer, record) after every step."""
        bar = Progress(steps, enabled=progress)
        while self.step < steps:
            record = self.train_step()
            bar.update(self.step, record)
            if callback is not None:
                callback(self, record)
        return self.history

    def state(self, prefix="model"):
        """(arrays, meta) to continue exactly: weights, optimizer, batch order, rngs, history."""
        opt = self.optimizer.state_dict()
        arrays = model_arrays(self.model, prefix)
        arrays.update({f"{prefix}_optimizer/{name}/{k}": v for name, slot in opt["state"].items()
                       for k, v in slot.items()})
        meta = {"step": self.step, "rng": self.rng.bit_generator.state, "history": self.history.records,
                "optimizer": {"hyper": opt["hyper"], "step_count": opt["step_count"]},
                "data": self.labelled.state_dict(),
                "layer_rngs": {str(i): m.rng.bit_generator.state for i, m in enumerate(self.model.modules())
                               if isinstance(getattr(m, "rng", None), np.random.Generator)}}
        return arrays, meta

    def load_state(self, arrays, meta, prefix="model", source="checkpoint"):
        load_model_arrays(self.model, arrays, prefix, source=source)
        slots = {}
        for name, value in arrays.items():
            if name.startswith(f"{prefix}_optimizer/"):
                pname, k = name[len(prefix) + len("_optimizer/"):].rsplit("/", 1)
                slots.setdefault(pname, {})[k] = value
        self.optimizer.load_state_dict({**meta["optimizer"], "state": slots})
        for i, m in enumerate(self.model.modules()):
            if str(i) in meta["layer_rngs"]:
                m.rng.bit_generator.state = meta["layer_rngs"][str(i)]
        self.labelled.load_state_dict(meta["data"])
        self.rng.bit_generator.state = meta["rng"]
        self.step = int(meta["step"])
        self.history = History(meta["history"])

    def save(self, path):
        arrays, meta = self.state()
        save_checkpoint(path, arrays, meta)

    def load(self, path):
        arrays, meta = load_checkpoint(path)
        self.load_state(arrays, meta, source=str(path))
        return meta
