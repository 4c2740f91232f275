"""Writes coefficient files the way the reference implementation does — ``torch.save`` of a
float32 numpy array — without torch (torch is not installed here).

``torch.save(obj, path)`` with torch ≥ 1.6 writes a zip archive (entries stored, not
compressed) under a root folder named after the file: ``<root>/data.pkl`` holds ``obj``
pickled with protocol 2 (torch's default), ``<root>/byteorder`` is ``little``, ``<root>/version``
is ``3``. A numpy array holds no tensor storages, so the pickle is numpy's own
(``numpy.core.multiarray._reconstruct`` in the numpy 1.x the reference ran with). Older torch
(``_use_new_zipfile_serialization=False``) writes five pickles in a row instead: the magic
number, the protocol version 1001, a system-info dict, the object, and the (empty) list of
storage keys.

Usage: python make_reference_fixture.py OUT.dat [--legacy] — a random ABCD_lr coefficient
array for CartPole (4-128-64-2), shape (synapses, 5).
"""

import io
import pickle
import sys
import zipfile
from pathlib import Path

import numpy as np

MAGIC = 0x1950A86A20F9469CFC6C


def _pickle_numpy_1x(obj) -> bytes:
    data = pickle.dumps(obj, protocol=2)
    # numpy ≥ 2 names its reconstructor numpy._core.multiarray; the reference's numpy 1.x wrote
    # numpy.core.multiarray (protocol 2 names globals as text, so the rename is exact).
    return data.replace(b"numpy._core.multiarray", b"numpy.core.multiarray")


def write_torch_save(path, array, legacy: bool = False) -> None:
    path = Path(path)
    if legacy:
        buf = io.BytesIO()
        for part in (MAGIC, 1001, {"protocol_version": 1001, "little_endian": True,
                                    "type_sizes": {"short": 2, "int": 4, "long": 4}}):
            buf.write(pickle.dumps(part, protocol=2))
        buf.write(_pickle_numpy_1x(array))
        buf.write(pickle.dumps([], protocol=2))
        path.write_bytes(buf.getvalue())
        return
    root = path.stem
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr(f"{root}/data.pkl", _pickle_numpy_1x(array))
        z.writestr(f"{root}/byteorder", "little")
        z.writestr(f"{root}/version", "3\n")


def reference_coeffs(sizes=(4, 128, 64, 2), per_synapse=5, seed=0) -> np.ndarray:
    """What the reference's ES holds: ``(synapses, coefficients per synapse)`` float32."""
    n = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    return np.random.default_rng(seed).standard_normal((n, per_synapse)).astype(np.float32)


if __name__ == "__main__":
    out = Path(sys.argv[1])
    write_torch_save(out, reference_coeffs(), legacy="--legacy" in sys.argv)
    print(f"wrote {out}")
