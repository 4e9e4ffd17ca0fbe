"""The coördinator's app "Beheer: mensen en groepen" (widgets/admin.py) driven against the real Kit."""

from __future__ import annotations

import re

import pytest

from oefenkit.errors import AuthenticationError, NotFound
from oefenkit.identity import SYSTEM
from oefenkit_widgets.admin import AdminPanel, admin_page, removed_text

PW = "geheim-wachtwoord"
XSS = "<img src=x onerror=alert(1)>"


def panel(kit, people) -> AdminPanel:
    return admin_page(kit, people["coordinator"])


def message(p: AdminPanel) -> tuple[str, str]:
    """(kind, text) of the panel's current Dutch message."""
    assert len(p.message.children) == 1
    notice = p.message.children[0]
    kind = "error" if "ok-notice-error" in notice._dom_classes else "info"
    return kind, notice.text


def row(p: AdminPanel, username: str) -> str:
    m = re.search(rf"<tr class='([^']*)' data-username='{re.escape(username)}'>(.*?)</tr>", p.people_table.value)
    assert m, username
    return m.group(1) + "|" + m.group(2)


def members(kit, group: str) -> tuple[str, ...]:
    return {g.name: g.member_usernames for g in kit.list_groups(SYSTEM)}[group]


def shown_password(p: AdminPanel) -> str:
    m = re.search(r"<code class='ok-new-password'>([^<]+)</code>", p.password_box.value)
    assert m, p.password_box.value
    return m.group(1)


def test_people_table_lists_everyone_and_marks_inactive(kit, people):
    """Does the table show username, name, role, groups and status, inactive people included and marked?"""
    kit.add_group(SYSTEM, "Cohort A")
    kit.add_group_member(SYSTEM, "Cohort A", "cursist1")
    kit.remove_person(SYSTEM, "cursist2")
    p = panel(kit, people)
    assert "ok-admin" in p._dom_classes and "ok-admin-people" in p.people_table._dom_classes
    one = row(p, "cursist1")
    assert "ok-inactive" not in one.split("|")[0]
    assert "Cursist Een" in one and "cursist" in one and "Cohort A" in one and "actief" in one
    two = row(p, "cursist2")
    assert "ok-inactive" in two.split("|")[0] and "gedeactiveerd" in two
    assert "coördinator" in row(p, "coord1")
    assert [u for _, u in p.person.options] == ["coord1", "cursist1", "cursist2", "trainer1"]
    assert "cursist2" not in [u for _, u in p.member_person.options]  # only active people join groups


def test_add_person_with_generated_password_shown_once(kit, people):
    """Does adding a person store the account and show a generated password that works, once?"""
    p = panel(kit, people)
    p.add_username.value = "  Nieuw.Persoon "
    p.add_name.value = "Nieuw Persoon"
    p.add_role.value = "trainer"
    p.add_button.click()
    assert message(p) == ("info", "Account nieuw.persoon is toegevoegd als trainer.")
    password = shown_password(p)
    assert kit.authenticate("nieuw.persoon", password).role == "trainer"
    assert "Nieuw Persoon" in row(p, "nieuw.persoon")
    assert p.person.value == "nieuw.persoon"
    assert p.add_username.value == "" and p.add_password.value == ""
    # the next action clears it
    p.role.value = "cursist"
    p.role_button.click()
    assert p.password_box.value == ""
    assert password not in repr(kit.list_audit_entries(SYSTEM))


def test_add_person_with_chosen_password_and_bad_input(kit, people):
    """Are a short password, a bad user name and a duplicate refused in Dutch with nothing stored?"""
    p = panel(kit, people)
    before = kit.list_people(SYSTEM, include_inactive=True)
    p.add_username.value, p.add_name.value, p.add_password.value = "kort", "Kort", "abc"
    p.add_button.click()
    assert message(p) == ("error", "Een wachtwoord heeft minstens 8 tekens.")
    p.add_username.value, p.add_password.value = "Fout Naam!", ""
    p.add_button.click()
    assert message(p)[0] == "error" and "gebruikersnaam" in message(p)[1]
    p.add_username.value = "cursist1"
    p.add_button.click()
    assert message(p) == ("error", "Gebruiker 'cursist1' bestaat al.")
    assert p.password_box.value == ""
    assert kit.list_people(SYSTEM, include_inactive=True) == before
    p.add_username.value, p.add_password.value = "eigen.keuze", "zelf-gekozen-1"
    p.add_button.click()
    assert message(p)[0] == "info" and p.password_box.value == ""  # a chosen password is not echoed
    assert kit.authenticate("eigen.keuze", "zelf-gekozen-1").username == "eigen.keuze"


def test_set_role(kit, people):
    """Does "Rol opslaan" change the chosen person's role, and is the own role locked?"""
    p = panel(kit, people)
    p.person.value = "cursist1"
    assert p.role.value == "cursist"
    p.role.value = "trainer"
    p.role_button.click()
    assert message(p) == ("info", "cursist1 is nu trainer.")
    assert kit.find_person("cursist1").role == "trainer" and "trainer" in row(p, "cursist1")
    p.person.value = "coord1"
    assert p.role_button.disabled and p.deactivate_button.disabled and p.delete_button.disabled


def test_deactivate_needs_confirmation_and_reactivate(kit, people):
    """Does deactivating ask first, then stop the login; does reactivating give it back?"""
    p = panel(kit, people)
    p.person.value = "cursist1"
    assert p.reactivate_button.layout.display == "none"
    p.deactivate_button.click()
    assert p.confirm_box.layout.display is None and "cursist1" in p.confirm_text.value
    assert kit.authenticate("cursist1", PW)  # nothing happened yet
    p.confirm_no.click()
    assert p.confirm_box.layout.display == "none"
    assert kit.authenticate("cursist1", PW)
    p.deactivate_button.click()
    p.confirm_yes.click()
    assert message(p) == ("info", "cursist1 is gedeactiveerd.")
    with pytest.raises(AuthenticationError):
        kit.authenticate("cursist1", PW)
    assert "ok-inactive" in row(p, "cursist1") and "(gedeactiveerd)" in dict(
        (u, label) for label, u in p.person.options)["cursist1"]
    assert p.deactivate_button.layout.display == "none" and p.reactivate_button.layout.display is None
    p.reactivate_button.click()
    assert message(p) == ("info", "cursist1 is weer actief en kan inloggen.")
    assert kit.authenticate("cursist1", PW).username == "cursist1"


def test_reset_password(kit, people):
    """Does "Nieuw wachtwoord" show a working new password once and end the old one?"""
    p = panel(kit, people)
    p.person.value = "trainer1"
    p.reset_button.click()
    new = shown_password(p)
    assert kit.authenticate("trainer1", new).username == "trainer1"
    with pytest.raises(AuthenticationError):
        kit.authenticate("trainer1", PW)


def test_groups_add_and_members(kit, people):
    """Can a coördinator add a group with a programme, add and remove members, with Dutch results?"""
    p = panel(kit, people)
    assert ("geen", None) in p.group_programme.options
    programme = next(code for _, code in p.group_programme.options if code)
    p.group_name.value, p.group_programme.value = "Cohort Najaar", programme
    p.group_button.click()
    assert message(p) == ("info", "Groep Cohort Najaar is toegevoegd.")
    assert "Cohort Najaar" in p.groups_table.value
    assert {g.name: g.programme_code for g in kit.list_groups(SYSTEM)}["Cohort Najaar"] == programme
    p.group_name.value = "Cohort Najaar"
    p.group_button.click()
    assert message(p) == ("error", "Groep 'Cohort Najaar' bestaat al.")
    p.member_group.value, p.member_person.value = "Cohort Najaar", "cursist2"
    p.add_member_button.click()
    assert message(p) == ("info", "cursist2 zit nu in Cohort Najaar.")
    assert members(kit, "Cohort Najaar") == ("cursist2",)
    assert "Cohort Najaar" in row(p, "cursist2")
    p.remove_member_button.click()
    assert message(p) == ("info", "cursist2 is uit Cohort Najaar gehaald.")
    assert members(kit, "Cohort Najaar") == ()
    p.remove_member_button.click()
    assert "zat niet in" in message(p)[1]


def test_export_link_points_at_the_chosen_person(kit, people):
    """Does the export link follow the chosen person and download a JSON file?"""
    p = panel(kit, people)
    p.person.value = "cursist2"
    assert "ok-export-download" in p.export.value
    assert "href='/oefenkit/export/cursist2.json'" in p.export.value
    assert "download='gegevens-cursist2.json'" in p.export.value
    p.person.value = "trainer1"
    assert "/oefenkit/export/trainer1.json" in p.export.value


def test_delete_with_wrong_confirmation_deletes_nothing(kit, people):
    """Does a wrong or empty confirmation leave the person and their data untouched?"""
    kit.add_group(SYSTEM, "Cohort D")
    kit.add_group_member(SYSTEM, "Cohort D", "cursist2")
    p = panel(kit, people)
    p.person.value = "cursist2"
    for typed in ("", "cursist1", "cursist"):
        p.delete_confirm.value = typed
        p.delete_button.click()
        kind, text = message(p)
        assert kind == "error" and "Er is niets verwijderd" in text
    assert kit.find_person("cursist2").username == "cursist2"
    assert members(kit, "Cohort D") == ("cursist2",)


def test_delete_with_right_confirmation_removes_everything(kit, people):
    """Does typing the user name delete the person and their data and say in Dutch what was removed?"""
    kit.add_group(SYSTEM, "Cohort D")
    kit.add_group_member(SYSTEM, "Cohort D", "cursist2")
    p = panel(kit, people)
    p.person.value = "cursist2"
    p.delete_confirm.value = " cursist2 "
    p.delete_button.click()
    kind, text = message(p)
    assert kind == "info"
    assert text.startswith("Het account cursist2 is verwijderd") and "1 groepslidmaatschappen" in text
    with pytest.raises(NotFound):
        kit.export_person(SYSTEM, "cursist2")
    assert "cursist2" not in p.people_table.value
    assert "cursist2" not in [u for _, u in p.person.options]
    assert members(kit, "Cohort D") == ()


def test_removed_text_names_only_what_was_there():
    """Does the Dutch deletion result list the kinds with something removed, and say so when nothing was?"""
    text = removed_text("x", {"ratings": 3, "certificates": 0, "module_progress": 1})
    assert "3 beoordelingen" in text and "1 voortgang in lesmodules" in text and "certificaten" not in text
    assert "geen verdere gegevens" in removed_text("x", {"ratings": 0})
    assert "2 oefenpogingen" in removed_text("x", {"practice_attempts": 2})


def test_user_text_is_escaped(kit, people):
    """Are names and group names with HTML shown as text everywhere in the panel?"""
    kit.add_person(SYSTEM, "gevaarlijk", display_name=XSS, password=PW)
    kit.add_group(SYSTEM, XSS)
    kit.add_group_member(SYSTEM, XSS, "gevaarlijk")
    p = panel(kit, people)
    p.person.value = "gevaarlijk"
    everything = "".join(x.value for x in (p.people_table, p.groups_table, p.status, p.export))
    assert XSS not in everything and "&lt;img src=x" in everything
    p.deactivate_button.click()
    assert "<img" not in p.confirm_text.value


def test_page_refuses_a_trainer_every_change(kit, people):
    """Even if a trainer got the panel, does every change fail with the façade's Dutch refusal?"""
    p = admin_page(kit, people["trainer"])
    p.add_username.value, p.add_name.value = "stiekem", "Stiekem"
    p.add_button.click()
    assert message(p) == ("error", "Alleen een coördinator kan accounts beheren.")
    p.person.value = "cursist1"
    p.delete_confirm.value = "cursist1"
    p.delete_button.click()
    assert message(p)[0] == "error"
    assert kit.find_person("cursist1").username == "cursist1"
    with pytest.raises(NotFound):
        kit.find_person("stiekem")


def test_cursist_cannot_even_build_the_page(kit, people):
    """Does the page refuse a cursist outright (the people list is staff-only)?"""
    from oefenkit.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        admin_page(kit, people["cursist"])


def test_profile_page_offers_only_the_own_export(kit, people):
    """Does "Mijn gegevens" link a cursist to the download of their own data, and nobody else's?"""
    from oefenkit_widgets.pages.profile import profile_page

    page = profile_page(kit, people["cursist"])
    links = [c.value for c in page.children if "ok-my-export" in c._dom_classes]
    assert len(links) == 1
    assert "class='ok-export-download' href='/oefenkit/export/cursist1.json'" in links[0]
    assert "cursist2" not in links[0]
