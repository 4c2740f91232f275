"""Importing the reference implementation's saved coefficients into a ``.hebb`` rule file.

The reference (Najarro & Risi's Python code) saves its evolved Hebbian coefficients with
``torch.save(coeffs, "HEBcoeffs__<env>__rew_…__<rule>__…__coeffs__<gen>.dat")``, where
``coeffs`` is a float32 numpy array of shape ``(synapses, coefficients per synapse)`` with the
synapses of the three layers concatenated, presynaptic-major inside a layer (synapse
``i → j`` of an ``n_in → n_out`` layer is row ``i·n_out + j``) — hebb's *interchange layout*.
Co-evolved initial weights (``…__coevolved_initial_weights__….dat``) and the car's CNN
parameters (``…__CNN_parameters__….dat``) are saved the same way, as flat vectors (weights in
each layer's ``[n_out][n_in]`` order, the CNN's in its conv layers' ``(out, in, kh, kw)``
order).

Reading needs neither torch nor a general unpickler: both of ``torch.save``'s formats (the zip
archive of torch ≥ 1.6, and the older sequence of pickles) are read with a restricted
unpickler that rebuilds numpy arrays (and plain float tensors) and refuses every other global,
so a file cannot run code.
"""

from __future__ import annotations

import argparse
import io
import os
import pickle
import re
import sys
import zipfile
from pathlib import Path
from typing import Sequence

import numpy as np

from . import _hebb

_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C

_STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
}


def _np_reconstruct():
    try:
        from numpy._core.multiarray import _reconstruct  # numpy ≥ 2
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core.multiarray import _reconstruct
    return _reconstruct


def _np_scalar():
    try:
        from numpy._core.multiarray import scalar
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core.multiarray import scalar
    return scalar


class _Storage:
    def __init__(self, dtype, key: str):
        self.dtype, self.key = dtype, key


def _rebuild_tensor(storage, offset, size, stride, *_):
    data = storage.array
    if not size:
        return np.array(data[offset], dtype=data.dtype)
    itemsize = data.dtype.itemsize
    return np.lib.stride_tricks.as_strided(
        data[offset:], shape=tuple(size), strides=tuple(s * itemsize for s in stride)
    ).copy()


class _StorageType:
    def __init__(self, name):
        self.name = name


class _Unpickler(pickle.Unpickler):
    """Rebuilds numpy arrays, numpy scalars and float tensors; refuses any other global."""

    def __init__(self, f, load_storage=None):
        super().__init__(f)
        self._load_storage = load_storage

    def find_class(self, module, name):
        if module in ("numpy.core.multiarray", "numpy._core.multiarray") and name == "_reconstruct":
            return _np_reconstruct()
        if module in ("numpy.core.multiarray", "numpy._core.multiarray") and name == "scalar":
            return _np_scalar()
        if module == "numpy" and name in ("ndarray", "dtype"):
            return getattr(np, name)
        if module == "_codecs" and name == "encode":  # protocol-2 pickles of bytes
            import codecs

            return codecs.encode
        if module == "collections" and name == "OrderedDict":
            import collections

            return collections.OrderedDict
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(name)
        raise pickle.UnpicklingError(
            f"refusing to load {module}.{name}: a reference coefficient file holds a numpy array"
        )

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and pid and pid[0] == "storage" and self._load_storage):
            raise pickle.UnpicklingError(f"unsupported persistent id {pid!r}")
        _, stype, key, _location, numel = pid[:5]
        name = stype.name if isinstance(stype, _StorageType) else None
        if name not in _STORAGE_DTYPES:
            raise pickle.UnpicklingError(f"unsupported tensor storage {stype!r}")
        st = _Storage(_STORAGE_DTYPES[name], str(key))
        st.array = self._load_storage(st, int(numel))
        return st


def _load_zip(path: Path):
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        pkl = [n for n in names if n.endswith("/data.pkl") or n == "data.pkl"]
        if len(pkl) != 1:
            raise ValueError(f"{path}: a torch zip archive holds one data.pkl, found {len(pkl)}")
        root = pkl[0][: -len("data.pkl")]

        def storage(st, numel):
            raw = z.read(f"{root}data/{st.key}")
            a = np.frombuffer(raw, dtype=np.dtype(st.dtype).newbyteorder("<"))
            if a.size < numel:
                raise ValueError(f"{path}: tensor storage {st.key} is truncated")
            return a

        return _Unpickler(io.BytesIO(z.read(pkl[0])), storage).load()


def _load_legacy(path: Path):
    with open(path, "rb") as f:
        u = _Unpickler(f)
        magic = u.load()
        if magic != _LEGACY_MAGIC:
            raise ValueError(f"{path}: not a torch.save file (no zip archive, no legacy magic number)")
        u.load()  # protocol version
        u.load()  # system info
        obj = _Unpickler(f).load()
        keys = _Unpickler(f).load()
        if keys:
            raise ValueError(f"{path}: legacy files with tensor storages are not supported; re-save as numpy")
        return obj


def load_reference_coefficients(path: str | os.PathLike) -> np.ndarray:
    """Reads a file written with ``torch.save`` of a numpy array (the reference's ``.dat``
    files), without torch. Returns the array as float32."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        obj = _load_zip(path) if zipfile.is_zipfile(path) else _load_legacy(path)
    except (pickle.UnpicklingError, EOFError, zipfile.BadZipFile, KeyError) as e:
        raise ValueError(f"{path}: not a readable torch.save file ({e})") from None
    a = np.asarray(obj)
    if a.dtype.kind not in "fiu":
        raise ValueError(f"{path}: holds a {a.dtype} array, expected numbers")
    a = a.astype(np.float32)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{path}: holds NaN or infinite values")
    return a


_ENV_SPECS = {
    # hebb id or name → (built-in name, input size, outputs, action map, normalize)
    "ant-bullet": ("ant-bullet", 28, 8, "direct", False),
    "ant": ("ant", 28, 8, "direct", False),
    "car-racing": ("car-racing", 648, 3, "car", True),
    "cartpole": ("cartpole", 4, 2, "argmax", True),
    "pendulum": ("pendulum", 3, 1, "direct", True),
}
_REFERENCE_ENVS = {
    "AntBulletEnv-v0": "ant-bullet",
    "CarRacing-v0": "car-racing",
    "CartPole-v1": "cartpole",
    "Pendulum-v0": "pendulum",
    "Pendulum-v1": "pendulum",
}


def _env_spec(env: str | None):
    if env is None:
        return None
    from .envs import ENV_IDS

    name = ENV_IDS.get(env) or _REFERENCE_ENVS.get(env) or env
    return _ENV_SPECS.get(name)


def _rule_from_name(path: Path) -> str | None:
    m = re.search(r"__(A|AD|AD_lr|ABC|ABC_lr|ABCD|ABCD_lr|ABCD_lr_D_out|ABCD_lr_D_in_and_out)__", path.name)
    return m.group(1) if m else None


def _env_from_name(path: Path) -> str | None:
    m = re.match(r"HEBcoeffs__(.+?)__rew_", path.name)
    return m.group(1) if m else None


# The car's CNN: conv 6@3×3 on 3 channels, conv 8@5×5 on 6, then 8×9×9 features.
_CNN_SHAPES = ((6, 3, 3, 3), (8, 6, 5, 5))
_FEATURES = (8, 9, 9)


def _cnn_from_reference(w: np.ndarray) -> np.ndarray:
    """The reference feeds its CNN the image transposed — (channel, column, row) — where hebb
    feeds (channel, row, column). Convolving a transposed image with a kernel is convolving the
    image with the transposed kernel and transposing the result (square strides and pools keep
    this exact), so the reference's kernels transposed (ky ↔ kx) give, on hebb's image, the
    reference's feature maps transposed; :func:`_reference_feature_of` reorders them."""
    n1 = int(np.prod(_CNN_SHAPES[0]))
    k1 = w[:n1].reshape(_CNN_SHAPES[0]).transpose(0, 1, 3, 2)
    k2 = w[n1:].reshape(_CNN_SHAPES[1]).transpose(0, 1, 3, 2)
    return np.ascontiguousarray(np.concatenate([k1.ravel(), k2.ravel()]), dtype=np.float32)


def _reference_feature_of() -> np.ndarray:
    """For each hebb feature index (c, row, col), the reference's feature index (c, col, row)."""
    c, r, q = np.meshgrid(*(np.arange(n) for n in _FEATURES), indexing="ij")
    return (c * _FEATURES[1] * _FEATURES[2] + q * _FEATURES[2] + r).ravel()


def import_reference(
    coeffs: str | os.PathLike,
    *,
    rule: str | None = None,
    env: str | None = None,
    sizes: Sequence[int] | None = None,
    hidden: Sequence[int] = (128, 64),
    out: str | os.PathLike | None = None,
    init_weights: str | os.PathLike | None = None,
    cnn: str | os.PathLike | None = None,
    action_map: str | None = None,
    normalize: bool | None = None,
    init: str = "uni",
    seed: int = 0,
    generations: int | None = None,
    f16: bool = False,
) -> "_hebb.Rule":
    """Converts a reference ``HEBcoeffs__….dat`` file into a :class:`hebb.Rule` (saved to
    ``out`` when given).

    The rule and the environment default to those in the file name
    (``HEBcoeffs__CarRacing-v0__rew_…__ABCD_lr__…``). ``sizes`` defaults to the reference's
    ``[input, 128, 64, outputs]`` for the environment; ``action_map`` (``argmax``, ``direct``,
    ``car``) and ``normalize`` to what hebb uses for it. ``init_weights`` is the matching
    ``…__coevolved_initial_weights__….dat`` (sets ``init='coevolve'``), ``cnn`` the car's
    ``…__CNN_parameters__….dat``.
    """
    path = Path(coeffs)
    rule = rule or _rule_from_name(path)
    if rule is None:
        raise ValueError(f"{path.name}: the file name names no rule; pass rule=")
    env = env or _env_from_name(path)
    spec = _env_spec(env)
    if sizes is None:
        if spec is None:
            raise ValueError(f"unknown environment {env!r}: pass sizes=[input, …, outputs]")
        sizes = [spec[1], *hidden, spec[2]]
    sizes = [int(s) for s in sizes]
    if action_map is None:
        if spec is None:
            raise ValueError("pass action_map= ('argmax' for discrete actions, 'direct' for boxes)")
        action_map = spec[3]
    if normalize is None:
        normalize = spec[4] if spec is not None else True
    c = load_reference_coefficients(path)
    n = _hebb.n_coefficients(rule, sizes)
    if c.size != n:
        raise ValueError(
            f"{path.name}: {c.size} coefficients (shape {c.shape}); rule {rule} on a "
            f"{'-'.join(map(str, sizes))} network has {n}"
        )
    n_syn = _n_synapses(sizes)
    if c.ndim == 2 and c.shape[0] != n_syn:
        raise ValueError(f"{path.name}: shape {c.shape}, expected ({n_syn}, coefficients per synapse)")
    c = c.reshape(n_syn, -1)
    n_cnn = sum(int(np.prod(s)) for s in _CNN_SHAPES)
    w = None
    raw = load_reference_coefficients(cnn).reshape(-1) if cnn is not None else None
    if init_weights is not None:
        w = load_reference_coefficients(init_weights).reshape(-1)
        init = "coevolve"
        if raw is None and w.size == n_cnn + n_syn and sizes[0] == int(np.prod(_FEATURES)):
            # The car's co-evolved vector holds the CNN's parameters, then the weights.
            raw, w = w[:n_cnn], w[n_cnn:]
        if w.size != n_syn:
            raise ValueError(f"{init_weights}: {w.size} initial weights, the network has {n_syn} synapses")
    cnn_w = None
    if raw is not None:
        if raw.size != sum(int(np.prod(s)) for s in _CNN_SHAPES) or sizes[0] != int(np.prod(_FEATURES)):
            raise ValueError(
                f"{raw.size} CNN parameters for a {sizes[0]}-input network; the car's CNN has {n_cnn} and feeds 648 inputs"
            )
        cnn_w = _cnn_from_reference(raw)
        # The first layer's inputs follow the features into hebb's order.
        ref = _reference_feature_of()
        n_out = sizes[1]
        layer0 = c[: sizes[0] * n_out].reshape(sizes[0], n_out, -1)[ref]
        c = np.concatenate([layer0.reshape(-1, c.shape[1]), c[sizes[0] * n_out :]])
        if w is not None:
            w0 = w[: sizes[0] * n_out].reshape(n_out, sizes[0])[:, ref]
            w = np.concatenate([w0.ravel(), w[sizes[0] * n_out :]])
    if generations is None:
        m = re.search(r"__(\d+)\.dat$", path.name)
        generations = int(m.group(1)) + 1 if m else 0
    r = _hebb.Rule(
        rule,
        sizes,
        np.ascontiguousarray(c.reshape(-1)),
        interchange=True,
        output="tanh" if action_map == "direct" else "identity",
        normalize=normalize,
        init=init,
        action_map=action_map,
        env=spec[0] if spec is not None else (env or ""),
        seed=seed,
        generations=generations,
        init_weights=w,
        cnn_weights=cnn_w,
        f16=f16,
    )
    if out is not None:
        r.save(Path(out))
    return r


def _n_synapses(sizes) -> int:
    return sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))


def main(argv: Sequence[str] | None = None) -> int:
    """``hebb-import-reference HEBcoeffs__….dat -o rule.hebb``."""
    p = argparse.ArgumentParser(
        prog="hebb-import-reference",
        description="Convert the reference implementation's saved Hebbian coefficients into a .hebb rule file.",
    )
    p.add_argument("coeffs", help="HEBcoeffs__….dat written by the reference (torch.save of a numpy array)")
    p.add_argument("-o", "--out", required=True, help="the rule file to write")
    p.add_argument("--rule", help="rule name [default: from the file name]")
    p.add_argument("--env", help="environment (reference or hebb name) [default: from the file name]")
    p.add_argument("--sizes", help="layer sizes, e.g. 4,128,64,2 [default: the reference's for the env]")
    p.add_argument("--init-weights", help="the matching …coevolved_initial_weights….dat")
    p.add_argument("--cnn", help="the matching …CNN_parameters….dat (car racing)")
    p.add_argument("--action-map", choices=["argmax", "direct", "car"])
    p.add_argument("--f16", action="store_true", help="store the coefficients in half precision")
    a = p.parse_args(argv)
    try:
        r = import_reference(
            a.coeffs,
            rule=a.rule,
            env=a.env,
            sizes=[int(s) for s in a.sizes.split(",")] if a.sizes else None,
            out=a.out,
            init_weights=a.init_weights,
            cnn=a.cnn,
            action_map=a.action_map,
            f16=a.f16,
        )
    except (ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"wrote {a.out}: {r!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
