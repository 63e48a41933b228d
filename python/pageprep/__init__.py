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

# Everything imported here is private (a leading underscore): the package's
# public names are exactly __all__.
import atexit as _atexit
import threading as _threading
from collections.abc import Sequence as _Sequence
from typing import Any as _Any
from typing import Literal as _Literal
from typing import Union as _Union
from typing import overload as _overload

import numpy as _np

from ._pageprep import Binarization as _Binarization
from ._pageprep import Device as _Device
from ._pageprep import Engine as _CoreEngine
from ._pageprep import Options as _Options
from ._pageprep import PageResult
from ._pageprep import option_table as _option_table
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

_ArrayLike = _Any
_Pages = _Union[_ArrayLike, _Sequence[_ArrayLike]]


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


_DEVICES = {"auto": _Device.AUTO, "cpu": _Device.CPU, "cuda": _Device.CUDA}
_BINARIZE = {
    "sauvola": _Binarization.SAUVOLA,
    "otsu": _Binarization.OTSU,
    "wolf": _Binarization.WOLF,
    "none": _Binarization.NONE,
}
# The keyword options and their types, from engine.hpp's one list of options.
# device and binarize take names (the dicts above); cuda_device is given as
# part of device ("cuda:N"); despeckle also takes a speck size.
_KINDS = {"bool": bool, "int": int, "float": float}
_OPTION_TABLE = _option_table()
_OPTION_TYPES = {name: _KINDS[kind] for name, kind, _ in _OPTION_TABLE if kind in _KINDS}
del _OPTION_TYPES["cuda_device"]


def _option_default(name: str) -> str:
    value = getattr(_Options(), name)
    for kind, names in ((_Device, _DEVICES), (_Binarization, _BINARIZE)):
        if isinstance(value, kind):
            return repr(next(text for text, member in names.items() if member == value))
    return repr(value)


def _options_doc() -> str:
    lines = []
    for name, _, doc in _OPTION_TABLE:
        if name == "cuda_device":
            continue
        lines.append(f"        {name} ({_option_default(name)}): {doc}.")
    return "\n".join(lines)


def _options(kwargs: dict[str, _Any]) -> _Options:
    o = _Options()
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
            if kind is bool and not isinstance(value, (bool, _np.bool_)):
                raise TypeError(f"{name} must be True or False, not {value!r}")
            setattr(o, name, kind(value))
        else:
            raise TypeError(f"unknown option {name!r}")
    return o


def _as_page(page: _ArrayLike, index: int) -> _np.ndarray:
    a = page if isinstance(page, _np.ndarray) else _np.asarray(page)
    if a.dtype != _np.uint8:
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
        a = _np.ascontiguousarray(a)  # columns not adjacent (e.g. a transposed view): one copy
    return a


class Engine:
    """A reusable preprocessing engine (one executor: CPU threads or a CUDA device).

    Keyword options (defaults are ``pageprep run``'s):
{options}

    Thread safety: an Engine may be shared; concurrent calls on one Engine run
    one after another. Use one Engine per thread for parallel calls.
    """

    def __init__(self, **options: _Any) -> None:
        self.options: dict[str, _Any] = dict(options)
        try:
            self._core = _CoreEngine.create(_options(options))
        except RuntimeError as e:
            raise EngineError(str(e)) from None

    @property
    def executor(self) -> str:
        """The executor in use: ``"cpu"`` or ``"cuda:N"``."""
        return self._core.executor_name

    @_overload
    def preprocess(
        self, pages: _np.ndarray, dpi: float = ..., errors: _Literal["raise", "return"] = ...
    ) -> PageResult: ...
    @_overload
    def preprocess(
        self,
        pages: _Sequence[_ArrayLike],
        dpi: float | _Sequence[float] = ...,
        errors: _Literal["raise", "return"] = ...,
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
        single = isinstance(pages, _np.ndarray) and pages.ndim == 2
        batch = [pages] if single else list(pages)
        arrays = [_as_page(p, i) for i, p in enumerate(batch)]
        if isinstance(dpi, (int, float, _np.integer, _np.floating)):
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



Engine.__doc__ = Engine.__doc__.format(options=_options_doc())

_engines: dict[tuple, Engine] = {}
_engines_lock = _threading.Lock()
# Engines are released before the interpreter tears the extension down.
_atexit.register(_engines.clear)


def preprocess(pages: _Pages, dpi: float | _Sequence[float] = 300.0, errors: str = "raise", **options: _Any):
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
