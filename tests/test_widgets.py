"""Widget components and app pages, built from plain data and a real façade."""

from __future__ import annotations

import html

import pytest

import oefenkit_widgets
from oefenkit import kernel
from oefenkit.apps import APPS, AREAS, App, apps_for
from oefenkit.errors import PermissionDenied, ValidationError
from oefenkit.identity import SYSTEM, Actor
from oefenkit_widgets.landing import LandingPage
from oefenkit_widgets.notice import Notice
from oefenkit_widgets.pages.people import people_page
from oefenkit_widgets.pages.profile import profile_page
from oefenkit_widgets.pages.start import landing_page
from oefenkit_widgets.shell import AppPage, show_app
from oefenkit_widgets.tables import DataTable

XSS = "<script>alert(1)</script>"
ESCAPED = html.escape(XSS)


@pytest.fixture(autouse=True)
def fresh_kernel(monkeypatch, fast_password_hashing):
    """Nobody bound in the kernel, no hub, and cheap Argon2id for the ``people`` fixture."""
    monkeypatch.setattr(kernel, "_person", None)
    monkeypatch.setattr(kernel, "_app", None)
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)


def actor(role: str, name: str = "Anna") -> Actor:
    return Actor(id=7, username="anna", display_name=name, role=role)


def classes(widget) -> list[str]:
    return list(widget._dom_classes)


def all_html(widget) -> str:
    """The HTML of a widget and everything below it."""
    out = getattr(widget, "value", "") if isinstance(getattr(widget, "value", ""), str) else ""
    for child in getattr(widget, "children", ()):
        out += all_html(child)
    return out


def notices(widget) -> list[Notice]:
    found = [widget] if isinstance(widget, Notice) else []
    for child in getattr(widget, "children", ()):
        found += notices(child)
    return found


# -- landing page ------------------------------------------------------------------------------


def test_landing_for_cursist_has_only_training_links():
    """Does a cursist's landing page show only training cards?"""
    page = landing_page(actor("cursist"))
    assert "ok-landing" in classes(page)
    assert page.links
    for card in page.links:
        assert "ok-card" in classes(card)
        assert "ok-link-training" in classes(card)
        assert "ok-link-supervision" not in classes(card)
    assert "Supervisie" not in all_html(page)


def by_area(apps):
    """``apps`` in the landing page's order: grouped by area, catalogue order within an area."""
    return [a for area in AREAS for a in apps if a.area == area]


@pytest.mark.parametrize("role", ["trainer", "coordinator"])
def test_landing_for_staff_has_both_areas(role):
    """Does a trainer's or coördinator's landing page show training and supervision cards, one per app
    (and a coördinator's also the beheer cards)?"""
    page = landing_page(actor(role))
    areas = {c for card in page.links for c in classes(card) if c.startswith("ok-link-")}
    assert areas == {"ok-link-training", "ok-link-supervision"} | ({"ok-link-beheer"} if role == "coordinator"
                                                                   else set())
    app_classes = [c for card in page.links for c in classes(card) if c.startswith("ok-app-")]
    assert app_classes == [f"ok-app-{a.id}" for a in by_area(apps_for(actor(role)))]


def test_landing_names_person_and_role():
    """Does the landing page greet the person by name with their Dutch role label?"""
    text = all_html(landing_page(actor("coordinator", name="Fatima El Amrani")))
    assert "Fatima El Amrani" in text
    assert "coördinator" in text


def test_landing_links_point_at_the_apps():
    """Does each card link to its app's Voilà URL?"""
    page = landing_page(actor("trainer"))
    assert len(page.links) == len(apps_for(actor("trainer")))
    for card, app in zip(page.links, by_area(apps_for(actor("trainer")))):
        assert f"href='{app.url}'" in card.value


def test_landing_without_apps():
    """Does a role without apps get a Dutch sentence instead of an empty page?"""
    page = LandingPage("Anna", "cursist", [])
    assert page.links == []
    assert "nog geen apps" in all_html(page)


def test_landing_escapes_names_and_titles():
    """Are HTML in a display name, role label, app title and description shown as text?"""
    app = App(id="x", title=XSS, description=XSS, path="training/x.ipynb", area="training")
    page = LandingPage(XSS, XSS, [app])
    text = all_html(page)
    assert XSS not in text
    assert text.count(ESCAPED) == 4


def test_landing_escapes_url():
    """Can an app path not break out of the link's href attribute?"""
    app = App(id="x", title="T", description="", path="training/x'onmouseover='alert(1).ipynb", area="training")
    [card] = LandingPage("A", "cursist", [app]).links
    assert "'onmouseover='" not in card.value


# -- notice, table, page -------------------------------------------------------------------------


def test_notice_escapes():
    """Is a notice's text escaped, never rendered as HTML?"""
    notice = Notice(XSS, kind="error")
    assert XSS not in notice.value and ESCAPED in notice.value
    assert notice.text == XSS
    assert {"ok-notice", "ok-notice-error"} <= set(classes(notice))
    assert "role='alert'" in notice.value


def test_notice_kinds():
    """Is an info notice a status, and an unknown kind refused?"""
    assert "role='status'" in Notice("Opgeslagen.").value
    assert "ok-notice-info" in classes(Notice("Opgeslagen."))
    with pytest.raises(ValueError):
        Notice("x", kind="waarschuwing")


def test_table_escapes_and_keeps_rows():
    """Does a table escape every header and cell and keep the plain rows?"""
    table = DataTable([XSS, "Score"], [[XSS, 5], ["b", 7]], css_class="ok-test")
    assert XSS not in table.value
    assert table.value.count(ESCAPED) == 2
    assert table.rows == [[XSS, 5], ["b", 7]]
    assert {"ok-table", "ok-test"} <= set(classes(table))


def test_empty_table_shows_message():
    """Does an empty table show its Dutch message (escaped) instead of a table?"""
    table = DataTable(["A"], [], empty="Nog <niets>.")
    assert "<table" not in table.value
    assert "Nog &lt;niets&gt;." in table.value


def test_app_page_escapes_title_and_person():
    """Does the page header escape the title and the person's name?"""
    page = AppPage(XSS, actor("cursist", name=XSS), Notice("x"))
    header = page.children[1]
    assert "ok-header" in classes(header)
    assert XSS not in header.value and header.value.count(ESCAPED) == 2
    assert "Afmelden" in header.value


def test_components_are_exported():
    """Does the widgets package export its components?"""
    assert set(oefenkit_widgets.__all__) == {"AppPage", "DataTable", "LandingPage", "Notice", "show_app"}


# -- show_app ------------------------------------------------------------------------------------


def test_show_app_without_login_is_a_dutch_notice():
    """Without a logged-in person, does show_app show a Dutch error instead of the app?"""
    built = []
    page = show_app("mijn-gegevens", "Mijn gegevens", lambda person: built.append(person))
    assert built == []  # the app body is never built
    [notice] = notices(page)
    assert "ok-notice-error" in classes(notice)
    assert "niet ingelogd" in notice.text
    assert "class='ok-who'" not in all_html(page)


def test_show_app_builds_for_bound_person(monkeypatch):
    """For a bound person, is the body built for exactly that person and named in the header?"""
    person = actor("cursist", name="Cursist Een")
    monkeypatch.setattr(kernel, "_person", person)
    page = show_app("mijn-gegevens", "Mijn gegevens", lambda p: Notice(f"Hallo {p.username}"))
    assert page.body.text == "Hallo anna"
    assert "Cursist Een" in all_html(page)


def test_show_app_refuses_app_of_other_area(monkeypatch):
    """Does a cursist opening a supervision app get the permission message, not the app?"""
    monkeypatch.setattr(kernel, "_person", actor("cursist"))
    page = show_app("deelnemers", "Deelnemers", lambda p: pytest.fail("built for a cursist"))
    [notice] = notices(page)
    assert "niet beschikbaar" in notice.text


def test_show_app_turns_domain_errors_in_build_into_notice(monkeypatch):
    """Does a domain error while building the body become a Dutch notice under the header?"""
    monkeypatch.setattr(kernel, "_person", actor("trainer"))

    def build(person):
        raise ValidationError("Een score ligt tussen 1 en 9.")

    page = show_app("mijn-gegevens", "Mijn gegevens", build)
    assert isinstance(page.body, Notice)
    assert page.body.text == "Een score ligt tussen 1 en 9."
    assert "class='ok-who'" in all_html(page)  # the person is known, so the header names them


def test_show_app_lets_programming_errors_through(monkeypatch):
    """Are bugs (non-domain exceptions) not hidden behind a friendly notice?"""
    monkeypatch.setattr(kernel, "_person", actor("trainer"))
    with pytest.raises(ZeroDivisionError):
        show_app("mijn-gegevens", "Mijn gegevens", lambda p: 1 / 0)


# -- pages over a real façade -------------------------------------------------------------------


@pytest.fixture
def rated(kit, people):
    kit.add_case(people["trainer"], "casus-w", "Casus W")
    kit.add_group_member(SYSTEM, "Voorbeeldgroep Babytijd", "cursist1")
    kit.add_ratings(people["cursist"], "casus-w", {"sensitiviteit": 3}, mode="practice")
    kit.add_ratings(people["cursist"], "casus-w", {"cooperatie": 8}, mode="exam")
    kit.add_ratings(people["cursist2"], "casus-w", {"sensitiviteit": 9})
    return kit


def test_profile_page(rated):
    """Does the profile show the person's details, own group and only their own ratings?"""
    me = rated.find_person("cursist1")  # after joining the group
    page = profile_page(rated, me)
    details, history = page.children[0], page.children[2]
    assert details.rows == [
        ["Naam", "Cursist Een"],
        ["Gebruikersnaam", "cursist1"],
        ["Rol", "cursist"],
        ["Groepen", "Voorbeeldgroep Babytijd"],
    ]
    assert [row[1:] for row in history.rows] == [
        ["Casus W", "Sensitiviteit versus ongevoeligheid", 3, "oefenen"],  # titles and names, not codes
        ["Casus W", "Coöperatie versus interferentie", 8, "toets"],
    ]
    assert "ok-my-ratings" in classes(history)


def test_profile_page_without_ratings_or_groups(kit, people):
    """Does a new trainer's profile say 'geen' groups and no ratings yet?"""
    page = profile_page(kit, people["trainer"])
    details, history = page.children[0], page.children[2]
    assert details.rows[3] == ["Groepen", "geen"]
    assert history.rows == []
    assert "nog geen beoordelingen" in history.value


def test_people_page_for_trainer(rated, people):
    """Does the people page list every person with Dutch role and groups, and the groups with sizes?"""
    page = people_page(rated, people["trainer"])
    people_table, group_table = page.children[1], page.children[3]
    assert people_table.rows == [
        ["coord1", "Coördinator Een", "coördinator", "-"],
        ["cursist1", "Cursist Een", "cursist", "Voorbeeldgroep Babytijd"],
        ["cursist2", "Cursist Twee", "cursist", "-"],
        ["trainer1", "Trainer Een", "trainer", "-"],
    ]
    assert sorted(group_table.rows) == [
        ["Voorbeeldgroep Babytijd", "babytijd", 1],
        ["Voorbeeldgroep Ouder-baby", "ouder-baby", 0],
    ]


def test_people_page_escapes_display_names(kit, people):
    """Is a display name with HTML shown escaped in the people table?"""
    kit.add_person(SYSTEM, "hacker", display_name=XSS)
    table = people_page(kit, people["coordinator"]).children[1]
    assert XSS not in table.value and ESCAPED in table.value


def test_people_page_for_cursist_is_refused(kit, people):
    """Is a cursist refused the people page itself (not only the link)?"""
    with pytest.raises(PermissionDenied):
        people_page(kit, people["cursist"])


def test_show_app_turns_refused_people_page_into_notice(kit, people, monkeypatch):
    """Built through show_app for a cursist, does the people page become a Dutch notice?"""
    monkeypatch.setattr(kernel, "_person", people["cursist"])
    page = show_app("mijn-gegevens", "Deelnemers", lambda p: people_page(kit, p))
    assert isinstance(page.body, Notice)
    assert "overzicht van personen" in page.body.text
    assert "Cursist Twee" not in all_html(page)


def test_every_app_area_has_a_landing_title():
    """Does every area an app can be in have a landing-page heading?"""
    from oefenkit_widgets.landing import AREA_TITLES

    assert {a.area for a in APPS if a.area != "landing"} <= set(AREA_TITLES)


def test_rating_times_are_shown_in_dutch_local_time():
    """Is a UTC timestamp shown in Amsterdam time, in winter (+1) and in summer (+2)?"""
    import datetime as dt

    from oefenkit_widgets.formatting import local_time

    assert local_time(dt.datetime(2026, 1, 15, 9, 30, tzinfo=dt.timezone.utc)) == "15-01-2026 10:30"
    assert local_time(dt.datetime(2026, 7, 15, 9, 30, tzinfo=dt.timezone.utc)) == "15-07-2026 11:30"
    assert local_time(dt.datetime(2026, 7, 15, 23, 30)) == "16-07-2026 01:30"  # naive = UTC (SQLite)
