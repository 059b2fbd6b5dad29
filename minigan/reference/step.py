"""The whole-step check: one discriminator step and one generator step of a GAN.

By default the checker composes the step from the implementation's own layers, loss and
optimizer (the objects of protocol.py), so a step fails where one of them breaks a
convention that only a whole step exercises. The step is minigan's GANTrainer and PyTorch's
DCGAN example:

  D step   fake = G.forward(noise)                       G in training mode, once
           D.forward(real), loss.discriminator_real, D.backward     -> D's gradients g_real
           D.forward(fake), loss.discriminator_fake, D.backward     -> D's gradients g_fake
           D.grads = g_real + g_fake; D's optimizer steps
  G step   D.forward(fake) through the updated D, loss.generator, D.backward -> dfake
           G.backward(dfake) (G's caches still hold the pass that made fake); G's optimizer
           steps; D's weights do not change, but its batch-norm statistics move again (D runs
           forward in training mode)

It records ``fake``, ``d_loss`` (real plus fake term), ``grad_d/<name>``, ``after_d/<name>``,
``g_loss``, ``grad_g/<name>`` and ``after_g/<name>``, names as nn.Sequential gives them
("G.4.weight", batch-norm buffers included), in that order, one stage at a time.

An implementation with a training step of its own answers ``factory("gan_step", config)``
with an object whose ``run(weights, noise, real)`` returns a dict of any of those names,
or the pair (after_d, after_g); the after_d and after_g tensors are required, the others
are compared when present.
"""
from collections.abc import MutableMapping

from .protocol import copies, load_state, make_optimizer, members, snapshot, zero_grads
from . import former


class Prefixed(MutableMapping):
    """The layers' params (or grads, buffers) as one dict named "<index>.<name>", write-through."""

    def __init__(self, layers, attr):
        self.layers, self.attr = layers, attr

    def _split(self, key):
        head, _, rest = key.partition(".")
        if not head.isdigit() or int(head) >= len(self.layers):
            raise KeyError(key)
        return members(self.layers[int(head)], self.attr), rest

    def __getitem__(self, key):
        store, rest = self._split(key)
        return store[rest]

    def __setitem__(self, key, value):
        store, rest = self._split(key)
        store[rest] = value

    def __delitem__(self, key):
        store, rest = self._split(key)
        del store[rest]

    def __iter__(self):
        for i, layer in enumerate(self.layers):
            for name in members(layer, self.attr):
                yield f"{i}.{name}"

    def __len__(self):
        return sum(len(members(layer, self.attr)) for layer in self.layers)


class Chain:
    """Layers applied in order, behind the layer protocol (a Sequential for any objects)."""

    def __init__(self, layers):
        self.layers = list(layers)
        self.params, self.grads, self.buffers = (Prefixed(self.layers, a) for a in ("params", "grads", "buffers"))

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dy):
        for layer in reversed(self.layers):
            dy = layer.backward(dy)
        return dy

    def zero_grad(self):
        for layer in self.layers:
            zero_grads(layer)


def build_chain(factory, layers):
    built = []
    for kind, args in layers:
        config = {"args": args, "training": True}
        built.append(former.as_layer(factory(kind, config), config))
    return Chain(built)


def load_weights(model, prefix, weights):
    mine = {k[len(prefix) + 1:]: v for k, v in weights.items() if k.startswith(prefix + ".")}
    params = {k: v for k, v in mine.items() if k in model.params}
    load_state(model, params, {k: v for k, v in mine.items() if k not in params})


def backward_grads(model, dy):
    """model.backward(dy) from zeroed gradients; returns a copy of the gradients it left."""
    zero_grads(model)
    model.backward(dy)
    missing = [k for k in model.params if k not in model.grads]
    if missing:
        raise KeyError(f"backward left no gradient for {missing}")
    return {k: model.grads[k] + 0 for k in model.params}


def composed_step(factory, config, weights, noise, real):
    """Yield the step's outputs stage by stage (see the module docstring)."""
    G, D = build_chain(factory, config["G"]), build_chain(factory, config["D"])
    load_weights(G, "G", weights)
    load_weights(D, "D", weights)
    loss = former.as_loss(factory("loss", {"name": config["loss"]}))
    if isinstance(loss, former.FormerLoss):
        raise NotImplementedError("the composed step needs discriminator_real and discriminator_fake on the loss")
    opt_G = make_optimizer(factory, {**config["optimizer"], "steps": 1}, G)
    opt_D = make_optimizer(factory, {**config["optimizer"], "steps": 1}, D)

    fake = G.forward(noise)
    yield {"fake": snapshot(fake)}
    real_value, dreal = loss.discriminator_real(D.forward(real))
    g_real = backward_grads(D, dreal)
    fake_value, dfake = loss.discriminator_fake(D.forward(fake))
    g_fake = backward_grads(D, dfake)
    for name in D.params:
        D.grads[name] = g_real[name] + g_fake[name]
    yield {"d_loss": snapshot(real_value + fake_value), **copies(D.grads, "grad_d/D.")}
    opt_D.step()
    yield {**copies(G.params, "after_d/G."), **copies(G.buffers, "after_d/G."),
           **copies(D.params, "after_d/D."), **copies(D.buffers, "after_d/D.")}

    g_value, dlogits = loss.generator(D.forward(fake))
    dfake = D.backward(dlogits)                    # D's own gradients from this pass are not used
    backward_grads(G, dfake)
    yield {"g_loss": snapshot(g_value), **copies(G.grads, "grad_g/G.")}
    opt_G.step()
    yield {**copies(G.params, "after_g/G."), **copies(G.buffers, "after_g/G."),
           **copies(D.params, "after_g/D."), **copies(D.buffers, "after_g/D.")}


REQUIRED = ("after_d/", "after_g/")


def own_step(step, weights, noise, real):
    out = step.run(weights, noise, real)
    if isinstance(out, tuple):
        after_d, after_g = out
        out = {**{f"after_d/{k}": v for k, v in after_d.items()}, **{f"after_g/{k}": v for k, v in after_g.items()}}
    yield {k: snapshot(v) for k, v in out.items()}


def run_gan_step(factory, case, arrays):
    weights = {k[len("weights/"):]: v for k, v in arrays.items() if k.startswith("weights/")}
    try:
        step = factory("gan_step", case.config)
    except NotImplementedError:
        step = None
    if step is None:
        return composed_step(factory, case.config, weights, arrays["noise"], arrays["real"])
    return own_step(step, weights, arrays["noise"], arrays["real"])
