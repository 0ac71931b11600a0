"""From PET and CT volumes to PET2Rep-style coronal images: orientation, CT resampled onto the
PET grid, slice choice, CT window, PET colour scale, fusion, maximum-intensity projection.

Geometry. Both volumes are brought to LPS (x toward the patient's left, y toward posterior,
z toward superior) by their direction cosines: an axis-aligned volume is only permuted and
flipped; an oblique one is first resampled onto an axis-aligned grid. CT is resampled onto the
PET grid by physical coordinates (linear interpolation, -1024 HU outside the CT). A coronal
slice is the plane of one y index; it is shown in radiological convention: head up, the
patient's right on the image's left.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..language import check_language
from .volumes import StudyError, _sitk

AIR_HU = -1024.0
BODY_HU = -500.0  # CT above this is the body (for slice fractions)
# Default slice positions: 35%, 50% and 65% of the body's anterior-posterior extent. PET2Rep's
# demo uses coronal indices 90, 100 and 110 of its grid: three planes about 4 cm apart near the
# middle of the body; fractions give comparable planes on any grid and body size.
DEFAULT_FRACTIONS = (0.35, 0.5, 0.65)


@dataclass(frozen=True)
class RenderSettings:
    """Every choice that changes a rendered image; recorded in the manifest and the signature.

    ``slices``: positions along the anterior-posterior axis, as fractions of the body's extent
    (``slice_unit='fraction'``) or as indices of the PET grid counted from anterior
    (``'index'``, PET2Rep's 90/100/110). ``size``: (width, height) in pixels, or None for the
    PET grid itself (one pixel per PET voxel). ``ct_window``: (width, level) in HU."""

    format: str = "pet2rep"
    mode: str = "fused"
    slices: tuple[float, ...] = DEFAULT_FRACTIONS
    slice_unit: str = "fraction"
    size: tuple[int, int] | None = None
    suv_max: float = 5.0
    ct_window: tuple[float, float] = (400.0, 40.0)
    colormap: str = "hot"
    alpha: float = 0.5
    mip: bool = False
    jpeg_quality: int = 95
    language: str = "zh"
    extra: dict[str, Any] = field(default_factory=dict)

    def check(self) -> None:
        if self.format not in ("pet2rep", "plain"):
            raise ValueError(f"--format must be pet2rep or plain, not {self.format!r}")
        if self.mode not in ("fused", "separate", "both"):
            raise ValueError(f"--mode must be fused, separate or both, not {self.mode!r}")
        if self.slice_unit not in ("fraction", "index"):
            raise ValueError("slice positions are fractions or indices")
        if not self.slices:
            raise ValueError("--slices names no slice")
        if self.slice_unit == "fraction" and not all(0 <= s <= 1 for s in self.slices):
            raise ValueError("slice fractions must lie in [0, 1]")
        if self.suv_max <= 0:
            raise ValueError("--suv-max must be positive")
        if self.ct_window[0] <= 0:
            raise ValueError("the CT window width must be positive")
        if not 0 <= self.alpha <= 1:
            raise ValueError("--alpha must lie in [0, 1]")
        if self.colormap not in COLORMAPS:
            raise ValueError(f"--colormap must be one of {', '.join(COLORMAPS)}")
        if self.size is not None and min(self.size) < 8:
            raise ValueError("--size must be at least 8x8")
        if not 1 <= self.jpeg_quality <= 100:
            raise ValueError("the JPEG quality must lie in 1..100")
        check_language(self.language, allow_auto=False)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("extra")
        return out | self.extra

    def signature(self) -> str:
        from .. import __version__

        size = "pet-grid" if self.size is None else f"{self.size[0]}x{self.size[1]}"
        positions = ",".join(f"{s:g}" for s in self.slices)
        return (
            f"render|orient:LPS,coronal,radiological|ct:resampled-to-pet,linear|"
            f"slices:{self.slice_unit}:{positions}|size:{size}|suv:0-{self.suv_max:g}|"
            f"ct:W{self.ct_window[0]:g}/L{self.ct_window[1]:g}|cmap:{self.colormap}|"
            f"alpha:{self.alpha:g}|mode:{self.mode}|jpeg:q{self.jpeg_quality}|version:{__version__}"
        )


def _hot(x: np.ndarray) -> np.ndarray:
    """Black -> red -> yellow -> white, as the 'hot' colour scale of nuclear medicine."""
    return np.stack(
        [np.clip(3 * x, 0, 1), np.clip(3 * x - 1, 0, 1), np.clip(3 * x - 2, 0, 1)], axis=-1
    )


def _gray(x: np.ndarray) -> np.ndarray:
    return np.repeat(x[..., None], 3, axis=-1)


def _inverted_gray(x: np.ndarray) -> np.ndarray:
    return _gray(1.0 - x)


COLORMAPS = {"hot": _hot, "gray": _gray, "inverted-gray": _inverted_gray}


def to_lps(image, where: str, outside: float):
    """``image`` with an identity direction (x left, y posterior, z superior): permuted and
    flipped when its axes are aligned with the patient's, resampled when oblique (``outside``:
    the value of voxels the resampled grid adds)."""
    sitk = _sitk()
    direction = np.array(image.GetDirection()).reshape(3, 3)
    if not np.allclose(np.sort(np.abs(direction), axis=0)[-1], 1.0, atol=1e-3):
        image = _resample_axis_aligned(image, outside)
    oriented = sitk.DICOMOrient(image, "LPS")
    if not np.allclose(np.array(oriented.GetDirection()), np.eye(3).ravel(), atol=1e-3):
        raise StudyError(f"{where}: could not orient the volume to LPS")
    return oriented


def _resample_axis_aligned(image, outside: float):
    sitk = _sitk()
    size = np.array(image.GetSize())
    corners = np.array(
        [
            image.TransformContinuousIndexToPhysicalPoint([float(c) for c in corner])
            for corner in np.array(np.meshgrid(*[[0, s - 1] for s in size])).T.reshape(-1, 3)
        ]
    )
    spacing = min(image.GetSpacing())
    low, high = corners.min(0), corners.max(0)
    new_size = [int(np.ceil((h - lo) / spacing)) + 1 for lo, h in zip(low, high)]
    return sitk.Resample(
        image,
        new_size,
        sitk.Transform(),
        sitk.sitkLinear,
        tuple(low),
        (spacing,) * 3,
        tuple(np.eye(3).ravel()),
        outside,
        sitk.sitkFloat32,
    )


def pet_and_ct_arrays(pet, ct, where: str) -> tuple[np.ndarray, np.ndarray, tuple[float, ...]]:
    """(PET, CT on the PET grid, PET spacing) as [z, y, x] arrays in LPS; StudyError when the
    volumes do not overlap."""
    sitk = _sitk()
    pet = to_lps(pet, f"{where} (PET)", 0.0)
    ct = to_lps(ct, f"{where} (CT)", AIR_HU)
    inside = sitk.Resample(
        _ones_like(ct), pet, sitk.Transform(), sitk.sitkNearestNeighbor, 0, sitk.sitkUInt8
    )
    covered = sitk.GetArrayViewFromImage(inside)
    if not covered.any():
        raise StudyError(f"{where}: PET and CT do not overlap in space")
    ct_on_pet = sitk.Resample(ct, pet, sitk.Transform(), sitk.sitkLinear, AIR_HU, sitk.sitkFloat32)
    return (
        sitk.GetArrayFromImage(pet).astype(np.float32),
        sitk.GetArrayFromImage(ct_on_pet).astype(np.float32),
        pet.GetSpacing(),
    )


def _ones_like(image):
    sitk = _sitk()
    ones = sitk.Image(image.GetSize(), sitk.sitkUInt8) + 1
    ones.CopyInformation(image)
    return ones


def slice_indices(ct: np.ndarray, settings: RenderSettings, where: str) -> list[int]:
    """The y indices (from anterior) of the coronal slices."""
    depth = ct.shape[1]
    if settings.slice_unit == "index":
        indices = [int(s) for s in settings.slices]
        bad = [i for i in indices if not 0 <= i < depth]
        if bad:
            raise StudyError(f"{where}: slice indices {bad} outside the PET grid (0..{depth - 1})")
        return indices
    body = (ct > BODY_HU).any(axis=(0, 2))
    ys = np.flatnonzero(body)
    if not len(ys):
        raise StudyError(f"{where}: no body in the CT (nothing above {BODY_HU:g} HU)")
    front, back = int(ys[0]), int(ys[-1])
    return [round(front + f * (back - front)) for f in settings.slices]


def _coronal(volume: np.ndarray, y: int) -> np.ndarray:
    """The plane of index y, head up (z flipped), the patient's right on the left (x as is)."""
    return volume[::-1, y, :]


def _rgb(values: np.ndarray, size: tuple[int, int] | None):
    from PIL import Image

    picture = Image.fromarray(np.clip(values * 255.0 + 0.5, 0, 255).astype(np.uint8), "RGB")
    if size is not None:
        picture = picture.resize(size, Image.Resampling.BILINEAR)
    return picture


def render_planes(
    pet: np.ndarray, ct: np.ndarray, settings: RenderSettings, where: str
) -> dict[str, Any]:
    """Pictures by name: ``fused_K``, ``pet_K``, ``ct_K`` (K = slice index) as the mode asks,
    and ``mip`` when asked; plus ``_slices``, the indices used."""
    colormap = COLORMAPS[settings.colormap]
    width, level = settings.ct_window
    indices = slice_indices(ct, settings, where)
    pictures: dict[str, Any] = {"_slices": indices}
    for y in indices:
        suv = np.clip(_coronal(pet, y) / settings.suv_max, 0.0, 1.0)
        gray = np.clip((_coronal(ct, y) - (level - width / 2.0)) / width, 0.0, 1.0)
        if settings.mode in ("fused", "both"):
            fused = (1.0 - settings.alpha) * _gray(gray) + settings.alpha * colormap(suv)
            pictures[f"fused_{y}"] = _rgb(fused, settings.size)
        if settings.mode in ("separate", "both"):
            pictures[f"pet_{y}"] = _rgb(colormap(suv), settings.size)
            pictures[f"ct_{y}"] = _rgb(_gray(gray), settings.size)
    if settings.mip:
        projection = np.clip(pet.max(axis=1)[::-1, :] / settings.suv_max, 0.0, 1.0)
        pictures["mip"] = _rgb(_inverted_gray(projection), settings.size)
    return pictures


def save_jpeg(picture, path: Path, quality: int) -> None:
    """Write a JPEG whole or not at all (temporary file in the folder, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            picture.save(handle, format="JPEG", quality=quality)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
