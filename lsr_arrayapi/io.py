"""Reading samples from files: out-of-core ``.npy`` volumes and MedMNIST archives.

Host I/O, so NumPy is used directly here (the numerical modules never import it).
"""

from __future__ import annotations

import os
import zipfile
from typing import Any

import numpy as np

__all__ = ["load_vesselmnist3d", "open_npy"]

_SPLITS = ("train", "val", "test")


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
    from lsr_arrayapi.dask_design import _import_dask_array

    dask, da = _import_dask_array()
    path = os.fspath(path)
    header = np.load(path, mmap_mode="r")
    n, sample_shape, dtype = header.shape[0], header.shape[1:], header.dtype
    if chunk_rows is None:
        chunk_rows = max(1, (32 << 20) // max(1, header[:1].nbytes))
    if int(chunk_rows) != chunk_rows or chunk_rows < 1:
        raise ValueError(f"chunk_rows must be a positive integer, got {chunk_rows!r}")
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
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
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


def _split(archive: Any, split: str, path: str) -> tuple[np.ndarray, np.ndarray]:
    images, labels = archive[f"{split}_images"], archive[f"{split}_labels"]
    if images.ndim != 4:
        raise ValueError(
            f"{path!r}: {split}_images must have shape (n, d1, d2, d3), got {images.shape}"
        )
    labels = labels.reshape(labels.shape[0], -1)
    if labels.shape != (images.shape[0], 1):
        raise ValueError(
            f"{path!r}: {split}_labels must hold one label per image, "
            f"got shape {archive[f'{split}_labels'].shape} for {images.shape[0]} images"
        )
    y = labels[:, 0]
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"{path!r}: {split}_labels must be binary (0/1), got {np.unique(y)}")
    X = images.astype(np.float64)
    if images.dtype == np.uint8:
        X /= 255.0
    return X, y.astype(np.int64)
