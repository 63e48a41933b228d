"""The hooks of pageprep's OCRmyPDF plugin (see pageprep.ocrmypdf).

Registered through the ``ocrmypdf`` entry point, so loaded in every OCRmyPDF
run; every hook does nothing unless ``--plugin pageprep.ocrmypdf`` was given.
Hooks run in OCRmyPDF's worker processes (one page at a time each); each
worker keeps one pageprep engine per option set, with one CPU thread, since
OCRmyPDF already runs one worker per core.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import numpy as np
import ocrmypdf
from ocrmypdf import hookimpl
from ocrmypdf.builtin_plugins.tesseract_ocr import TesseractOcrEngine
from PIL import Image

from pageprep.ocrmypdf import PLUGIN_NAME

log = logging.getLogger(__name__)

_MAJOR = int(ocrmypdf.__version__.split(".")[0])


def _active(options: Any) -> bool:
    plugins = getattr(options, "plugins", None) or ()
    return any(str(p) == PLUGIN_NAME for p in plugins)


def _opt(options: Any, name: str, default: Any) -> Any:
    value = getattr(options, name, None)
    return default if value is None else value


_engines: dict[tuple, Any] = {}
_lock = threading.Lock()


def _engine(options: Any, **kind: Any):
    import pageprep

    settings = dict(device=_opt(options, "pageprep_device", "auto"), threads=1, **kind)
    key = tuple(sorted(settings.items()))
    with _lock:
        if key not in _engines:
            _engines[key] = pageprep.Engine(**settings)
        return _engines[key]


def _gray_and_dpi(image: Image.Image) -> tuple[np.ndarray, float]:
    dpi = image.info.get("dpi", (300, 300))[0] or 300
    gray = image if image.mode == "L" else image.convert("L")
    return np.asarray(gray), float(dpi)


def skew_angle(path: Path, options: Any) -> float:
    """The angle OCRmyPDF's deskew step rotates by (PIL: counter-clockwise
    positive): minus pageprep's skew, or 0 when pageprep left the page alone."""
    with Image.open(path) as im:
        gray, dpi = _gray_and_dpi(im)
    r = _engine(options, binarize="none", despeckle=False, measure_signals=False).preprocess(
        gray, dpi=dpi
    )
    log.debug("pageprep: %s skew %.3f (confidence %.2f)", path.name, r.skew_deg, r.skew_confidence)
    return -float(r.skew_deg) if r.rotated else 0.0


class PageprepTesseractEngine(TesseractOcrEngine):
    """OCRmyPDF's Tesseract engine, with pageprep's skew estimate."""

    @staticmethod
    def get_deskew(input_file: Path, options: Any) -> float:
        if not _active(options):
            return TesseractOcrEngine.get_deskew(input_file, options)
        return skew_angle(Path(input_file), options)

    def __str__(self) -> str:
        return f"{TesseractOcrEngine.__str__(self)} with pageprep"


@hookimpl
def add_options(parser):
    group = parser.add_argument_group(
        "pageprep", f"pageprep preprocessing (active with --plugin {PLUGIN_NAME})"
    )
    group.add_argument("--pageprep-device", choices=["auto", "cpu", "cuda"], default=None,
                       help="where pageprep runs (default auto: CUDA when a device is present)")
    group.add_argument("--pageprep-ocr-input", choices=["auto", "gray", "binary"], default=None,
                       help="what Tesseract reads (default auto: pageprep's per-page rule)")
    group.add_argument("--pageprep-binarize", choices=["sauvola", "otsu", "wolf"], default=None,
                       help="binarization method (default sauvola)")


@hookimpl
def check_options(options):
    if not _active(options):
        return
    mode = str(getattr(options, "mode", "") or "")
    if getattr(options, "redo_ocr", False) or mode.endswith("redo") or mode.endswith("strip_text"):
        log.warning("pageprep: --redo-ocr keeps the page as it is: pageprep does not deskew")
        return
    if not options.deskew:
        options.deskew = True  # OCRmyPDF's deskew step, with pageprep's angle
    # OCRmyPDF <= 16 decides before this hook whether the visible page is kept
    # as it is (no --deskew: "lossless reconstruction"); left so, the text layer
    # would follow the deskewed OCR image over an unrotated page. 17 computes it
    # from the options (a property), so there is nothing to set.
    if not isinstance(getattr(type(options), "lossless_reconstruction", None), property):
        options.lossless_reconstruction = False
    if getattr(options, "clean", False):
        log.warning("pageprep: --clean also runs unpaper before pageprep; leave it out")


def _ocr_engine(options: Any):
    if options is not None and getattr(options, "ocr_engine", "auto") not in ("auto", "tesseract"):
        return None
    return PageprepTesseractEngine()


if _MAJOR >= 17:

    @hookimpl
    def get_ocr_engine(options):
        return _ocr_engine(options)

else:

    @hookimpl
    def get_ocr_engine():
        return _ocr_engine(None)


@hookimpl
def filter_ocr_image(page, image):
    options = page.options
    if not _active(options):
        return None
    gray, dpi = _gray_and_dpi(image)
    method = _opt(options, "pageprep_binarize", "sauvola")
    # OCRmyPDF has deskewed this image already (with pageprep's angle): clean only.
    r = _engine(options, deskew=False, binarize=method).preprocess(gray, dpi=dpi)
    choice = _opt(options, "pageprep_ocr_input", "auto")
    use_binary = choice == "binary" or (choice == "auto" and r.prefer_binary_for_ocr)
    out = Image.fromarray(np.array(r.binary if use_binary else r.gray))
    out.info["dpi"] = image.info.get("dpi", (dpi, dpi))
    log.debug("pageprep: OCR reads the %s page", "binary" if use_binary else "gray")
    return out
