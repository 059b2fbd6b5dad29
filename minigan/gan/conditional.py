"""The conditional GAN game: the same steps as GANTrainer, with a class label on every sample.

    fake:  y ~ uniform{0..C-1} from the trainer's rng,  G(concat(z, onehot(y)))
    real:  (x, y) from the data; D sees concat(x, maps(y))

Only where the inputs come from changes, so only ``noise`` and ``real_batch`` are overridden:
G is a ``LabelledGenerator`` (minigan.models.conditional) whose output already carries the
label planes D reads. The data source must have labels: ``EpochSampler(x, labels)``, whose
``last_labels`` are those of the batch it just gave. Fake labels are drawn after z from the
same rng, so a resumed run draws the same labels as an uninterrupted one.
"""
from ..backend import get_array_module, to_device
from ..models.conditional import label_maps, one_hot
from .trainer import GANTrainer


class ConditionalGANTrainer(GANTrainer):

    def __init__(self, G, D, g_optimizer, d_optimizer, data, config=None):
        if getattr(data, "labels", None) is None:
            raise ValueError("a conditional GAN needs labelled data: EpochSampler(x, labels)")
        super().__init__(G, D, g_optimizer, d_optimizer, data, config)
        self.num_classes = G.num_classes

    def noise(self, n):
        """concat(z, onehot(y)), z ~ N(0, I), y uniform over the classes: (n, z_dim + C)."""
        z = super().noise(n)
        labels = self.rng.integers(self.num_classes, size=n)
        xp_labels = to_device(labels, self.device)
        return self._concat(z, one_hot(xp_labels, self.num_classes, z))

    def real_batch(self, n):
        """concat(x, maps(y)) for the next n real images: (n, 1 + C, H, W)."""
        x = super().real_batch(n)
        labels = to_device(self.data.last_labels, self.device)
        return self._concat(x, label_maps(one_hot(labels, self.num_classes, x), x.shape[-2:]))

    @staticmethod
    def _concat(a, b):
        return get_array_module(a).concatenate([a, b], axis=1)
