"""PyTorch (torch.nn layers, autograd, losses written with torch ops, torch.optim, the textbook
training loop) through demos/adapters/pytorch_layers.py, an adapter of fixture format 1 read
through minigan/reference/former.py: every fixture must pass at the default float64 tolerances,
which proves the protocol on a second implementation."""
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


class RerunningG(pytorch_layers.GanStepAdapter):
    """Runs G forward again in the G step (same noise, same weights, so the same fake): the only
    difference is that G's batch-norm statistics move a second time."""

    def run(self, weights, noise, real):
        after_d, after_g = super().run(weights, noise, real)
        G = torch.nn.Sequential(*(pytorch_layers.build_module(k, a) for k, a in self.config["G"]))
        pytorch_layers.load_state(G, {k[2:]: v for k, v in after_d.items() if k.startswith("G.")})
        G(pytorch_layers.tensor(noise))
        after_g.update({f"G.{k}": v for k, v in pytorch_layers.state_of(G).items() if "running" in k})
        return after_d, after_g


def test_a_gan_step_that_runs_g_forward_twice_fails_on_the_running_statistics(fixtures):
    def factory(kind, config):
        return RerunningG(config) if kind == "gan_step" else pytorch_layers.factory(kind, config)
    report = check(fixtures, factory, cases="gan_step/*")
    failed = {t.name for t in report.cases[0].tensors if not t.ok}
    assert report.failed == 2
    assert {t.name for t in report.case("gan_step/mlp-batchnorm-non-saturating-adam").failing} == failed == {
        "after_g/G.1.running_mean", "after_g/G.1.running_var"}
