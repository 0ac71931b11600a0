"""Reading CT and PET volumes (a DICOM series folder or a NIfTI file) into SimpleITK images in
patient coordinates, and PET in body-weight SUV.

DICOM slices are read with pydicom: each slice's own rescale slope and intercept are applied
(some PET series change them slice by slice), slices are ordered along the normal of their
ImageOrientationPatient, and the image's origin, spacing and direction come from the headers.
NIfTI files are read by SimpleITK (its sform/qform, in LPS).

SUV (body weight), for PET in Bq/mL (Units BQML)::

    SUVbw = C [Bq/mL] x weight [g] / (injected dose [Bq] x 2 ** (-dt / half-life))

dt runs from the injection (RadiopharmaceuticalStartDateTime, or SeriesDate +
RadiopharmaceuticalStartTime) to the time the images are decay-corrected to: with
DecayCorrection START, the scan start (SeriesDate/SeriesTime, or the earliest
AcquisitionDate/AcquisitionTime when the series time is later than that, as after
post-processing); with ADMIN, the injection itself (dt = 0). Tags: Units (0054,1001),
DecayCorrection (0054,1102), RadiopharmaceuticalInformationSequence (0054,0016) with
RadionuclideTotalDose (0018,1074), RadionuclideHalfLife (0018,1075) and
RadiopharmaceuticalStartTime (0018,1072) / StartDateTime (0018,1078); PatientWeight (0010,1030).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


class StudyError(ValueError):
    """A study that cannot be rendered; the message says why."""


@dataclass(frozen=True)
class PetUnits:
    """How to read a NIfTI PET: ``suv`` (the default: values are SUV) or ``bqml`` with the
    patient's weight (kg), the injected dose (MBq) and the time from injection to the scan
    (minutes; decay with the half-life in seconds, F-18 by default)."""

    units: str = "suv"
    weight_kg: float | None = None
    dose_mbq: float | None = None
    uptake_minutes: float = 0.0
    half_life_s: float = 6586.2

    def check(self) -> None:
        if self.units not in ("suv", "bqml"):
            raise ValueError(f"--pet-units must be suv or bqml, not {self.units!r}")
        if self.units == "bqml" and (not self.weight_kg or not self.dose_mbq):
            raise ValueError("--pet-units bqml needs --weight (kg) and --dose (MBq)")


def _sitk():
    try:
        import SimpleITK as sitk
    except ImportError as exc:  # pragma: no cover - the render extra brings it
        raise ImportError(
            "rendering needs the render extra: pip install 'pet2rep-metrics[render]'"
        ) from exc
    return sitk


def _pydicom():
    try:
        import pydicom
    except ImportError as exc:  # pragma: no cover
        raise ImportError(
            "rendering needs the render extra: pip install 'pet2rep-metrics[render]'"
        ) from exc
    return pydicom


def is_nifti(path: Path) -> bool:
    return path.name.lower().endswith((".nii", ".nii.gz"))


def dicom_series(folder: Path) -> dict[str, list[Any]]:
    """The DICOM files of a folder (recursively) grouped by Modality: {modality: [datasets]}
    (headers only, pixel data not read). Files that are not DICOM are skipped."""
    pydicom = _pydicom()
    series: dict[str, list[Any]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        try:
            ds = pydicom.dcmread(path, stop_before_pixels=True)
        except Exception:  # not DICOM (pydicom raises several kinds): skip the file
            continue
        if "ImagePositionPatient" not in ds or "Modality" not in ds:
            continue
        ds.filename = str(path)
        series.setdefault(str(ds.Modality).upper(), []).append(ds)
    return series


def load_dicom(headers: list[Any], where: str):
    """A SimpleITK image from the slices of one series (pixel values rescaled per slice), and
    the header of its first slice."""
    sitk = _sitk()
    pydicom = _pydicom()
    if not headers:
        raise StudyError(f"{where}: no DICOM slices")
    first = headers[0]
    try:
        orientation = np.array([float(v) for v in first.ImageOrientationPatient])
        spacing_rc = [float(v) for v in first.PixelSpacing]
    except (AttributeError, ValueError) as exc:
        raise StudyError(f"{where}: missing ImageOrientationPatient or PixelSpacing") from exc
    row, column = orientation[:3], orientation[3:]
    normal = np.cross(row, column)
    uids = {str(getattr(h, "SeriesInstanceUID", "")) for h in headers}
    if len(uids) > 1:
        raise StudyError(f"{where}: {len(uids)} series of one modality; give the series folder")
    ordered = sorted(
        headers, key=lambda h: float(np.dot([float(v) for v in h.ImagePositionPatient], normal))
    )
    positions = np.array([[float(v) for v in h.ImagePositionPatient] for h in ordered])
    if len(ordered) > 1:
        steps = np.diff(positions @ normal)
        if np.any(steps <= 0):
            raise StudyError(f"{where}: two slices at one position")
        step = float(np.median(steps))
    else:
        step = float(getattr(first, "SliceThickness", 1.0) or 1.0)
    planes = []
    for header in ordered:
        ds = pydicom.dcmread(header.filename)
        pixels = ds.pixel_array.astype(np.float32)
        slope = float(getattr(ds, "RescaleSlope", 1.0) or 1.0)
        intercept = float(getattr(ds, "RescaleIntercept", 0.0) or 0.0)
        planes.append(pixels * slope + intercept)
    if len({p.shape for p in planes}) > 1:
        raise StudyError(f"{where}: slices of different sizes")
    image = sitk.GetImageFromArray(np.stack(planes))  # [slice, row, column]
    image.SetSpacing((spacing_rc[1], spacing_rc[0], step))
    image.SetOrigin(tuple(positions[0]))
    image.SetDirection(tuple(np.column_stack([row, column, normal]).ravel()))
    return image, first


def load_nifti(path: Path):
    sitk = _sitk()
    try:
        return sitk.Cast(sitk.ReadImage(str(path)), sitk.sitkFloat32)
    except RuntimeError as exc:
        raise StudyError(
            f"{path}: not a readable NIfTI file ({str(exc).splitlines()[-1]})"
        ) from exc


def _datetime(date: Any, time: Any) -> dt.datetime | None:
    if not time:
        return None
    time_text = str(time).split(".")[0].ljust(6, "0")[:6]
    date_text = str(date) if date else "19000101"
    try:
        return dt.datetime.strptime(date_text + time_text, "%Y%m%d%H%M%S")
    except ValueError:
        return None


def suv_factor(header: Any, headers: list[Any], where: str) -> float:
    """The factor that turns this PET series' Bq/mL into body-weight SUV (see the module
    docstring); StudyError naming the tag when one is missing or unusable."""
    units = str(getattr(header, "Units", "")).upper()
    if units != "BQML":
        raise StudyError(f"{where}: PET Units (0054,1001) is {units or 'missing'}, not BQML")
    weight = getattr(header, "PatientWeight", None)
    if not weight or float(weight) <= 0:
        raise StudyError(f"{where}: PatientWeight (0010,1030) missing or zero")
    info = getattr(header, "RadiopharmaceuticalInformationSequence", None)
    if not info:
        raise StudyError(f"{where}: RadiopharmaceuticalInformationSequence (0054,0016) missing")
    item = info[0]
    dose = getattr(item, "RadionuclideTotalDose", None)
    half_life = getattr(item, "RadionuclideHalfLife", None)
    if not dose or float(dose) <= 0:
        raise StudyError(f"{where}: RadionuclideTotalDose (0018,1074) missing or zero")
    if not half_life or float(half_life) <= 0:
        raise StudyError(f"{where}: RadionuclideHalfLife (0018,1075) missing or zero")
    correction = str(getattr(header, "DecayCorrection", "")).upper()
    if correction == "ADMIN":
        decayed = float(dose)
    elif correction == "START":
        injection = _injection_time(header, item)
        if injection is None:
            raise StudyError(
                f"{where}: RadiopharmaceuticalStartTime (0018,1072) / StartDateTime (0018,1078) missing"
            )
        scan = _scan_start(header, headers)
        if scan is None:
            raise StudyError(
                f"{where}: SeriesTime (0008,0031) and AcquisitionTime (0008,0032) missing"
            )
        seconds = (scan - injection).total_seconds()
        if seconds < 0 and not getattr(item, "RadiopharmaceuticalStartDateTime", None):
            seconds += 24 * 3600  # injection before midnight, scan after (times without dates)
        if seconds < 0:
            raise StudyError(f"{where}: the scan starts before the injection")
        decayed = float(dose) * 2 ** (-seconds / float(half_life))
    else:
        raise StudyError(
            f"{where}: DecayCorrection (0054,1102) is {correction or 'missing'}; "
            "SUV is computed for START or ADMIN"
        )
    return float(weight) * 1000.0 / decayed


def _injection_time(header: Any, item: Any) -> dt.datetime | None:
    stamp = getattr(item, "RadiopharmaceuticalStartDateTime", None)
    if stamp:
        text = str(stamp)
        return _datetime(text[:8], text[8:])
    return _datetime(
        getattr(header, "SeriesDate", None), getattr(item, "RadiopharmaceuticalStartTime", None)
    )


def _scan_start(header: Any, headers: list[Any]) -> dt.datetime | None:
    series = _datetime(getattr(header, "SeriesDate", None), getattr(header, "SeriesTime", None))
    acquisitions = [
        t
        for h in headers
        if (
            t := _datetime(getattr(h, "AcquisitionDate", None), getattr(h, "AcquisitionTime", None))
        )
    ]
    earliest = min(acquisitions) if acquisitions else None
    if series is None:
        return earliest
    if earliest is not None and series > earliest:
        return earliest  # a series time rewritten by post-processing
    return series


def nifti_suv_factor(units: PetUnits) -> float:
    """The factor that turns a NIfTI PET into SUV (1 when it is SUV already)."""
    if units.units == "suv":
        return 1.0
    decayed = units.dose_mbq * 1e6 * 2 ** (-units.uptake_minutes * 60.0 / units.half_life_s)
    return units.weight_kg * 1000.0 / decayed
