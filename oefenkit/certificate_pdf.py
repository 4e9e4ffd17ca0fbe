"""The one-page Dutch certificate as a PDF (fpdf2).

:func:`certificate_pdf` turns a stored certificate
(:class:`oefenkit.storage.exams.CertificateInfo`) into PDF bytes: name,
programme, date of issue, last valid day, the verification code and a summary
of the statistics the decision rested on. The PDF is written without stream
compression and with fixed metadata dates, so the same certificate always gives
the same bytes and a test can find the verification code in them.

The built-in PDF fonts know only Latin-1; characters outside it (an en dash,
"≥") are replaced by a close Latin-1 equivalent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from .settings import site_url
from .storage.exams import LOCAL_TZ, CertificateInfo

__all__ = ["CERTIFICATE_PREFIX", "certificate_url", "certificate_pdf", "statistics_lines", "dutch_date"]

#: The authenticated download route (``oefenkit/server/certificates.py``).
CERTIFICATE_PREFIX = "/oefenkit/certificate/"

_MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
           "oktober", "november", "december")
_REPLACE = {"–": "-", "—": "-", "≥": ">=", "≤": "<=", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "..."}
_SCALE_NAMES = {"sensitiviteit": "Sensitiviteit", "cooperatie": "Coöperatie"}


def certificate_url(code: str) -> str:
    """Where the owner (or staff) downloads the certificate with this verification code."""
    return site_url(f"{CERTIFICATE_PREFIX}{code}.pdf")


def dutch_date(day: dt.date | dt.datetime) -> str:
    """``3 maart 2025`` (a moment is taken in Dutch local time)."""
    if isinstance(day, dt.datetime):
        moment = day if day.tzinfo else day.replace(tzinfo=dt.timezone.utc)
        day = moment.astimezone(LOCAL_TZ).date()
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _latin1(text: str) -> str:
    for old, new in _REPLACE.items():
        text = text.replace(old, new)
    return text.encode("latin-1", "replace").decode("latin-1")


def _nl(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else f"{x:.{digits}f}".replace(".", ",")


def statistics_lines(statistics: Mapping[str, Any]) -> list[str]:
    """One Dutch line per scale: clips, ICC(A,1), share within one point, mean difference."""
    lines = []
    for scale, s in (statistics.get("scales") or {}).items():
        name = _SCALE_NAMES.get(scale, scale)
        if "icc_a1" not in s:
            lines.append(f"{name}: {s.get('n_clips', 0)} fragmenten gescoord.")
            continue
        lines.append(f"{name}: {s.get('n_clips', 0)} fragmenten, ICC(A,1) {_nl(s.get('icc_a1'))}, "
                     f"{round(100 * s.get('within_one', 0))} % binnen één punt van de consensus, "
                     f"gemiddeld verschil {_nl(s.get('bias'))} punt.")
    return lines


def certificate_pdf(cert: CertificateInfo) -> bytes:
    """The certificate as PDF bytes (A4, one page, uncompressed)."""
    # imported here: fpdf brings numpy and Pillow, ~25 MiB and 0.3 s that the server and every app
    # kernel would otherwise carry for a PDF that is rarely asked for
    from fpdf import FPDF

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_compression(False)
    pdf.set_creation_date(dt.datetime.combine(cert.valid_until, dt.time(0), tzinfo=dt.timezone.utc))
    pdf.set_title(f"Certificaat {cert.code}")
    pdf.set_author("Oefenkit")
    pdf.set_margins(25, 25, 25)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def line(text: str, size: float, style: str = "", height: float = 8, align: str = "C") -> None:
        pdf.set_font("Helvetica", style, size)
        pdf.multi_cell(width, height, _latin1(text), align=align, new_x="LMARGIN", new_y="NEXT")

    if cert.revoked:
        pdf.set_text_color(176, 0, 32)
        line("INGETROKKEN", 26, "B", 12)
        line("Dit certificaat is ingetrokken en is niet meer geldig.", 12)
        pdf.ln(4)
    if cert.demo:
        pdf.set_text_color(176, 0, 32)
        line("DEMONSTRATIE", 22, "B", 12)
        line("Dit is een demonstratie: afgegeven na een toets op een openbare oefenset; geen certificering.",
             11, height=6)
        pdf.ln(4)
    pdf.set_text_color(11, 85, 102)
    line("Certificaat", 30, "B", 16)
    pdf.set_text_color(31, 41, 51)
    line("Scoren met de Ainsworth-schalen", 14, height=9)
    pdf.ln(12)
    line("Hierbij verklaren wij dat", 12)
    line(cert.display_name, 22, "B", 14)
    line(f"is geslaagd voor de scoringstoets van het programma {cert.programme_name}.", 12)
    pdf.ln(10)
    line(f"Datum van uitgifte: {dutch_date(cert.issued_at)}", 12)
    line(f"Geldig tot en met: {dutch_date(cert.valid_until)}", 12)
    pdf.ln(10)
    line("Verificatiecode", 11)
    pdf.set_font("Courier", "B", 18)
    pdf.cell(width, 10, cert.code, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(14)
    line("Overeenstemming met de expertconsensus", 12, "B", 8, align="L")
    for text in statistics_lines(cert.statistics):
        line(text, 10, height=6, align="L")
    pdf.set_y(-40)
    line("Wie binnen de geldigheidsduur een terugkomdag bijwoont, kan de geldigheid laten verlengen "
         "volgens de certificeringsregels van het programma. Controleer de echtheid met de verificatiecode "
         "bij de coördinator van de training.", 9, height=5, align="L")
    return bytes(pdf.output())
