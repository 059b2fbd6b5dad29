"""Adapters written for fixture format 1, read through the protocol of protocol.py.

Format 1 asked for ``set_params(state)`` and ``backward(dy) -> (dx, grads)`` on layers,
``discriminator(real, fake) -> (value, dreal, dfake)`` on losses and ``set_params(params)``,
``step(grads) -> params`` on optimizers. An object of that form is recognised by those
methods (and by lacking the current ones) and wrapped; anything else is returned as it is.
A format-1 loss serves the loss cases; the composed GAN step needs each side on its own.
"""


class FormerLayer:
    def __init__(self, adapter, config):
        self.adapter, self.mask = adapter, config.get("mask")
        self.params, self.buffers, self.grads = {}, {}, {}

    def forward(self, x):
        state = {**self.params, **self.buffers}
        if self.mask is not None:
            state["mask"] = self.mask
        self.adapter.set_params(state)
        y = self.adapter.forward(x)
        if self.buffers:
            self.buffers.update(self.adapter.buffers())
        return y

    def backward(self, dy):
        dx, grads = self.adapter.backward(dy)
        self.grads.clear()
        self.grads.update(grads)
        return dx


class FormerLoss:
    def __init__(self, adapter):
        self.adapter = adapter

    def discriminator(self, real_logits, fake_logits):
        return self.adapter.discriminator(real_logits, fake_logits)

    def generator(self, logits):
        return self.adapter.generator(logits)


class FormerOptimizer:
    def __init__(self, adapter, model):
        self.adapter, self.model = adapter, model
        adapter.set_params(dict(model.params))

    def step(self):
        self.model.params.update(self.adapter.step(dict(self.model.grads)))


def as_layer(obj, config=None):
    if hasattr(obj, "set_params") and not hasattr(obj, "params"):
        return FormerLayer(obj, config or {})
    return obj


def as_loss(obj):
    if hasattr(obj, "discriminator") and not hasattr(obj, "discriminator_real"):
        return FormerLoss(obj)
    return obj


def as_optimizer_maker(obj):
    if hasattr(obj, "set_params") and hasattr(obj, "step"):
        return lambda model: FormerOptimizer(obj, model)
    return obj
