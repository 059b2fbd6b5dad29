"""minigan's own layers, losses, optimizers and trainer behind the adapter protocol (protocol.py).

``export`` records what these adapters compute; ``check(directory, factory)`` with this
factory replays the fixtures through minigan itself. Use it as a template for your own:

    python -m minigan reference check DIR --impl minigan.reference.adapters:factory
"""
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


def build_layer(kind, args):
    """A float64 minigan layer from a fixture's kind and constructor arguments."""
    if kind not in LAYER_KINDS:
        raise NotImplementedError(f"minigan has no layer {kind!r}")
    if kind == "Reshape":
        return nn.Reshape(*args["shape"])
    cls = getattr(nn, kind)
    return cls(**args, dtype=F64) if kind in WITH_WEIGHTS else cls(**args)


def layer_shapes(kind, args, x_shape=None):
    """(parameter shapes, buffer shapes, output shape or None) of a layer; used by export."""
    layer = build_layer(kind, args).eval()
    params = {k: v.shape for k, v in layer.params.items()}
    buffers = {k: v.shape for k, v in layer.buffers.items()}
    y_shape = None if x_shape is None else layer.forward(np.zeros(x_shape)).shape
    return params, buffers, y_shape


class ReplayedMask:
    """Stands in for Dropout's Generator: its uniform draws reproduce a stored mask
    (1.0 >= p keeps an entry, 0.0 >= p drops it, for 0 < p < 1)."""

    def __init__(self, mask):
        self.mask = mask

    def random(self, shape):
        assert tuple(shape) == self.mask.shape, (shape, self.mask.shape)
        return np.where(self.mask > 0, 1.0, 0.0)


def load_state(layer, state):
    """Parameters and buffers by name; a name the layer lacks is an error."""
    for name, value in state.items():
        store = layer.params if name in layer.params else layer.buffers
        if name not in store:
            raise KeyError(f"{layer!r} has no parameter or buffer {name!r}")
        store[name] = np.array(value, dtype=np.float64)


class LayerAdapter:
    def __init__(self, kind, config):
        self.layer = build_layer(kind, config["args"]).train(config["training"])

    def set_params(self, state):
        state = dict(state)
        if "mask" in state:
            self.layer.rng = ReplayedMask(state.pop("mask"))
        load_state(self.layer, state)
        self.layer.zero_grad()

    def forward(self, x):
        return self.layer.forward(x)

    def buffers(self):
        return {k: v.copy() for k, v in self.layer.buffers.items()}

    def backward(self, dy):
        dx = self.layer.backward(dy)
        return dx, {k: v.copy() for k, v in self.layer.grads.items()}


class LossAdapter:
    def __init__(self, config):
        kwargs = {"real_label": config["real_label"]} if "real_label" in config else {}
        self.loss = LOSSES[config["name"]](**kwargs)

    def discriminator(self, real_logits, fake_logits):
        value, (dreal, dfake) = self.loss.discriminator(real_logits, fake_logits)
        return value, dreal, dfake

    def generator(self, fake_logits):
        return self.loss.generator(fake_logits)


def build_optimizer(model, name, hyper):
    hyper = {k: tuple(v) if isinstance(v, list) else v for k, v in hyper.items()}
    return OPTIMIZERS[name](model, **hyper)


class OptimizerAdapter:
    def __init__(self, config):
        self.config = config

    def set_params(self, params):
        self.holder = nn.Module()
        self.holder.params = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
        self.optimizer = build_optimizer(self.holder, self.config["name"], self.config["hyper"])

    def step(self, grads):
        self.holder.grads = {k: np.array(v, dtype=np.float64) for k, v in grads.items()}
        self.optimizer.step()
        return {k: v.copy() for k, v in self.holder.params.items()}


class FixedBatch:
    """A data source that always returns the same batch."""

    def __init__(self, batch):
        self.batch = batch

    def sample(self, n, rng):
        assert n == len(self.batch), f"asked for {n} samples, the fixture holds {len(self.batch)}"
        return self.batch.copy()


def weights_of(G, D):
    arrays = {}
    for prefix, model in (("G", G), ("D", D)):
        for store in (model.params, model.buffers):
            arrays.update({f"{prefix}.{k}": np.array(v) for k, v in store.items()})
    return arrays


class GanStepAdapter:
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
            load_state(model, {k[2:]: v for k, v in weights.items() if k.startswith(prefix + ".")})
        opt = c["optimizer"]
        config = GANConfig.from_dict(dict(loss=c["loss"], batch_size=len(real), z_dim=noise.shape[1],
                                          g_fresh_noise=False))     # G's step reuses the D step's fake
        trainer = GANTrainer(G, D, build_optimizer(G, opt["name"], opt["hyper"]),
                             build_optimizer(D, opt["name"], opt["hyper"]), FixedBatch(real), config)
        trainer.noise = lambda n: noise
        trainer.discriminator_step()
        after_d = weights_of(G, D)
        trainer.generator_step()
        return after_d, weights_of(G, D)


def factory(kind, config):
    """The adapter for one fixture case (see minigan.reference for the protocol)."""
    if kind == "loss":
        return LossAdapter(config)
    if kind == "optimizer":
        return OptimizerAdapter(config)
    if kind == "gan_step":
        return GanStepAdapter(config)
    return LayerAdapter(kind, config)
