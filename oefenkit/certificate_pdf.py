"""The one-page Dutch certificate as a PDF (fpdf2).

:func:`certificate_pdf` turns a stored certificate
(:class:`oefenkit.storage.exams.CertificateInfo`) into PDF bytes. One document per programme:

* a **path** certificate or registration (``statistics["path"]``) lists what was completed, each
  requirement with its dates; a Babytijd registration says it stays active with the terugkomdag;
* a **scoring-test** certificate says the test is the kit's addition, with the agreement figures;
* a registration **converted** from an old Babytijd scoring certificate says so.

Every document names the issuing organisation (:class:`Issuer`, from the settings) and says it is
issued with Oefenkit and is not the programme owner's certificate, unless the organisation owns
the programme. The PDF is written without stream compression and with fixed metadata dates, so
the same certificate always gives the same bytes and a test can find its texts in them.

The built-in PDF fonts know only Latin-1; characters outside it (an en dash,
"≥") are replaced by a close Latin-1 equivalent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping

from .dutch import enumeration
from .requirements import NO_END
from .settings import Settings, site_url
from .storage.exams import LOCAL_TZ, CertificateInfo

__all__ = ["CERTIFICATE_PREFIX", "Issuer", "certificate_url", "certificate_pdf", "certificate_texts",
           "requirement_lines", "statistics_lines", "dutch_date"]

#: The authenticated download route (``oefenkit/server/certificates.py``).
CERTIFICATE_PREFIX = "/oefenkit/certificate/"

_MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
           "oktober", "november", "december")
_REPLACE = {"–": "-", "—": "-", "≥": ">=", "≤": "<=", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "..."}


@dataclass(frozen=True)
class Issuer:
    """Who issues the kit's certificates: the organisation (``OEFENKIT_ORGANISATION``) and the
    programmes it owns itself (``OEFENKIT_OWNS_PROGRAMMES``)."""

    organisation: str = ""
    owns: frozenset[str] = frozenset()

    @classmethod
    def from_settings(cls, settings: Settings) -> "Issuer":
        return cls(settings.organisation, frozenset(c for c in settings.owned_programmes.split(",") if c))

    @property
    def name(self) -> str:
        return self.organisation or "de organisatie die deze training geeft"

    def statement(self, programme_code: str, programme_name: str, owner: str | None) -> str:
        """Who issued this, in one Dutch sentence or two."""
        if programme_code in self.owns:
            return f"Uitgegeven door {self.name}, eigenaar van het programma {programme_name}, met Oefenkit."
        owner_text = f" ({owner})" if owner else ""
        return (f"Uitgegeven door {self.name} met Oefenkit. Dit is geen certificaat van de eigenaar van "
                f"het programma{owner_text}.")


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


def statistics_lines(statistics: Mapping[str, Any], scale_titles: Mapping[str, str] | None = None) -> list[str]:
    """One Dutch line per scale: clips, ICC(A,1), share within one point, mean difference.

    ``scale_titles`` (code → title, :attr:`CertificateInfo.scale_titles`) name the scales; a scale
    without one (no longer loaded) is named by its code with a capital."""
    lines = []
    for scale, s in (statistics.get("scales") or {}).items():
        name = (scale_titles or {}).get(scale) or scale.capitalize()
        if "icc_a1" not in s:
            lines.append(f"{name}: {s.get('n_clips', 0)} fragmenten gescoord.")
            continue
        lines.append(f"{name}: {s.get('n_clips', 0)} fragmenten, ICC(A,1) {_nl(s.get('icc_a1'))}, "
                     f"{round(100 * s.get('within_one', 0))} % binnen één punt van de consensus, "
                     f"gemiddeld verschil {_nl(s.get('bias'))} punt.")
    return lines


def scales_phrase(statistics: Mapping[str, Any] | None, scale_titles: Mapping[str, str] | None = None) -> str:
    """The scales a scoring test measured, for a sentence: "de schalen Sensitiviteit en Coöperatie".

    The scales are those of the decision's figures (``statistics["scales"]``), named by
    ``scale_titles`` (code → title) where known, so a certificate names what was tested, also
    after an organisation added a scale of its own (``content/scales/``)."""
    titles = dict(scale_titles or {})
    codes = list((statistics or {}).get("scales") or ()) or list(titles)
    if not codes:
        return "de scoringsschalen"
    return ("de schaal " if len(codes) == 1 else "de schalen ") + enumeration(titles.get(c, c) for c in codes)


def requirement_lines(requirements) -> list[str]:
    """One Dutch line per requirement of a path certificate: what, and on which dates."""
    lines = []
    for item in requirements or ():
        done = min(int(item.get("done_count") or 0), int(item.get("count") or 0))
        if not item.get("required", True) and not done:
            continue  # a recommendation that was not followed is not on the certificate
        dates = ", ".join(dutch_date(dt.date.fromisoformat(d)) for d in item.get("dates") or ())
        extra = " (aanbevolen)" if not item.get("required", True) else ""
        lines.append(f"{item.get('label', item.get('code', ''))}{extra}" + (f": {dates}" if dates else "") + ".")
    return lines


def certificate_texts(cert: CertificateInfo, issuer: Issuer, owner: str | None = None) -> dict[str, Any]:
    """What the document says, as texts (the PDF lays them out; ``certificates verify`` prints the
    same): ``title``, ``subtitle``, ``statement``, ``lines`` (requirements or figures),
    ``lines_heading``, ``validity``, ``issuer`` and ``marks`` (ingetrokken, demonstratie)."""
    stats = cert.statistics or {}
    programme = cert.programme_name
    registration = cert.kind == "registration"
    marks = []
    if cert.revoked:
        marks.append("INGETROKKEN")
    if cert.demo:
        marks.append("DEMONSTRATIE")
    if registration:
        title, subtitle = "Registratie als uitvoerder", programme
    elif stats.get("path"):
        title, subtitle = "Certificaat", f"Uitvoerder {programme}"
    else:
        title, subtitle = "Certificaat scoringstoets", f"Scoren op {scales_phrase(stats, cert.scale_titles)}"
    if stats.get("path"):
        statement = (f"is geregistreerd als uitvoerder van {programme}, na het volgende:" if registration
                     else f"heeft het pad naar uitvoerder van {programme} afgerond:")
        heading, lines = "Afgerond", requirement_lines(stats.get("requirements"))
    elif stats.get("converted_from"):
        statement = (f"is geregistreerd als uitvoerder van {programme}. Deze registratie is omgezet uit een "
                     "eerder certificaat van de scoringstoets, die voor dit programma niet meer nodig is.")
        heading, lines = "Overeenstemming bij de eerdere toets", statistics_lines(stats, cert.scale_titles)
    else:
        statement = (f"is geslaagd voor de scoringstoets op {scales_phrase(stats, cert.scale_titles)} bij het "
                     f"programma {programme}. "
                     "Deze toets is een toevoeging van Oefenkit, geen eis van de eigenaar van het programma.")
        heading, lines = "Overeenstemming met de expertconsensus", statistics_lines(stats, cert.scale_titles)
    until = cert.valid_until
    if until == NO_END:
        validity = "Geldigheid: verloopt niet."
    elif registration and stats.get("refresher") and stats.get("every_years"):
        validity = (f"Actief tot en met {dutch_date(until)}. De registratie blijft actief zolang de uitvoerder "
                    f"elke {stats['every_years']} jaar de {stats['refresher']} bijwoont.")
    else:
        validity = f"Geldig tot en met {dutch_date(until)}."
    return {"title": title, "subtitle": subtitle, "statement": statement, "lines_heading": heading,
            "lines": lines, "validity": validity, "issued": f"Datum van uitgifte: {dutch_date(cert.issued_at)}",
            "issuer": issuer.statement(cert.programme_code, programme, owner), "marks": marks}


def certificate_pdf(cert: CertificateInfo, issuer: Issuer | None = None, owner: str | None = None) -> bytes:
    """The certificate as PDF bytes (A4, one page, uncompressed). ``owner`` is the programme's
    owner from its path (``content/programmes/<code>.yaml``)."""
    # imported here: fpdf brings numpy and Pillow, ~25 MiB and 0.3 s that the server and every app
    # kernel would otherwise carry for a PDF that is rarely asked for
    from fpdf import FPDF  # ≈ 0.4 s, only when a PDF is made

    issuer = issuer or Issuer()
    texts = certificate_texts(cert, issuer, owner)
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_compression(False)
    pdf.set_creation_date(dt.datetime.combine(min(cert.valid_until, dt.date(2999, 12, 31)), dt.time(0),
                                              tzinfo=dt.timezone.utc))
    pdf.set_title(_latin1(f"{texts['title']} {cert.code}"))
    pdf.set_author(_latin1(issuer.organisation or "Oefenkit"))
    pdf.set_margins(25, 25, 25)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def line(text: str, size: float, style: str = "", height: float = 8, align: str = "C") -> None:
        pdf.set_font("Helvetica", style, size)
        pdf.multi_cell(width, height, _latin1(text), align=align, new_x="LMARGIN", new_y="NEXT")

    for mark in texts["marks"]:
        pdf.set_text_color(176, 0, 32)
        line(mark, 22, "B", 11)
    if cert.revoked:
        line("Dit document is ingetrokken en is niet meer geldig.", 12)
    if "DEMONSTRATIE" in texts["marks"]:
        line("Gemaakt met de openbare voorbeeldtoets: alleen ter demonstratie, geen bewijs van bekwaamheid.", 11)
    if texts["marks"]:
        pdf.ln(3)
    pdf.set_text_color(11, 85, 102)
    line(texts["title"], 28, "B", 15)
    pdf.set_text_color(31, 41, 51)
    line(texts["subtitle"], 14, height=9)
    pdf.ln(8)
    line("Hierbij verklaart " + issuer.name + " dat", 12)
    line(cert.display_name, 22, "B", 14)
    line(texts["statement"], 12, height=7)
    pdf.ln(4)
    if texts["lines"]:
        line(texts["lines_heading"], 12, "B", 8, align="L")
        for text in texts["lines"]:
            line(text, 10, height=6, align="L")
        pdf.ln(4)
    line(texts["issued"], 12)
    line(texts["validity"], 12, height=7)
    pdf.ln(6)
    line("Verificatiecode", 11)
    pdf.set_font("Courier", "B", 18)
    pdf.cell(width, 10, cert.code, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(-42)
    line(texts["issuer"], 9, height=5, align="L")
    line(f"Controleer de echtheid met de verificatiecode bij {issuer.name}.", 9, height=5, align="L")
    return bytes(pdf.output())
