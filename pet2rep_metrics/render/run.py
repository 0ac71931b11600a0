"""Rendering many studies: the list of studies (a CSV/JSONL, or a folder of study folders),
studies in parallel worker processes, one manifest row appended and flushed per finished study
(in input order), resume that skips finished studies, and a report of the studies that failed
(each with its id and reason) while the others go on."""

from __future__ import annotations

import csv
import hashlib
import multiprocessing
import os
import re
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..io import InputError, atomic_writer, iter_jsonl, json_line, resumable_rows, start_output
from .images import RenderSettings, pet_and_ct_arrays, render_planes, save_jpeg
from .volumes import (
    PetUnits,
    StudyError,
    dicom_series,
    is_nifti,
    load_dicom,
    load_nifti,
    nifti_suv_factor,
    suv_factor,
)

MANIFEST = "manifest.jsonl"
_NIFTI_CT = re.compile(r"(^|[^a-z])ct([^a-z]|$)", re.I)
_NIFTI_PET = re.compile(r"(^|[^a-z])(pet|pt|suv)([^a-z]|$)", re.I)


@dataclass(frozen=True)
class Study:
    """One study to render: CT and PET (a DICOM folder or a NIfTI file each; the same folder
    when it holds both series), optional report and language."""

    id: str
    ct: Path
    pet: Path
    report: str | None = None
    language: str | None = None


@dataclass
class RenderSummary:
    written: int = 0
    skipped: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)


def read_studies(source: Path) -> list[Study]:
    """Studies from a CSV or JSONL (``id``, ``ct``, ``pet``, optional ``report``,
    ``language``; paths relative to the file), or from a folder of study folders (CT and PET
    found by DICOM Modality, or NIfTI files named with ct and pet/pt/suv; a report.txt beside
    them is the report)."""
    source = Path(source)
    if source.is_dir():
        return _studies_in_folder(source)
    if not source.is_file():
        raise InputError(source, None, "no such file or folder")
    rows: list[tuple[int, dict[str, Any]]]
    if source.suffix.lower() == ".csv":
        with source.open(encoding="utf-8-sig", newline="") as handle:
            rows = [(n, dict(r)) for n, r in enumerate(csv.DictReader(handle), start=2)]
    elif source.suffix.lower() in (".jsonl", ".ndjson"):
        rows = list(iter_jsonl(source))
    else:
        raise InputError(source, None, "give a CSV, a JSONL or a folder of study folders")
    studies, seen = [], {}
    for lineno, row in rows:
        case_id = str(row.get("id") or "").strip()
        if not case_id:
            raise InputError(source, lineno, "missing id")
        if case_id in seen:
            raise InputError(
                source, lineno, f"duplicate id {case_id!r} (first on line {seen[case_id]})"
            )
        seen[case_id] = lineno
        paths = {}
        for key in ("ct", "pet"):
            value = str(row.get(key) or "").strip()
            if not value:
                raise InputError(source, lineno, f"missing {key}")
            paths[key] = (source.parent / value).resolve()
        language = row.get("language") or None
        if language not in (None, "zh", "en"):
            raise InputError(source, lineno, f"language must be zh or en, not {language!r}")
        studies.append(
            Study(case_id, paths["ct"], paths["pet"], row.get("report") or None, language)
        )
    if not studies:
        raise InputError(source, None, "no studies listed")
    return studies


def _studies_in_folder(folder: Path) -> list[Study]:
    studies = []
    for study_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        niftis = [p for p in study_dir.iterdir() if p.is_file() and is_nifti(p)]
        ct = next((p for p in niftis if _NIFTI_CT.search(p.name.split(".")[0])), None)
        pet = next((p for p in niftis if _NIFTI_PET.search(p.name.split(".")[0])), None)
        report_file = study_dir / "report.txt"
        report = report_file.read_text(encoding="utf-8").strip() if report_file.is_file() else None
        studies.append(Study(study_dir.name, ct or study_dir, pet or study_dir, report))
    if not studies:
        raise InputError(folder, None, "no study folders inside")
    return studies


def load_study(study: Study, units: PetUnits):
    """(PET in SUV, CT) as SimpleITK images; StudyError when a series is missing, of the
    wrong modality, corrupt, or without what SUV needs."""
    where = study.id
    pet = _load(study.pet, "PT", where, units)
    ct = _load(study.ct, "CT", where, units)
    return pet, ct


def _load(path: Path, modality: str, where: str, units: PetUnits):
    name = "PET" if modality == "PT" else "CT"
    if not path.exists():
        raise StudyError(f"{where}: {name} not found at {path}")
    if path.is_file():
        if not is_nifti(path):
            raise StudyError(f"{where}: {name} {path} is neither a DICOM folder nor a NIfTI file")
        image = load_nifti(path)
        return image * nifti_suv_factor(units) if modality == "PT" else image
    series = dicom_series(path)
    if modality not in series:
        found = ", ".join(sorted(series)) or "no DICOM image"
        raise StudyError(
            f"{where}: no {name} (Modality {modality}) series in {path}; found {found}"
        )
    try:
        image, header = load_dicom(series[modality], f"{where} {name}")
    except StudyError:
        raise
    except Exception as exc:  # pydicom/numpy errors on a corrupt or unusual file
        raise StudyError(f"{where}: {name} series in {path} could not be read ({exc})") from exc
    if modality == "PT":
        image = image * suv_factor(header, series[modality], f"{where} PET")
    return image


def _safe_name(case_id: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", case_id).strip("._") or "study"
    if safe != case_id:
        safe += "-" + hashlib.sha1(case_id.encode()).hexdigest()[:8]
    return safe


def render_study(study: Study, out_dir: Path, settings: RenderSettings, units: PetUnits) -> dict:
    """Render one study into ``out_dir/<id>/`` and return its manifest row."""
    from .. import __version__
    from ..runner.prompts import default_prompt

    pet_image, ct_image = load_study(study, units)
    pet, ct, spacing = pet_and_ct_arrays(pet_image, ct_image, study.id)
    pictures = render_planes(pet, ct, settings, study.id)
    folder = _safe_name(study.id)
    written: dict[str, str] = {}
    for name, picture in pictures.items():
        if name.startswith("_"):
            continue
        relative = f"{folder}/{name}.jpg"
        save_jpeg(picture, out_dir / relative, settings.jpeg_quality)
        written[name] = relative
    slices = pictures["_slices"]
    fused = [written[f"fused_{y}"] for y in slices if f"fused_{y}" in written]
    pet_images = [written[f"pet_{y}"] for y in slices if f"pet_{y}" in written]
    ct_images = [written[f"ct_{y}"] for y in slices if f"ct_{y}" in written]
    interleaved = [image for pair in zip(pet_images, ct_images) for image in pair]
    language = study.language or settings.language
    images = fused or interleaved
    render = settings.to_dict() | {
        "signature": settings.signature(),
        "version": __version__,
        "slice_indices": slices,
        "pet_grid": {"shape_zyx": list(pet.shape), "spacing_xyz_mm": list(spacing)},
        "study": {"ct": str(study.ct), "pet": str(study.pet)},
    }
    if "mip" in written:
        render["mip"] = written["mip"]
    if settings.format == "plain":
        return {
            "id": study.id,
            "images": images,
            "reference": study.report or "",
            "language": language,
            "render": render,
        }
    row: dict[str, Any] = {
        "patient_id": study.id,
        "prompt_system": None,
        "prompt_user_text": default_prompt(language, len(images)),
    }
    if fused:
        row["prompt_image_fuse"] = fused
    if interleaved:
        if not fused:
            row["prompt_image"] = interleaved
        row["prompt_image_pet"] = pet_images
        row["prompt_image_ct"] = ct_images
    row |= {"answer": study.report or "", "language": language, "render": render}
    return row


def _row_id(row: dict) -> str | None:
    value = row.get("patient_id", row.get("id"))
    return None if value is None else str(value)


def _not_ours(row: Any) -> str | None:
    if not isinstance(row, dict) or "render" not in row or _row_id(row) is None:
        return "not a pet2rep-render manifest row"
    return None


def _done(manifest: Path, out_dir: Path) -> dict[str, dict]:
    """Rows already in a manifest of ours whose images all exist (see resumable_rows)."""
    done = {}
    for _, row in resumable_rows(manifest, _not_ours, "a pet2rep-render manifest"):
        images = [v for k, v in row.items() if k.startswith(("prompt_image", "images"))]
        paths = [p for group in images for p in (group if isinstance(group, list) else [group])]
        if all((out_dir / p).is_file() for p in paths):
            done[_row_id(row)] = row
    return done


def _render_task(study: Study, out_dir: Path, settings: RenderSettings, units: PetUnits):
    try:
        return "ok", render_study(study, out_dir, settings, units)
    except StudyError as exc:
        return "failed", str(exc)
    except MemoryError:
        return "failed", f"{study.id}: out of memory"
    except Exception as exc:  # anything else about one study must not stop the others
        return "failed", f"{study.id}: {type(exc).__name__}: {exc}"


def render_all(
    studies: list[Study],
    out_dir: Path,
    settings: RenderSettings,
    units: PetUnits | None = None,
    workers: int = 1,
    resume: bool = False,
    progress: Callable[[], None] | None = None,
) -> RenderSummary:
    """Render every pending study; manifest rows appended (and flushed) in input order.
    ``units``: how to read NIfTI PET (default: SUV already)."""
    units = units or PetUnits()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = out_dir / MANIFEST
    if resume:
        done = _done(manifest, out_dir)
        with atomic_writer(manifest) as handle:  # rewritten without torn or incomplete rows
            for row in done.values():
                handle.write(json_line(row))
    else:
        start_output(manifest)
        done = {}
    pending = [s for s in studies if s.id not in done]
    summary = RenderSummary(skipped=len(studies) - len(pending))
    with manifest.open("a", encoding="utf-8") as handle:
        for study, (status, payload) in zip(
            pending, _results(pending, out_dir, settings, units, workers)
        ):
            if status == "ok":
                handle.write(json_line(payload))
                handle.flush()
                os.fsync(handle.fileno())
                summary.written += 1
            else:
                summary.failed.append((study.id, payload))
            if progress is not None:
                progress()
    return summary


def _results(studies, out_dir, settings, units, workers) -> Iterator[tuple[str, Any]]:
    if workers <= 1:
        for study in studies:
            yield _render_task(study, out_dir, settings, units)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        queue: deque[Future] = deque()
        todo = iter(studies)
        for study in todo:  # at most one study waiting per worker: memory of one study each
            queue.append(pool.submit(_render_task, study, out_dir, settings, units))
            if len(queue) >= 2 * workers:
                break
        while queue:
            result = queue.popleft().result()
            following = next(todo, None)
            if following is not None:
                queue.append(pool.submit(_render_task, following, out_dir, settings, units))
            yield result
