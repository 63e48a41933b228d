"""Is a PDF's text layer where its visible page shows the words?

The text layer's words (pdfminer.six) are matched by spelling with the words
Tesseract finds on the page as rendered (pypdfium2, as OCRmyPDF renders); for
words that occur once on both sides, the distance between their centres is
measured in pixels at the rendering's resolution. An aligned layer gives a few
pixels (glyph boxes versus ink boxes); a layer made from a page rotated
differently from the visible one gives tens.
"""

from __future__ import annotations

import io
import statistics
import subprocess
from collections import Counter
from pathlib import Path


def text_layer_words(pdf: Path, page: int, dpi: float) -> list[tuple[str, float, float]]:
    """(word, centre x, centre y) in pixels at `dpi`, top-left origin."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTChar

    scale = dpi / 72.0
    words: list[tuple[str, float, float]] = []
    for layout in extract_pages(str(pdf), page_numbers=[page]):
        height = layout.height
        chars: list[LTChar] = []

        def flush() -> None:
            if chars:
                x0 = min(c.x0 for c in chars)
                x1 = max(c.x1 for c in chars)
                y0 = min(c.y0 for c in chars)
                y1 = max(c.y1 for c in chars)
                text = "".join(c.get_text() for c in chars)
                words.append((text, (x0 + x1) / 2 * scale, (height - (y0 + y1) / 2) * scale))
            chars.clear()

        def walk(node) -> None:
            if isinstance(node, LTChar):
                if not node.get_text().strip() or (chars and abs(node.y0 - chars[-1].y0) > 2):
                    flush()
                if node.get_text().strip():
                    chars.append(node)
            elif hasattr(node, "__iter__"):
                for child in node:
                    walk(child)
                flush()

        walk(layout)
    return words


def rendered_page(pdf: Path, page: int, dpi: float):
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        return doc[page].render(scale=dpi / 72.0).to_pil().convert("L")
    finally:
        doc.close()


def seen_words(image) -> list[tuple[str, float, float]]:
    """Words Tesseract reads on `image` with confidence above 60, centres in pixels."""
    buf = io.BytesIO()
    image.save(buf, "PNG")
    tsv = subprocess.run(["tesseract", "stdin", "stdout", "tsv"], input=buf.getvalue(),
                         capture_output=True, check=True).stdout.decode()
    words = []
    for line in tsv.splitlines()[1:]:
        f = line.split("\t")
        if len(f) == 12 and f[11].strip() and float(f[10]) > 60:
            left, top, width, height = map(int, f[6:10])
            words.append((f[11], left + width / 2, top + height / 2))
    return words


def word_offsets(layer, seen) -> list[float]:
    """Centre distances of the words that occur once on each side (4+ letters)."""
    in_layer, in_seen = Counter(w for w, _, _ in layer), Counter(w for w, _, _ in seen)
    where = {w: (x, y) for w, x, y in layer if in_layer[w] == 1 and len(w) >= 4}
    return [((where[w][0] - x) ** 2 + (where[w][1] - y) ** 2) ** 0.5
            for w, x, y in seen if in_seen[w] == 1 and w in where]


def median_offset(layer_pdf: Path, visible_pdf: Path, page: int, dpi: float = 300) -> tuple[float, int]:
    """Median word offset of `layer_pdf`'s text layer against `visible_pdf`'s page, and
    how many words were matched."""
    d = word_offsets(text_layer_words(layer_pdf, page, dpi), seen_words(rendered_page(visible_pdf, page, dpi)))
    return (statistics.median(d) if d else float("inf")), len(d)
