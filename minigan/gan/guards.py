"""Training guards: stop at the first non-finite loss or gradient, before it reaches the weights.

The trainer calls ``check_finite`` after each backward pass and before the optimizer step, so
a NaN never gets written into the weights (nor into a checkpoint), and ``check_updated`` after
the step, for weights and optimizer state that overflowed from finite gradients. The error names the step,
the network, and the layer where backpropagation first produced a non-finite gradient
(scanning from the output back to the input, the order in which gradients are computed).
"""
import math

from ..backend import all_finite


class NonFiniteError(FloatingPointError):
    """A loss or gradient became NaN or infinite; ``step`` and ``where`` say when and where."""

    def __init__(self, message, step, where):
        super().__init__(message)
        self.step, self.where = step, where


def _leaf_layers(model, prefix=""):
    """(position, layer) for every layer holding parameters, in forward order."""
    children = model.children()
    if not children:
        if model.params:
            yield prefix or "0", model
        return
    for i, child in enumerate(children):
        yield from _leaf_layers(child, f"{prefix}.{i}" if prefix else str(i))


def first_nonfinite_gradient(model):
    """(position, layer, parameter name) of the layer nearest the output with a non-finite
    gradient, or None when every gradient is finite."""
    if all_finite(model.grads.values()):                  # one read back for the common case
        return None
    for position, layer in reversed(list(_leaf_layers(model))):
        for name, grad in layer.grads.items():
            if not all_finite([grad]):
                return position, layer, name
    return None


def check_updated(network_name, optimizer, step):
    """After an optimizer step: raise NonFiniteError if a weight or a piece of optimizer state is
    NaN or infinite. Finite gradients can still overflow in float32 (Adam squares them into v), and
    an infinite v silently stops a weight: the run must stop before a checkpoint keeps it."""
    arrays = {f"weight '{name}'": p for name, p in optimizer.model.params.items()}
    arrays.update({f"{type(optimizer).__name__} state '{name}/{key}'": v
                   for name, slot in optimizer.state.items() for key, v in slot.items()})
    if all_finite(arrays.values()):
        return
    bad = next(name for name, a in arrays.items() if not all_finite([a]))
    raise NonFiniteError(f"step {step}: after {network_name}'s update, its {bad} holds NaN or inf (the "
                         f"gradients were finite but too large). Lower the learning rate, or set "
                         f"GANConfig(rollback=N) to restart from the last checkpoint with a lower rate.",
                         step, f"{network_name} {bad}")


def check_finite(network_name, model, loss_value, step, updated=False):
    """Raise NonFiniteError if loss_value or any gradient of model is NaN or infinite.
    ``updated``: the optimizer has already applied them."""
    bad = first_nonfinite_gradient(model)
    if bad is None and math.isfinite(loss_value):
        return
    where = f"{network_name} loss"
    message = f"step {step}: the {network_name} loss is {loss_value}"
    if bad is not None:
        position, layer, name = bad
        where = f"{network_name}[{position}] {type(layer).__name__}.{name}"
        message += (f"; the first non-finite gradient (from the output back) is {network_name}[{position}] "
                    f"{type(layer).__name__} '{name}'")
    message += ". The weights were updated with them" if updated else ". The weights were not updated"
    message += (". Lower the learning rate, check the data for NaN/inf, "
                "or set GANConfig(rollback=N) to restart from the last checkpoint with a lower rate.")
    raise NonFiniteError(message, step, where)
