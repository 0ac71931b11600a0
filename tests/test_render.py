"""pet2rep-render on synthetic phantoms the tests build (NIfTI pairs and DICOM series): SUV from
the DICOM headers, geometry (a sphere where it is, different grids aligned, a flipped volume
the same picture), bad inputs reported per study, resume, and render -> generate -> score."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

pytest.importorskip("SimpleITK", reason="rendering needs the render extra")
pytest.importorskip("pydicom", reason="rendering needs the render extra")
pytest.importorskip("nibabel", reason="the phantoms are written with nibabel")

from PIL import Image

from pet2rep_metrics.cli import generate_app, render_app, score_app
from pet2rep_metrics.render import (
    PetUnits,
    RenderSettings,
    Study,
    StudyError,
    read_studies,
    render_all,
)
from pet2rep_metrics.render.images import pet_and_ct_arrays
from pet2rep_metrics.render.phantom import (
    Grid,
    Phantom,
    write_dicom_series,
    write_nifti,
)
from pet2rep_metrics.render.run import load_study
from pet2rep_metrics.runner.manifest import read_manifest

runner = CliRunner()
PHANTOM = Phantom()
CT_GRID = Grid((64, 48, 40), (6.0, 6.0, 13.0), (-190.0, -140.0, -255.0))
PET_GRID = Grid((40, 30, 30), (10.0, 10.0, 18.0), (-195.0, -145.0, -260.0))


def _nifti_study(folder: Path, ct_grid=CT_GRID, pet_grid=PET_GRID, name="s1") -> Study:
    folder.mkdir(parents=True, exist_ok=True)
    ct = write_nifti(PHANTOM.ct(ct_grid), ct_grid, folder / "ct.nii.gz")
    pet = write_nifti(PHANTOM.suv(pet_grid), pet_grid, folder / "pet.nii.gz")
    return Study(name, ct, pet, report="肝脏FDG摄取未见异常。")


@pytest.fixture(scope="module")
def dicom_study(tmp_path_factory) -> Study:
    folder = tmp_path_factory.mktemp("dicom") / "d1"
    write_dicom_series(PHANTOM.ct(CT_GRID), CT_GRID, folder / "ct", "CT")
    write_dicom_series(PHANTOM.suv(PET_GRID), PET_GRID, folder / "pet", "PT")
    return Study("d1", folder / "ct", folder / "pet")


def _hot_centroid(path: Path) -> tuple[float, float]:
    """(column, row) of the hot pixels of a fused image, as fractions of its width and height."""
    rgb = np.asarray(Image.open(path)).astype(float)
    hot = (rgb[..., 0] > 200) & (rgb[..., 1] > 120)  # SUV 8 on a scale to 5: yellow-white
    assert hot.any(), f"no hot pixel in {path}"
    rows, columns = np.nonzero(hot)
    return columns.mean() / rgb.shape[1], rows.mean() / rgb.shape[0]


# ------------------------------------------------------------------ SUV
def test_suv_from_dicom_headers_equals_the_analytic_value(dicom_study):
    import SimpleITK as sitk

    pet, _ct = load_study(dicom_study, PetUnits())
    for point, expected in (
        (PHANTOM.sphere_centre, PHANTOM.sphere_suv),
        ((-60.0, -20.0, -100.0), 1.0),
    ):
        index = pet.TransformPhysicalPointToIndex(point)
        assert pet[index] == pytest.approx(expected, abs=1e-3)
    assert sitk.GetArrayViewFromImage(pet).max() == pytest.approx(PHANTOM.sphere_suv, abs=1e-3)


def test_nifti_in_bqml_converts_with_weight_and_dose(tmp_path):
    from pet2rep_metrics.render.phantom import HALF_LIFE_S

    grid = PET_GRID
    bq_per_suv = 300e6 * 2 ** (-45 * 60 / HALF_LIFE_S) / 80_000.0
    pet = write_nifti(PHANTOM.suv(grid) * bq_per_suv, grid, tmp_path / "pet.nii.gz")
    ct = write_nifti(PHANTOM.ct(CT_GRID), CT_GRID, tmp_path / "ct.nii.gz")
    units = PetUnits("bqml", weight_kg=80.0, dose_mbq=300.0, uptake_minutes=45.0)
    image, _ = load_study(Study("b", ct, pet), units)
    index = image.TransformPhysicalPointToIndex(PHANTOM.sphere_centre)
    assert image[index] == pytest.approx(PHANTOM.sphere_suv, rel=1e-4)


# ------------------------------------------------------------------ geometry
@pytest.mark.parametrize("kind", ["nifti", "dicom"])
def test_the_sphere_is_where_it_is(tmp_path, dicom_study, kind):
    study = _nifti_study(tmp_path / "in") if kind == "nifti" else dicom_study
    settings = RenderSettings(slices=(0.6,))  # y = -100 + 0.6 * 200 = +20 mm: the sphere's plane
    summary = render_all([study], tmp_path / "out", settings)
    assert summary.failed == [] and summary.written == 1
    row = json.loads((tmp_path / "out" / "manifest.jsonl").read_text("utf-8"))
    (image,) = row["prompt_image_fuse"]
    column, row_fraction = _hot_centroid(tmp_path / "out" / image)
    assert column > 0.55  # patient's left (x +80 mm) on the image's right: radiological
    assert row_fraction < 0.4  # superior (z +120 mm) toward the top: head up
    # the body's PET voxels run from y index 5 (-95 mm) to 24 (+95 mm): 5 + 0.6 * 19 -> 16 (+15 mm)
    assert row["render"]["slice_indices"] == [16]


def test_a_slice_without_the_sphere_has_no_hot_spot(tmp_path):
    study = _nifti_study(tmp_path / "in")
    render_all([study], tmp_path / "out", RenderSettings(slices=(0.2,)))
    row = json.loads((tmp_path / "out" / "manifest.jsonl").read_text("utf-8"))
    rgb = np.asarray(Image.open(tmp_path / "out" / row["prompt_image_fuse"][0])).astype(float)
    assert not ((rgb[..., 0] > 200) & (rgb[..., 1] > 120)).any()


def test_anisotropic_and_different_grids_align(tmp_path):
    ct_grid = Grid((90, 36, 30), (4.0, 8.0, 20.0), (-200.0, -150.0, -270.0))
    study = _nifti_study(tmp_path, ct_grid=ct_grid)
    pet, ct = load_study(study, PetUnits())
    pet_array, ct_on_pet, _ = pet_and_ct_arrays(pet, ct, "s1")
    body_on_pet = PHANTOM.ct(PET_GRID) > -500
    agreement = ((ct_on_pet > -500) == body_on_pet).mean()
    assert agreement > 0.97  # only boundary voxels differ (interpolation)
    assert pet_array.max() == pytest.approx(PHANTOM.sphere_suv)


def test_a_flipped_volume_renders_the_same_picture(tmp_path):
    plain = _nifti_study(tmp_path / "a")
    flipped_grid = Grid(
        PET_GRID.size,
        PET_GRID.spacing,
        (
            PET_GRID.origin[0] + PET_GRID.spacing[0] * (PET_GRID.size[0] - 1),
            PET_GRID.origin[1],
            PET_GRID.origin[2] + PET_GRID.spacing[2] * (PET_GRID.size[2] - 1),
        ),
        flip=(True, False, True),
    )
    flipped = _nifti_study(tmp_path / "b", pet_grid=flipped_grid, name="s2")
    settings = RenderSettings(slices=(0.6,))
    render_all([plain, flipped], tmp_path / "out", settings)
    rows = [
        json.loads(line)
        for line in (tmp_path / "out" / "manifest.jsonl").read_text("utf-8").splitlines()
    ]
    pictures = [
        np.asarray(Image.open(tmp_path / "out" / r["prompt_image_fuse"][0])).astype(int)
        for r in rows
    ]
    assert pictures[0].shape == pictures[1].shape
    assert np.abs(pictures[0] - pictures[1]).max() <= 2  # JPEG rounding only


# ------------------------------------------------------------------ bad input, per study
def test_bad_studies_are_reported_and_the_others_go_on(tmp_path, dicom_study):
    good = _nifti_study(tmp_path / "good")
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "pet.nii.gz").write_bytes(b"not a volume at all")
    far_grid = Grid(CT_GRID.size, CT_GRID.spacing, (5000.0, 5000.0, 5000.0))
    far = write_nifti(PHANTOM.ct(far_grid), far_grid, tmp_path / "far_ct.nii.gz")
    no_weight = tmp_path / "noweight"
    write_dicom_series(PHANTOM.suv(PET_GRID), PET_GRID, no_weight, "PT", PatientWeight=None)
    studies = [
        Study("missing", good.ct, tmp_path / "nowhere"),
        Study("not-pet", good.ct, dicom_study.ct),  # a CT series where the PET should be
        Study("apart", far, good.pet),
        Study("corrupt", good.ct, corrupt / "pet.nii.gz"),
        Study("no-weight", good.ct, no_weight),
        good,
    ]
    out = tmp_path / "out"
    summary = render_all(studies, out, RenderSettings())
    reasons = dict(summary.failed)
    assert summary.written == 1
    assert "not found" in reasons["missing"]
    assert "no PET (Modality PT) series" in reasons["not-pet"] and "found CT" in reasons["not-pet"]
    assert "do not overlap" in reasons["apart"]
    assert "not a readable NIfTI" in reasons["corrupt"]
    assert "PatientWeight (0010,1030)" in reasons["no-weight"]
    rows = (out / "manifest.jsonl").read_text("utf-8").splitlines()
    assert [json.loads(r)["patient_id"] for r in rows] == ["s1"]
    assert not list(out.rglob("*.tmp"))


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"Units": "CNTS"}, "Units (0054,1001) is CNTS"),
        ({"DecayCorrection": "NONE"}, "DecayCorrection (0054,1102) is NONE"),
        ({"RadiopharmaceuticalInformationSequence": None}, "(0054,0016) missing"),
    ],
)
def test_missing_or_unusable_suv_tags_are_named(tmp_path, override, message):
    folder = write_dicom_series(PHANTOM.suv(PET_GRID), PET_GRID, tmp_path / "pet", "PT", **override)
    ct = write_nifti(PHANTOM.ct(CT_GRID), CT_GRID, tmp_path / "ct.nii.gz")
    with pytest.raises(StudyError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_study(Study("x", ct, folder), PetUnits())


# ------------------------------------------------------------------ the command, end to end
def test_render_generate_score_end_to_end(tmp_path, dicom_study):
    nifti = _nifti_study(tmp_path / "n1")
    listing = tmp_path / "studies.csv"
    listing.write_text(
        "id,ct,pet,report,language\n"
        f"n1,{nifti.ct},{nifti.pet},肝脏FDG摄取未见异常。,zh\n"
        f"d1,{dicom_study.ct},{dicom_study.pet},脾脏FDG摄取增高。,zh\n",
        encoding="utf-8",
    )
    out = tmp_path / "rendered"
    result = runner.invoke(render_app, [str(listing), "-o", str(out), "--mip", "--mode", "both"])
    assert result.exit_code == 0, result.output
    manifest = out / "manifest.jsonl"
    cases = read_manifest(manifest)  # pet2rep-generate's reader, unchanged
    assert [c.id for c in cases] == ["n1", "d1"]
    assert all(len(c.images) == 3 for c in cases)  # the fused slices come first
    row = json.loads(manifest.read_text("utf-8").splitlines()[0])
    assert row["prompt_user_text"].count("<image>") == 3
    assert len(row["prompt_image_pet"]) == len(row["prompt_image_ct"]) == 3
    assert row["render"]["signature"].startswith("render|orient:LPS")
    assert (out / row["render"]["mip"]).is_file()
    assert Image.open(out / row["prompt_image_fuse"][0]).size == (40, 30)  # PET grid x by z

    preds = tmp_path / "preds.jsonl"
    generated = runner.invoke(
        generate_app, [str(manifest), "-o", str(preds), "--backend", "template"]
    )
    assert generated.exit_code == 0, generated.output
    scored = runner.invoke(
        score_app, [str(preds), str(manifest), "--json", str(tmp_path / "s.json")]
    )
    assert scored.exit_code == 0, scored.output
    assert json.loads((tmp_path / "s.json").read_text("utf-8"))["n"] == 2

    again = runner.invoke(render_app, [str(listing), "-o", str(out), "--resume"])
    assert again.exit_code == 0 and "2 already done" in again.output
    refused = runner.invoke(render_app, [str(listing), "-o", str(out)])
    assert refused.exit_code == 2 and "--resume" in refused.output


def test_plain_format_index_slices_and_a_size(tmp_path):
    study = _nifti_study(tmp_path / "in")
    folder = tmp_path / "studies"
    (folder / "case7").mkdir(parents=True)
    for name in ("ct.nii.gz", "pet.nii.gz"):
        (folder / "case7" / name).write_bytes((tmp_path / "in" / name).read_bytes())
    (folder / "case7" / "report.txt").write_text("双肺FDG摄取未见异常。", "utf-8")
    assert [s.id for s in read_studies(folder)] == ["case7"]
    out = tmp_path / "out"
    result = runner.invoke(
        render_app,
        [
            str(folder),
            "-o",
            str(out),
            "--format",
            "plain",
            "--slices",
            "10,15,20",
            "--size",
            "200x219",
        ],
    )
    assert result.exit_code == 0, result.output
    row = json.loads((out / "manifest.jsonl").read_text("utf-8"))
    assert row["id"] == "case7" and row["reference"] == "双肺FDG摄取未见异常。"
    assert row["render"]["slice_indices"] == [10, 15, 20]
    assert Image.open(out / row["images"][0]).size == (200, 219)
    assert read_manifest(out / "manifest.jsonl")[0].reference == "双肺FDG摄取未见异常。"
    del study


def test_a_failed_study_exits_1_with_a_summary(tmp_path):
    good = _nifti_study(tmp_path / "in")
    listing = tmp_path / "studies.jsonl"
    rows = [
        {"id": "ok", "ct": str(good.ct), "pet": str(good.pet)},
        {"id": "gone", "ct": str(good.ct), "pet": "nope.nii.gz"},
    ]
    listing.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    result = runner.invoke(
        render_app, [str(listing), "-o", str(tmp_path / "out"), "--workers", "2"]
    )
    assert result.exit_code == 1
    assert "1 failed" in result.output and "gone" in result.output
    assert len((tmp_path / "out" / "manifest.jsonl").read_text("utf-8").splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--slices", "a,b"], "--slices"),
        (["--size", "big"], "--size"),
        (["--ct-window", "wide"], "--ct-window"),
        (["--mode", "3d"], "--mode"),
        (["--pet-units", "bqml"], "--weight"),
    ],
)
def test_bad_options_are_error_lines(tmp_path, args, message):
    listing = tmp_path / "s.csv"
    listing.write_text("id,ct,pet\na,ct.nii.gz,pet.nii.gz\n", "utf-8")
    result = runner.invoke(render_app, [str(listing), "-o", str(tmp_path / "o"), *args])
    assert result.exit_code == 2 and message in result.output
