"""Synthetic PET/CT phantoms with known geometry and SUV, written as NIfTI pairs or DICOM series
(tests and the rendering benchmark; not patient data).

The body is an elliptic cylinder of soft tissue (40 HU, SUV 1) in air (-1000 HU, SUV 0); one
sphere of known SUV sits at a known point. Geometry is given in patient coordinates (LPS, mm:
x toward the patient's left, y posterior, z superior)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Grid:
    """A voxel grid: size (x, y, z), spacing (mm), origin of voxel (0, 0, 0) in LPS, and whether
    an axis runs backwards (voxel index increasing toward -x, -y or -z)."""

    size: tuple[int, int, int]
    spacing: tuple[float, float, float]
    origin: tuple[float, float, float]
    flip: tuple[bool, bool, bool] = (False, False, False)

    def points(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """LPS coordinates of the voxel centres as arrays that broadcast to [z, y, x]."""
        axes = []
        for n, s, o, f in zip(self.size, self.spacing, self.origin, self.flip):
            axes.append(o + (-1.0 if f else 1.0) * s * np.arange(n))
        x, y, z = axes
        return x[None, None, :], y[None, :, None], z[:, None, None]


@dataclass(frozen=True)
class Phantom:
    body_radii: tuple[float, float] = (150.0, 100.0)  # x, y (mm)
    body_half_length: float = 250.0  # z (mm)
    sphere_centre: tuple[float, float, float] = (
        80.0,
        20.0,
        120.0,
    )  # patient left, posterior, superior
    sphere_radius: float = 20.0
    sphere_suv: float = 8.0
    background_suv: float = 1.0

    def ct(self, grid: Grid) -> np.ndarray:
        x, y, z = grid.points()
        body = self._body(x, y, z)
        return np.where(body, np.float32(40.0), np.float32(-1000.0))

    def suv(self, grid: Grid) -> np.ndarray:
        x, y, z = grid.points()
        values = np.where(self._body(x, y, z), np.float32(self.background_suv), np.float32(0.0))
        cx, cy, cz = self.sphere_centre
        sphere = (x - cx) ** 2 + (y - cy) ** 2 + (z - cz) ** 2 <= self.sphere_radius**2
        return np.where(sphere, np.float32(self.sphere_suv), values)

    def _body(self, x, y, z) -> np.ndarray:
        rx, ry = self.body_radii
        return ((x / rx) ** 2 + (y / ry) ** 2 <= 1.0) & (np.abs(z) <= self.body_half_length)


def write_nifti(values: np.ndarray, grid: Grid, path: Path) -> Path:
    """Write an [z, y, x] array on ``grid`` as NIfTI (its affine in RAS, as NIfTI wants)."""
    import nibabel as nib

    data = np.transpose(values, (2, 1, 0))  # [x, y, z]: NIfTI's i, j, k
    lps = np.diag([(-1.0 if f else 1.0) * s for s, f in zip(grid.spacing, grid.flip)] + [1.0])
    lps[:3, 3] = grid.origin
    affine = np.diag([-1.0, -1.0, 1.0, 1.0]) @ lps  # LPS -> RAS
    image = nib.Nifti1Image(data.astype(np.float32), affine)
    image.set_qform(affine, code=1)
    image.set_sform(affine, code=1)
    nib.save(image, str(path))
    return path


# PET acquisition of the DICOM phantom: F-18, 370 MBq injected 60 minutes before the scan
DOSE_BQ = 370e6
HALF_LIFE_S = 6586.2
WEIGHT_KG = 70.0
INJECTION = dt.datetime(2024, 5, 6, 9, 0, 0)
SCAN_START = dt.datetime(2024, 5, 6, 10, 0, 0)


def bqml_per_suv() -> float:
    """Bq/mL of SUV 1 in the DICOM phantom (decayed dose over body weight in g)."""
    decayed = DOSE_BQ * 2 ** (-(SCAN_START - INJECTION).total_seconds() / HALF_LIFE_S)
    return decayed / (WEIGHT_KG * 1000.0)


def write_dicom_series(
    values: np.ndarray, grid: Grid, folder: Path, modality: str, **overrides
) -> Path:
    """Write an [z, y, x] array as a DICOM series (one file per z plane, axial, identity
    orientation; flips are not supported here). CT: values in HU, stored with slope 1 and
    intercept -1024. PT: values in SUV, stored in Bq/mL with a slope per slice, with the tags SUV
    needs (``overrides`` replace or, given None, remove them: a test of missing tags)."""
    import pydicom
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.sequence import Sequence
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    if any(grid.flip):
        raise ValueError("write flipped grids as NIfTI")
    folder.mkdir(parents=True, exist_ok=True)
    sop_class = "1.2.840.10008.5.1.4.1.1.128" if modality == "PT" else "1.2.840.10008.5.1.4.1.1.2"
    series_uid, study_uid, frame_uid = generate_uid(), generate_uid(), generate_uid()
    for k in range(values.shape[0]):
        plane = values[k]
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = sop_class
        meta.MediaStorageSOPInstanceUID = generate_uid()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = FileDataset(
            str(folder / f"{modality}{k:04d}.dcm"), {}, file_meta=meta, preamble=b"\0" * 128
        )
        ds.SOPClassUID, ds.SOPInstanceUID = sop_class, meta.MediaStorageSOPInstanceUID
        ds.Modality = modality
        ds.PatientID, ds.PatientName = "PHANTOM", "Phantom^Render"
        ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = (
            study_uid,
            series_uid,
            frame_uid,
        )
        ds.InstanceNumber = k + 1
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.ImagePositionPatient = [
            grid.origin[0],
            grid.origin[1],
            grid.origin[2] + k * grid.spacing[2],
        ]
        ds.PixelSpacing = [grid.spacing[1], grid.spacing[0]]  # row spacing (y), column spacing (x)
        ds.SliceThickness = grid.spacing[2]
        ds.Rows, ds.Columns = plane.shape
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        if modality == "PT":
            bq = plane.astype(np.float64) * bqml_per_suv()
            slope = max(float(bq.max()) / 30000.0, 1e-6)
            stored = np.round(bq / slope).astype(np.int16)
            ds.RescaleSlope, ds.RescaleIntercept = f"{slope:.10g}", "0"
            ds.Units, ds.DecayCorrection = "BQML", "START"
            ds.PatientWeight = str(WEIGHT_KG)
            ds.SeriesDate = ds.AcquisitionDate = SCAN_START.strftime("%Y%m%d")
            ds.SeriesTime = ds.AcquisitionTime = SCAN_START.strftime("%H%M%S")
            item = pydicom.Dataset()
            item.RadionuclideTotalDose = str(DOSE_BQ)
            item.RadionuclideHalfLife = str(HALF_LIFE_S)
            item.RadiopharmaceuticalStartTime = INJECTION.strftime("%H%M%S")
            ds.RadiopharmaceuticalInformationSequence = Sequence([item])
        else:
            stored = np.round(plane + 1024.0).astype(np.int16)
            ds.RescaleSlope, ds.RescaleIntercept = "1", "-1024"
        for tag, value in overrides.items():
            if value is None:
                if tag in ds:
                    delattr(ds, tag)
            else:
                setattr(ds, tag, value)
        ds.PixelData = stored.tobytes()
        ds.save_as(folder / f"{modality}{k:04d}.dcm", enforce_file_format=True)
    return folder
