"""Layers that only change an array's shape; backward puts the gradient back in the input's shape."""
from .module import Module


class Flatten(Module):
    """(N, C, H, W) -> (N, C*H*W), like PyTorch's ``nn.Flatten()``;   dx = dy.reshape(x.shape)"""

    def forward(self, x):
        self.x_shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dy):
        return dy.reshape(self.x_shape)


class Reshape(Module):
    """(N, prod(shape)) -> (N, *shape), e.g. ``Reshape(128, 7, 7)``;   dx = dy.reshape(x.shape)"""

    def __init__(self, *shape):
        super().__init__()
        self.shape = tuple(shape)

    def forward(self, x):
        self.x_shape = x.shape
        return x.reshape((x.shape[0],) + self.shape)

    def backward(self, dy):
        return dy.reshape(self.x_shape)

    def extra_repr(self):
        return ", ".join(map(str, self.shape))
