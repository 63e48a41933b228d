"""OCR-D processor ``ocrd-pageprep``: deskew, binarize and denoise with pageprep.

See :mod:`pageprep.ocrd.processor` and docs/API.md. Needs the ``ocrd`` package
(``pip install pageprep[ocrd]``).
"""
