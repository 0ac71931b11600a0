"""Manifests of cases to generate: PET2Rep's own rows or a plain form, validated whole before
the first request (every problem is reported at once)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..io import InputError, iter_jsonl

# PET2Rep rows carry one list of images per input kind; fused slices are the benchmark's input.
_IMAGE_KEYS = ("images", "prompt_image_fuse", "prompt_image", "prompt_image_pet", "prompt_image_ct")
_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"RIFF")


@dataclass
class Case:
    """One case to generate: images (absolute paths), optional prompt pieces, the reference."""

    id: str
    images: list[Path]
    reference: str | None = None
    prompt_system: str | None = None
    prompt_user: str | None = None
    language: str | None = None
    line: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class ManifestError(ValueError):
    """Every problem found in a manifest, one per line."""

    def __init__(self, path: Path, problems: list[str]):
        self.problems = problems
        super().__init__(
            f"{path}: {len(problems)} problem(s) in the manifest:\n"
            + "\n".join(f"  {p}" for p in problems)
        )


def read_manifest(path: str | Path, check_images: bool = True) -> list[Case]:
    """Read and validate a manifest. Image paths are relative to the manifest's folder. Raises
    ManifestError listing every bad row (missing id, duplicate id, no image, missing or
    unreadable image file) before anything is generated; InputError for a line that is not JSON."""
    path = Path(path)
    base = path.parent
    cases: list[Case] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    try:
        rows = list(iter_jsonl(path))
    except InputError:
        raise
    for lineno, obj in rows:
        where = f"line {lineno}"
        case_id = next(
            (
                str(obj[k]).strip()
                for k in ("id", "patient_id", "subject_id")
                if obj.get(k) not in (None, "")
            ),
            None,
        )
        if not case_id:
            problems.append(f"{where}: no id (id or patient_id)")
            continue
        if case_id in seen:
            problems.append(f"{where}: duplicate id {case_id!r} (first on line {seen[case_id]})")
            continue
        seen[case_id] = lineno
        images_field = next((obj[k] for k in _IMAGE_KEYS if obj.get(k)), None)
        if images_field is None:
            problems.append(f"{where} ({case_id}): no images (one of {', '.join(_IMAGE_KEYS)})")
            continue
        if isinstance(images_field, str):
            images_field = [images_field]
        images = []
        for item in images_field:
            image = (base / str(item)).resolve()
            if check_images:
                problem = _image_problem(image)
                if problem:
                    problems.append(f"{where} ({case_id}): image {item}: {problem}")
                    continue
            images.append(image)
        reference = obj.get("reference", obj.get("answer"))
        cases.append(
            Case(
                id=case_id,
                images=images,
                reference=reference if isinstance(reference, str) else None,
                prompt_system=obj.get("prompt_system"),
                prompt_user=obj.get("prompt_user_text", obj.get("prompt")),
                language=obj.get("language"),
                line=lineno,
            )
        )
    if not rows:
        problems.append("no cases in the manifest")
    if problems:
        raise ManifestError(path, problems)
    return cases


def _image_problem(image: Path) -> str | None:
    if not image.is_file():
        return "file not found"
    try:
        with image.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        return f"unreadable ({exc.strerror})"
    if not any(head.startswith(magic) for magic in _IMAGE_MAGIC):
        return "not a PNG/JPEG/GIF/BMP/WEBP image"
    return None
