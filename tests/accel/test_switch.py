"""The readable path is the default one: without the switch nothing of minigan.accel runs,
and the readable layers, optimizers and losses never import it; with the switch, the twins
run and train the same GAN."""
import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from minigan import accel
from minigan.gan import GANConfig, GANTrainer
from minigan.models.dcgan import dcgan_discriminator, dcgan_generator
from minigan.nn import BatchNorm2d, Conv2d, Dense, Sequential
from minigan.optim import SGD, Adam

ROOT = Path(__file__).resolve().parents[2]
ACCEL = str(ROOT / "minigan" / "accel")
READABLE = sorted((ROOT / "minigan" / "nn").glob("*.py")) + [ROOT / "minigan" / "optim.py",
                                                            ROOT / "minigan" / "losses.py"]


class Images:
    def sample(self, n, rng):
        return rng.uniform(-1, 1, (n, 1, 28, 28)).astype(np.float32)


def dcgan_trainer(**config):
    G, D = dcgan_generator(rng=0), dcgan_discriminator(rng=1)
    return GANTrainer(G, D, Adam(G, lr=2e-4, betas=(0.5, 0.999)), Adam(D, lr=2e-4, betas=(0.5, 0.999)), Images(),
                      GANConfig(batch_size=4, z_dim=100, **config))


def files_entered(fn):
    """The source files of every Python function entered while fn runs (this thread)."""
    entered = set()

    def profile(frame, event, arg):
        if event == "call":
            entered.add(frame.f_code.co_filename)
    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return entered


def test_a_default_dcgan_iteration_enters_nothing_of_minigan_accel():
    trainer = dcgan_trainer()
    entered = files_entered(trainer.train_step)
    assert any(f.endswith(str(Path("minigan", "nn", "conv.py"))) for f in entered)        # the profile works
    assert not [f for f in entered if f.startswith(ACCEL)]


def test_the_switch_runs_the_twins_and_trains_the_same_step():
    readable, fast = dcgan_trainer(), dcgan_trainer(accel=True)
    assert not accel.is_applied(readable.G) and accel.is_applied(fast.G) and accel.is_applied(fast.d_optimizer)
    entered = files_entered(fast.train_step)
    assert {str(Path(ACCEL, name)) for name in ("conv.py", "batchnorm.py", "activations.py", "optim.py")} <= entered
    record = readable.train_step()
    for key in ("d_loss", "g_loss", "d_real", "d_fake"):
        assert fast.history.records[0][key] == pytest.approx(record[key], rel=1e-4, abs=1e-6)
    # Adam's first step moves a weight by lr g / (|g| + eps): where g is near float32 rounding (or eps)
    # the two paths' roundings of g move it by visibly different amounts, never by more than two steps.
    lr = readable.g_optimizer.hyper["lr"]
    for name, p in readable.G.params.items():
        close = np.isclose(fast.G.params[name], p, rtol=1e-4, atol=1e-6)
        assert close.mean() >= 1 - 1e-4, (name, int((~close).sum()))
        assert np.abs(fast.G.params[name] - p).max() <= 2 * lr * (1 + 1e-3), name


def test_apply_and_remove_swap_only_the_classes_with_twins():
    model = Sequential(Conv2d(1, 2, 3), BatchNorm2d(2), Dense(3, 1))
    sgd, adam = SGD(model), Adam(model)
    arrays = list(model.params.values())
    accel.apply(model, sgd, adam)
    assert [type(m).__name__ for m in model.modules()] == ["Sequential", "FastConv2d", "FastBatchNorm2d",
                                                          "FastDense"]
    assert type(sgd) is SGD and type(adam).__name__ == "FastAdam"
    assert all(a is b for a, b in zip(model.params.values(), arrays))     # the same arrays, not copies
    accel.remove(model, adam)
    assert [type(m) for m in model.modules()][1:] == [Conv2d, BatchNorm2d, Dense] and type(adam) is Adam
    with pytest.raises(TypeError, match="Modules and Optimizers"):
        accel.apply(object())


def imports_of(path):
    """Every module a file imports, relative imports resolved against minigan's layout."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[:len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names += [module] + [f"{module}.{alias.name}" for alias in node.names]
    return names


@pytest.mark.parametrize("path", READABLE, ids=lambda p: str(p.relative_to(ROOT)))
def test_readable_files_do_not_import_minigan_accel(path):
    assert not [name for name in imports_of(path) if name.startswith("minigan.accel")]


def test_importing_the_readable_modules_loads_nothing_of_minigan_accel():
    code = ("import sys, minigan.nn, minigan.optim, minigan.losses, minigan.gradcheck\n"
            "print(sorted(m for m in sys.modules if m.startswith('minigan.accel')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_importing_minigan_changes_no_environment_variable():
    code = "import os; before = dict(os.environ); import minigan, minigan.nn, minigan.gan; print(before == os.environ)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "True"
