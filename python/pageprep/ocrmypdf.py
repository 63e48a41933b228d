"""OCRmyPDF plugin: pageprep in place of ``--deskew`` and ``--clean``.

    ocrmypdf --plugin pageprep.ocrmypdf in.pdf out.pdf

What it does, per page (docs/API.md has the details):

- **Deskew**: the plugin turns on OCRmyPDF's own deskew step and answers its
  OCR engine's ``get_deskew`` question with pageprep's skew estimate (instead of
  a Tesseract layout pass). OCRmyPDF then rotates the page image by that angle
  for both the visible page and the OCR image, so the text layer stays aligned
  with what is shown.
- **Clean**: ``filter_ocr_image`` hands Tesseract the image pageprep prepares
  from the (already deskewed) OCR image: the binarized, despeckled page where
  pageprep's per-page rule prefers it (uneven light, specks), else the gray
  page. The OCR image keeps its size and DPI, so coordinates do not move, and
  the visible page is not altered beyond the deskew (unpaper is not run).

Options (``ocrmypdf --help``, group "pageprep"): ``--pageprep-device
auto|cpu|cuda``, ``--pageprep-ocr-input auto|gray|binary``,
``--pageprep-binarize sauvola|otsu|wolf``.

How it is wired: the installed package registers ``pageprep._ocrmypdf_plugin``
under OCRmyPDF's ``ocrmypdf`` entry-point group, so OCRmyPDF loads its hooks in
every run; they stay inert unless this module is named with ``--plugin``
(OCRmyPDF refuses to register one module twice, so the hooks cannot live here).
Tested with OCRmyPDF 17 (docs/API.md lists the versions).
"""

PLUGIN_NAME = "pageprep.ocrmypdf"
