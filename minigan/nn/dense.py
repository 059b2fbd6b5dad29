"""Dense (fully connected) layer, PyTorch's ``nn.Linear``."""
from .module import as_generator
from .validation import LayerInputError, require
from .weighted import WeightedLayer


class Dense(WeightedLayer):
    """y = x W^T + b

    Shapes: x (N, in), W (out, in) as in PyTorch, b (out,), y (N, out).

    Backward, with dy = dL/dy of shape (N, out):
        dx = dy W            (N, in)
        dW = dy^T x          (out, in)
        db = sum_n dy        (out,)

    Backward of backward, with ddx = dP/d(dx) of shape (N, in): dx = dy W is bilinear in
    (dy, W) and free of x and b, so
        ddy = ddx W^T        (N, out)
        dW += dy^T ddx       (out, in)
        dx_extra = 0         (returned as None)

    Initial weights are PyTorch's default, U(-1/sqrt(in), 1/sqrt(in)) for W and b;
    ``rng`` is a numpy Generator or a seed.

    Equalised learning rate (``equalized_lr=True``, weighted.py): W = c V with
    c = sqrt(2 / in); the formulas above hold with W = c V, and dV = c dW.
    """

    def __init__(self, in_features, out_features, bias=True, rng=None, dtype="float32", equalized_lr=False):
        super().__init__()
        for name, n in (("in_features", in_features), ("out_features", out_features)):
            require(isinstance(n, int) and n >= 1, "Dense", f"{name} must be a positive integer, got {n!r}")
        self.in_features, self.out_features = in_features, out_features
        self.init_weight((out_features, in_features), out_features, in_features, in_features, as_generator(rng),
                         dtype, bias, equalized_lr)

    input_ndims = (2,)

    def output_shape(self, input_shape):
        if input_shape[1] != self.in_features:
            raise LayerInputError(self, f"expected {self.in_features} input features, got input of shape "
                                        f"{tuple(input_shape)}")
        return (input_shape[0], self.out_features)

    def forward(self, x):
        self.check_input(x)
        self.x = x
        y = x @ self.weight().T
        if "bias" in self.params:
            y += self.params["bias"]              # y is fresh: add in place
        return y

    def backward(self, dy):
        self.check_grad(dy)
        self.dy = dy                              # for backward_backward
        if self.requires_grad:
            self.accumulate_grad("weight", self.weight_grad(dy.T @ self.x))
            if "bias" in self.params:
                self.accumulate_grad("bias", dy.sum(axis=0))
        if not self.needs_input_grad:
            return None
        return dy @ self.weight()

    def backward_backward(self, ddx):
        self.check_adjoint(ddx, needs_dy=True)
        if self.requires_grad:
            self.accumulate_grad("weight", self.weight_grad(self.dy.T @ ddx))
        return ddx @ self.weight().T, None

    def extra_repr(self):
        return f"{self.in_features}, {self.out_features}, {self.weight_repr()}"

