"""Words: no internal code reaches a person, and one Dutch word per concept (``docs/woordenlijst.md``).

Every catalogued app notebook runs in-process for every role that may open it (as
``tests/security/test_xss.py`` does), over a kit with the shipped content, a practice rating
and a submitted exam. All text the page can show is collected — HTML (tags stripped, with the
``title``, ``aria-label``, ``alt`` and ``placeholder`` attributes and SVG ``<title>``s),
labels, button texts, descriptions, placeholders, tooltips and the labels of every choice —
and searched for

* the internal codes of the content files: case codes, set codes and scale codes, except the
  codes the glossary lists as ordinary Dutch words (``toets``, ``oefenen``, …);
* the variants the glossary says not to use ("Bias", "contactvel", …).
"""

from __future__ import annotations

import html
import re

import ipywidgets as w
import pytest

from oefenkit.certification import load_rules
from oefenkit.content import SAMPLES_DIR, load_content
from oefenkit.identity import SYSTEM
from oefenkit.instance import init, open_kit
from oefenkit.settings import PROJECT_ROOT, load_settings

from .live_server import PASSWORD
from .security.test_xss import _cases, build_app_page
from .test_exam import EXAM, private_exam_set

GLOSSARY = PROJECT_ROOT / "docs" / "woordenlijst.md"


# -- the glossary -------------------------------------------------------------------------------


def _table(section: str) -> list[list[str]]:
    """The rows of the markdown table under the heading ``section`` (cells stripped)."""
    text = GLOSSARY.read_text(encoding="utf-8")
    part = text.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in part.splitlines()
            if line.strip().startswith("|")]
    return [r for r in rows[2:]]  # without the header and the --- line


def _terms(cell: str) -> list[str]:
    """The quoted or back-ticked terms of a cell: "Bias", `cooperatie`."""
    return [t for pair in re.findall(r'"([^"]+)"|`([^`]+)`', cell) for t in pair if t]


def forbidden_variants() -> dict[str, str]:
    """Forbidden variant → the word to use instead (column "Niet gebruiken" of the glossary)."""
    out = {}
    for row in _table("Begrippen"):
        for variant in _terms(row[2]):
            out[variant] = row[0]
    return out


def plain_word_codes() -> set[str]:
    """Codes that are also ordinary Dutch words (glossary section "Codes die ook gewone woorden zijn")."""
    return {t for row in _table("Codes die ook gewone woorden zijn") for t in _terms(row[0])}


def internal_codes() -> set[str]:
    """Case, set and scale codes of the shipped content and sample cases."""
    content = load_content(PROJECT_ROOT / "content", samples_dir=SAMPLES_DIR)
    codes = {c.code for c in content.cases}
    codes |= {spec.code for spec in content.case_sets.values()}
    codes |= {s.code for s in content.intervision_sets}
    codes |= {c for s in content.intervision_sets for c in s.cases}
    codes |= {s.code for s in content.scales}
    return codes


# -- visible text -------------------------------------------------------------------------------

_ATTRS = re.compile(r"""\b(?:title|aria-label|alt|placeholder)\s*=\s*(?:'([^']*)'|"([^"]*)")""", re.I)
_HIDDEN = re.compile(r"<(style|script)\b.*?</\1>", re.I | re.S)


def html_text(markup: str) -> str:
    """What a person can read of some markup: its text and its tooltip / label attributes."""
    markup = _HIDDEN.sub(" ", markup)
    attrs = [a or b for a, b in _ATTRS.findall(markup)]
    text = re.sub(r"<[^>]+>", " ", markup)
    return html.unescape(" ".join([text, *attrs]))


def visible_texts(widget, seen=None):
    """Every text a widget tree can show (hidden parts included: they are shown later)."""
    seen = set() if seen is None else seen
    if id(widget) in seen:
        return
    seen.add(id(widget))
    if isinstance(widget, (w.HTML, w.HTMLMath)):
        yield html_text(widget.value)
    elif isinstance(widget, w.Label):
        yield widget.value
    for name in ("description", "placeholder", "tooltip"):
        value = getattr(widget, name, None)
        if isinstance(value, str) and value:
            yield html_text(value)
    labels = getattr(widget, "_options_labels", None)
    if labels:
        yield from (str(label) for label in labels)
    if isinstance(widget, w.Output):
        for output in widget.outputs:
            for mime, data in output.get("data", {}).items():
                if "html" in mime or "svg" in mime or mime == "text/plain":
                    yield html_text(data if isinstance(data, str) else "".join(data))
    for child in getattr(widget, "children", ()) or ():
        if isinstance(child, w.Widget):
            yield from visible_texts(child, seen)


def _find(widget, css: str, seen=None):
    """The widgets of a tree that carry the class ``css``."""
    seen = set() if seen is None else seen
    if id(widget) in seen:
        return
    seen.add(id(widget))
    if css in getattr(widget, "_dom_classes", ()):
        yield widget
    for child in getattr(widget, "children", ()) or ():
        if isinstance(child, w.Widget):
            yield from _find(child, css, seen)


def found(term: str, text: str) -> bool:
    """``term`` as a word of its own (not inside a longer word or code), case-insensitive."""
    return re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", text, re.I) is not None


# -- the kit the apps run on --------------------------------------------------------------------


@pytest.fixture(scope="module")
def words_kit(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("words") / "data"
    settings = load_settings(data_dir=data_dir)
    init(settings)
    kit = open_kit(settings)
    # Names without a role code in them: the header shows the person's name and username.
    people = {role: kit.add_person(SYSTEM, f"woorden.{n}", role=role, display_name=f"Woorden {n.title()}",
                                   password=PASSWORD)
              for n, role in (("een", "cursist"), ("twee", "trainer"), ("drie", "coordinator"))}
    kit.add_group(SYSTEM, "Woordengroep", programme_code="ouder-baby")  # a programme with the exam app
    for person in people.values():
        kit.add_group_member(SYSTEM, "Woordengroep", person.username)
    cursist = people["cursist"]
    practice = next(c for c in kit.list_cases(SYSTEM) if "oefenen" in c.set_codes)
    kit.add_ratings(cursist, practice.code, {"sensitiviteit": 6, "cooperatie": 5}, note="Zag veel.")
    # A submitted (failed) exam on the organisation's own set (a public set gives an oefentoets, which
    # Certificering does not list): the exam app then opens on its result, the profile lists it.
    private_exam_set(kit)
    attempt = kit.start_exam(cursist, "ouder-baby", EXAM, max_attempts=3)
    for code in attempt.case_codes:
        kit.save_exam_rating(cursist, attempt.id, code, {"sensitiviteit": 5, "cooperatie": 5})
    kit.submit_exam(cursist, attempt.id, rules=load_rules(settings.content_dir))
    yield kit, people
    kit.engine.dispose()


def test_glossary_is_what_the_test_reads():
    """Does the glossary list forbidden variants, the plain-word codes, and map every term to a code?"""
    variants = forbidden_variants()
    assert {"Bias", "contactvel"} <= set(variants)
    assert {"oefenen", "toets", "sensitiviteit"} <= plain_word_codes()
    assert "cooperatie" not in plain_word_codes()  # the Dutch word is "coöperatie"
    codes = internal_codes()
    assert {"cooperatie", "intervisie-gezin-m", "obi-gezin-m-eerste"} <= codes


def test_found_matches_whole_words_only():
    assert found("cooperatie", "Schaal: cooperatie.") and not found("cooperatie", "Coöperatie")
    assert found("obi-gezin-m-eerste", "casus obi-gezin-m-eerste") and not found("toets", "toetsfragment")
    assert not found("obi-gezin-m", "obi-gezin-m-eerste")
    assert html_text("<p title='a &amp; b'>x<style>.ok{}</style></p>").split() == ["x", "a", "&", "b"]


@pytest.mark.parametrize(("app", "role"), _cases(), ids=lambda x: getattr(x, "id", x))
def test_no_internal_code_or_forbidden_word_is_shown(words_kit, monkeypatch, app, role):
    kit, people = words_kit
    page = build_app_page(kit, people[role], app, monkeypatch)
    for button in _find(page, "ok-compare-show"):  # Vergelijken: show the first group, set and scale
        button.click()
    shown = "\n".join(visible_texts(page))
    assert shown.strip(), "the app shows no text"
    codes = sorted(internal_codes() - plain_word_codes())
    leaked = [code for code in codes if found(code, shown)]
    assert leaked == [], f"{app.id} as {role} shows internal codes: {leaked}"
    words = [f"{variant!r} (gebruik {word!r})" for variant, word in forbidden_variants().items()
             if found(variant, shown)]
    assert words == [], f"{app.id} as {role} uses words the glossary rules out: {words}"
