"""PET2Rep-style images from PET/CT volumes (``pet2rep-render``; the ``render`` extra: pydicom,
SimpleITK, nibabel, pillow): body-weight SUV from DICOM headers, PET and CT on one grid by
physical coordinates, coronal slices in radiological convention, fused or separate images,
and a manifest that ``pet2rep-generate`` reads unchanged."""

from .images import RenderSettings
from .run import RenderSummary, Study, read_studies, render_all, render_study
from .volumes import PetUnits, StudyError

__all__ = [
    "PetUnits",
    "RenderSettings",
    "RenderSummary",
    "Study",
    "StudyError",
    "read_studies",
    "render_all",
    "render_study",
]
