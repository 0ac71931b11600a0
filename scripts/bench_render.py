"""Seconds to render one whole-body study: a 512x512x300 CT and a 200x200x300 PET (NIfTI, a
synthetic phantom; writing it is not timed), one worker, fused mode, three slices and a MIP.

    python scripts/bench_render.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from pet2rep_metrics.render import RenderSettings, Study, render_all
from pet2rep_metrics.render.phantom import Grid, Phantom, write_nifti


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    phantom = Phantom(body_radii=(170.0, 110.0), body_half_length=480.0)
    ct_grid = Grid((512, 512, 300), (0.98, 0.98, 3.27), (-250.0, -250.0, -490.0))
    pet_grid = Grid((200, 200, 300), (4.07, 4.07, 3.27), (-406.0, -406.0, -490.0))
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        ct = write_nifti(phantom.ct(ct_grid), ct_grid, root / "ct.nii.gz")
        pet = write_nifti(phantom.suv(pet_grid), pet_grid, root / "pet.nii.gz")
        best = float("inf")
        for k in range(args.repeat):
            start = time.perf_counter()
            summary = render_all(
                [Study("bench", ct, pet)], root / f"out{k}", RenderSettings(mip=True)
            )
            best = min(best, time.perf_counter() - start)
            assert summary.written == 1, summary.failed
    print(
        f"render: {best:.2f} s per study (512x512x300 CT + 200x200x300 PET, NIfTI, one worker, "
        f"best of {args.repeat})"
    )


if __name__ == "__main__":
    main()
