import numpy as np

from minigan.metrics.health import training_health


def records(d_losses):
    return [{"step": i + 1, "d_loss": d, "g_loss": 0.7} for i, d in enumerate(d_losses)]


def test_a_healthy_run_has_no_warnings():
    samples = np.random.default_rng(0).standard_normal((500, 2))
    health = training_health(records([1.3] * 100), samples)
    assert health == {"losses_exploded": False, "samples_collapsed": False, "warnings": []}


def test_exploded_losses_at_the_end_are_reported_and_early_spikes_are_not():
    assert training_health(records([1.3] * 95 + [3.6e8] * 5))["losses_exploded"]
    assert training_health(records([float("nan")] * 10))["losses_exploded"]
    assert not training_health(records([5e4] * 5 + [1.3] * 95))["losses_exploded"]


def test_samples_at_one_point_are_reported():
    one_image = np.ones((100, 28, 28)) + 1e-6 * np.random.default_rng(1).standard_normal((100, 28, 28))
    health = training_health(records([1.0] * 10), one_image)
    assert health["samples_collapsed"] and "collapsed" in health["warnings"][0]
    assert training_health(records([1.0] * 10), None)["samples_collapsed"] is None
