#!/usr/bin/env python3
"""Compact table of Google Benchmark results (JSON from --benchmark_out) with
the ratios of our CPU operations to their peers.

usage: bench_table.py RESULT.json...

Per benchmark: median time per page (ms, from items_per_second), pages/s,
spread (coefficient of variation of pages/s over the repetitions) and the
error counters where present. Ratios: peer time / our time for the same work
and page size (> 1: ours is faster). Our one-thread rows are compared with
every peer at one thread (Leptonica is single-threaded); our all-thread rows
with OpenCV at the same thread count.
"""
import json
import re
import sys

# (our benchmark, [peers]) for the same work.
PAIRS = [
    ("BM_Gray_Cpu", ["BM_Gray_OpenCV", "BM_Gray_Leptonica"]),
    ("BM_Binarize_Cpu_Otsu", ["BM_Binarize_OpenCV_Otsu", "BM_Binarize_Leptonica_Otsu"]),
    ("BM_Binarize_Cpu_Sauvola", ["BM_Binarize_OpenCV_Sauvola", "BM_Binarize_Leptonica_Sauvola",
                                 "BM_Binarize_OpenCV_AdaptiveMeanC"]),
    ("BM_Binarize_Cpu_Wolf", ["BM_Binarize_OpenCV_Wolf"]),
    ("BM_Background_Cpu", ["BM_Background_Leptonica"]),
    ("BM_Median_Cpu", ["BM_Median_OpenCV", "BM_Median_Leptonica"]),
    ("BM_Despeckle_Cpu", ["BM_Despeckle_OpenCV", "BM_Despeckle_Leptonica",
                          "BM_Despeckle_Leptonica_FromGray"]),
    ("BM_Skew_Cpu", ["BM_Skew_Leptonica", "BM_Skew_Leptonica_Prebinarized"]),
    ("BM_Rotate_Cpu", ["BM_Rotate_OpenCV", "BM_Rotate_Leptonica"]),
    ("BM_Deskew_Cpu", ["BM_Deskew_Leptonica"]),
]


def parse_name(run_name):
    """'BM_X/dpi:300/threads:1/real_time' -> ('BM_X', {'dpi': '300', 'threads': '1'})."""
    parts = run_name.split("/")
    args = {}
    for p in parts[1:]:
        if ":" in p:
            k, v = p.split(":", 1)
            args[k] = v
    return parts[0], args


def load(paths):
    rows = {}  # run_name -> {aggregate: entry}
    context = None
    for path in paths:
        with open(path) as f:
            doc = json.load(f)
        context = context or doc.get("context", {})
        for b in doc.get("benchmarks", []):
            if b.get("error_occurred"):
                rows.setdefault(b["run_name"], {})["error"] = b
                continue
            agg = b.get("aggregate_name", "single")
            rows.setdefault(b["run_name"], {})[agg] = b
    return rows, context


UNIT_MS = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}


def summary(entry):
    """(ms per page, pages/s, cv %, counters, CPU ms per page) from one run_name's entries.

    The CPU time is the main thread's: it is the whole cost only for one-thread
    rows (our ThreadPool(1) runs inline, OpenCV with setNumThreads(1) and
    Leptonica run on the caller), and it is far less disturbed by other load on
    the machine than the wall time, so ratios of one-thread rows use it."""
    med = entry.get("median") or entry.get("single")
    if med is None or "items_per_second" not in med:
        return None
    ips = med["items_per_second"]
    unit = UNIT_MS.get(med.get("time_unit", "ns"), 1e-6)
    pages_per_iter = ips * med["real_time"] * unit / 1000.0
    cpu_ms = med["cpu_time"] * unit / pages_per_iter if pages_per_iter > 0 else float("nan")
    cv = None
    if "mean" in entry and "stddev" in entry and entry["mean"].get("items_per_second"):
        cv = 100.0 * entry["stddev"]["items_per_second"] / entry["mean"]["items_per_second"]
    counters = {k: med[k] for k in ("abs_err_deg", "max_err_deg", "skew_err_deg") if k in med}
    return 1000.0 / ips, ips, cv, counters, cpu_ms


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    rows, ctx = load(sys.argv[1:])
    if ctx:
        print(f"# {ctx.get('host_name', '')} {ctx.get('num_cpus', '?')} CPUs "
              f"{ctx.get('mhz_per_cpu', '?')} MHz, load {ctx.get('load_avg', '')}, {ctx.get('date', '')}")
    stats = {}
    print(f"{'benchmark':<66} {'ms/page':>9} {'cpu ms':>9} {'pages/s':>9} {'cv%':>6}  counters")
    for name in sorted(rows):
        if "error" in rows[name] and len(rows[name]) == 1:
            print(f"{name:<66} {'skipped: ' + rows[name]['error'].get('error_message', ''):>20}")
            continue
        s = summary(rows[name])
        if s is None:
            continue
        stats[name] = s
        ms, ips, cv, counters, cpu_ms = s
        extra = " ".join(f"{k}={v:.4f}" for k, v in counters.items())
        cv_s = f"{cv:6.1f}" if cv is not None else "     -"
        print(f"{name:<66} {ms:9.2f} {cpu_ms:9.2f} {ips:9.2f} {cv_s}  {extra}")

    by_base = {}
    for name, s in stats.items():
        base, args = parse_name(name)
        by_base.setdefault(base, []).append((args, s))

    print()
    print("Ratios (peer ms/page / our ms/page; > 1 means ours is faster). 'cpu': the same from")
    print("main-thread CPU time, shown for one-thread rows (robust to other load on the machine).")
    print(f"{'ours':<26} {'dpi':>4} {'thr':>4} {'ms':>8}   {'peer':<34} {'thr':>4} {'ms':>8} {'ratio':>7} {'cpu':>7}")
    for ours, peers in PAIRS:
        for args, s in sorted(by_base.get(ours, []), key=lambda a: (a[0].get("dpi"), a[0].get("threads"))):
            dpi, thr = args.get("dpi"), args.get("threads", "1")
            for peer in peers:
                for pargs, ps in by_base.get(peer, []):
                    if pargs.get("dpi") != dpi:
                        continue
                    pthr = pargs.get("threads", "1")
                    if "threads" in pargs and pthr != thr:
                        continue
                    if "threads" not in pargs and thr != "1":
                        continue  # single-threaded peer: compare with our one-thread row
                    cpu = f"{ps[4] / s[4]:7.2f}" if thr == "1" and pthr == "1" else "      -"
                    print(f"{ours:<26} {dpi:>4} {thr:>4} {s[0]:8.2f}   {peer:<34} {pthr:>4} "
                          f"{ps[0]:8.2f} {ps[0] / s[0]:7.2f} {cpu}")

    # Preprocessing as a share of Tesseract's time on the same page.
    pre = [(a, s) for a, s in by_base.get("BM_Preprocess_Cpu", []) if a.get("dpi") == "300"]
    tess = by_base.get("BM_Tesseract_Page", [])
    if pre and tess:
        print()
        print("Preprocessing (deskew + Sauvola + despeckle [+ background]) / Tesseract, 300 dpi page")
        for a, s in sorted(pre, key=lambda x: (x[0].get("threads"), x[0].get("bg"))):
            for ta, ts in sorted(tess, key=lambda x: x[0].get("input")):
                which = "raw page" if ta.get("input") == "0" else "deskewed page"
                print(f"  threads:{a.get('threads')} bg:{a.get('bg')}  {s[0]:8.2f} ms / "
                      f"tesseract on {which} {ts[0]:9.1f} ms = {100 * s[0] / ts[0]:5.2f} % "
                      f"(cpu: {s[4]:.1f} / {ts[4]:.1f} ms = {100 * s[4] / ts[4]:5.2f} %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
