"""The twin of optim.Adam: the same update, in place, with no temporaries per step.

Each of Adam's operations writes into the moments or into one scratch array per parameter
(kept on the optimizer, out of its state dict). On the CPU all thirteen passes run over one
cache-sized piece (``CHUNK`` elements) before the next piece, so the piece stays in the CPU
cache instead of thirteen sweeps through main memory, and the pieces are shared out among the
CPU threads (parallel.py). On CuPy with the fused kernels on, one kernel per parameter
(fused.py). The roundings are the readable update's, in the same order: equal bit for bit.
"""
from ..backend import fits, get_array_module
from ..optim import Adam
from . import fused
from .parallel import for_rows, on_cpu

CHUNK = 1 << 16      # elements per piece (256 KiB of float32: fits a core's L2 cache)


class FastAdam(Adam):
    """optim.Adam, in place (see the module docstring)."""

    def update(self, name, p, grad):
        h = self.hyper
        m, v = self.buffer(name, "exp_avg", p), self.buffer(name, "exp_avg_sq", p)
        constants = self.bias_corrections()
        if fused.active(p) and grad.dtype == p.dtype:
            return fused.adam(p, grad, m, v, h["betas"], h["eps"], h["weight_decay"], *constants)
        g = grad + h["weight_decay"] * p if h["weight_decay"] else grad
        arrays = (p, g, m, v, self.scratch(name, p))
        if not (on_cpu(p) and all(a.flags.c_contiguous for a in arrays)):
            return self.adam_pass(*arrays, *constants)     # on a GPU pieces would only add launches
        flat = [a.reshape(-1) for a in arrays]              # views: contiguous
        starts = range(0, p.size, CHUNK)

        def update_pieces(first, last):
            for start in starts[first:last]:
                self.adam_pass(*(a[start:start + CHUNK] for a in flat), *constants)
        for_rows(update_pieces, len(starts), p.size)

    def adam_pass(self, p, g, m, v, scratch, step_size, bias2_sqrt):
        """Adam.update's arithmetic on (pieces of) the arrays, every result into m, v, scratch or p."""
        h = self.hyper
        b1, b2 = h["betas"]
        xp = get_array_module(p)
        m *= b1
        xp.multiply(g, 1 - b1, out=scratch)
        m += scratch
        v *= b2
        xp.multiply(g, g, out=scratch)
        scratch *= 1 - b2
        v += scratch
        denom = xp.sqrt(v, out=scratch)
        denom /= bias2_sqrt
        denom += h["eps"]
        step = xp.divide(m, denom, out=scratch)
        step *= step_size
        p -= step

    def scratch(self, name, p):
        """The work array of parameter ``name``, like p; not optimizer state."""
        store = self.__dict__.setdefault("_scratch", {})
        buf = store.get(name)
        if not fits(buf, p):
            buf = store[name] = get_array_module(p).empty_like(p)
        return buf
