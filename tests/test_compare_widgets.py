"""The compare-ratings panel (widgets/compare.py) over a computed Comparison, without a database."""

from __future__ import annotations

import base64
import re

from oefenkit.compare import BAND_COLOURS, RatingRecord, build_comparison
from oefenkit.compare_export import CSV_ENCODING, to_csv
from oefenkit.errors import NotFound
from oefenkit_widgets.compare import ComparePanel

XSS = "<script>alert(1)</script>"


def make_comparison(*, raters=(("ann", "Ann"), ("bob", "Bob")), note_a="", extra=()):
    return build_comparison(
        group_name="G", case_set_code="S", scale_code="sensitiviteit", scale_min=1, scale_max=9,
        cases=[("a", "A"), ("b", "B"), ("c", "C")], raters=list(raters),
        ratings=[RatingRecord("ann", "a", 2, note_a), RatingRecord("ann", "b", 5), RatingRecord("ann", "c", 9),
                 RatingRecord("bob", "a", 4), RatingRecord("bob", "b", 3), *extra],
        expert_scores=[("e1", "a", 1), ("e2", "a", 1), ("e1", "b", 5), ("e2", "b", 6),
                       ("e1", "c", 8), ("e2", "c", 8)])


def panel_for(c):
    p = ComparePanel(["G"], [("S", "S")], [("Sensitiviteit", "sensitiviteit")], compute=lambda *_: c)
    p.show_button.click()
    return p


def row_html(table: str, username: str) -> str:
    m = re.search(rf"<tr class='ok-compare-row' data-rater='{username}'>(.*?)</tr>", table)
    assert m, username
    return m.group(1)


def test_matrix_cells_have_scores_band_colours_and_deviation_titles():
    """Does each cell show the score in its band's colour, with the deviation in its title?"""
    c = make_comparison()
    p = panel_for(c)
    assert "ok-compare-table" in p.matrix._dom_classes
    assert p.result.layout.display is None
    ann = row_html(p.matrix.value, "ann")
    cells = re.findall(r"<td class='ok-cell([^']*)'([^>]*)>(.*?)</td>", ann)
    assert [t for _, _, t in cells] == ["2", "5", "9"]
    assert f"background:#{BAND_COLOURS['near']}" in cells[0][1] and "afwijking +1" in cells[0][1]
    assert f"background:#{BAND_COLOURS['ok']}" in cells[1][1] and "afwijking 0" in cells[1][1]
    bob = row_html(p.matrix.value, "bob")
    cells = re.findall(r"<td class='ok-cell([^']*)'([^>]*)>(.*?)</td>", bob)
    assert [t for _, _, t in cells] == ["4", "3", "·"]  # bob did not score c
    assert f"background:#{BAND_COLOURS['far']}" in cells[0][1] and "afwijking +3" in cells[0][1]
    assert f"background:#{BAND_COLOURS['off']}" in cells[1][1]
    assert "ok-compare-consensus" in p.matrix.value and "<td>5</td>" in p.matrix.value


def test_per_rater_per_clip_notes_and_plot():
    """Are the per-rater and per-clip tables filled, and does the drill-down show notes and an SVG?"""
    c = make_comparison(note_a="Moeder kijkt weg.")
    p = panel_for(c)
    assert "ICC(A,1)" in p.raters.value and "Binnen één punt" in p.raters.value and "Ann" in p.raters.value
    assert "Spreiding" in p.clips.value and "SD" in p.clips.value
    assert p.rater.value == "ann"
    assert "Moeder kijkt weg." in p.notes.value
    assert "<svg" in p.plot.value and p.plot.value.count("ok-ba-point") == 3
    assert "matplotlib" not in p.plot.value
    p.rater.value = "bob"
    assert "Bob" in p.notes.value and p.plot.value.count("ok-ba-point") == 2


def test_names_and_notes_are_escaped():
    """Are a rater's name and note containing HTML shown as text, never as markup?"""
    c = make_comparison(raters=(("ann", XSS), ("bob", "Bob")), note_a=XSS)
    p = panel_for(c)
    everything = "".join(x.value for x in (p.matrix, p.raters, p.notes, p.plot, p.clips, p.warnings))
    assert "<script>" not in everything
    assert "&lt;script&gt;" in p.matrix.value and "&lt;script&gt;" in p.notes.value


def test_csv_link_decodes_to_the_csv_export_with_bom():
    """Does the CSV download link carry exactly to_csv's text, UTF-8 with a BOM?"""
    c = make_comparison()
    p = panel_for(c)
    m = re.search(r"<a class='ok-export-csv' download='vergelijking.csv' "
                  r"href='data:text/csv;charset=utf-8;base64,([^']+)'>", p.exports.value)
    assert m
    data = base64.b64decode(m.group(1))
    assert data.startswith(b"\xef\xbb\xbf")
    assert data == to_csv(c).encode(CSV_ENCODING)
    x = re.search(r"<a class='ok-export-xlsx' download='vergelijking.xlsx' href='data:([^;]+);base64,([^']+)'",
                  p.exports.value)
    assert x and base64.b64decode(x.group(2))[:2] == b"PK"


def test_no_ratings_gives_a_dutch_message():
    """Without any rating yet, does the table say so in Dutch?"""
    c = build_comparison(group_name="G", case_set_code="S", scale_code="sensitiviteit", scale_min=1, scale_max=9,
                         cases=[("a", "A")], raters=[("ann", "Ann")], ratings=[],
                         expert_scores=[("e1", "a", 3)])
    p = panel_for(c)
    assert "nog geen beoordelingen" in p.matrix.value
    empty_group = build_comparison(group_name="G", case_set_code="S", scale_code="sensitiviteit", scale_min=1,
                                   scale_max=9, cases=[("a", "A")], raters=[], ratings=[], expert_scores=[])
    assert "nog geen beoordelingen" in panel_for(empty_group).matrix.value


def test_errors_become_a_dutch_notice():
    """Does a domain error of the computation appear as a Dutch message instead of a traceback?"""
    def fail(*_):
        raise NotFound("Groep 'X' bestaat niet.")

    p = ComparePanel(["X"], [("S", "S")], [("Sensitiviteit", "sensitiviteit")], compute=fail)
    p.show_button.click()
    assert "bestaat niet" in p.message.children[0].value
    assert p.result.layout.display == "none"


def test_without_groups_the_button_is_disabled():
    p = ComparePanel([], [("S", "S")], [("Sensitiviteit", "sensitiviteit")])
    assert p.show_button.disabled
    assert "nog geen groepen" in p.message.children[0].value


def test_compare_page_over_the_facade(kit, people):
    """Does compare_page offer the kit's groups, sets and scales and show a stored rating on "Toon"?"""
    from oefenkit.identity import SYSTEM
    from oefenkit_widgets.pages.compare import compare_page

    kit.add_group(SYSTEM, "Groep <A>", None)
    kit.add_group_member(SYSTEM, "Groep <A>", "cursist1")
    case = "clip-1"
    kit.add_case(SYSTEM, case, "Clip een")
    kit.add_case_set(SYSTEM, "oefenen", "Oefenen", "practice", [case])
    kit.add_expert_score(SYSTEM, case, "sensitiviteit", 5, expert_username="trainer1")
    kit.add_ratings(people["cursist"], case, {"sensitiviteit": 6}, note="Kijkt mee.")
    p = compare_page(kit, people["trainer"])
    assert "Groep <A>" in p.group.options
    assert "oefenen" in [v for _, v in p.case_set.options]
    assert "sensitiviteit" in [v for _, v in p.scale.options]
    p.group.value, p.case_set.value, p.scale.value = "Groep <A>", "oefenen", "sensitiviteit"
    p.show_button.click()
    assert not p.message.children
    row = row_html(p.matrix.value, "cursist1")
    assert "Cursist Een" in row and f"data-case='{case}'>6" in row
    assert "Kijkt mee." in p.notes.value


def _named_comparison(n_clips: int):
    codes = [f"obi-gezin-{i}" for i in range(n_clips)]
    consensus = [1, 9, 3, 7, 5, 2, 8][:n_clips]
    return build_comparison(
        group_name="G", case_set_code="S", scale_code="sensitiviteit", scale_min=1, scale_max=9,
        cases=[(c, f"Gezin {i}: badmoment") for i, c in enumerate(codes)], raters=[("ann", "Ann")],
        ratings=[RatingRecord("ann", c, min(9, v + (i % 2)), "zag het") for i, (c, v) in
                 enumerate(zip(codes, consensus))],
        expert_scores=[(e, c, v) for c, v in zip(codes, consensus) for e in ("e1", "e2")])


def test_titles_not_codes_and_no_icc_from_too_few_clips():
    """With two clips, is ICC(A,1) suppressed with a Dutch reason (no "−24"), and do the matrix, the
    clip table, the notes and the Bland–Altman plot name clips by title, never by code?"""
    from oefenkit.compare import MIN_CLIPS_FOR_ICC

    assert MIN_CLIPS_FOR_ICC == 5
    c = _named_comparison(2)
    assert c.rater("ann").icc_a1 is None
    assert any("ICC niet berekend" in w for w in c.rater("ann").warnings)
    p = panel_for(c)
    icc_cell = re.search(r"<td class='ok-compare-icc'>(.*?)</td>", p.raters.value).group(1)
    assert icc_cell == "niet berekend (te weinig fragmenten: 2 van minstens 5)"
    shown = " ".join(re.sub(r"<[^>]+>", " ", v) for v in (p.matrix.value, p.clips.value, p.notes.value)) + \
        " ".join(re.findall(r"<title>(.*?)</title>", p.plot.value))
    assert "Gezin 0: badmoment" in shown and "Gezin 1: badmoment" in p.plot.value
    assert "obi-gezin" not in shown
    assert "Bias" not in p.raters.value + p.plot.value and "Gemiddeld verschil" in p.raters.value
    assert "<details class='ok-compare-help'>" in p.raters.value and "Bland-Altman-plot" in p.raters.value
    # From five clips on the number is shown.
    five = _named_comparison(5)
    assert five.rater("ann").icc_a1 is not None
    cell = re.search(r"<td class='ok-compare-icc'>(.*?)</td>", panel_for(five).raters.value).group(1)
    assert re.fullmatch(r"-?\d(,\d+)?", cell)
