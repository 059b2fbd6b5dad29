"""PyTorch (torch.nn layers, autograd, losses written with torch ops, torch.optim, the textbook
training loop) through demos/adapters/pytorch_layers.py: every fixture must pass at the default
float64 tolerances, which proves the adapter protocol on a second implementation."""
import json

import pytest

from minigan.reference import check

torch = pytest.importorskip("torch")
pytorch_layers = pytest.importorskip("demos.adapters.pytorch_layers")
pytestmark = pytest.mark.torch


@pytest.fixture(scope="module")
def report(fixtures):
    torch.set_num_threads(1)
    return check(fixtures, pytorch_layers.factory)


def test_pytorch_passes_every_fixture(report, fixtures):
    assert report.ok, str(report)
    assert report.skipped == 0
    assert len(report.cases) == len(json.loads((fixtures / "manifest.json").read_text())["cases"])
    print("\n" + "\n".join(f"{c.name:<52} {c.max_abs_error:.1e} {c.max_rel_error:.1e}" for c in report.cases))


def test_pytorch_really_computed_something(report):
    # rounding differs between two implementations somewhere: all-zero errors would mean a copy
    assert max(c.max_abs_error for c in report.cases) > 0
    assert max(c.max_rel_error for c in report.cases) < 1e-12


def test_a_pytorch_gan_step_that_reuses_the_d_step_fake_fails(fixtures):
    """PyTorch's DCGAN example reuses the D step's fake in the G step; the fixture's G step draws
    fresh noise (noise_g), as minigan's trainer does, and the checker notices the difference."""
    class ReusingFake(pytorch_layers.GanStepAdapter):
        def run(self, weights, real, noise_d, noise_g):
            return super().run(weights, real, noise_d, noise_d)

    def factory(kind, config):
        return ReusingFake(config) if kind == "gan_step" else pytorch_layers.factory(kind, config)
    report = check(fixtures, factory, cases="gan_step/*")
    failed = {t.name for t in report.cases[0].tensors if not t.ok}
    assert report.failed == 1 and "after_g/G.0.weight" in failed and not any(n.startswith("after_d/") for n in failed)
