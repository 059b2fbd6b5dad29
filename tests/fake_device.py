"""A second device for tests on the CPU: a stand-in for CuPy that minigan.backend cannot tell
from the real one, whose arrays mix with host arrays no more than CuPy's do.

    with fake_cuda() as cupy:
        G.to("cuda")                      # parameters become DeviceArrays: backend says 'cuda'
        ...
        cupy.host_reads                   # device data read back to the host so far

``fake_cuda`` puts the module in ``sys.modules["cupy"]`` for the block, so the backend runs its
own code unchanged: ``get_array_module`` returns this module for a DeviceArray,
``to_device(x, "cuda")`` calls its ``asarray``, ``to_numpy`` calls ``DeviceArray.get``.

What it copies from CuPy, the things code written against NumPy trips over:
  - a DeviceArray is not a ``numpy.ndarray``;
  - a ufunc or operator that mixes a DeviceArray with a host ndarray raises
    ``TypeError: Unsupported type <class 'numpy.ndarray'>``; Python and NumPy scalars are fine;
  - a NumPy function (``np.xxx``) given a DeviceArray raises TypeError, and so does an implicit
    conversion (``np.asarray(x)``, ``host[...] = x``): data leaves the device only by ``get()``;
  - the module's own functions refuse host arrays, except the constructors (``asarray``,
    ``array``, ``ascontiguousarray``), which copy them to the device;
  - writing a host array into a DeviceArray raises (stricter than CuPy, which copies a host
    value under an integer-array index but refuses it under a slice); host index arrays are
    accepted, as CuPy copies them;
  - reductions and scalar indexing give 0-d DeviceArrays, not NumPy scalars;
  - ``cupy.random.Generator`` has no ``permutation`` or ``choice``.
It does not know which NumPy functions and keywords CuPy lacks: every one of NumPy's works here.
Every read of device data by the host (``float``, ``int``, ``bool``, ``item``, ``tolist``,
``get``, formatting) adds one to ``host_reads``: on a GPU each is a synchronisation.
"""
import sys
import types
from contextlib import contextmanager

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

CONSTRUCTORS = ("asarray", "array", "ascontiguousarray", "asanyarray")


def _unsupported(value):
    return TypeError(f"Unsupported type {type(value)}")


def _to_host_view(value, allow_host=False):
    """A DeviceArray's data for a NumPy call; a host ndarray refused unless ``allow_host``."""
    if isinstance(value, DeviceArray):
        return value._data
    if isinstance(value, np.ndarray) and not allow_host:
        raise _unsupported(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_to_host_view(v, allow_host) for v in value)
    return value


def _on_device(result, sources=()):
    """NumPy's result as device arrays; an array that is one of the sources' data comes back as
    that source, so identity is kept where NumPy returned its input."""
    if isinstance(result, np.ndarray):
        for source in sources:
            if isinstance(source, DeviceArray) and source._data is result:
                return source
        return DeviceArray(result)
    if isinstance(result, np.generic):
        return DeviceArray(np.asarray(result))
    if isinstance(result, tuple):
        return tuple(_on_device(r, sources) for r in result)
    if isinstance(result, list):
        return [_on_device(r, sources) for r in result]
    return result


class DeviceArray(NDArrayOperatorsMixin):
    """An array 'on the device': NumPy data behind CuPy's rules (see the module docstring)."""

    __module__ = "cupy"                     # what minigan.backend._is_cupy_array looks at
    host_reads = 0                          # set on the class by fake_cuda, counted for all arrays

    def __init__(self, data):
        self._data = data

    # --- reading back to the host: each one counted ---------------------------------------
    @classmethod
    def _read(cls):
        cls.host_reads += 1

    def get(self):
        self._read()
        return self._data.copy()

    def set(self, host):
        self._data[...] = host

    def item(self):
        self._read()
        return self._data.item()

    def tolist(self):
        self._read()
        return self._data.tolist()

    def __float__(self):
        self._read()
        return float(self._data)

    def __int__(self):
        self._read()
        return int(self._data)

    def __index__(self):
        self._read()
        return self._data.__index__()

    def __bool__(self):
        self._read()
        return bool(self._data)

    def __format__(self, spec):
        self._read()
        return format(self._data, spec)

    def __array__(self, *args, **kwargs):
        raise TypeError("Implicit conversion to a NumPy array is not allowed. Please use `.get()` to construct "
                        "a NumPy array explicitly.")

    def __repr__(self):
        return f"device({self._data!r})"

    # --- NumPy's protocols -------------------------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        if out is not None:
            kwargs["out"] = _to_host_view(out)
        result = getattr(ufunc, method)(*_to_host_view(inputs), **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        return _on_device(result, inputs)

    def __array_function__(self, func, types, args, kwargs):
        raise TypeError(f"numpy.{func.__name__} was called on a device array; CuPy refuses it "
                        f"(use xp = get_array_module(x))")

    # --- the ndarray interface, on the device ------------------------------------------------
    def __getitem__(self, index):
        return _on_device(self._data[_to_host_view(index, allow_host=True)], (self,))

    def __setitem__(self, index, value):
        self._data[_to_host_view(index, allow_host=True)] = _to_host_view(value)

    def __len__(self):
        return len(self._data)

    def __iter__(self):
        return (DeviceArray(row) if isinstance(row, np.ndarray) else DeviceArray(np.asarray(row))
                for row in self._data)

    def __copy__(self):
        return DeviceArray(self._data.copy())

    def __deepcopy__(self, memo):
        return DeviceArray(self._data.copy())

    def __getattr__(self, name):
        if name.startswith("_"):             # dunders and _data during copying: never the data's
            raise AttributeError(name)
        value = getattr(self._data, name)
        if not callable(value):
            return _on_device(value, (self,)) if isinstance(value, np.ndarray) else value

        return _device_function(value, allow_host=False, sources=(self,))


def _device_function(fn, allow_host, sources=()):
    """fn (a NumPy function or an ndarray method) taking and returning device arrays."""
    def call(*args, **kwargs):
        kwargs = {k: _to_host_view(v, allow_host) for k, v in kwargs.items()}
        return _on_device(fn(*_to_host_view(args, allow_host), **kwargs), sources + args)
    call.__name__ = getattr(fn, "__name__", "function")
    return call


class _Namespace(types.ModuleType):
    """NumPy's functions (of ``source``, a module) made to take and return device arrays."""

    def __init__(self, name, source):
        super().__init__(name)
        self._source = source

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        value = getattr(self._source, name)
        if isinstance(value, np.ufunc):       # dispatches to DeviceArray.__array_ufunc__ by itself
            return value
        if isinstance(value, types.ModuleType):
            return _Namespace(f"{self.__name__}.{name}", value)
        if callable(value) and not isinstance(value, type):
            return _device_function(value, allow_host=name in CONSTRUCTORS)
        return value                          # dtypes, scalar types, constants


class Generator:
    """The few methods of ``cupy.random.Generator`` minigan might call; like CuPy's, it has no
    ``permutation``, ``shuffle`` or ``choice``."""

    __module__ = "cupy.random._generator_api"

    def __init__(self, seed=None):
        self._host = np.random.default_rng(seed)

    def random(self, size=None, dtype=np.float64):
        return DeviceArray(np.asarray(self._host.random(size, dtype=dtype)))

    def standard_normal(self, size=None, dtype=np.float64):
        return DeviceArray(np.asarray(self._host.standard_normal(size, dtype=dtype)))

    def integers(self, low, high=None, size=None, dtype=np.int64):
        return DeviceArray(np.asarray(self._host.integers(low, high, size, dtype=dtype)))


class FakeCuPy(_Namespace):
    """The module installed as ``cupy``."""

    ndarray = DeviceArray

    def __init__(self):
        super().__init__("cupy", np)
        self.cuda = types.SimpleNamespace(runtime=types.SimpleNamespace(getDeviceCount=lambda: 1))
        self.random = types.SimpleNamespace(Generator=Generator, default_rng=Generator)

    @property
    def host_reads(self):
        return DeviceArray.host_reads

    def asnumpy(self, x):
        return x.get() if isinstance(x, DeviceArray) else np.asarray(x)


@contextmanager
def fake_cuda():
    """Install the fake CuPy as ``cupy`` for the block; yields it. ``host_reads`` starts at 0."""
    module, previous = FakeCuPy(), sys.modules.get("cupy")
    sys.modules["cupy"] = module
    DeviceArray.host_reads = 0
    try:
        yield module
    finally:
        if previous is None:
            del sys.modules["cupy"]
        else:
            sys.modules["cupy"] = previous


def on_device(x):
    """True for an array on the fake device."""
    return isinstance(x, DeviceArray)
