"""Intervision: a team's scores of one family's visits (first, last, follow-up) — the series logic,
the storage verbs on SQLite and PostgreSQL, who may read a team's scores, that the scores stay out
of practice, exam and compare statistics, and the intervision set in the content files.
"""

from __future__ import annotations

import pytest
import yaml

from oefenkit.compare import comparison
from oefenkit.content import load_intervision_sets
from oefenkit.errors import ContentError, NotFound, PermissionDenied, ValidationError
from oefenkit.identity import SYSTEM
from oefenkit.intervision import IntervisionScore, Visit, build_series, visit_labels
from oefenkit.settings import PROJECT_ROOT

SET = "intervisie-gezin-m"
VISITS = ("obi-gezin-m-eerste", "obi-gezin-m-laatste", "obi-gezin-m-vervolg")


@pytest.fixture
def team(kit, people, content, samples_loaded):
    """The sample cases loaded; cursist1 and cursist2 in team "Intervisie Oost", trainer in none,
    and a third cursist in another group."""

    kit.add_group(people["coordinator"], "Intervisie Oost", "ouder-baby")
    kit.add_group(people["coordinator"], "Intervisie West", "ouder-baby")
    for who in ("cursist1", "cursist2"):
        kit.add_group_member(people["coordinator"], "Intervisie Oost", who)
    people["outsider"] = kit.add_person(SYSTEM, "cursist3", role="cursist", display_name="Cursist Drie",
                                        password="geheim-wachtwoord")
    kit.add_group_member(people["coordinator"], "Intervisie West", "cursist3")
    return {k: (kit.find_person(v.username) if k != "outsider" else kit.find_person("cursist3"))
            for k, v in people.items()}


def both(s: int, c: int) -> dict[str, int]:
    return {"sensitiviteit": s, "cooperatie": c}


# -- the series (pure) ---------------------------------------------------------------------------


def test_visit_labels():
    """Are three visits called first, last and follow-up, and longer series numbered?"""
    assert visit_labels(3) == ["Eerste bezoek", "Laatste bezoek", "Vervolgbezoek"]
    assert visit_labels(5)[-1] == "Bezoek 5"


def test_series_median_mean_change_and_notes():
    """Does the series give each member's line (None where not scored), the team's median and mean
    per visit, the change from the first visit, and the notes per visit in the team's order?"""
    visits = [Visit(c, lab, c) for c, lab in zip(VISITS, visit_labels(3))]
    members = [("ann", "Ann"), ("bob", "Bob"), ("cem", "Cem")]
    records = [
        IntervisionScore("ann", "Ann", VISITS[0], "sensitiviteit", 3, "Ze mist zijn signalen."),
        IntervisionScore("bob", "Bob", VISITS[0], "sensitiviteit", 2),
        IntervisionScore("cem", "Cem", VISITS[0], "sensitiviteit", 4),
        IntervisionScore("ann", "Ann", VISITS[1], "sensitiviteit", 7, "Veel beter afgestemd."),
        IntervisionScore("bob", "Bob", VISITS[1], "sensitiviteit", 8),
        IntervisionScore("ann", "Ann", VISITS[2], "sensitiviteit", 6),
        IntervisionScore("zed", "Zed", VISITS[2], "sensitiviteit", 1),  # not in the team: ignored
        IntervisionScore("ann", "Ann", "elders", "sensitiviteit", 1),  # not a visit: ignored
    ]
    s = build_series(visits, members, records, scales=["sensitiviteit", "cooperatie"])
    sens = s.scales["sensitiviteit"]
    assert sens.members == {"ann": [3, 7, 6], "bob": [2, 8, None], "cem": [4, None, None]}
    assert sens.medians == [3.0, 7.5, 6.0] and sens.means == [3.0, 7.5, 6.0]
    assert sens.n_scored == [3, 2, 1]
    assert sens.change_from_first == [0.0, 4.5, 3.0] and sens.change == 3.0
    assert s.scales["cooperatie"].medians == [None, None, None] and s.scales["cooperatie"].change is None
    assert s.notes[VISITS[0]] == [("Ann", "Ze mist zijn signalen.")]
    assert s.notes[VISITS[2]] == []
    assert s.labels == ["Eerste bezoek", "Laatste bezoek", "Vervolgbezoek"]
    assert not s.is_complete_for("ann")  # no cooperation scores


def test_series_svg_draws_each_line_escaped_and_nothing_before_any_score():
    """Is the team chart inline SVG with a line per member (a point per scored visit), the median's
    value per visit, names escaped, and empty while nobody has scored?"""
    from oefenkit_widgets.intervision import series_svg

    visits = [Visit(c, lab, c) for c, lab in zip(VISITS, visit_labels(3))]
    members = [("ann", "<script>Ann</script>"), ("bob", "Bob")]
    assert series_svg(build_series(visits, members, [], scales=["sensitiviteit"])) == ""
    records = [IntervisionScore("ann", "Ann", VISITS[0], "sensitiviteit", 3),
               IntervisionScore("bob", "Bob", VISITS[0], "sensitiviteit", 5),
               IntervisionScore("ann", "Ann", VISITS[1], "sensitiviteit", 7)]
    svg = series_svg(build_series(visits, members, records, scales=["sensitiviteit"]))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<script>" not in svg and "&lt;script&gt;Ann&lt;/script&gt;" in svg
    assert svg.count("class='ok-iv-member-point'") == 3
    assert svg.count("class='ok-iv-median-point'") == 2 and "teammediaan: 4</title>" in svg
    assert "teammediaan: 7</title>" in svg


def test_series_svg_uses_each_scales_own_range():
    """A scale of 1–5 next to one of 1–9: does each panel get its own axis (1–5 and 1–9 labels), with
    the highest score at the top of its own panel and the lowest at the bottom?"""
    import re

    from oefenkit_widgets.intervision import series_svg

    visits = [Visit(c, lab, c) for c, lab in zip(VISITS, visit_labels(3))]
    records = [IntervisionScore("ann", "Ann", VISITS[0], "kort", 5), IntervisionScore("ann", "Ann", VISITS[1], "kort", 1),
               IntervisionScore("ann", "Ann", VISITS[0], "sensitiviteit", 9)]
    svg = series_svg(build_series(visits, [("ann", "Ann")], records, scales=["kort", "sensitiviteit"]),
                     scale_ranges={"kort": (1, 5), "sensitiviteit": (1, 9)}, panel_width=400)
    labels = re.findall(r"<text x='([\d.]+)' y='([\d.]+)' font-size='11' text-anchor='end'>(\d+)</text>", svg)
    first = [int(t) for x, _, t in labels if float(x) < 400]
    second = [int(t) for x, _, t in labels if float(x) >= 400]
    assert first == [1, 2, 3, 4, 5] and second == list(range(1, 10))
    ys = {(float(x) < 400, int(t)): float(y) for x, y, t in labels}
    points = [float(cy) for cx, cy in re.findall(r"<circle class='ok-iv-member-point' cx='([\d.]+)' cy='([\d.]+)'", svg)]
    # 5 and 1 on the 1–5 panel sit at that panel's labels 5 and 1 (a label is 4 px below its line);
    # on a fixed 1–9 axis a 5 would sit at mid-height, where the 1–9 panel has its 5
    assert abs(points[0] - (ys[(True, 5)] - 4)) < 0.5 and abs(points[1] - (ys[(True, 1)] - 4)) < 0.5
    assert abs(points[0] - (ys[(False, 5)] - 4)) > 50 and abs(points[2] - (ys[(False, 9)] - 4)) < 0.5


# -- storage ---------------------------------------------------------------------------------------


def test_intervision_set_is_loaded_in_visit_order(team, kit):
    """Is the content's intervision set stored with its three visits in order, next to the session set?"""
    [iv] = kit.list_intervision_sets(team["cursist"])
    assert iv["code"] == SET and iv["programme"] == "ouder-baby"
    assert [v.case_code for v in iv["visits"]] == list(VISITS)
    assert [v.label for v in iv["visits"]] == visit_labels(3)
    sets = {c.code: c.set_codes for c in kit.list_cases(team["cursist"])}
    assert sets["obi-gezin-m-eerste"] == ("terugkomdag", SET)


def test_members_score_and_see_each_other(team, kit):
    """Do two members' scores of the visits come back for each of them (with notes), a second score
    of the same visit replacing the first?"""
    ann, bob = team["cursist"], team["cursist2"]
    for code, (s, c) in zip(VISITS, [(3, 4), (7, 7), (6, 7)]):
        kit.save_intervision_scores(ann, SET, code, both(s, c), f"Notitie bij {code}")
    kit.save_intervision_scores(bob, SET, VISITS[0], both(5, 5), "eerst")
    kit.save_intervision_scores(bob, SET, VISITS[0], both(2, 3), "  Ze reageert nauwelijks.  ")
    data = kit.intervision_scores(bob, SET, "Intervisie Oost")
    assert data["members"] == [("cursist1", "Cursist Een"), ("cursist2", "Cursist Twee")]
    got = {(r.username, r.case_code, r.scale_code): (r.score, r.note) for r in data["records"]}
    assert len(got) == 8
    assert got[("cursist2", VISITS[0], "sensitiviteit")] == (2, "Ze reageert nauwelijks.")
    assert got[("cursist1", VISITS[1], "cooperatie")] == (7, f"Notitie bij {VISITS[1]}")
    series = build_series(data["visits"], data["members"], data["records"], scales=["sensitiviteit"])
    assert series.scales["sensitiviteit"].medians == [2.5, 7.0, 6.0]
    assert series.is_complete_for("cursist1") is True and series.is_complete_for("cursist2") is False
    assert kit.intervision_scores(team["trainer"], SET, "Intervisie Oost")["records"] == data["records"]


def test_other_team_cannot_read(team, kit):
    """Is a member of another group refused the team's scores (Dutch), also a cursist who only
    claims the group id in a stale Actor, while staff outside the team may read?"""
    kit.save_intervision_scores(team["cursist"], SET, VISITS[0], both(3, 4))
    with pytest.raises(PermissionDenied, match="intervisieteam"):
        kit.intervision_scores(team["outsider"], SET, "Intervisie Oost")
    with kit.transaction() as s:
        from sqlalchemy import select

        from oefenkit.storage import models as m
        oost = s.scalar(select(m.Group.id).where(m.Group.name == "Intervisie Oost"))
    import dataclasses
    forged = dataclasses.replace(team["outsider"], group_ids=frozenset({oost}))
    with pytest.raises(PermissionDenied):
        kit.intervision_scores(forged, SET, "Intervisie Oost")
    assert len(kit.intervision_scores(team["coordinator"], SET, "Intervisie Oost")["records"]) == 2
    with pytest.raises(NotFound):
        kit.intervision_scores(team["cursist"], SET, "Bestaat niet")


def test_bad_input_stores_nothing(team, kit):
    """Are a missing scale, a score out of range, a case outside the set, a non-intervision set and an
    overlong note refused in Dutch, with nothing stored?"""
    ann = team["cursist"]
    with pytest.raises(ValidationError, match="beide schalen"):
        kit.save_intervision_scores(ann, SET, VISITS[0], {"sensitiviteit": 3})
    with pytest.raises(ValidationError):
        kit.save_intervision_scores(ann, SET, VISITS[0], both(3, 10))
    with pytest.raises(ValidationError, match="hoort niet bij"):
        kit.save_intervision_scores(ann, SET, "obi-bad-01", both(3, 3))
    with pytest.raises(ValidationError, match="geen intervisieset"):
        kit.save_intervision_scores(ann, "terugkomdag", VISITS[0], both(3, 3))
    with pytest.raises(ValidationError):
        kit.save_intervision_scores(ann, SET, VISITS[0], both(3, 3), "x" * 5001)
    with pytest.raises(NotFound):
        kit.save_intervision_scores(ann, "bestaat-niet", VISITS[0], both(3, 3))
    assert kit.intervision_scores(ann, SET, "Intervisie Oost")["records"] == []


def test_intervision_scores_stay_out_of_practice_exam_and_compare(team, kit):
    """Do intervision scores stay out of the practice history, the exam scores and the compare app
    (also on the terugkomdag set that holds the same clips)?"""
    ann = team["cursist"]
    for code in VISITS:
        kit.save_intervision_scores(ann, SET, code, both(4, 4))
    assert kit.practice_history(ann) == []
    assert not any(kit.exam_scores(team["trainer"], "cursist1", "terugkomdag").values())
    c = comparison(kit.comparison_rows(team["trainer"], group_name="Intervisie Oost", case_set_code="terugkomdag",
                   scale_code="sensitiviteit"))
    assert all(cell.score is None for row in c.matrix for cell in row.cells)


# -- content ---------------------------------------------------------------------------------------


def _write(tmp_path, intervision) -> object:
    path = tmp_path / "case_sets.yaml"
    data = yaml.safe_load((PROJECT_ROOT / "content" / "case_sets.yaml").read_text(encoding="utf-8"))
    data["intervision"] = intervision
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("item, message", [
    ({"code": "Fout Code", "name": "x", "cases": list(VISITS)}, "kleine letters"),
    ({"code": "iv", "name": "x", "cases": [VISITS[0]]}, "minstens twee"),
    ({"code": "iv", "name": "x", "cases": [VISITS[0], "bestaat-niet"]}, "onbekende casus"),
    ({"code": "iv", "name": "x", "cases": [VISITS[0], VISITS[0]]}, "twee keer"),
    ({"code": "iv", "name": "x", "cases": [VISITS[0], "obi-bad-10"]}, "toetsfragment"),
    ({"code": "terugkomdag", "name": "x", "cases": list(VISITS)}, "twee keer voor"),
    ({"code": "iv", "name": "x", "programme": "onbekend", "cases": list(VISITS)}, "onbekend programma"),
    ({"code": "iv", "name": "x", "cases": list(VISITS), "kleur": "rood"}, "onbekend veld"),
])
def test_content_rejects_bad_intervision_sets(tmp_path, content, item, message):
    """Is each mistake in an intervision set refused with a Dutch message naming it?"""
    with pytest.raises(ContentError, match=message):
        load_intervision_sets(_write(tmp_path, [item]), content.cases, programmes={"ouder-baby", "babytijd"},
                              taken={s.code for s in content.case_sets.values()})


def test_shipped_intervision_set(content):
    """Does the shipped content hold the Gezin M set: first 3 → last 7 → follow-up still 7 on sensitivity
    (the source: at the follow-up the interaction between mother and son is still good)?"""
    [spec] = content.intervision_sets
    assert (spec.code, spec.cases) == (SET, VISITS)
    consensus = {c.code: c.consensus["sensitiviteit"] for c in content.cases if c.code in VISITS}
    assert [consensus[c] for c in VISITS] == [3, 7, 7]


# -- the app (widgets/intervision.py) -------------------------------------------------------------


def test_page_scores_three_visits_and_draws_the_plot(team, kit):
    """Does a member score the three visits in the app (each save opening the next visit), and then
    see the SVG plot (both scales, both members in the legend, the median values), the team medians
    per visit and the notes of both members, escaped?"""
    from oefenkit_widgets.intervision import intervision_page

    kit.save_intervision_scores(team["cursist2"], SET, VISITS[0], both(2, 3), "<b>vet</b> en onrustig")
    page = intervision_page(kit, team["cursist"])
    assert page.team_choice.value == "Intervisie Oost" and page.set_choice.value == SET
    assert [b.description for b in page.visit_bar.children] == visit_labels(3)
    assert page.current == VISITS[0] and "Jij hebt 0 van de 3" in page.progress.value
    assert page.save_button.disabled
    for code, (s, c) in zip(VISITS, [(4, 4), (7, 8), (6, 7)]):
        assert page.current == code
        page.scorers[0].choose(s)
        page.scorers[1].choose(c)
        page.note.value = f"Notitie {code}"
        page.save_button.click()
    assert "Jij hebt 3 van de 3" in page.progress.value
    assert page.plot.layout.display is None and page.plot.value.startswith("<svg")
    plot = page.plot.value
    assert ">Sensitiviteit</text>" in plot and ">Coöperatie</text>" in plot
    assert plot.count("class='ok-iv-legend'") == 3  # the median and the two members
    assert plot.count("class='ok-iv-median-point'") == 6 and "teammediaan: 7</title>" in plot
    assert page.series.scales["sensitiviteit"].medians == [3.0, 7.0, 6.0]
    assert "Eerste bezoek: 3" in page.summary.value and "Laatste bezoek: 7 (+4)" in page.summary.value
    assert "&lt;b&gt;vet&lt;/b&gt;" in page.notes.value and "<b>vet</b>" not in page.notes.value
    assert f"Notitie {VISITS[2]}" in page.notes.value
    page.open_visit(VISITS[1])  # going back shows what was saved
    assert [s.value for s in page.scorers] == [7, 8] and page.note.value == f"Notitie {VISITS[1]}"


def test_a_team_smaller_than_four_is_warned_until_it_has_four(team, kit, people):
    """Does the Intervisie app warn a member of an Ouder-baby team with fewer than four members (the
    programme's monthly intervision team, ``intervision_team_min`` in its path), by number only, and
    stop once the team has four?"""
    from oefenkit_widgets.intervision import intervision_page, team_notes

    page = intervision_page(kit, team["cursist"])
    assert page.team_choice.value == "Intervisie Oost"
    [note] = page.team_note.children
    assert "Dit team heeft 2 leden" in note.value and "minstens 4" in note.value
    assert "Cursist" not in note.value  # a number, no names
    for i in (4, 5):
        kit.add_person(SYSTEM, f"cursist{i}", role="cursist", display_name=f"Cursist {i}", password="geheim-wachtwoord")
        kit.add_group_member(people["coordinator"], "Intervisie Oost", f"cursist{i}")
    assert intervision_page(kit, team["cursist"]).team_note.children == ()
    kit.update_person_active(SYSTEM, "cursist5", False)  # an inactive account does not count
    [note] = intervision_page(kit, team["cursist"]).team_note.children
    assert "Dit team heeft 3 leden" in note.value
    # a group of a programme without an intervision team size gets no note
    groups = [g for g in kit.list_groups(people["coordinator"]) if g.name == "Intervisie Oost"]
    assert team_notes([g.__class__(g.id, g.name, "babytijd", (), 1) for g in groups]) == {}


def test_page_without_team_says_so(team, kit, people):
    """Does a cursist without a group get a Dutch notice instead of the app, and a missing scale a
    Dutch error without storing anything?"""
    from oefenkit_widgets.intervision import intervision_page
    from oefenkit_widgets.notice import Notice

    loner = kit.add_person(SYSTEM, "cursist9", role="cursist", display_name="Cursist Negen", password="x" * 12)
    page = intervision_page(kit, loner)
    assert isinstance(page, Notice) and "intervisieteam" in page.text
    page = intervision_page(kit, team["cursist"])
    page.scorers[0].choose(5)
    page._on_save()
    assert "beide schalen" in page.message.children[0].text
    assert kit.intervision_scores(team["cursist"], SET, "Intervisie Oost")["records"] == []


def test_mijn_gegevens_calls_intervision_scores_intervisie(team, kit):
    """Are a member's intervision scores listed as "intervisie" (not "terugkomdag") in Mijn gegevens?"""
    from oefenkit_widgets.pages.profile import profile_page

    ann = team["cursist"]
    kit.save_intervision_scores(ann, SET, VISITS[0], both(3, 4), "eerste bezoek")
    ratings = kit.list_ratings(ann, rater_username="cursist1")
    assert [(r.mode, r.live) for r in ratings] == [("session", False), ("session", False)]
    page = profile_page(kit, ann)
    [table] = [c for c in page.children if "ok-my-ratings" in c._dom_classes]
    assert [row[4] for row in table.rows] == ["intervisie", "intervisie"]
