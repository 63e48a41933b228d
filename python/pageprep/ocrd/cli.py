"""The ``ocrd-pageprep`` command (OCR-D command-line interface)."""

import click
from ocrd.decorators import ocrd_cli_options, ocrd_cli_wrap_processor

from pageprep.ocrd.processor import PageprepProcessor


@click.command()
@ocrd_cli_options
def cli(*args, **kwargs):
    return ocrd_cli_wrap_processor(PageprepProcessor, *args, **kwargs)
