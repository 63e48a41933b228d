"""pageprep: OCR preprocessing of scanned pages (deskew, binarize, denoise) on a
CUDA GPU or the CPU, for NumPy.

    >>> import numpy as np, pageprep
    >>> page = np.full((1754, 1240), 255, np.uint8)       # an 8-bit gray page
    >>> r = pageprep.preprocess(page, dpi=150)             # one page -> PageResult
    >>> r.gray.shape, r.binary.dtype, r.skew_deg
    >>> results = pageprep.preprocess([page, page])        # a batch -> [PageResult]
    >>> engine = pageprep.Engine(device="cpu", binarize="otsu")  # reusable

Pages are 2-D ``uint8`` arrays (height, width) of gray levels; they are read in
place, without a copy, as long as each row's pixels are adjacent (any row
stride, e.g. a slice of a larger image, is fine). Result images are read-only
NumPy arrays over the engine's own memory (no copy either); ``.copy()`` one to
modify it. The GIL is released while the engine works, so other Python threads
run meanwhile.

A page that cannot be processed raises :class:`PageError` carrying its
``code`` (``"invalid_image"``, ``"too_large"``, ...) and its index in the batch;
pass ``errors="return"`` to get failed pages back as results with ``ok`` False.

Options are keyword arguments with `pageprep run`'s defaults (see
:class:`Engine`). docs/API.md has more, including the C++ API this wraps.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Sequence
from typing import Any, Literal, Union, overload

import numpy as np

from ._pageprep import Binarization, Device, Options, PageResult
from ._pageprep import Engine as _CoreEngine
from ._pageprep import version as _core_version

__all__ = [
    "Engine",
    "EngineError",
    "Error",
    "PageError",
    "PageResult",
    "preprocess",
    "__version__",
]

__version__: str = _core_version()

ArrayLike = Any
Pages = Union[ArrayLike, Sequence[ArrayLike]]


class Error(Exception):
    """Base class of pageprep's exceptions."""


class EngineError(Error, RuntimeError):
    """The engine cannot be created: no CUDA device with ``device="cuda"``,
    an option out of range, Tesseract's OSD data missing..."""


class PageError(Error):
    """A page could not be preprocessed.

    Attributes:
        code: stable error name, as in ``pageprep run``'s pages.jsonl:
            ``"invalid_image"``, ``"too_large"``, ``"preprocess_failed"``,
            ``"ocr_failed"`` (orientation detection) or ``"internal"``.
        message: why.
        index: the page's position in the batch (0 for a single page).
        results: every result of the batch, failed ones included, so that a
            caller can keep the pages that succeeded.
    """

    def __init__(self, code: str, message: str, index: int, results: list[PageResult]):
        super().__init__(f"page {index}: {code}: {message}")
        self.code = code
        self.message = message
        self.index = index
        self.results = results


_DEVICES = {"auto": Device.AUTO, "cpu": Device.CPU, "cuda": Device.CUDA}
_BINARIZE = {
    "sauvola": Binarization.SAUVOLA,
    "otsu": Binarization.OTSU,
    "wolf": Binarization.WOLF,
    "none": Binarization.NONE,
}
_OPTION_TYPES = {
    "max_batch": int,
    "threads": int,
    "background_norm": bool,
    "deskew": bool,
    "max_skew_deg": float,
    "skew_min_confidence": float,
    "expand_canvas": bool,
    "median": bool,
    "binarize_window": int,
    "binarize_k": float,
    "despeckle": bool,
    "despeckle_max_area": int,
    "remove_border": bool,
    "detect_orientation": bool,
    "correct_orientation": bool,
    "measure_signals": bool,
}


def _options(kwargs: dict[str, Any]) -> Options:
    o = Options()
    for name, value in kwargs.items():
        if name == "device":
            text = str(value).lower()
            kind, _, index = text.partition(":")
            if kind not in _DEVICES or (index and (kind != "cuda" or not index.isdigit())):
                raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', not {value!r}")
            o.device = _DEVICES[kind]
            if index:
                o.cuda_device = int(index)
        elif name == "binarize":
            key = "none" if value is None or value is False else str(value).lower()
            if key not in _BINARIZE:
                raise ValueError(f"binarize must be one of {sorted(_BINARIZE)}, not {value!r}")
            o.binarize = _BINARIZE[key]
        elif name == "despeckle" and isinstance(value, int) and not isinstance(value, bool):
            # despeckle=N: like `--despeckle N`, specks of up to N pixels.
            o.despeckle = value > 0
            o.despeckle_max_area = value
        elif name in _OPTION_TYPES:
            kind = _OPTION_TYPES[name]
            if kind is bool and not isinstance(value, (bool, np.bool_)):
                raise TypeError(f"{name} must be True or False, not {value!r}")
            setattr(o, name, kind(value))
        else:
            raise TypeError(f"unknown option {name!r}")
    return o


def _as_page(page: ArrayLike, index: int) -> np.ndarray:
    a = page if isinstance(page, np.ndarray) else np.asarray(page)
    if a.dtype != np.uint8:
        raise TypeError(
            f"page {index}: pageprep needs 8-bit gray pages (uint8), got {a.dtype}; "
            "convert with e.g. np.clip(page, 0, 255).astype(np.uint8)"
        )
    if a.ndim != 2:
        raise ValueError(
            f"page {index}: a page is a 2-D array (height, width), got shape {a.shape}; "
            "convert colour pages to gray first, and pass a batch as a list of pages"
        )
    if a.shape[1] > 1 and a.strides[1] != 1:
        a = np.ascontiguousarray(a)  # columns not adjacent (e.g. a transposed view): one copy
    return a


class Engine:
    """A reusable preprocessing engine (one executor: CPU threads or a CUDA device).

    Keyword options (defaults are ``pageprep run``'s):
        device: ``"auto"`` (CUDA when a device is present, else CPU), ``"cpu"``,
            ``"cuda"`` or ``"cuda:N"``; ``"cuda"`` without a device raises EngineError.
        max_batch (8): pages per GPU batch; longer calls run in batches of this size.
        threads (0): CPU threads; 0 means every core.
        background_norm (False), deskew (True), max_skew_deg (15.0),
        skew_min_confidence (-1: the estimator's 0.3), expand_canvas (False),
        median (False), binarize (``"sauvola"``, ``"otsu"``, ``"wolf"`` or
        ``"none"``), binarize_window (0: by dpi), binarize_k (-1: the method's),
        despeckle (True, False, or N: specks up to N pixels),
        despeckle_max_area (0: by dpi), remove_border (False),
        detect_orientation (False: Tesseract OSD, needs tesseract-ocr-osd),
        correct_orientation (True), measure_signals (True).

    Thread safety: an Engine may be shared; concurrent calls on one Engine run
    one after another. Use one Engine per thread for parallel calls.
    """

    def __init__(self, **options: Any) -> None:
        self.options: dict[str, Any] = dict(options)
        try:
            self._core = _CoreEngine.create(_options(options))
        except RuntimeError as e:
            raise EngineError(str(e)) from None

    @property
    def executor(self) -> str:
        """The executor in use: ``"cpu"`` or ``"cuda:N"``."""
        return self._core.executor_name

    @overload
    def preprocess(
        self, pages: np.ndarray, dpi: float = ..., errors: Literal["raise", "return"] = ...
    ) -> PageResult: ...
    @overload
    def preprocess(
        self,
        pages: Sequence[ArrayLike],
        dpi: float | Sequence[float] = ...,
        errors: Literal["raise", "return"] = ...,
    ) -> list[PageResult]: ...

    def preprocess(self, pages, dpi=300.0, errors="raise"):
        """Preprocesses one page (a 2-D uint8 array) or a batch (a list of them).

        Args:
            pages: a 2-D ``uint8`` array, or a sequence of them (a 3-D stack
                works too: ``list(stack)`` gives its pages without copying).
            dpi: the pages' resolution (one number, or one per page); it
                scales the binarization window and the speck size.
            errors: ``"raise"`` (default) raises :class:`PageError` for the
                first failed page; ``"return"`` returns failed pages as results
                with ``ok`` False and their ``error_code``.

        Returns:
            A :class:`PageResult` for one page, a list of them for a batch.
        """
        if errors not in ("raise", "return"):
            raise ValueError("errors must be 'raise' or 'return'")
        single = isinstance(pages, np.ndarray) and pages.ndim == 2
        batch = [pages] if single else list(pages)
        arrays = [_as_page(p, i) for i, p in enumerate(batch)]
        if isinstance(dpi, (int, float, np.integer, np.floating)):
            dpis = [float(dpi)] * len(arrays)
        else:
            dpis = [float(d) for d in dpi]
            if len(dpis) != len(arrays):
                raise ValueError(f"{len(arrays)} pages but {len(dpis)} dpi values")
        results = self._core.preprocess(arrays, dpis)
        if errors == "raise":
            for i, r in enumerate(results):
                if not r.ok:
                    raise PageError(r.error_code, r.error, i, results)
        return results[0] if single else results


_engines: dict[tuple, Engine] = {}
_engines_lock = threading.Lock()
# Engines are released before the interpreter tears the extension down.
atexit.register(_engines.clear)


def preprocess(pages: Pages, dpi: float | Sequence[float] = 300.0, errors: str = "raise", **options: Any):
    """Preprocesses a page or a batch with an engine for these options.

    The engine is created on first use and kept for later calls with the same
    options (per process). See :meth:`Engine.preprocess` for the arguments and
    :class:`Engine` for the options.
    """
    key = tuple(sorted((k, repr(v)) for k, v in options.items()))
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = Engine(**options)
    return engine.preprocess(pages, dpi=dpi, errors=errors)
