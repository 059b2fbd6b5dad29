"""Step through GAN training layer by layer: what every layer received and what it gave back.

    with Tracer({"G": trainer.G, "D": trainer.D}) as tracer:
        trainer.train_step()
    print(tracer.report())
    tracer.save("runs/trace")          # trace.txt (the report) and trace.npz (the arrays)

``trace_step(trainer, out_dir)`` does this for one train_step with the discriminator and
generator steps labelled, and records what a replay needs: the weights, buffers and optimizer
state before and after, every noise and real batch drawn, and the networks and settings
(minigan.reference.replay, which replays a trace.npz from the file alone).
``python -m minigan trace --out DIR [--dtype float64]`` traces a DCGAN on a small batch.

How it works: on entering, each leaf layer (one without children) of every model gets instance
attributes ``forward`` and ``backward`` that call the class's own methods and record what went
in and out; on leaving, the attributes are removed and the layers are exactly as before. Layers
run one at a time, so events arrive in the order they are computed: forward through G, forward
and backward through D, backward into G. A forward event records x and y; a backward event
records dy (the gradient arriving from above), dx (the gradient passed down, None where nobody
needs it) and d<name>, what this call added to each parameter's gradient.
"""
import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .backend import to_numpy

_MISSING = object()


@dataclass
class Event:
    index: int
    section: str
    model: str
    layer: str             # "G.4": the model's name and the index path inside it
    description: str       # the layer's repr
    phase: str             # forward | backward
    tensors: list = field(default_factory=list)    # (role, numpy copy or None); arrays only with keep_arrays
    lines: dict = field(default_factory=dict)      # role -> its line in the report


def leaf_layers(model, name):
    """(path, layer) for every layer without children, in order: ("G.0", Dense(...)), ..."""
    children = model.children()
    if not children:
        yield name, model
    for i, child in enumerate(children):
        yield from leaf_layers(child, f"{name}.{i}")


def describe_array(array, values):
    """'(8, 100)  norm 2.81e+01  mean -3.1e-02  max|.| 2.9e+00  [0.126, -0.132, ...]'."""
    if array is None:
        return "None (not computed: nobody needs it)"
    a = array.astype(np.float64).ravel()
    # "+ 0.0" turns the -0.0 that x * [x > 0] leaves into a plain 0
    head = ", ".join(f"{v + 0.0:.4g}" for v in a[:values]) + (", ..." if a.size > values else "")
    stats = f"norm {np.linalg.norm(a):.3e}  mean {a.mean():+.2e}  max|.| {np.abs(a).max():.2e}" if a.size else "empty"
    return f"{str(array.shape):<16} {stats}  [{head}]"


class Tracer:
    """Records every leaf layer's forward and backward while the ``with`` block runs.

    models:      name -> model, e.g. {"G": G, "D": D}
    values:      how many leading values of each array the report shows
    keep_arrays: keep full copies of the arrays for ``arrays()`` and trace.npz (otherwise only
                 the report's summary of each is kept)
    """

    def __init__(self, models, values=4, keep_arrays=True):
        self.models = dict(models)
        self.values, self.keep_arrays = values, keep_arrays
        self.events, self.records = [], []
        self.extra, self.meta = {}, None       # trace_step's state and batches, and what replay needs
        self.current_section = ""
        self._patches = []
        self._last_output = None       # (event index, role, the layer's array) of the latest event

    def patch(self, obj, name, value):
        """Set an instance attribute until the tracer exits (then the old state comes back)."""
        self._patches.append((obj, name, vars(obj).get(name, _MISSING)))
        setattr(obj, name, value)

    def __enter__(self):
        seen = set()
        for model_name, model in self.models.items():
            for path, layer in leaf_layers(model, model_name):
                if id(layer) not in seen:
                    seen.add(id(layer))
                    self.patch(layer, "forward", self._traced_forward(path, layer, layer.forward))
                    self.patch(layer, "backward", self._traced_backward(path, layer, layer.backward))
        return self

    def __exit__(self, *exc):
        while self._patches:
            obj, name, old = self._patches.pop()
            if old is _MISSING:
                delattr(obj, name)
            else:
                setattr(obj, name, old)
        return False

    @contextlib.contextmanager
    def section(self, name):
        """Label the events recorded inside the block (e.g. "discriminator step")."""
        previous, self.current_section = self.current_section, name
        try:
            yield
        finally:
            self.current_section = previous

    def _record(self, path, layer, phase, tensors):
        index = len(self.events) + 1
        (first, given), (second, returned) = tensors[:2]        # x, y  or  dy, dx
        # identity of the layers' own arrays: a copy to the host (CuPy) is a new object each time
        chained = self._last_output is not None and given is self._last_output[2]
        tensors = [(role, None if a is None else to_numpy(a)) for role, a in tensors]
        lines = {role: describe_array(a, self.values) for role, a in tensors}
        if chained:
            lines[first] = f"= {self._last_output[1]} of #{self._last_output[0]}"
        self._last_output = (index, second, returned)
        kept = [(role, None if a is None or not self.keep_arrays else np.array(a)) for role, a in tensors]
        self.events.append(Event(index, self.current_section, path.split(".")[0], path, repr(layer), phase,
                                 kept, lines))

    def _traced_forward(self, path, layer, forward):
        def traced(x):
            y = forward(x)
            self._record(path, layer, "forward", [("x", x), ("y", y)])
            return y
        return traced

    def _traced_backward(self, path, layer, backward):
        def traced(dy):
            before = {k: np.array(to_numpy(g)) for k, g in layer.grads.items()} if layer.requires_grad else {}
            dx = backward(dy)
            added = [(f"d{k}", to_numpy(layer.grads[k]) - before.get(k, 0.0)) for k in layer.params
                     if layer.requires_grad and k in layer.grads]
            self._record(path, layer, "backward", [("dy", dy), ("dx", dx)] + added)
            return dx
        return traced

    def phases(self):
        """The events with runs of one model and phase merged: [("G", "forward"), ("D", "forward"), ...]."""
        merged = []
        for e in self.events:
            if not merged or merged[-1] != (e.model, e.phase):
                merged.append((e.model, e.phase))
        return merged

    def order(self):
        return " -> ".join(f"{model} {phase}" for model, phase in self.phases())

    def report(self):
        lines = [f"minigan trace: {len(self.events)} layer calls in the order they ran", f"order: {self.order()}"]
        for record in self.records:
            lines.append("step record: " + ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
                                                     for k, v in record.items()))
        section = None
        for e in self.events:
            if e.section != section:
                section = e.section
                lines += ["", f"== {section or 'events'} =="]
            lines.append(f"#{e.index:<4} {e.phase:<8} {e.layer:<6} {e.description}")
            lines += [f"        {role:<8} {e.lines[role]}" for role, _ in e.tensors]
        return "\n".join(lines) + "\n"

    def arrays(self):
        """'003.G.2.forward.y' -> array, for every recorded tensor (needs keep_arrays)."""
        return {f"{e.index:03d}.{e.layer}.{e.phase}.{role}": a for e in self.events
                for role, a in e.tensors if a is not None}

    def save(self, out_dir):
        """Write trace.txt and, with keep_arrays, trace.npz into out_dir; returns their paths."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / "trace.txt"]
        paths[0].write_text(self.report())
        if self.keep_arrays:
            paths.append(out / "trace.npz")
            arrays = {**self.arrays(), **self.extra}
            if self.meta is not None:
                arrays["meta"] = np.frombuffer(json.dumps(self.meta).encode(), dtype=np.uint8)
            np.savez_compressed(paths[1], **arrays)
        return paths


def trace_step(trainer, out_dir=None, steps=1, values=4, keep_arrays=True, builder=None):
    """Run ``steps`` train steps of a GANTrainer under a Tracer, the discriminator and generator
    steps labelled; write trace.txt/trace.npz into out_dir (if given). Returns the Tracer.

    With keep_arrays, trace.npz also holds the state before and after, the batches drawn and
    ``meta`` (minigan.reference.replay); ``builder``: the build_trainer arguments, noted there."""
    from .reference.replay import trainer_meta, trainer_state
    if keep_arrays:
        meta = {**trainer_meta(trainer), "steps": steps, "builder": builder}
        before = trainer_state(trainer, "before")
    with Tracer({"G": trainer.G, "D": trainer.D}, values, keep_arrays) as tracer:
        for attr, label in (("discriminator_step", "discriminator step"), ("generator_step", "generator step")):
            tracer.patch(trainer, attr, _labelled(tracer, trainer, getattr(trainer, attr), label))
        if keep_arrays:
            for attr, kind in (("noise", "noise"), ("real_batch", "real")):
                tracer.patch(trainer, attr, _recorded(tracer, getattr(trainer, attr), kind))
        for _ in range(steps):
            tracer.records.append(trainer.train_step())
    if keep_arrays:
        tracer.meta = meta
        tracer.extra.update({**before, **trainer_state(trainer, "after")})
    if out_dir is not None:
        tracer.save(out_dir)
    return tracer


def _recorded(tracer, draw, kind):
    """draw(n), with each batch kept as input/<kind>/<i>."""
    def run(n):
        batch = draw(n)
        i = sum(k.startswith(f"input/{kind}/") for k in tracer.extra)
        tracer.extra[f"input/{kind}/{i}"] = np.array(to_numpy(batch))
        return batch
    return run


def _labelled(tracer, trainer, method, label):
    def run(*args, **kwargs):
        with tracer.section(f"step {trainer.step + 1}: {label}"):
            return method(*args, **kwargs)
    return run


# --- python -m minigan trace ------------------------------------------------------------------

def build_trainer(model="dcgan", data="fashion-mnist", batch_size=8, seed=0, width=64, z_dim=None, dtype="float32"):
    """A GANTrainer with DCGAN's Adam settings for the trace command (and the walkthrough):
    ``model`` "dcgan" (minigan.models.dcgan), "mlp" or "toy" (a ring of Gaussians); ``data``
    "fashion-mnist" (found locally) or "noise" (uniform images drawn from ``seed``); the
    non-saturating loss; Adam(lr=2e-4, betas=(0.5, 0.999)) for G and D; GANConfig's other
    defaults; weights in ``dtype``."""
    from .data.batches import EpochSampler
    from .gan import GANConfig, GANTrainer
    from .optim import Adam
    rng = np.random.default_rng(seed)
    if model == "toy":
        from .data.toy import Ring
        from .models.toy import toy_discriminator, toy_generator
        z_dim = z_dim or 2
        G = toy_generator(z_dim, 2, hidden=16, depth=2, batch_norm=True, rng=rng).astype(dtype)
        D = toy_discriminator(2, 16, 2, rng=rng).astype(dtype)
        source = Ring()
    else:
        if model == "dcgan":
            from .models.dcgan import dcgan_discriminator, dcgan_generator
            z_dim = z_dim or 100
            G = dcgan_generator(z_dim, width=width, rng=rng, dtype=dtype)
            D = dcgan_discriminator(width=width, rng=rng, dtype=dtype)
        else:
            from .models.mlp import mlp_discriminator, mlp_generator
            z_dim = z_dim or 100
            G, D = mlp_generator(z_dim, rng=rng, dtype=dtype), mlp_discriminator(rng=rng, dtype=dtype)
        if data == "fashion-mnist":
            from .data.fashion_mnist import load_fashion_mnist
            source = EpochSampler(load_fashion_mnist("train", download=False, progress=False).as_float())
        else:
            source = EpochSampler(rng.uniform(-1, 1, (4 * batch_size, 1, 28, 28)).astype(np.float32))
    adam = dict(lr=2e-4, betas=(0.5, 0.999))
    return GANTrainer(G, D, Adam(G, **adam), Adam(D, **adam), source,
                      GANConfig(batch_size=batch_size, z_dim=z_dim, seed=seed))


def run_trace(args, parser):
    from .data.idx import DatasetError
    builder = dict(model=args.model, data=args.data, batch_size=args.batch_size, seed=args.seed, width=args.width,
                   dtype=args.dtype)
    try:
        trainer = build_trainer(**builder)
    except DatasetError as err:
        parser.error(f"{err}\n(or trace on random images: --data noise)")
    tracer = trace_step(trainer, None, args.steps, args.values, not args.no_arrays, builder)
    print(f"traced {len(tracer.events)} layer calls: {tracer.order()}")
    print(f"wrote {', '.join(str(p) for p in tracer.save(args.out))}")
    return 0


def positive(text):
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "trace", help="record every layer's inputs, outputs and gradients during training steps",
        description="Run GAN training steps with every layer traced and write trace.txt and trace.npz "
                    "(see docs/trace_walkthrough.md).")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder for trace.txt and trace.npz")
    parser.add_argument("--model", choices=["dcgan", "mlp", "toy"], default="dcgan", help="default %(default)s")
    parser.add_argument("--data", choices=["fashion-mnist", "noise"], default="fashion-mnist",
                        help="real images for dcgan/mlp: Fashion-MNIST (found locally, never downloaded) "
                             "or uniform noise images (default %(default)s); toy uses a ring")
    parser.add_argument("--steps", type=positive, default=1, help="train steps to trace (default %(default)s)")
    parser.add_argument("--batch-size", type=positive, default=8, help="default %(default)s")
    parser.add_argument("--width", type=positive, default=64, help="DCGAN's base channel count (default %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="default %(default)s")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32",
                        help="the networks' dtype (default %(default)s)")
    parser.add_argument("--values", type=int, default=4, help="leading values shown per array (default %(default)s)")
    parser.add_argument("--no-arrays", action="store_true", help="write only trace.txt")
    parser.set_defaults(run=lambda args: run_trace(args, parser))
    return parser
