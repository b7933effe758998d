"""Reading samples from files: out-of-core ``.npy`` volumes and MedMNIST archives.

Host I/O, so NumPy is used directly here (the numerical modules never import it).
"""

from __future__ import annotations

import os
import zipfile
import zlib
from typing import Any

import numpy as np

from lsr_arrayapi.parameters import check_parameters

__all__ = ["load_vesselmnist3d", "open_npy"]

_SPLITS = ("train", "val", "test")
#: what a damaged file raises inside NumPy's readers
_READ_ERRORS = (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error)
_MAGIC = {b"\x93NUMPY": ".npy", b"PK\x03\x04": ".npz"}


def _file_kind(path: str) -> str:
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
    if _file_kind(path) != ".npy":
        raise ValueError(f"{path!r} is a .npz archive; open_npy reads one .npy array")
    try:
        header = np.load(path, mmap_mode="r", allow_pickle=False)
    except _READ_ERRORS as exc:
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


def load_vesselmnist3d(
    path: str | os.PathLike[str],
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Read MedMNIST's ``vesselmnist3d.npz`` (downloaded by the user).

    Returns ``{"train": (X, y), "val": (X, y), "test": (X, y)}`` with X of
    shape ``(n, 28, 28, 28)`` as float64 in [0, 1] (the archive stores uint8
    0..255) and y of shape ``(n,)`` in {0, 1} (1: aneurysm).  Any MedMNIST 3-D
    archive with the same keys and binary labels reads the same way.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"no MedMNIST archive at {path!r}; download vesselmnist3d.npz from "
            "https://zenodo.org/records/10519652 (or `pip install medmnist` and "
            "`medmnist.VesselMNIST3D(split='train', download=True)`) and pass its path"
        )
    if _file_kind(path) != ".npz":
        raise ValueError(f"{path!r} is a .npy array, not a MedMNIST .npz archive")
    try:
        archive = np.load(path, allow_pickle=False)  # pickles are never loaded
    except _READ_ERRORS as exc:
        raise ValueError(f"{path!r} is not a readable .npz archive: {exc}") from exc
    with archive:
        expected = [f"{split}_{part}" for split in _SPLITS for part in ("images", "labels")]
        missing = [key for key in expected if key not in archive.files]
        if missing:
            raise ValueError(
                f"{path!r} is not a MedMNIST archive: missing keys {missing} "
                f"(found {sorted(archive.files)})"
            )
        return {split: _split(archive, split, path) for split in _SPLITS}


def _member(archive: Any, key: str, path: str) -> np.ndarray:
    """One array of the archive; a damaged (truncated, corrupt, pickled) member names itself."""
    try:
        return archive[key]
    except _READ_ERRORS as exc:
        raise ValueError(
            f"{path!r}: member {key!r} cannot be read ({type(exc).__name__}: {exc})"
        ) from exc


def _split(archive: Any, split: str, path: str) -> tuple[np.ndarray, np.ndarray]:
    images = _member(archive, f"{split}_images", path)
    labels = _member(archive, f"{split}_labels", path)
    if images.ndim != 4 or images.dtype.kind not in "biuf":
        raise ValueError(
            f"{path!r}: {split}_images must be numbers of shape (n, d1, d2, d3), "
            f"got {images.dtype} of shape {images.shape}"
        )
    if labels.ndim == 0 or labels.reshape(labels.shape[0], -1).shape != (images.shape[0], 1):
        raise ValueError(
            f"{path!r}: {split}_labels must hold one label per image, "
            f"got shape {labels.shape} for {images.shape[0]} images"
        )
    labels = labels.reshape(labels.shape[0], -1)
    y = labels[:, 0]
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"{path!r}: {split}_labels must be binary (0/1), got {np.unique(y)}")
    X = images.astype(np.float64)
    if images.dtype == np.uint8:
        X /= 255.0
    return X, y.astype(np.int64)
