"""Sequential: layers applied in order; backward runs them in reverse (the chain rule)."""
from collections.abc import MutableMapping

from .module import Module
from .validation import LayerInputError, at_position, check_output


class NestedDict(MutableMapping):
    """A write-through view of the children's dicts under PyTorch's names ("0.weight", "3.bias").

    ``seq.params["0.weight"] = w`` assigns ``seq[0].params["weight"] = w``, so a Sequential
    keeps the contract that its ``params`` are the arrays forward uses.
    """

    def __init__(self, owner, attr):
        self.owner, self.attr = owner, attr

    def _split(self, key):
        head, _, rest = key.partition(".")
        if not rest or not head.isdigit() or int(head) >= len(self.owner.layers):
            raise KeyError(key)
        return getattr(self.owner.layers[int(head)], self.attr), rest

    def __getitem__(self, key):
        store, rest = self._split(key)
        return store[rest]

    def __setitem__(self, key, value):
        store, rest = self._split(key)
        if rest not in store:
            raise KeyError(key)
        store[rest] = value

    def __delitem__(self, key):
        raise TypeError("a Sequential's parameters cannot be deleted")

    def __iter__(self):
        for i, layer in enumerate(self.owner.layers):
            for name in getattr(layer, self.attr):
                yield f"{i}.{name}"

    def __len__(self):
        return sum(len(getattr(layer, self.attr)) for layer in self.owner.layers)


class Sequential(Module):
    """y = f_n(... f_2(f_1(x))),   dx = f_1'^T(f_2'^T(... f_n'^T(dy)))

    ``params``, ``grads`` and ``buffers`` are views over the layers' own dicts, named as
    PyTorch's ``nn.Sequential`` names them, so weights copy across both ways by name.
    ``needs_input_grad`` is the first layer's: switch it off and backward skips the
    first layer's input gradient and returns None. Parameter-free layers at the front
    (``Flatten``) only pass that gradient on, so the switch reaches through them to the
    first layer with parameters, which then skips its input gradient too.
    """

    def __init__(self, *layers):
        self.layers = list(layers)
        super().__init__()
        self.params = NestedDict(self, "params")
        self.grads = NestedDict(self, "grads")
        self.buffers = NestedDict(self, "buffers")

    @property
    def needs_input_grad(self):
        return self.layers[0].needs_input_grad if self.layers else True

    @needs_input_grad.setter
    def needs_input_grad(self, flag):
        for layer in self.layers:
            layer.needs_input_grad = flag
            if len(layer.params):
                break

    def children(self):
        return self.layers

    def output_shape(self, input_shape):
        """Shapes through every layer, without computing: a misfit names its layer's position."""
        shape = tuple(input_shape)
        for i, layer in enumerate(self.layers):
            with at_position(i):
                if layer.input_ndims is not None and len(shape) not in layer.input_ndims:
                    wanted = " or ".join(str(n) for n in layer.input_ndims)
                    raise LayerInputError(layer, f"expected a {wanted}-dimensional input, got shape {shape}")
                shape = layer.output_shape(shape)
        return shape

    def forward(self, x):
        self.check_input(x)                  # the whole chain's shapes, before any layer computes
        for i, layer in enumerate(self.layers):
            with at_position(i):
                x = check_output(layer, layer.forward(x))     # debug mode: overflow named here
        return x

    def backward(self, dy):
        self.check_grad(dy)
        for i, layer in reversed(list(enumerate(self.layers))):
            with at_position(i):
                dy = layer.backward(dy)
            if dy is None:            # no layer in front needs it (see needs_input_grad)
                return None
        return dy

    def backward_backward(self, ddx):
        """Second order through the chain, for the adjoint ddx of backward's dx.

        backward ran dy_n -> dx_n = dy_{n-1} -> ... -> dx_1 (the returned dx), layer i turning
        its dy into its dx. So ddx flows the other way, first layer first: layer i's ddy is
        layer i+1's ddx, and the last one is the returned ddy. Each layer also hands back
        dx_extra, the adjoint of its own INPUT activation (its backward depends on it); those
        reach the parameters and x through the forward chain, so a normal reverse pass follows
        with each layer's dx_extra added where that layer's input gradient arrives (nothing
        arrives at the output: P depends on y only through dx). Reads the caches of the last
        forward and backward, and overwrites the backward caches (dy) of its layers.
        """
        self.check_adjoint(ddx)
        extras = []
        for i, layer in enumerate(self.layers):
            with at_position(i):
                ddx, extra = layer.backward_backward(ddx)
            extras.append(extra)
        adjoint = None                        # of the current layer's output
        for i, layer in reversed(list(enumerate(self.layers))):
            if adjoint is not None:
                with at_position(i):
                    adjoint = layer.backward(adjoint)
            if extras[i] is not None:
                adjoint = extras[i] if adjoint is None else adjoint + extras[i]
        return ddx, adjoint

    def zero_grad(self):
        for layer in self.layers:
            layer.zero_grad()
        return self

    def __getitem__(self, i):
        return self.layers[i]

    def __len__(self):
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)

    def __repr__(self):
        lines = [f"  ({i}): {layer!r}".replace("\n", "\n  ") for i, layer in enumerate(self.layers)]
        return "Sequential(\n" + "\n".join(lines) + "\n)"
