"""The fade-in of progressive growing (Karras et al. 2018, 3): a new block blended in smoothly."""
from .module import Module
from .sequential import NestedDict
from .validation import LayerInputError, at_position, require


class FadeIn(Module):
    """Two paths from the same input, blended by alpha:

        y = (1 - alpha) old(x) + alpha new(x)

    A generator growing from 14 x 14 to 28 x 28 has old = toRGB_14 then Upsample2d(2) and
    new = the 28 x 28 block then toRGB_28; its discriminator has old = AvgPool2d(2) then
    fromRGB_14 and new = fromRGB_28 then the 28 x 28 block. alpha rises from 0 to 1 during
    the fade; it is a plain attribute set by the schedule, not a trained parameter.

    Backward splits dy between the paths and adds what they send back:
        dx = old'^T((1 - alpha) dy) + new'^T(alpha dy)
    and each path adds its parameter gradients (scaled by its weight) into its own grads.
    Backward of backward, for the adjoint ddx: each path's own pass on ddx gives ddy_old and
    ddy_new (adjoints of the dy it received), so ddy = (1 - alpha) ddy_old + alpha ddy_new
    and dx_extra = dx_extra_old + dx_extra_new.

    Parameters are named "0.*" (old) and "1.*" (new), as ``Sequential(old, new)`` would name them.
    """

    def __init__(self, old, new, alpha=0.0):
        self.layers = [old, new]
        super().__init__()
        self.params = NestedDict(self, "params")
        self.grads = NestedDict(self, "grads")
        self.buffers = NestedDict(self, "buffers")
        self.alpha = alpha

    @property
    def alpha(self):
        return self._alpha

    @alpha.setter
    def alpha(self, value):
        require(0 <= value <= 1, "FadeIn", f"alpha must be in [0, 1], got {value!r}")
        self._alpha = float(value)

    @property
    def old(self):
        return self.layers[0]

    @property
    def new(self):
        return self.layers[1]

    @property
    def needs_input_grad(self):
        return self.old.needs_input_grad or self.new.needs_input_grad

    @needs_input_grad.setter
    def needs_input_grad(self, flag):
        self.old.needs_input_grad = self.new.needs_input_grad = flag

    def children(self):
        return self.layers

    def output_shape(self, input_shape):
        shapes = []
        for i, path in enumerate(self.layers):
            with at_position(i):
                shapes.append(tuple(path.output_shape(tuple(input_shape))))
        if shapes[0] != shapes[1]:
            raise LayerInputError(self, f"the old path gives shape {shapes[0]} and the new one {shapes[1]} "
                                        f"for input shape {tuple(input_shape)}; they must agree")
        return shapes[0]

    def forward(self, x):
        self.check_input(x)
        with at_position(0):
            old = self.old.forward(x)
        with at_position(1):
            new = self.new.forward(x)
        return (1 - self.alpha) * old + self.alpha * new

    def backward(self, dy):
        self.check_grad(dy)
        with at_position(0):
            dx_old = self.old.backward((1 - self.alpha) * dy)
        with at_position(1):
            dx_new = self.new.backward(self.alpha * dy)
        if dx_old is None or dx_new is None:
            return None
        return dx_old + dx_new

    def backward_backward(self, ddx):
        self.check_adjoint(ddx)
        with at_position(0):
            ddy_old, extra_old = self.old.backward_backward(ddx)
        with at_position(1):
            ddy_new, extra_new = self.new.backward_backward(ddx)
        extras = [e for e in (extra_old, extra_new) if e is not None]
        dx_extra = None if not extras else extras[0] if len(extras) == 1 else extras[0] + extras[1]
        return (1 - self.alpha) * ddy_old + self.alpha * ddy_new, dx_extra

    def zero_grad(self):
        for path in self.layers:
            path.zero_grad()
        return self

    def __repr__(self):
        lines = [f"  ({name}): {path!r}".replace("\n", "\n  ") for name, path in zip(("old", "new"), self.layers)]
        return f"FadeIn(alpha={self.alpha:g}\n" + "\n".join(lines) + "\n)"
