"""Character error rate against ground truth, and the text of a PDF's text layer."""

from __future__ import annotations

import re
from pathlib import Path


def normalize(text: str) -> str:
    """Whitespace collapsed to single spaces: line breaks and layout are not errors."""
    return re.sub(r"\s+", " ", text).strip()


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (unit-cost insertions, deletions, substitutions).

    Myers' bit-parallel algorithm (Hyyro's formulation) with Python integers as
    bit vectors as long as `a`: one pass over `b`, so whole pages take
    milliseconds where the textbook table takes seconds.
    """
    if not a:
        return len(b)
    if not b:
        return len(a)
    m = len(a)
    peq: dict[str, int] = {}
    for i, c in enumerate(a):
        peq[c] = peq.get(c, 0) | (1 << i)
    mask = (1 << m) - 1
    high = 1 << (m - 1)
    pv, mv, score = mask, 0, m
    for c in b:
        eq = peq.get(c, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | (~(xh | pv) & mask)
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        ph = ((ph << 1) | 1) & mask
        mh = (mh << 1) & mask
        pv = mh | (~(xv | ph) & mask)
        mv = ph & xv
    return score


def edit_distance_reference(a: str, b: str) -> int:
    """The textbook dynamic programme, to check edit_distance against."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def cer(hypothesis: str, truth: str) -> float:
    h, t = normalize(hypothesis), normalize(truth)
    return edit_distance(h, t) / max(1, len(t))


def pdf_page_texts(pdf: Path) -> list[str]:
    """The text layer of each page (pdfminer.six, an OCRmyPDF dependency)."""
    from pdfminer.high_level import extract_text
    from pdfminer.pdfpage import PDFPage

    with open(pdf, "rb") as f:
        count = sum(1 for _ in PDFPage.get_pages(f))
    return [extract_text(str(pdf), page_numbers=[i]) for i in range(count)]
