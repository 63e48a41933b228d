#!/usr/bin/env python3
"""Crop to the page (issue 21): IoU of pageprep's crop_box against the known
page_box of pageprep-synth --bed pages, and pages cropped into where the page
fills the image.

usage: crop_iou.py SYNTH_DIR OUTDIR [--full]
  SYNTH_DIR  pageprep-synth output (manifest.jsonl); OUTDIR a `pageprep run
  --crop page` of it. --full: the pages have no bed (no page_box, or the box is
  the whole image): a crop counts as cropped into when it reaches the text area.
Prints: pages, cropped, cropped into (and the deepest cut in px), notes of
the pages left uncropped, mean/min IoU (an uncropped bed page scores 0).
"""
import json
import os
import sys


def iou(a, b):
    ax0, ay0, aw, ah = a
    bx0, by0, bw, bh = b
    ix = max(0, min(ax0 + aw, bx0 + bw) - max(ax0, bx0))
    iy = max(0, min(ay0 + ah, by0 + bh) - max(ay0, by0))
    inter = ix * iy
    return inter / float(aw * ah + bw * bh - inter)


def main():
    synth, outdir = sys.argv[1], sys.argv[2]
    full = "--full" in sys.argv[3:]
    truth, truth_meta = {}, {}
    if os.path.exists(os.path.join(synth, "manifest.jsonl")):
        for line in open(os.path.join(synth, "manifest.jsonl")):
            m = json.loads(line)
            truth[m["file"]] = m.get("page_box")
            truth_meta[m["file"]] = m
    n = cropped = into = max_cut = 0
    ious, notes = [], {}
    for line in open(os.path.join(outdir, "pages.jsonl")):
        r = json.loads(line)
        name = os.path.basename(r["input"])
        n += 1
        if r.get("status") != "ok":
            notes["failed: " + r.get("message", "")] = notes.get("failed", 0) + 1
            continue
        box = r.get("crop_box")
        if box is None:
            note = r.get("crop_note", "(no note)")
            notes[note] = notes.get(note, 0) + 1
            if not full:
                ious.append(0.0)  # a bed page left uncropped scores 0
            continue
        cropped += 1
        if full:
            # No bed: the crop may only take dark scanner borders; it cuts into
            # the page when it reaches into the text area (inset margin_px / 2,
            # leaving room for the skewed text's corners).
            m = truth_meta[name]
            inset = m["margin_px"] // 2
            t = [inset, inset, m["width"] - 2 * inset, m["height"] - 2 * inset]
            if box[0] > t[0] or box[1] > t[1] or box[0] + box[2] < t[0] + t[2] or \
                    box[1] + box[3] < t[1] + t[3]:
                into += 1
            continue
        t = truth[name]
        ious.append(iou(box, t))
        # Cropped into: some page pixel falls outside the crop box.
        cut = max(box[0] - t[0], box[1] - t[1], t[0] + t[2] - box[0] - box[2],
                  t[1] + t[3] - box[1] - box[3])
        max_cut = max(max_cut, cut)
        if box[0] > t[0] or box[1] > t[1] or box[0] + box[2] < t[0] + t[2] or \
                box[1] + box[3] < t[1] + t[3]:
            into += 1
    out = {"pages": n, "cropped": cropped, "cropped_into": into, "max_cut_px": max_cut, "notes": notes}
    if ious:
        out["mean_iou"] = round(sum(ious) / len(ious), 4)
        out["min_iou"] = round(min(ious), 4)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
