#!/usr/bin/env python3
"""Prints a summary of a pageprep run: pages, pages/s, skew found against the
truth (when a pageprep-synth manifest is given), and CER before and after
preprocessing (when the pages have .gt.txt ground truth and the run used
--eval-raw).

usage: summarize_run.py OUTDIR [MANIFEST.jsonl]
"""
import json
import os
import statistics
import sys


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    outdir = sys.argv[1]
    truth = {}
    if len(sys.argv) > 2 and os.path.exists(sys.argv[2]):
        with open(sys.argv[2]) as f:
            for line in f:
                if line.strip():
                    m = json.loads(line)
                    truth[os.path.basename(m["file"])] = m
    with open(os.path.join(outdir, "run.json")) as f:
        run = json.load(f)
    pages = []
    with open(os.path.join(outdir, "pages.jsonl")) as f:
        for line in f:
            if line.strip():
                pages.append(json.loads(line))

    print(f"{'page':<22} {'status':<7} {'skew true':>9} {'found':>8} {'error':>7} "
          f"{'conf':>6} {'CER raw':>8} {'CER out':>8}")
    errs, cer_raw, cer_out = [], [], []
    for p in pages:
        name = os.path.basename(p["input"])
        t = truth.get(name)
        true_skew = t["skew_deg"] if t else None
        found = p.get("skew_deg")
        err = abs(found - true_skew) if (t is not None and found is not None) else None
        if err is not None and p["status"] == "ok":
            errs.append(err)
        cr, co = p.get("cer_raw"), p.get("cer")
        if cr is not None and co is not None:
            cer_raw.append(cr)
            cer_out.append(co)
        fmt = lambda v, spec: format(v, spec) if v is not None else "-"
        print(f"{name:<22} {p['status']:<7} {fmt(true_skew, '9.2f')} {fmt(found, '8.3f')} "
              f"{fmt(err, '7.3f')} {fmt(p.get('skew_confidence'), '6.2f')} "
              f"{fmt(cr, '8.4f')} {fmt(co, '8.4f')}")
        if p["status"] != "ok":
            print(f"    error: {p.get('error_code')}: {p.get('error')}")
    print()
    print(f"pages: {run['pages_total']} total, {run['pages_ok']} ok, {run['pages_failed']} failed, "
          f"{run['pages_resumed']} already done")
    print(f"throughput: {run['pages_per_s']:.3f} pages/s over {run['wall_s']:.1f} s "
          f"(executor {run['executor']}, OCR busy time included)")
    if run.get("ocr_utilization"):
        print(f"OCR workers busy {100 * run['ocr_utilization']:.1f}% of the time between the first "
              f"OCR start and the last OCR end ({run['threads'].get('ocr_workers')} workers); "
              f"peak RSS {run.get('peak_rss_mib', 0):.0f} MiB")
    if errs:
        print(f"skew error: mean {statistics.mean(errs):.3f} deg, worst {max(errs):.3f} deg "
              f"over {len(errs)} pages with known skew")
    if cer_out:
        print(f"Tesseract CER: raw pages {statistics.mean(cer_raw):.4f} -> "
              f"preprocessed {statistics.mean(cer_out):.4f} (mean over {len(cer_out)} pages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
