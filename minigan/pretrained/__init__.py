"""Weights that ship with minigan, each produced by a demo's own default command.

Every ``NAME.npz`` here has a ``NAME.json`` beside it recording the command, the seed,
the minigan version and the measured figures (test accuracy, quality scores).

    model = load_pretrained("fashion-classifier")
"""
import json
from pathlib import Path

from ..gan.checkpoint import load_checkpoint, load_model_arrays

HERE = Path(__file__).resolve().parent


def _builders():
    from ..models.classifier import fashion_classifier
    from ..models.dcgan import dcgan_generator
    return {"fashion-classifier": fashion_classifier, "fashion-dcgan": dcgan_generator,
            # the conditional DCGAN's drawing network: input concat(z, onehot(y)), 100 + 10
            "fashion-cgan": lambda: dcgan_generator(z_dim=110)}


def path_of(name):
    return HERE / (name.replace("-", "_") + ".npz")


def info(name):
    """The JSON record beside the weights: command, seed, figures."""
    return json.loads(path_of(name).with_suffix(".json").read_text())


def load_pretrained(name, device="cpu"):
    """A model with the shipped weights, in eval mode."""
    builders = _builders()
    if name not in builders:
        raise ValueError(f"unknown pretrained model {name!r}: expected one of {', '.join(builders)}")
    path = path_of(name)
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: reinstall minigan, or train it with the command in the docs")
    arrays, _ = load_checkpoint(path)
    model = builders[name]()
    load_model_arrays(model, arrays, "model", source=str(path))
    return model.to(device).eval()
