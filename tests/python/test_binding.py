"""The Python binding: NumPy pages in (no copy), arrays and results out, options
as keyword arguments, the GIL released, bad pages as exceptions with codes,
and the same images as `pageprep run`."""

from __future__ import annotations

import ast
import subprocess
import sys
import threading
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import pageprep
from conftest import read_gray


def test_one_page_is_deskewed_and_binarized(skewed_pages):
    pages, manifest, _ = skewed_pages
    page = pages[0]
    before = page.copy()
    r = pageprep.preprocess(page, dpi=150, device="cpu")
    assert isinstance(r, pageprep.PageResult) and r.ok and r.error_code == ""
    assert r.skew_deg == pytest.approx(manifest[0]["skew_deg"], abs=0.15)
    assert r.rotated and r.executor == "cpu"
    assert r.gray.shape == page.shape and r.gray.dtype == np.uint8
    assert set(np.unique(r.binary)) <= {0, 255}
    assert r.signals_measured and r.noise_sigma > 1.0
    assert not r.gray.flags.writeable and not r.binary.flags.writeable
    np.testing.assert_array_equal(page, before)  # the input is never written


def test_a_batch_gives_what_single_pages_give(skewed_pages):
    pages, manifest, _ = skewed_pages
    engine = pageprep.Engine(device="cpu", max_batch=3)  # 4 pages: batches of 3 and 1
    batch = engine.preprocess(pages, dpi=150)
    assert isinstance(batch, list) and len(batch) == 4
    for page, r, m in zip(pages, batch, manifest):
        one = engine.preprocess(page, dpi=150)
        np.testing.assert_array_equal(r.binary, one.binary)
        assert r.skew_deg == one.skew_deg
        assert r.skew_deg == pytest.approx(m["skew_deg"], abs=0.15)
    # A 3-D stack is a batch too (its pages are views, not copies).
    stack = np.stack(pages[:2])
    r2 = engine.preprocess(list(stack), dpi=[150, 150])
    np.testing.assert_array_equal(r2[1].gray, batch[1].gray)


def test_the_cli_writes_the_same_images(skewed_pages, cli_tool, tmp_path):
    """`pageprep run` and the binding share executors and step mapping: same pixels."""
    _, _, folder = skewed_pages
    out = tmp_path / "out"
    subprocess.run([str(cli_tool), "run", str(folder / "page-0002.png"), "-o", str(out), "--ocr",
                    "none", "--device", "cpu", "--save-gray", "--image-format", "png", "--quiet"],
                   check=True, capture_output=True)
    cli_gray = read_gray(out / "page-0002.gray.png")
    cli_binary = read_gray(out / "page-0002.png")
    page = read_gray(folder / "page-0002.png")
    r = pageprep.preprocess(page, dpi=150, device="cpu")  # the synth pages carry 150 dpi
    np.testing.assert_array_equal(r.gray, cli_gray)
    np.testing.assert_array_equal(r.binary, cli_binary)


def test_input_is_read_in_place(skewed_pages):
    """No copy of the page: numpy's allocations are traced by tracemalloc, and a
    copy of this 8.7 MB page (or of its strided slice) would show in the peak."""
    big = np.ascontiguousarray(np.tile(skewed_pages[0][0], (2, 2)))  # 3508 x 2480
    window = big[100:3400, 50:2400]  # rows not contiguous: stride > width
    engine = pageprep.Engine(device="cpu")
    engine.preprocess(window, dpi=300)  # warm-up: first-call allocations
    for page in (big, window):
        tracemalloc.start()
        r = engine.preprocess(page, dpi=300)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert r.ok
        assert peak < page.nbytes // 10, f"{peak} bytes allocated for a {page.nbytes}-byte page"


def test_column_strided_views_still_work(skewed_pages):
    page = skewed_pages[0][0]
    transposed = np.ascontiguousarray(page.T).T  # same pixels, columns not adjacent
    assert transposed.strides[1] != 1
    a = pageprep.preprocess(page, dpi=150)
    b = pageprep.preprocess(transposed, dpi=150)
    np.testing.assert_array_equal(a.binary, b.binary)


def test_the_gil_is_released_while_the_engine_works(skewed_pages):
    """Deterministic, no loop counts: with the switch interval at 1000 s the
    interpreter never takes the GIL from a running thread, so this thread runs
    again before the worker's call returns only if the call released the GIL.
    (Checked both ways: a pure-Python busy loop in place of preprocess leaves
    ran_during_call False, time.sleep makes it True.)"""
    engine = pageprep.Engine(device="cpu", threads=1)
    pages = skewed_pages[0] * 3
    started, done = threading.Event(), threading.Event()

    def work():
        started.set()
        engine.preprocess(pages, dpi=150)
        done.set()

    old = sys.getswitchinterval()
    sys.setswitchinterval(1000.0)
    try:
        worker = threading.Thread(target=work)
        worker.start()
        started.wait()
        ran_during_call = not done.is_set()
        worker.join()
    finally:
        sys.setswitchinterval(old)
    assert done.is_set()
    assert ran_during_call, "preprocess held the GIL for the whole call"


def test_a_bad_page_raises_with_its_code(skewed_pages):
    good = skewed_pages[0][0]
    with pytest.raises(pageprep.PageError) as e:
        pageprep.preprocess([good, np.zeros((0, 10), np.uint8), good], dpi=150)
    assert e.value.code == "invalid_image" and e.value.index == 1
    assert "empty" in e.value.message
    assert e.value.results[0].ok and e.value.results[2].ok
    with pytest.raises(pageprep.PageError) as e:
        pageprep.preprocess(np.zeros((10, 0), np.uint8))
    assert e.value.code == "invalid_image" and e.value.index == 0
    results = pageprep.preprocess([good, np.zeros((0, 10), np.uint8)], errors="return")
    assert results[0].ok and not results[1].ok and results[1].error_code == "invalid_image"
    assert results[1].gray is None


def test_wrong_arrays_are_refused_clearly():
    with pytest.raises(TypeError, match="uint8"):
        pageprep.preprocess(np.zeros((50, 50), np.float32))
    with pytest.raises(ValueError, match="2-D"):
        pageprep.preprocess([np.zeros((50, 50, 3), np.uint8)])
    with pytest.raises(ValueError, match="dpi"):
        pageprep.preprocess([np.zeros((50, 50), np.uint8)] * 2, dpi=[300])


def test_options_are_keyword_arguments(skewed_pages):
    page = skewed_pages[0][1]
    with pytest.raises(TypeError, match="unknown option"):
        pageprep.Engine(colour=True)
    with pytest.raises(ValueError, match="device"):
        pageprep.Engine(device="gpu")
    with pytest.raises(pageprep.EngineError, match="binarize_window"):
        pageprep.Engine(binarize_window=30)
    r = pageprep.preprocess(page, dpi=150, binarize="none", deskew=False)
    assert r.binary is None and not r.rotated and r.skew_deg == 0
    np.testing.assert_array_equal(r.gray, page)
    otsu = pageprep.preprocess(page, dpi=150, binarize="otsu", despeckle=False)
    assert otsu.specks_removed == 0 and set(np.unique(otsu.binary)) <= {0, 255}
    engine = pageprep.Engine(device="auto")
    assert engine.executor in ("cpu",) or engine.executor.startswith("cuda")


def test_public_names_are_exactly_all():
    import __future__
    import types

    public = {
        n
        for n, v in vars(pageprep).items()
        if not n.startswith("_") and not isinstance(v, (types.ModuleType, __future__._Feature))
    }
    assert public == set(pageprep.__all__) - {"__version__"}
    for name in ("np", "threading", "atexit", "overload", "Options", "Device"):
        assert not hasattr(pageprep, name), name


def test_every_option_of_the_cpp_list_is_a_documented_keyword():
    # engine.hpp's one list of options reaches Python whole: each option but
    # cuda_device (given as "cuda:N") is accepted as a keyword with its default
    # and appears in the Engine's docstring with that default.
    from pageprep import _pageprep

    table = _pageprep.option_table()
    names = [row[0] for row in table]
    assert names[:4] == ["device", "cuda_device", "max_batch", "threads"]
    assert {"binarize", "despeckle", "measure_signals"} <= set(names)
    defaults = _pageprep.Options()
    for name, kind, doc in table:
        assert kind in ("bool", "int", "float", "device", "binarization") and doc, name
        if name == "cuda_device":
            continue
        assert f"        {name} (" in pageprep.Engine.__doc__, name
        if kind in ("bool", "int", "float"):
            value = getattr(defaults, name)
            assert pageprep.Engine(device="cpu", **{name: value}).options == {
                "device": "cpu",
                name: value,
            }
    assert "        device ('auto'):" in pageprep.Engine.__doc__
    assert "        binarize ('sauvola'):" in pageprep.Engine.__doc__


def test_cuda_without_a_device_is_an_engine_error():
    try:
        engine = pageprep.Engine(device="cuda")
    except pageprep.EngineError as e:
        assert "no CUDA device" in str(e)
    else:
        assert engine.executor.startswith("cuda")


def test_results_outlive_their_engine(skewed_pages):
    engine = pageprep.Engine(device="cpu")
    r = engine.preprocess(skewed_pages[0][2], dpi=150)
    gray = r.gray
    expected = gray.copy()
    del engine, r
    import gc

    gc.collect()
    np.testing.assert_array_equal(gray, expected)


def test_type_stubs_ship_with_the_package():
    stub = Path(pageprep.__file__).with_name("_pageprep.pyi")
    tree = ast.parse(stub.read_text())
    classes = {n.name for n in tree.body if isinstance(n, ast.ClassDef)}
    assert {"Engine", "Options", "PageResult", "Device", "Binarization"} <= classes
    assert (Path(pageprep.__file__).parent / "py.typed").exists()
    assert pageprep.Engine.preprocess.__doc__ and pageprep.PageError.__doc__


def test_module_help_runs():
    out = subprocess.run([sys.executable, "-c", "import pageprep; help(pageprep)"],
                         check=True, capture_output=True, text=True).stdout
    assert "preprocess" in out
