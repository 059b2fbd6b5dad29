import pytest

from minigan.gan import GANConfig


def test_wasserstein_gets_weight_clipping_by_default():
    assert GANConfig(loss="wasserstein").clip == 0.01 and GANConfig().clip is None


@pytest.mark.parametrize("kwargs,message", [
    ({"d_steps": 0}, "d_steps"), ({"label_smoothing": 1.0}, "label_smoothing"),
    ({"loss": "hinge", "label_smoothing": 0.1}, "real label"), ({"replay_fraction": 2.0}, "replay_fraction")])
def test_bad_settings_are_rejected_with_a_message(kwargs, message):
    with pytest.raises(ValueError, match=message):
        GANConfig(**kwargs)


def test_round_trip_ignores_unknown_keys():
    config = GANConfig(loss="hinge", d_steps=5)
    assert GANConfig.from_dict({**config.to_dict(), "future_option": 1}) == config
