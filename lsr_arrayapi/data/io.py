"""Reading samples from files: out-of-core ``.npy`` volumes.

Host I/O, so NumPy is used directly here (the numerical modules never import it).
"""

from __future__ import annotations

import os
import zipfile
import zlib
from typing import Any

import numpy as np

from lsr_arrayapi.parameters import check_parameters

__all__ = ["open_npy"]

#: what a damaged file raises inside NumPy's readers
READ_ERRORS = (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error)
_MAGIC = {b"\x93NUMPY": ".npy", b"PK\x03\x04": ".npz"}


def file_kind(path: str) -> str:
    """``".npy"`` or ``".npz"`` from the file's first bytes, else a ``ValueError`` naming it."""
    with open(path, "rb") as handle:  # FileNotFoundError / PermissionError name the path
        head = handle.read(6)
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            return kind
    if not head:
        raise ValueError(f"{path!r} is empty")
    raise ValueError(f"{path!r} is neither a .npy file nor a .npz archive (no NumPy header)")


def _load_rows(path: str, start: int, stop: int) -> np.ndarray:
    return np.asarray(np.load(path, mmap_mode="r")[start:stop])  # a view: pages stream in


def open_npy(path: str | os.PathLike[str], *, chunk_rows: int | None = None) -> Any:
    """A ``.npy`` file of samples ``(n, d_1, ..., d_K)`` as a lazy Dask array.

    Each chunk of ``chunk_rows`` samples is read by the task that needs it
    (from a memory map of the file), so the file is never loaded as a whole
    and the graph holds only the path: it runs on ``dask.distributed``
    workers that see the same file system.  The default chunk holds about
    32 MiB of samples (chunks of tens of MiB
    keep the per-task overhead small and a few chunks within a worker's memory).

    For a file that fits in the address space, ``np.load(path, mmap_mode="r")``
    is also accepted by ``fit`` directly (the OS pages it in as the passes stream).
    """
    from lsr_arrayapi.data.dask_design import import_dask_array

    check_parameters("open_npy", chunk_rows=chunk_rows)
    dask, da = import_dask_array()
    path = os.fspath(path)
    if file_kind(path) != ".npy":
        raise ValueError(f"{path!r} is a .npz archive; open_npy reads one .npy array")
    try:
        header = np.load(path, mmap_mode="r", allow_pickle=False)
    except READ_ERRORS as exc:
        raise ValueError(f"{path!r} is not a readable .npy file: {exc}") from exc
    if header.ndim < 1 or header.dtype.kind not in "biuf":
        raise ValueError(
            f"{path!r} holds an array of shape {header.shape} and dtype {header.dtype}; "
            "open_npy needs samples (n, d_1, ..., d_K) of real numbers"
        )
    n, sample_shape, dtype = header.shape[0], header.shape[1:], header.dtype
    if chunk_rows is None:
        chunk_rows = max(1, (32 << 20) // max(1, header[:1].nbytes))
    load = dask.delayed(_load_rows, pure=True)
    blocks = [
        da.from_delayed(
            load(path, start, min(start + chunk_rows, n)),
            shape=(min(start + chunk_rows, n) - start, *sample_shape),
            dtype=dtype,
        )
        for start in range(0, n, chunk_rows)
    ]
    return da.concatenate(blocks, axis=0)


def __getattr__(name: str) -> Any:
    """Names that moved to :mod:`lsr_arrayapi.reproduce` (deprecated here)."""
    from lsr_arrayapi._moved import moved_attribute

    return moved_attribute(__name__, name)
