"""The coördinator's app "Beheer: mensen en groepen": accounts, roles, groups and AVG per person.

:class:`AdminPanel` takes an :class:`AdminActions`-like object (plain methods that return plain
values) and never touches the database; :func:`admin_page` binds those methods to the façade
(``Kit``) and the logged-in person, so every change goes through the façade's permission checks.
Every user-provided text is escaped with :func:`html.escape` (``ipywidgets.HTML`` renders raw HTML).
"""

from __future__ import annotations

import html
from typing import Any, Callable, Sequence

import ipywidgets as w

from oefenkit.apps import export_url
from oefenkit.errors import OefenkitError
from oefenkit.identity import Actor, generate_password, role_codes, role_label
from oefenkit.permissions import roles

from .notice import Notice
from .reveal import reveal, reveal_anchor

__all__ = ["AdminActions", "AdminPanel", "admin_page", "removed_text", "REMOVED_LABELS"]

#: Dutch names of what ``PrivacyService.delete_person`` reports as removed.
REMOVED_LABELS = {
    "ratings": "beoordelingen",
    "practice_attempts": "oefenpogingen",
    "certificates": "certificaten",
    "certification_decisions": "certificeringsbesluiten",
    "exam_attempts": "toetspogingen",
    "module_progress": "voortgang in lesmodules",
    "group_memberships": "groepslidmaatschappen",
    "supervised_cases": "supervisiecasussen",
    "live_session_participations": "deelnames aan live-sessies",
}


def removed_text(username: str, removed: dict[str, int]) -> str:
    """The Dutch result of a deletion: what was removed, by kind (kinds with nothing left out)."""
    parts = [f"{n} {REMOVED_LABELS.get(kind, kind.replace('_', ' '))}" for kind, n in removed.items() if n]
    what = ", ".join(parts) if parts else "er waren geen verdere gegevens opgeslagen"
    return (f"Het account {username} is verwijderd, met alles wat erbij hoorde: {what}. "
            "Het logboek bewaart de acties zonder naam.")


class AdminActions:
    """The façade verbs the panel needs, bound to the logged-in coördinator."""

    def __init__(self, kit, person: Actor):
        self.kit, self.person = kit, person

    def people(self) -> list[dict[str, Any]]:
        return self.kit.people.list_people(self.person, include_inactive=True)

    def groups(self) -> list[Any]:
        return self.kit.people.list_groups(self.person)

    def programmes(self) -> list[dict[str, str]]:
        return self.kit.people.list_programmes()

    def add_person(self, username: str, display_name: str, role: str, password: str) -> None:
        self.kit.people.add_person(self.person, username, role=role, display_name=display_name or None, password=password)

    def set_role(self, username: str, role: str) -> None:
        self.kit.people.update_person_role(self.person, username, role)

    def set_active(self, username: str, active: bool) -> None:
        self.kit.people.update_person_active(self.person, username, active)

    def reset_password(self, username: str) -> str:
        return self.kit.people.reset_person_password(self.person, username)

    def delete(self, username: str) -> dict[str, int]:
        return self.kit.privacy.delete_person(self.person, username)

    def add_group(self, name: str, programme_code: str | None) -> None:
        self.kit.people.add_group(self.person, name, programme_code)

    def add_member(self, group: str, username: str) -> None:
        self.kit.people.add_group_member(self.person, group, username)

    def remove_member(self, group: str, username: str) -> bool:
        return self.kit.people.remove_group_member(self.person, group, username)


def _button(description: str, css: str, style: str = "") -> w.Button:
    b = w.Button(description=description, button_style=style, layout=w.Layout(width="auto"))
    b.add_class(css)
    return b


def _classed(widget: w.Widget, *css: str) -> w.Widget:
    for c in css:
        widget.add_class(c)
    return widget


def people_html(people: Sequence[dict[str, Any]]) -> str:
    """The people table; inactive people stay listed, marked "gedeactiveerd" (row class ``ok-inactive``)."""
    if not people:
        return "<p>Er zijn nog geen accounts.</p>"
    rows = []
    for p in people:
        status = "actief" if p["active"] else "gedeactiveerd"
        row_class = "ok-person" + ("" if p["active"] else " ok-inactive")
        cells = [p["username"], p["display_name"], role_label(p["role"]),
                 ", ".join(p["groups"]) or "–", status]
        rows.append(f"<tr class='{row_class}' data-username='{html.escape(p['username'], quote=True)}'>"
                    + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th>{h}</th>" for h in ("Gebruikersnaam", "Naam", "Rol", "Groepen", "Status"))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def groups_html(groups: Sequence[Any], programme_names: dict[str, str]) -> str:
    if not groups:
        return "<p>Er zijn nog geen groepen.</p>"
    rows = "".join(
        f"<tr data-group='{html.escape(g.name, quote=True)}'><td>{html.escape(g.name)}</td>"
        f"<td>{html.escape(programme_names.get(g.programme_code, g.programme_code or '–'))}</td>"
        f"<td>{html.escape(', '.join(g.member_usernames) or '–')}</td></tr>"
        for g in groups)
    return ("<table><thead><tr><th>Groep</th><th>Programma</th><th>Leden</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")


class AdminPanel(w.VBox):
    """People and groups for a coördinator: add, set a role, (de)activate, groups, export and delete.

    Each action calls one method of ``actions``; a domain error becomes a Dutch message in
    :attr:`message` and nothing else changes. Passwords the kit generates are shown once, in
    :attr:`password_box`, and cleared by the next action.
    """

    def __init__(self, actions: AdminActions, own_username: str,
                 export_link: Callable[[str], str] = export_url):
        self.actions, self.own_username, self.export_link = actions, own_username, export_link
        self.message = _classed(w.Box(), "ok-admin-message")
        self.password_box = _classed(w.HTML(), "ok-new-password-box")

        # -- people table
        self.people_table = _classed(w.HTML(), "ok-table", "ok-admin-people")

        # -- add a person
        self.add_username = _classed(w.Text(description="Gebruikersnaam", placeholder="bijv. j.jansen"),
                                     "ok-add-username")
        self.add_name = _classed(w.Text(description="Naam", placeholder="Voornaam Achternaam"), "ok-add-name")
        self.add_role = _classed(w.Dropdown(description="Rol", options=[(role_label(r), r) for r in role_codes()],
                                            value=roles().default.code), "ok-add-role")
        self.add_password = _classed(w.Password(description="Wachtwoord",
                                                placeholder="leeg laten: de kit maakt er een"), "ok-add-password")
        self.add_button = _button("Account toevoegen", "ok-add-person", "primary")
        self.add_button.on_click(self._on_add)

        # -- one person
        self.person = _classed(w.Dropdown(description="Persoon", options=[]), "ok-admin-person")
        self.person.observe(self._on_person, names="value")
        self.status = _classed(w.HTML(), "ok-person-status")
        self.role = _classed(w.Dropdown(description="Nieuwe rol", options=[(role_label(r), r) for r in role_codes()]),
                             "ok-role-choice")
        self.role_button = _button("Rol opslaan", "ok-set-role")
        self.role_button.on_click(self._on_role)
        self.deactivate_button = _button("Deactiveren", "ok-deactivate", "warning")
        self.deactivate_button.on_click(self._on_deactivate)
        self.reactivate_button = _button("Heractiveren", "ok-reactivate")
        self.reactivate_button.on_click(self._on_reactivate)
        self.reset_button = _button("Nieuw wachtwoord", "ok-reset-password")
        self.reset_button.on_click(self._on_reset)
        self.confirm_text = w.HTML()
        self.confirm_yes = _button("Ja, deactiveren", "ok-confirm-yes", "danger")
        self.confirm_no = _button("Annuleren", "ok-confirm-no")
        self.confirm_yes.on_click(self._on_confirm_deactivate)
        self.confirm_no.on_click(self._hide_confirm)
        self.confirm_box = _classed(w.VBox([self.confirm_text, w.HBox([self.confirm_yes, self.confirm_no])],
                                           layout=w.Layout(display="none")), "ok-confirm-deactivate")
        self.export = _classed(w.HTML(), "ok-export")
        self.delete_confirm = _classed(w.Text(description="Bevestig", placeholder="typ de gebruikersnaam"),
                                       "ok-delete-confirm")
        self.delete_button = _button("Alle gegevens verwijderen", "ok-delete-person", "danger")
        self.delete_button.on_click(self._on_delete)

        # -- groups
        self.groups_table = _classed(w.HTML(), "ok-table", "ok-admin-groups")
        self.group_name = _classed(w.Text(description="Groepsnaam", placeholder="bijv. Cohort najaar"),
                                   "ok-group-name")
        self.group_programme = _classed(w.Dropdown(description="Programma", options=[("geen", None)]),
                                        "ok-group-programme")
        self.group_button = _button("Groep toevoegen", "ok-add-group", "primary")
        self.group_button.on_click(self._on_add_group)
        self.member_group = _classed(w.Dropdown(description="Groep", options=[]), "ok-member-group")
        self.member_person = _classed(w.Dropdown(description="Persoon", options=[]), "ok-member-person")
        self.add_member_button = _button("Lid toevoegen", "ok-add-member")
        self.add_member_button.on_click(self._on_add_member)
        self.remove_member_button = _button("Lid verwijderen", "ok-remove-member")
        self.remove_member_button.on_click(self._on_remove_member)

        def h2(text: str) -> w.HTML:
            return _classed(w.HTML(f"<h2>{text}</h2>"), "ok-section-title")

        super().__init__([
            self.message, self.password_box, reveal_anchor(),
            h2("Mensen"), self.people_table,
            h2("Account toevoegen"),
            _classed(w.VBox([self.add_username, self.add_name, self.add_role, self.add_password,
                             w.HTML("<p>Een wachtwoord heeft minstens 8 tekens. Laat je het veld leeg, dan maakt "
                                    "de kit een wachtwoord; je ziet het één keer, geef het veilig door.</p>"),
                             self.add_button]), "ok-admin-add"),
            h2("Eén persoon"),
            _classed(w.VBox([
                self.person, self.status,
                w.HBox([self.role, self.role_button]),
                w.HBox([self.deactivate_button, self.reactivate_button, self.reset_button]),
                self.confirm_box,
                h2("Gegevens van deze persoon (AVG)"),
                self.export,
                w.HTML("<p>Verwijderen haalt het account en alles wat de kit over deze persoon bewaart voorgoed "
                       "weg. Typ ter bevestiging de gebruikersnaam.</p>"),
                w.HBox([self.delete_confirm, self.delete_button]),
            ]), "ok-admin-person-section"),
            h2("Groepen"), self.groups_table,
            _classed(w.VBox([w.HBox([self.group_name, self.group_programme]), self.group_button]),
                     "ok-admin-add-group"),
            _classed(w.VBox([w.HBox([self.member_group, self.member_person]),
                             w.HBox([self.add_member_button, self.remove_member_button])]), "ok-admin-members"),
        ])
        self.add_class("ok-admin")
        self.refresh()

    # -- state -----------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read people, groups and programmes again and show them; keep the current choices."""
        self._people = {p["username"]: p for p in self.actions.people()}
        groups = self.actions.groups()
        programmes = self.actions.programmes()
        names = {p["code"]: p["name"] for p in programmes}
        self.people_table.value = people_html(list(self._people.values()))
        self.groups_table.value = groups_html(groups, names)
        options = [(self._label(p), u) for u, p in self._people.items()]
        keep = self.person.value if self.person.value in self._people else None
        self.person.options = options
        self.person.value = keep if keep is not None else (options[0][1] if options else None)
        active = [(self._label(p), u) for u, p in self._people.items() if p["active"]]
        member_keep = self.member_person.value
        self.member_person.options = active
        if member_keep in dict(active).values():
            self.member_person.value = member_keep
        group_keep = self.member_group.value
        self.member_group.options = [g.name for g in groups]
        if group_keep in self.member_group.options:
            self.member_group.value = group_keep
        self.group_programme.options = [("geen", None)] + [(p["name"], p["code"]) for p in programmes]
        self._on_person()

    @staticmethod
    def _label(p: dict[str, Any]) -> str:
        label = f"{p['username']} – {p['display_name']}"
        return label + (" (gedeactiveerd)" if not p["active"] else "")

    def _say(self, text: str, kind: str = "info") -> None:
        self.message.children = (Notice(text, kind=kind),)
        reveal(".ok-admin-message .ok-notice")  # a new password shown next replaces this reveal

    def _run(self, action: Callable[[], str | None]) -> bool:
        """Run one action; show its Dutch result or error; refresh after a success."""
        self.password_box.value = ""
        try:
            text = action()
        except OefenkitError as exc:
            self._say(str(exc), "error")
            return False
        self.refresh()
        if text:
            self._say(text)
        return True

    def _show_password(self, username: str, password: str) -> None:
        self.password_box.value = (
            f"<div class='ok-notice ok-notice-info' role='status'>Wachtwoord voor "
            f"<strong>{html.escape(username)}</strong>: <code class='ok-new-password'>{html.escape(password)}"
            "</code><br>Je ziet het alleen nu: geef het veilig door. De persoon kan het na het inloggen niet "
            "zelf zien, alleen een coördinator kan een nieuw wachtwoord maken.</div>")
        reveal(".ok-new-password-box .ok-notice")

    def _on_person(self, _change=None) -> None:
        self._hide_confirm()
        self.delete_confirm.value = ""
        p = self._people.get(self.person.value) if self.person.value else None
        for b in (self.role_button, self.deactivate_button, self.reactivate_button, self.reset_button,
                  self.delete_button):
            b.disabled = p is None
        if p is None:
            self.status.value, self.export.value = "", ""
            return
        own = p["username"] == self.own_username
        self.role.value = p["role"]
        self.role_button.disabled = own
        self.deactivate_button.layout.display = None if p["active"] else "none"
        self.deactivate_button.disabled = own
        self.reactivate_button.layout.display = "none" if p["active"] else None
        self.delete_button.disabled = own
        state = "actief" if p["active"] else "gedeactiveerd: kan niet inloggen"
        self.status.value = (f"<p><strong>{html.escape(p['display_name'])}</strong> ({html.escape(p['username'])}), "
                             f"{html.escape(role_label(p['role']))}, {state}"
                             + (" — dit ben jij zelf." if own else ".") + "</p>")
        href = html.escape(self.export_link(p["username"]), quote=True)
        filename = html.escape(f"gegevens-{p['username']}.json", quote=True)
        self.export.value = (f"<a class='ok-export-download' href='{href}' download='{filename}' target='_blank'>"
                             f"Gegevens exporteren (JSON)</a> — alles wat de kit over "
                             f"{html.escape(p['display_name'])} bewaart, zonder wachtwoord.")

    # -- actions ---------------------------------------------------------------------------------

    def _on_add(self, _button=None) -> None:
        username = self.add_username.value.strip().lower()
        chosen = self.add_password.value
        generated = chosen == ""

        def add() -> str:
            password = generate_password() if generated else chosen
            self.actions.add_person(username, self.add_name.value.strip(), self.add_role.value, password)
            self._new = (username, password)
            return f"Account {username} is toegevoegd als {role_label(self.add_role.value)}."

        self._new = None
        if self._run(add):
            self.add_username.value = self.add_name.value = self.add_password.value = ""
            self.person.value = username
            if generated and self._new:
                self._show_password(*self._new)
        self._new = None

    def _on_role(self, _button=None) -> None:
        username, role = self.person.value, self.role.value
        self._run(lambda: (self.actions.set_role(username, role),
                           f"{username} is nu {role_label(role)}.")[1])

    def _on_deactivate(self, _button=None) -> None:
        username = self.person.value
        if not username:
            return
        self.confirm_text.value = (f"<p>Weet je het zeker? <strong>{html.escape(username)}</strong> kan daarna niet "
                                   "meer inloggen en verliest een open sessie meteen. De gegevens blijven "
                                   "bewaard; je kunt het account later weer activeren.</p>")
        self.confirm_box.layout.display = None

    def _hide_confirm(self, _button=None) -> None:
        self.confirm_box.layout.display = "none"

    def _on_confirm_deactivate(self, _button=None) -> None:
        username = self.person.value
        self._hide_confirm()
        self._run(lambda: (self.actions.set_active(username, False), f"{username} is gedeactiveerd.")[1])

    def _on_reactivate(self, _button=None) -> None:
        username = self.person.value
        self._run(lambda: (self.actions.set_active(username, True),
                           f"{username} is weer actief en kan inloggen.")[1])

    def _on_reset(self, _button=None) -> None:
        username = self.person.value
        new: list[str] = []

        def reset() -> str:
            new.append(self.actions.reset_password(username))
            return f"{username} heeft een nieuw wachtwoord; het oude werkt niet meer."

        if self._run(reset):
            self._show_password(username, new[0])

    def _on_delete(self, _button=None) -> None:
        username = self.person.value
        typed = self.delete_confirm.value.strip().lower()
        if not username:
            return
        if typed != username:
            self.password_box.value = ""
            self._say(f"Typ de gebruikersnaam {username} in het bevestigingsveld om te verwijderen. "
                      "Er is niets verwijderd.", "error")
            return

        def delete() -> str:
            return removed_text(username, self.actions.delete(username))

        self._run(delete)
        self.delete_confirm.value = ""

    def _on_add_group(self, _button=None) -> None:
        name, programme = self.group_name.value.strip(), self.group_programme.value

        def add() -> str:
            self.actions.add_group(name, programme)
            return f"Groep {name} is toegevoegd."

        if self._run(add):
            self.group_name.value = ""
            self.member_group.value = name

    def _on_add_member(self, _button=None) -> None:
        group, username = self.member_group.value, self.member_person.value
        if not group or not username:
            self._say("Kies een groep en een persoon.", "error")
            return
        self._run(lambda: (self.actions.add_member(group, username), f"{username} zit nu in {group}.")[1])

    def _on_remove_member(self, _button=None) -> None:
        group, username = self.member_group.value, self.member_person.value
        if not group or not username:
            self._say("Kies een groep en een persoon.", "error")
            return
        self._run(lambda: (f"{username} is uit {group} gehaald." if self.actions.remove_member(group, username)
                           else f"{username} zat niet in {group}; er is niets veranderd."))


def admin_page(kit, person: Actor) -> AdminPanel:
    """The body of the "beheer" app for ``person`` (the façade refuses anyone but a coördinator)."""
    return AdminPanel(AdminActions(kit, person), person.username)
