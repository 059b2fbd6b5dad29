"""minigan's own layers, losses, optimizers and trainer behind the protocol of protocol.py.

minigan's objects follow the protocol as they are: ``factory`` only builds them from a
case's kind and config. ``export`` records what they compute; ``check(directory, factory)``
with this factory replays the fixtures through minigan itself:

    python -m minigan reference check DIR --impl minigan.reference.adapters:factory
"""
import functools

import numpy as np

from .. import nn
from ..gan.config import GANConfig
from ..gan.trainer import GANTrainer
from ..losses import LOSSES
from ..optim import OPTIMIZERS

F64 = "float64"
LAYER_KINDS = ("Dense", "Conv2d", "ConvTranspose2d", "BatchNorm1d", "BatchNorm2d", "ReLU", "LeakyReLU",
               "Tanh", "Sigmoid", "Flatten", "Reshape", "MinibatchDiscrimination", "Dropout")
WITH_WEIGHTS = ("Dense", "Conv2d", "ConvTranspose2d", "BatchNorm1d", "BatchNorm2d", "MinibatchDiscrimination")


class ReplayedMask:
    """Stands in for Dropout's Generator: its uniform draws reproduce a stored mask
    (1.0 >= p keeps an entry, 0.0 >= p drops it, for 0 < p < 1)."""

    def __init__(self, mask):
        self.mask = np.asarray(mask)

    def random(self, shape):
        assert tuple(shape) == self.mask.shape, (shape, self.mask.shape)
        return np.where(self.mask > 0, 1.0, 0.0)


def build_layer(kind, args, mask=None):
    """A float64 minigan layer from a fixture's kind and constructor arguments."""
    if kind not in LAYER_KINDS:
        raise NotImplementedError(f"minigan has no layer {kind!r}")
    if kind == "Reshape":
        return nn.Reshape(*args["shape"])
    if kind == "Dropout" and mask is not None:
        layer = nn.Dropout(**args)
        layer.rng = ReplayedMask(mask)
        return layer
    cls = getattr(nn, kind)
    return cls(**args, dtype=F64) if kind in WITH_WEIGHTS else cls(**args)


def layer_shapes(kind, args, x_shape=None):
    """(parameter shapes, buffer shapes, output shape or None) of a layer; used by export."""
    layer = build_layer(kind, args).eval()
    params = {k: v.shape for k, v in layer.params.items()}
    buffers = {k: v.shape for k, v in layer.buffers.items()}
    y_shape = None if x_shape is None else layer.forward(np.zeros(x_shape)).shape
    return params, buffers, y_shape


def build_loss(config):
    kwargs = {"real_label": config["real_label"]} if "real_label" in config else {}
    return LOSSES[config["name"]](**kwargs)


def build_optimizer(model, name, hyper):
    return OPTIMIZERS[name](model, **{k: tuple(v) if isinstance(v, list) else v for k, v in hyper.items()})


class FixedBatch:
    """A data source that always returns the same batch."""

    def __init__(self, batch):
        self.batch = batch

    def sample(self, n, rng):
        assert n == len(self.batch), f"asked for {n} samples, the fixture holds {len(self.batch)}"
        return self.batch.copy()


def named(prefix, model, *stores):
    return {f"{prefix}{k}": np.array(v) for store in stores for k, v in getattr(model, store).items()}


class TrainerStep:
    """One discriminator step and one generator step of minigan's GANTrainer, with the
    fixture's noise handed to G in place of the trainer's own draw. The generator step reuses
    the discriminator step's fake batch, so the noise is drawn once."""

    def __init__(self, config):
        self.config = config

    def run(self, weights, noise, real):
        c = self.config
        G = nn.Sequential(*(build_layer(kind, args) for kind, args in c["G"]))
        D = nn.Sequential(*(build_layer(kind, args) for kind, args in c["D"]))
        for prefix, model in (("G", G), ("D", D)):
            model.astype(noise.dtype)
            for k, v in weights.items():
                if k.startswith(prefix + "."):
                    store = model.params if k[2:] in model.params else model.buffers
                    store[k[2:]] = v
        opt = c["optimizer"]
        config = GANConfig.from_dict(dict(loss=c["loss"], batch_size=len(real), z_dim=noise.shape[1],
                                          g_fresh_noise=False))     # G's step reuses the D step's fake
        trainer = GANTrainer(G, D, build_optimizer(G, opt["name"], opt["hyper"]),
                             build_optimizer(D, opt["name"], opt["hyper"]), FixedBatch(real), config)
        trainer.noise = lambda n: noise
        d_record = trainer.discriminator_step()
        out = {"fake": np.array(trainer.last_fake), "d_loss": np.array(d_record["d_loss"]),
               **named("grad_d/D.", D, "grads"), **named("after_d/G.", G, "params", "buffers"),
               **named("after_d/D.", D, "params", "buffers")}
        g_record = trainer.generator_step()
        out.update({"g_loss": np.array(g_record["g_loss"]), **named("grad_g/G.", G, "grads"),
                    **named("after_g/G.", G, "params", "buffers"), **named("after_g/D.", D, "params", "buffers")})
        return out


def factory(kind, config):
    """minigan's object for one case (see protocol.py): a layer, a loss, make(model) for an
    optimizer, or the trainer's step."""
    if kind == "loss":
        return build_loss(config)
    if kind == "optimizer":
        return functools.partial(build_optimizer, name=config["name"], hyper=config["hyper"])
    if kind == "gan_step":
        return TrainerStep(config)
    return build_layer(kind, config["args"], config.get("mask")).train(config["training"])
