"""PDF documents (invoices, receipts) from the pages' own HTML, by WeasyPrint.

WeasyPrint lays out with Debian's pango and the system's fonts (fonts-dejavu-core covers
Latin and Arabic, shaped right to left). It fetches nothing: every URL a document names is
refused, so a PDF can never reach the network or read a file it was handed the name of.
"""

from pathlib import Path

STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "css" / "document.css"


def _refuse_fetch(url: str, *args, **kwargs):
    raise ValueError(f"documents load nothing: {url[:80]}")


def render_pdf(html: str) -> bytes:
    """A PDF of html, laid out with static/css/document.css. CPU-bound (tens of ms):
    call it in a thread."""
    import weasyprint  # imported here: it loads pango, which only this needs

    document = weasyprint.HTML(string=html, url_fetcher=_refuse_fetch, base_url=None)
    pdf: bytes = document.write_pdf(stylesheets=[weasyprint.CSS(filename=str(STYLESHEET))])
    return pdf
