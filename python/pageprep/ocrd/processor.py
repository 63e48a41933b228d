"""The OCR-D processor ``ocrd-pageprep`` (ocrd >= 3).

One processor with a ``step`` parameter (ocrd-tool.json):

=========  =====================================  ===========================================
step       reads (AlternativeImage features)      writes
=========  =====================================  ===========================================
deskew     the page image, not yet deskewed or    a gray AlternativeImage ``...,deskewed`` on an
           binarized                              enlarged canvas, and Page/@orientation
binarize   the best image not yet binarized       ``...,binarized``
denoise    the best binarized image (else the     ``...,despeckled`` (``...,binarized,despeckled``
           page image, binarized here)            when it had to binarize)
all        the page image                         ``deskewed`` (gray) and
                                                  ``deskewed,binarized,despeckled``, @orientation
=========  =====================================  ===========================================

Angles: pageprep measures the skew counter-clockwise positive (lines rising to
the right) and deskews by rotating by minus it; PAGE's @orientation is the
clockwise rotation that corrects the page, so @orientation = the measured skew.
The deskewed image is the whole page rotated about its centre on a canvas
enlarged to hold it (as OCR-D's own ``rotate_image`` does), so OCR-D maps
coordinates between it and the original image the usual way.

Batching: OCR-D calls ``process_page_pcgts`` one page at a time; pageprep is
fastest (on a GPU) with several pages per call. The processor is the
long-lived worker: it keeps one pageprep Engine per process (created on first
use in the process that runs pages, never before a fork), and when a page
arrives that it has not prepared yet, it reads ahead: that page and the next
``batch_size - 1`` pages of the workspace's queue are loaded and
preprocessed in one engine call, and their results wait (at most
``batch_size`` pages) until OCR-D asks for those pages. In ocrd's
page-parallel mode (OCRD_MAX_PARALLEL_PAGES > 1) each forked worker has no
queue and processes its pages one per call, on its own engine.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

import numpy as np
from ocrd import Processor
from ocrd.processor.ocrd_page_result import OcrdPageResult, OcrdPageResultImage
from ocrd_modelfactory import page_from_file
from ocrd_models.ocrd_page import AlternativeImageType, OcrdPage
from PIL import Image

import pageprep

# What each step asks OCR-D's image_from_page for: (feature_selector, feature_filter).
_INPUT = {
    "all": ("", "deskewed,binarized,despeckled"),
    "deskew": ("", "deskewed,binarized"),
    "binarize": ("", "binarized"),
    "denoise": ("binarized", "despeckled"),
}


class PageprepProcessor(Processor):
    @property
    def executable(self) -> str:
        return "ocrd-pageprep"

    @property
    def metadata_location(self) -> Path:
        return Path(__file__).with_name("ocrd-tool.json")

    def setup(self) -> None:
        self._engines: dict[tuple, pageprep.Engine] = {}
        self._engine_pid = os.getpid()
        self._queue: list[tuple[str, list]] = []  # pages OCR-D will ask for, in order
        self._ready: dict[str, tuple] = {}  # page_id -> prepared result

    # -- batching ---------------------------------------------------------
    def process_workspace_submit_tasks(self, executor, max_seconds):
        tasks = super().process_workspace_submit_tasks(executor, max_seconds)
        # In this process, OCR-D now runs the pages in this order (a forked
        # worker never sees this queue and works page by page).
        self._queue = [(page_id, files) for page_id, files in tasks.values()]
        return tasks

    def _engine(self, kind: str) -> pageprep.Engine:
        if os.getpid() != self._engine_pid:  # a forked worker: engines are per process
            self._engines, self._engine_pid = {}, os.getpid()
        p = self.parameter
        settings: dict[str, Any] = dict(device=p["device"], max_batch=max(1, int(p["batch_size"])))
        if kind == "deskew":
            settings.update(deskew=True, expand_canvas=True, max_skew_deg=float(p["max_skew"]),
                            binarize="none", despeckle=False)
        elif kind == "all":
            settings.update(deskew=True, expand_canvas=True, max_skew_deg=float(p["max_skew"]),
                            binarize=p["method"], despeckle=True)
        elif kind == "binarize":
            settings.update(deskew=False, binarize=p["method"], despeckle=False)
        elif kind == "denoise-binary":  # already 0/255: Otsu keeps it, despeckle cleans it
            settings.update(deskew=False, binarize="otsu", despeckle=True)
        else:  # "denoise" of a page with no binarized image yet
            settings.update(deskew=False, binarize=p["method"], despeckle=True)
        key = tuple(sorted(settings.items()))
        if key not in self._engines:
            self._engines[key] = pageprep.Engine(**settings)
        return self._engines[key]

    def _load(self, pcgts: OcrdPage, page_id: str):
        """The page's input image (gray array), its coordinates and dpi, and the engine kind."""
        step = self.parameter["step"]
        selector, filt = _INPUT[step]
        page = pcgts.get_Page()
        kind = step
        try:
            image, coords, info = self.workspace.image_from_page(
                page, page_id, feature_selector=selector, feature_filter=filt)
            if step == "denoise":
                kind = "denoise-binary"
        except Exception:
            if step != "denoise":
                raise
            image, coords, info = self.workspace.image_from_page(
                page, page_id, feature_filter="binarized,despeckled")
        dpi = coords.get("DPI") or float(self.parameter["dpi"]) or 300.0
        gray = np.asarray(image.convert("L"))
        return gray, coords, float(dpi), kind

    def _prepare(self, page_id: str, pcgts: OcrdPage) -> None:
        """Preprocesses `page_id` and the pages queued after it in one engine call."""
        batch = [(page_id, pcgts)]
        ids = [pid for pid, _ in self._queue]
        if page_id in ids:
            at = ids.index(page_id)
            for pid, files in self._queue[at + 1: at + int(self.parameter["batch_size"])]:
                if pid in self._ready or not files or files[0] is None:
                    continue
                try:
                    batch.append((pid, page_from_file(files[0])))
                except Exception as e:  # it fails again, and is reported, when its turn comes
                    self.logger.warning("pageprep: cannot read ahead page %s: %s", pid, e)
                    break
        loaded = [(pid, *self._load(p, pid)) for pid, p in batch]
        # Pages of one call share an engine; a batch with mixed kinds (denoise
        # on pages with and without a binarized image) runs one call per kind.
        for kind in dict.fromkeys(k for *_, k in loaded):
            part = [item for item in loaded if item[4] == kind]
            results = self._engine(kind).preprocess([g for _, g, _, _, _ in part],
                                                    dpi=[d for _, _, _, d, _ in part],
                                                    errors="return")
            self.logger.info("pageprep: %d page(s) in one engine call (%s, %s)", len(part), kind,
                             self._engine(kind).executor)
            for (pid, _, coords, dpi, _), r in zip(part, results):
                self._ready[pid] = (r, coords, dpi, kind)

    # -- one page ---------------------------------------------------------
    def process_page_pcgts(self, *input_pcgts: Optional[OcrdPage],
                           page_id: Optional[str] = None) -> OcrdPageResult:
        pcgts = input_pcgts[0]
        assert pcgts is not None and page_id is not None
        if page_id not in self._ready:
            self._prepare(page_id, pcgts)
        r, coords, dpi, kind = self._ready.pop(page_id)
        if not r.ok:
            raise pageprep.PageError(r.error_code, r.error, 0, [r])
        page = pcgts.get_Page()
        result = OcrdPageResult(pcgts)
        features = coords["features"]

        def add(array: np.ndarray, binary: bool, new: str, suffix: str) -> None:
            img = Image.fromarray(np.array(array))
            if binary:
                img = img.convert("1", dither=Image.Dither.NONE)
            img.info["dpi"] = (dpi, dpi)
            comments = ",".join(f for f in (features + "," + new).split(",") if f)
            alt = AlternativeImageType(comments=comments)
            page.add_AlternativeImage(alt)
            result.images.append(OcrdPageResultImage(img, suffix, alt))

        if kind in ("deskew", "all"):
            page.set_orientation(float(r.skew_deg) if r.rotated else 0.0)
            add(r.gray, False, "deskewed", ".IMG-DESKEW")
            if kind == "all":
                features = features + ",deskewed"
                add(r.binary, True, "binarized,despeckled", ".IMG-BIN")
        elif kind == "binarize":
            add(r.binary, True, "binarized", ".IMG-BIN")
        elif kind == "denoise-binary":
            add(r.binary, True, "despeckled", ".IMG-DESPECK")
        else:
            add(r.binary, True, "binarized,despeckled", ".IMG-DESPECK")
        return result
