"""The VesselMNIST3D archive (MedMNIST): the real-data experiment's loader."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from lsr_arrayapi.data.io import READ_ERRORS, file_kind

_SPLITS = ("train", "val", "test")


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
    if file_kind(path) != ".npz":
        raise ValueError(f"{path!r} is a .npy array, not a MedMNIST .npz archive")
    try:
        archive = np.load(path, allow_pickle=False)  # pickles are never loaded
    except READ_ERRORS as exc:
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
    except READ_ERRORS as exc:
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
