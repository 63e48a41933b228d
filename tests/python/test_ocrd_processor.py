"""The OCR-D processor through its command line, on a generated METS workspace:
PAGE-XML with AlternativeImages (@comments), the skew in @orientation in OCR-D's
sense, images OCR-D's own coordinate logic accepts, and batches of pages per
engine call."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import pageprep
from conftest import generate, need

PAGES = 5
BATCH = 3


def ocrd_bin(name: str) -> str:
    exe = Path(sys.executable).with_name(name)
    return str(exe) if exe.exists() else name


@pytest.fixture(scope="module")
def workspace(synth_tool, tmp_path_factory):
    need("ocrd")
    root = tmp_path_factory.mktemp("ocrd")
    manifest = generate(synth_tool, root / "pages", "--count", str(PAGES), "--seed", "41", "--dpi",
                        "150", "--skew-max", "6", "--noise", "8", "--specks", "80")
    ws = root / "ws"
    subprocess.run([ocrd_bin("ocrd"), "workspace", "-d", str(ws), "init"], check=True,
                   capture_output=True)
    (ws / "OCR-D-IMG").mkdir()
    for i, m in enumerate(manifest, 1):
        shutil.copy(root / "pages" / m["file"], ws / "OCR-D-IMG" / f"IMG_{i:04d}.png")
        subprocess.run([ocrd_bin("ocrd"), "workspace", "-d", str(ws), "add", "-G", "OCR-D-IMG",
                        "-i", f"OCR-D-IMG_{i:04d}", "-g", f"PHYS_{i:04d}", "-m", "image/png",
                        f"OCR-D-IMG/IMG_{i:04d}.png"], check=True, capture_output=True)
    return SimpleNamespace(dir=ws, skews=[m["skew_deg"] for m in manifest])


def run_processor(ws: Path, src: str, dst: str, step: str) -> str:
    run = subprocess.run([ocrd_bin("ocrd-pageprep"), "-m", "mets.xml", "-I", src, "-O", dst,
                          "-P", "step", step, "-P", "batch_size", str(BATCH), "-P", "device", "cpu",
                          "-l", "INFO"], cwd=ws, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout + run.stderr


def pages_of(ws: Path, grp: str):
    """(page_id, PAGE object, Workspace) for each page of a file group."""
    from ocrd import Resolver
    from ocrd_modelfactory import page_from_file

    workspace = Resolver().workspace_from_url(str(ws / "mets.xml"))
    files = sorted(workspace.mets.find_files(fileGrp=grp, mimetype="application/vnd.prima.page+xml"),
                   key=lambda f: f.pageId)
    return workspace, [(f.pageId, page_from_file(f).get_Page()) for f in files]


def test_tool_json_is_valid():
    need("ocrd")
    tool = Path(pageprep.__file__).parent / "ocrd" / "ocrd-tool.json"
    out = subprocess.run([ocrd_bin("ocrd"), "ocrd-tool", str(tool), "validate"],
                         capture_output=True, text=True)
    assert out.returncode == 0 and 'valid="true"' in out.stdout, out.stdout
    dumped = subprocess.run([ocrd_bin("ocrd-pageprep"), "--dump-json"], capture_output=True,
                            text=True, check=True).stdout
    assert '"ocrd-pageprep"' in dumped or '"executable": "ocrd-pageprep"' in dumped


def test_all_steps_in_one_run(workspace, monkeypatch):
    monkeypatch.chdir(workspace.dir)  # METS paths are relative to the workspace
    log = run_processor(workspace.dir, "OCR-D-IMG", "OCR-D-PP", "all")
    # 5 pages with batch_size 3: two engine calls, of 3 and 2 pages.
    assert "3 page(s) in one engine call" in log and "2 page(s) in one engine call" in log, log
    ws, pages = pages_of(workspace.dir, "OCR-D-PP")
    assert len(pages) == PAGES
    for (page_id, page), skew in zip(pages, workspace.skews):
        alts = page.get_AlternativeImage()
        assert [a.get_comments() for a in alts] == ["deskewed", "deskewed,binarized,despeckled"]
        for a in alts:
            assert (workspace.dir / a.get_filename()).exists()
        assert page.get_orientation() == pytest.approx(skew, abs=0.15)
        # OCR-D's own reader picks our binary image and finds it consistent.
        image, coords, _ = ws.image_from_page(page, page_id, feature_selector="binarized")
        assert coords["features"] == "deskewed,binarized,despeckled"
        assert set(np.unique(np.asarray(image.convert("L")))) <= {0, 255}


def test_orientation_means_what_ocrd_means(workspace, monkeypatch):
    """Without our images, OCR-D deskews the original by @orientation itself: that
    image must come out straight and the size of ours (OCR-D allows 2 px)."""
    monkeypatch.chdir(workspace.dir)
    ws, pages = pages_of(workspace.dir, "OCR-D-PP")
    engine = pageprep.Engine(device="cpu", binarize="none", despeckle=False)
    for page_id, page in pages[:2]:
        ours, _, _ = ws.image_from_page(page, page_id, feature_selector="deskewed",
                                        feature_filter="binarized")
        for alt in list(page.get_AlternativeImage()):
            page.AlternativeImage.remove(alt)
        theirs, coords, _ = ws.image_from_page(page, page_id)
        assert "deskewed" in coords["features"]
        assert abs(theirs.width - ours.width) <= 2 and abs(theirs.height - ours.height) <= 2
        r = engine.preprocess(np.asarray(theirs.convert("L")), dpi=150)
        assert abs(r.skew_deg) < 0.2, f"{page_id}: OCR-D's rotation left {r.skew_deg} deg"


def test_steps_one_by_one_accumulate_features(workspace, monkeypatch):
    monkeypatch.chdir(workspace.dir)
    run_processor(workspace.dir, "OCR-D-IMG", "OCR-D-DESKEW", "deskew")
    run_processor(workspace.dir, "OCR-D-DESKEW", "OCR-D-BIN", "binarize")
    run_processor(workspace.dir, "OCR-D-BIN", "OCR-D-DENOISE", "denoise")
    _, deskewed = pages_of(workspace.dir, "OCR-D-DESKEW")
    _, denoised = pages_of(workspace.dir, "OCR-D-DENOISE")
    for (_, page), skew in zip(deskewed, workspace.skews):
        assert [a.get_comments() for a in page.get_AlternativeImage()] == ["deskewed"]
        assert page.get_orientation() == pytest.approx(skew, abs=0.15)
    for _, page in denoised:
        assert [a.get_comments() for a in page.get_AlternativeImage()] == [
            "deskewed", "deskewed,binarized", "deskewed,binarized,despeckled"]
    # Denoise straight from the images: it binarizes first.
    run_processor(workspace.dir, "OCR-D-IMG", "OCR-D-DENOISE2", "denoise")
    _, direct = pages_of(workspace.dir, "OCR-D-DENOISE2")
    assert [a.get_comments() for a in direct[0][1].get_AlternativeImage()] == ["binarized,despeckled"]


def test_workspace_validates(workspace):
    # Skipped: the METS identifier and the input images' plain-path URLs, both
    # from the fixture's `ocrd workspace init/add`, not from the processor.
    out = subprocess.run([ocrd_bin("ocrd"), "workspace", "-d", str(workspace.dir), "validate",
                          "-s", "mets_unique_identifier", "-s", "url"],
                         capture_output=True, text=True)
    assert 'valid="true"' in out.stdout, out.stdout + out.stderr
