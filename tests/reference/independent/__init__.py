"""An independent NumPy implementation of GAN layers, losses, optimizers and a training step,
and one adapter factory for minigan's checks (see minigan.reference.protocol).

    from tests.reference.independent import factory               # correct
    from tests.reference.independent.bugs import buggy_factory    # one planted bug
    python -m minigan reference check DIR --impl tests.reference.independent:factory

The layers are plain objects (no minigan base class): the factory builds one from a case's
kind and constructor arguments and nothing else; the checks assign the case's parameters
and buffers into its dicts. Dropout and the hinge and Wasserstein losses are not
implemented, so their cases are skipped.
"""
import functools

from . import layers, training

LAYERS = {"Dense": layers.Dense, "Conv2d": layers.Conv2d, "ConvTranspose2d": layers.ConvTranspose2d,
          "ReLU": layers.ReLU, "LeakyReLU": layers.LeakyReLU, "Tanh": layers.Tanh, "Sigmoid": layers.Sigmoid,
          "Flatten": layers.Flatten, "Reshape": layers.Reshape,
          "MinibatchDiscrimination": layers.MinibatchDiscrimination}
LOSSES = {"non-saturating": training.NonSaturating, "minimax": training.Minimax,
          "least-squares": training.LeastSquares}
OPTIMIZERS = {"adam": training.Adam, "sgd": training.SGD}


def build(kind, args, training_mode=True, classes=None):
    classes = {**LAYERS, **(classes or {})}
    if kind.startswith("BatchNorm"):
        return classes.get("BatchNorm", layers.BatchNorm)(args["num_features"], args["eps"], args["momentum"],
                                                          training_mode)
    if kind not in classes:
        raise NotImplementedError(f"no {kind} here")
    return classes[kind](**args)


def make_factory(classes=None, step=training.TrainStep):
    """A factory whose layers, losses and optimizers come from ``classes`` where it names them
    (keys: layer kinds, "BatchNorm", loss names, optimizer names), else from the correct ones.
    ``step`` answers the "gan_step" kind (None: the checks compose the step themselves)."""
    classes = classes or {}

    def factory(kind, config):
        if kind == "loss":
            cls = {**LOSSES, **classes}.get(config["name"])
            if cls is None:
                raise NotImplementedError(f"no {config['name']} loss here")
            return cls(config["real_label"]) if "real_label" in config else cls()
        if kind == "optimizer":
            cls = {**OPTIMIZERS, **classes}.get(config["name"])
            if cls is None:
                raise NotImplementedError(f"no {config['name']} here")
            hyper = {k: tuple(v) if isinstance(v, list) else v for k, v in config["hyper"].items()}
            return functools.partial(cls, **hyper)
        if kind == "gan_step":
            if step is None:
                raise NotImplementedError("the checks compose the step")
            return step(lambda k, a: build(k, a, True, classes), config)
        return build(kind, config["args"], config["training"], classes)
    return factory


factory = make_factory()
composed_factory = make_factory(step=None)
