"""minigan as a reference: golden fixtures, and checks for other implementations.

    python -m minigan reference export DIR
    python -m minigan reference check DIR --impl package.module:factory [--dtype float32] [--dump OUT]

or from Python: ``export(DIR)`` and ``check(DIR, factory) -> Report``; in a pytest suite,
``minigan.reference.testing.fixture_tests(factory)`` gives one test per case. docs/reference.md
walks through it and says which convention each case pins.

One protocol for every check (protocol.py has it in full). ``factory(kind, config)`` returns:

  a layer for kind = "Dense", "Conv2d", ... with config = {"args": {constructor arguments under
      PyTorch's names}, "training": bool} (and "mask" for Dropout in training): an object with
      ``params`` and ``grads`` (dicts name -> array, PyTorch's names and layouts), ``buffers``
      (running statistics), ``forward(x) -> y``, ``backward(dy) -> dx`` leaving dL/dparam in
      ``grads``, and optionally ``zero_grad()``. minigan's layers are such objects, and
      ``minigan.gradcheck.check_layer`` takes any of them;
  a loss for kind = "loss", config = {"name", "real_label"}: ``discriminator_real(logits)``,
      ``discriminator_fake(logits)`` and ``generator(logits)``, each -> (value, dlogits);
  for kind = "optimizer", config = {"name", "hyper"}: ``make(model) -> optimizer`` whose
      ``step()`` updates model.params from model.grads;
  for kind = "gan_step", optionally, a training step of its own (step.py); otherwise the
      check composes the step from the layers, the loss and the optimizer above.

Raising NotImplementedError from the factory or any method marks the case "skipped".
"""
from .check import check
from .export import export
from .report import CaseResult, Report, TensorResult
from .tolerances import PRESETS

__all__ = ["export", "check", "Report", "CaseResult", "TensorResult", "PRESETS"]
