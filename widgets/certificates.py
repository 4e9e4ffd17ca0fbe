"""The "Certificering" app: decide on the rules' proposals, record supervised cases, the register.

Components take plain values (the dicts of the certificate verbs of
:class:`~oefenkit.storage.kit.Kit`) and callbacks; they never touch the database.
:func:`certificates_page` wires them to the façade. Every text a person or the
content provides is escaped with :func:`html.escape`.

* :class:`ProposalCard` — one proposal: outcome, Dutch reasons, the statistics per scale,
  the supervised cases (Ouder-baby: "x van 2"), "Voorstel overnemen" / "Afwijken" with a
  reason.
* :class:`SupervisedCaseForm` — record a case carried out and discussed in supervision.
* :class:`CertificateRegister` — every certificate with holder, programme, dates, status, the
  verification code and the PDF link (``ok-certificate-download``), and a separate list of
  certificates that expire soon.
* :class:`CertificatesPanel` — the sections together, with the trainer's requirement form
  (:class:`oefenkit_widgets.requirements.RequirementsForm`) when the paths are given.

A *path* proposal (every required requirement of a programme path done, ``statistics["path"]``)
shows the requirements with their dates instead of test statistics; accepting it issues a
registration (Babytijd) or a certificate.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any, Callable, Mapping, Sequence

import ipywidgets as w

from oefenkit.certificate_pdf import certificate_url
from oefenkit.certification import load_rules
from oefenkit.errors import OefenkitError
from oefenkit.identity import Actor
from oefenkit.permissions import roles
from oefenkit.programmes import load_paths
from oefenkit.requirements import RECORDED_KINDS, refresher_label
from oefenkit.settings import load_settings

from .formatting import LOCAL_TZ, day_text, fixed, local_time, percent
from .notice import Notice
from .requirements import RequirementsForm
from .statistics_link import statistics_link_html

__all__ = [
    "ProposalCard",
    "SupervisedCaseForm",
    "CertificateRegister",
    "CertificatesPanel",
    "certificates_page",
    "own_certificates_html",
    "register_html",
    "statistics_html",
    "path_requirements_html",
]

STATUS_CLASSES = {"geldig": "ok-status-valid", "verloopt binnenkort": "ok-status-expiring",
                  "verlopen": "ok-status-expired", "verlopen: terugkomdag gemist": "ok-status-expired",
                  "ingetrokken": "ok-status-revoked"}


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def path_requirements_html(statistics: Mapping[str, Any]) -> str:
    """The requirements a path proposal rests on: label, how often done and the dates."""
    rows = []
    for r in (statistics or {}).get("requirements") or []:
        dates = ", ".join(day_text(dt.date.fromisoformat(d)) for d in r.get("dates") or [])
        state = "gedaan" if r.get("done") else ("niet verplicht" if not r.get("required", True) else "open")
        rows.append(f"<tr><td>{_e(r.get('label', r.get('code')))}</td>"
                    f"<td>{_e(min(r.get('done_count', 0), r.get('count', 0)))} van {_e(r.get('count'))}</td>"
                    f"<td>{_e(dates or '–')}</td><td>{_e(state)}</td></tr>")
    return ("<table class='ok-proposal-requirements'><thead><tr><th>Eis</th><th>Gedaan</th><th>Data</th>"
            f"<th>Stand</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _path_kind(proposal: Mapping[str, Any]) -> str | None:
    """``registration`` or ``certificate`` for a path proposal; None for a test's proposal."""
    stats = proposal.get("statistics") or {}
    if not stats.get("path"):
        return None
    rule = proposal.get("rule") or {}
    return ((rule.get("path") or {}).get("validity") or {}).get("kind") or "certificate"


def _band(band: Mapping[str, Any] | None) -> str:
    if not band or not band.get("consensus_items"):
        return "–"
    return f"{band.get('recognised', 0)} van {band['consensus_items']}"


def reason_text(reason: str, scale_titles: Mapping[str, str] | None = None) -> str:
    """A stored reason with its scale named, not coded ("cooperatie: …" → "Coöperatie: …"), by
    ``scale_titles`` (code → title, from the loaded scales)."""
    code, sep, rest = reason.partition(": ")
    titles = scale_titles or {}
    return f"{titles[code]}: {rest}" if sep and code in titles else reason


def statistics_html(statistics: Mapping[str, Any], scale_titles: Mapping[str, str] | None = None) -> str:
    """The statistics the rules based a proposal on, one row per scale (Dutch labels; ``scale_titles``
    name the scales, a scale without a title shows its code with a capital)."""
    scales = (statistics or {}).get("scales") or {}
    if not scales:
        return "<p>Er zijn geen cijfers bij dit voorstel opgeslagen.</p>"
    head = ("<tr><th>Schaal</th><th>Fragmenten</th><th>ICC(A,1)</th><th>Binnen één punt</th>"
            "<th>Gemiddeld verschil</th><th>Lage uitersten herkend</th><th>Hoge uitersten herkend</th></tr>")
    rows = []
    for code, s in scales.items():
        rows.append(
            f"<tr><td>{_e((scale_titles or {}).get(code) or code.capitalize())}</td><td>{_e(s.get('n_clips', s.get('n_items', '–')))}</td>"
            f"<td>{_e(fixed(s.get('icc_a1')))}</td><td>{_e(percent(s.get('within_one')))}</td>"
            f"<td>{_e(fixed(s.get('bias'), signed=True))}</td><td>{_e(_band(s.get('low_extremes')))}</td>"
            f"<td>{_e(_band(s.get('high_extremes')))}</td></tr>")
    return (f"<table class='ok-proposal-stats-table'><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"
            + statistics_link_html())


# -- one proposal -------------------------------------------------------------------------------


class ProposalCard(w.VBox):
    """One undecided proposal with the two decisions a trainer can take.

    ``decide(decision_id, accept, reason)`` calls the core and returns its result dict
    (``kind``, ``passed``, ``certificate``); a domain error is shown as a Dutch notice and
    nothing changes. ``on_decided(result)`` is called after a stored decision.
    """

    def __init__(self, proposal: Mapping[str, Any], decide: Callable[[int, bool, str], Mapping[str, Any]],
                 *, format_time: Callable[[dt.datetime], str] = local_time,
                 on_decided: Callable[[Mapping[str, Any]], None] | None = None,
                 scale_titles: Mapping[str, str] | None = None):
        self.proposal = dict(proposal)
        self.decision_id = int(proposal["decision_id"])
        self._decide = decide
        self._on_decided = on_decided
        passed = bool(proposal["passed"])
        self.path_kind = _path_kind(proposal)
        if self.path_kind is not None:
            outcome = ("Voorstel: registreren als uitvoerder" if self.path_kind == "registration"
                       else "Voorstel: certificaat uitgeven")
            when = f"Alle verplichte eisen gedaan op {format_time(proposal['proposed_at'])}"
        else:
            outcome = "Voorstel: geslaagd" if passed else "Voorstel: nog niet geslaagd"
            when = f"Toets ingeleverd {format_time(proposal['proposed_at'])}"
        title = w.HTML(
            f"<h3>{_e(proposal['display_name'])} <span class='ok-muted'>({_e(proposal['username'])})</span> · "
            f"{_e(proposal['programme_name'])}</h3>"
            f"<p class='ok-muted'>{_e(when)}</p>")
        self.outcome = w.HTML(f"<p><strong>{_e(outcome)}</strong></p>")
        self.outcome.add_class("ok-proposal-outcome")
        self.outcome.add_class("ok-proposal-passed" if passed else "ok-proposal-failed")
        reasons = "".join(f"<li>{_e(reason_text(r, scale_titles))}</li>" for r in proposal.get("reasons") or [])
        self.reasons = w.HTML(f"<ul>{reasons}</ul>")
        self.reasons.add_class("ok-proposal-reasons")
        self.stats = w.HTML(path_requirements_html(proposal.get("statistics") or {}) if self.path_kind else
                            statistics_html(proposal.get("statistics") or {}, scale_titles))
        self.stats.add_class("ok-proposal-stats")
        self.supervised = w.HTML()
        self.supervised.add_class("ok-proposal-supervised")
        self.set_supervised(int(proposal.get("supervised_cases") or 0))
        certificate = proposal.get("certificate")
        issued = w.HTML(
            f"<p>De toets heeft al certificaat <code>{_e(certificate)}</code> uitgegeven; afwijken trekt het in.</p>"
            if certificate else "")
        self.reason = w.Textarea(placeholder="Reden om af te wijken (verplicht als je afwijkt)",
                                 layout=w.Layout(width="100%", height="4rem"))
        self.reason.add_class("ok-proposal-reason")
        self.accept_button = w.Button(description="Voorstel overnemen", button_style="primary",
                                      layout=w.Layout(width="auto"))
        self.accept_button.add_class("ok-proposal-accept")
        self.override_button = w.Button(description="Afwijken", button_style="warning", layout=w.Layout(width="auto"))
        self.override_button.add_class("ok-proposal-override")
        self.message = w.Box()
        self.message.add_class("ok-proposal-result")
        self.accept_button.on_click(lambda _b: self._submit(True))
        self.override_button.on_click(lambda _b: self._submit(False))
        super().__init__([title, self.outcome, self.reasons, self.stats, self.supervised, issued, self.reason,
                          w.HBox([self.accept_button, self.override_button]), self.message])
        self.add_class("ok-card")
        self.add_class("ok-proposal")
        self.add_class(f"ok-proposal-{self.decision_id}")
        self.decided = False

    def set_supervised(self, count: int) -> None:
        """Show how many supervised cases are recorded (only when the programme's rule asks for them)."""
        required = int(self.proposal.get("required_supervised_cases") or 0)
        self.proposal["supervised_cases"] = count
        if not required:
            self.supervised.value = ""
            return
        done = "voldoende" if count >= required else "nog niet voldoende"
        self.supervised.value = (f"<p>Begeleide casussen (uitgevoerd en besproken): <strong>{count} van "
                                 f"{required}</strong> — {done}.</p>")

    def _submit(self, accept: bool) -> None:
        if self.decided:
            return
        try:
            result = self._decide(self.decision_id, accept, "" if accept else self.reason.value)
        except OefenkitError as exc:
            self.message.children = (Notice(str(exc), kind="error"),)
            return
        self.decided = True
        self.accept_button.disabled = self.override_button.disabled = self.reason.disabled = True
        what = "Voorstel overgenomen" if result["kind"] == "accepted" else "Afgeweken van het voorstel"
        outcome = "geslaagd" if result["passed"] else "niet geslaagd"
        text = f"{what}: {outcome}. Het besluit is vastgelegd."
        cert = result.get("certificate")
        if cert is not None and self.path_kind == "registration":
            text += f" Registratie {cert.code} is vastgelegd, actief tot {day_text(cert.valid_until)}."
        elif cert is not None:
            text += f" Certificaat {cert.code} is uitgegeven."
        elif not result["passed"] and self.proposal.get("certificate"):
            text += f" Certificaat {self.proposal['certificate']} is ingetrokken."
        self.message.children = (Notice(text),)
        if self._on_decided is not None:
            self._on_decided(result)


# -- supervised cases -----------------------------------------------------------------------------


class SupervisedCaseForm(w.VBox):
    """Record a case a person carried out and discussed in supervision.

    ``record(username, programme_code, note)`` stores it; ``count(username, programme_code)``
    returns how many are recorded now. ``required`` maps programme code → the rule's number
    (shown as "x van 2").
    """

    def __init__(self, people: Sequence[tuple[str, str]], programmes: Sequence[tuple[str, str]],
                 record: Callable[[str, str, str], Any], count: Callable[[str, str], int],
                 required: Mapping[str, int] | None = None,
                 on_recorded: Callable[[str, str, int], None] | None = None,
                 default_programme: str | None = None):
        self._record, self._count, self._on_recorded = record, count, on_recorded
        self.required = dict(required or {})
        self.person = w.Dropdown(options=list(people), value=None, description="Cursist",
                                 layout=w.Layout(width="28rem"))
        self.person.add_class("ok-supervised-person")
        options = list(programmes)
        values = [v for _, v in options]
        self.programme = w.Dropdown(options=options, description="Programma", layout=w.Layout(width="28rem"),
                                    value=default_programme if default_programme in values else
                                    (values[0] if values else None))
        self.programme.add_class("ok-supervised-programme")
        self.note = w.Textarea(placeholder="Welke casus is uitgevoerd en wanneer is hij besproken?",
                               layout=w.Layout(width="100%", height="4rem"))
        self.note.add_class("ok-supervised-note")
        self.save = w.Button(description="Casus vastleggen", button_style="primary", layout=w.Layout(width="auto"))
        self.save.add_class("ok-supervised-save")
        self.status = w.HTML()
        self.status.add_class("ok-supervised-count")
        self.message = w.Box()
        self.save.on_click(self._on_save)
        self.person.observe(lambda _c: self._show_count(), names="value")
        self.programme.observe(lambda _c: self._show_count(), names="value")
        super().__init__([
            w.HTML("<p>Leg per cursist vast welke casus is uitgevoerd en in supervisie besproken. Voor de "
                   "Ouder-baby interventie zijn er twee nodig naast de scoringstoets.</p>"),
            self.person, self.programme, self.note, w.HBox([self.save]), self.status, self.message])
        self.add_class("ok-supervised")

    def _show_count(self) -> None:
        username, programme = self.person.value, self.programme.value
        if not username or not programme:
            self.status.value = ""
            return
        try:
            n = self._count(username, programme)
        except OefenkitError as exc:
            self.status.value = f"<p>{_e(exc)}</p>"
            return
        required = self.required.get(programme)
        suffix = f" van {required}" if required else ""
        self.status.value = f"<p>Vastgelegd voor deze cursist: <strong>{n}{suffix}</strong> casussen.</p>"

    def _on_save(self, _button=None) -> None:
        username, programme = self.person.value, self.programme.value
        if not username:
            self.message.children = (Notice("Kies eerst een cursist.", kind="error"),)
            return
        try:
            self._record(username, programme, self.note.value)
            n = self._count(username, programme)
        except OefenkitError as exc:
            self.message.children = (Notice(str(exc), kind="error"),)
            return
        self.note.value = ""
        required = self.required.get(programme)
        suffix = f" van {required}" if required else ""
        self.message.children = (Notice(f"Casus vastgelegd; nu {n}{suffix} begeleide casussen."),)
        self._show_count()
        if self._on_recorded is not None:
            self._on_recorded(username, programme, n)


# -- register -------------------------------------------------------------------------------------


def register_html(rows: Sequence[Mapping[str, Any]], certificate_url: Callable[[str], str], *,
                  empty: str = "Er zijn nog geen certificaten.") -> str:
    """A table of certificates: holder, programme, issued, valid until, status, code and PDF link."""
    if not rows:
        return f"<p>{_e(empty)}</p>"
    head = ("<tr><th>Houder</th><th>Programma</th><th>Uitgegeven</th><th>Geldig tot</th><th>Status</th>"
            "<th>Verificatiecode</th><th>Certificaat</th></tr>")
    body = []
    for c in rows:
        url = certificate_url(c["code"])
        body.append(
            f"<tr class='ok-register-row' data-code='{_e(c['code'])}'>"
            f"<td>{_e(c['display_name'])} <span class='ok-muted'>({_e(c['username'])})</span></td>"
            f"<td>{_e(c['programme_name'])}{' (registratie)' if c.get('kind') == 'registration' else ''}</td>"
            f"<td>{_e(day_text(c['issued']))}</td>"
            f"<td>{_e(day_text(c['valid_until']))}</td>"
            f"<td class='ok-status {STATUS_CLASSES.get(c['status'], '')}'>{_e(c['status'])}</td>"
            f"<td><code class='ok-certificate-code'>{_e(c['code'])}</code></td>"
            f"<td><a class='ok-certificate-download' href='{_e(url)}' target='_blank' rel='noopener'>PDF</a></td>"
            f"</tr>")
    return f"<table><thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"


def own_certificates_html(rows: Sequence[Mapping[str, Any]], certificate_url: Callable[[str], str]) -> str:
    """A person's own certificates (``CertificatesService.list_certificates_of``) with the PDF link, for "Mijn gegevens"."""
    if not rows:
        return "<p>Je hebt nog geen certificaat.</p>"
    items = []
    for c in rows:
        state = "ingetrokken" if c.get("revoked") else ("geldig" if c["valid"] else "verlopen")
        state = c.get("status") or state
        what = "registratie als uitvoerder" if c.get("kind") == "registration" else "certificaat"
        until = "actief tot" if c.get("kind") == "registration" else "geldig tot"
        items.append(
            f"<li>{_e(c['programme_name'])} ({what}): uitgegeven {_e(day_text(c['issued']))}, {until} "
            f"{_e(day_text(c['valid_until']))} ({_e(state)}) · verificatiecode "
            f"<code class='ok-certificate-code'>{_e(c['code'])}</code> · "
            f"<a class='ok-certificate-download' href='{_e(certificate_url(c['code']))}' target='_blank' "
            f"rel='noopener'>PDF downloaden</a></li>")
    return f"<ul>{''.join(items)}</ul>"


class CertificateRegister(w.VBox):
    """The register (``CertificatesService.certificate_register`` rows) and the list "Verloopt binnenkort"."""

    def __init__(self, rows: Sequence[Mapping[str, Any]], certificate_url: Callable[[str], str], *,
                 expiring_days: int = 90):
        self._url = certificate_url
        self.expiring_days = expiring_days
        self.expiring = w.HTML()
        self.expiring.add_class("ok-table")
        self.expiring.add_class("ok-register-expiring")
        self.table = w.HTML()
        self.table.add_class("ok-table")
        self.table.add_class("ok-register")
        super().__init__([
            w.HTML(f"<h3>Verloopt binnenkort (binnen {expiring_days} dagen)</h3>"), self.expiring,
            w.HTML("<h3>Alle certificaten</h3>"), self.table])
        self.update(rows)

    def update(self, rows: Sequence[Mapping[str, Any]]) -> None:
        self.rows = [dict(r) for r in rows]
        soon = [r for r in self.rows if r["status"] == "verloopt binnenkort"]
        self.expiring.value = register_html(soon, self._url,
                                            empty="Geen certificaten die binnenkort verlopen.")
        self.table.value = register_html(self.rows, self._url)


# -- the panel ------------------------------------------------------------------------------------


class CertificatesPanel(w.VBox):
    """Te beslissen · Begeleide casussen · Register, over plain data and callbacks."""

    def __init__(self, proposals: Sequence[Mapping[str, Any]], decide: Callable[[int, bool, str], Mapping[str, Any]],
                 supervised_form: SupervisedCaseForm, register_rows: Callable[[], Sequence[Mapping[str, Any]]],
                 certificate_url: Callable[[str], str], *, expiring_days: int = 90,
                 format_time: Callable[[dt.datetime], str] | None = None,
                 requirements_form: Any = None,
                 load_proposals: Callable[[], Sequence[Mapping[str, Any]]] | None = None,
                 scale_titles: Mapping[str, str] | None = None):
        self._register_rows = register_rows
        self._decide = decide
        self._card_kwargs: dict[str, Any] = {"scale_titles": scale_titles}
        if format_time:
            self._card_kwargs["format_time"] = format_time
        self._load_proposals = load_proposals
        self.cards = [ProposalCard(p, decide, on_decided=self._refresh_register, **self._card_kwargs)
                      for p in proposals]
        self.no_proposals = w.HTML("<p>Er wachten geen voorstellen op een besluit.</p>")
        self.proposals_box = proposals_box = w.VBox(self.cards or [self.no_proposals])
        proposals_box.add_class("ok-proposals")
        self.requirements_form = requirements_form
        if requirements_form is not None:
            requirements_form.on_recorded = lambda _username, _programme: self.reload_proposals()
        self.supervised_form = supervised_form
        supervised_form._on_recorded = self._update_counts
        self.register = CertificateRegister(register_rows(), certificate_url, expiring_days=expiring_days)
        self.message = w.Box()
        requirements = [w.HTML("<h2>Eisen per programma</h2>"), requirements_form] if requirements_form else []
        super().__init__([
            w.HTML("<h2>Te beslissen</h2><p>De kit stelt een besluit voor na elke ingeleverde toets en zodra "
                   "iemand alle verplichte eisen van een programmapad heeft gedaan. Neem het voorstel over, of "
                   "wijk ervan af met een reden; beide worden vastgelegd met waar het op rust.</p>"),
            proposals_box, *requirements,
            w.HTML("<h2>Begeleide casussen</h2>"), supervised_form,
            w.HTML("<h2>Register</h2>"), self.register, self.message])
        self.add_class("ok-certificates")

    def reload_proposals(self) -> None:
        """Add a card for every proposal that appeared since the page was built (a record that
        completed a path)."""
        if self._load_proposals is None:
            return
        try:
            proposals = self._load_proposals()
        except OefenkitError as exc:
            self.message.children = (Notice(str(exc), kind="error"),)
            return
        shown = {card.decision_id for card in self.cards}
        new = [ProposalCard(p, self._decide, on_decided=self._refresh_register, **self._card_kwargs)
               for p in proposals if int(p["decision_id"]) not in shown]
        if new:
            self.cards += new
            self.proposals_box.children = tuple(self.cards)

    def _refresh_register(self, _result=None) -> None:
        try:
            self.register.update(self._register_rows())
        except OefenkitError as exc:
            self.message.children = (Notice(str(exc), kind="error"),)

    def _update_counts(self, username: str, programme: str, count: int) -> None:
        for card in self.cards:
            if card.proposal["username"] == username and card.proposal["programme"] == programme:
                card.set_supervised(count)


def certificates_page(kit, person: Actor, *, rules=None, paths=None, expiring_days: int = 90) -> CertificatesPanel:
    """The "Certificering" app over the façade (staff only; the verbs check).

    ``rules`` (programme → :class:`~oefenkit.certification.CertificationRule`) default to the
    content directory's rules; they give the validity of a certificate a decision issues and
    the number of supervised cases each programme asks for. ``paths`` (programme →
    :class:`~oefenkit.programmes.ProgrammePath`) default to the content directory's paths; opening
    the page adds the proposals of paths completed without a record (``RequirementsService.propose_complete_paths``).
    """
    settings = load_settings()
    if rules is None:
        rules = load_rules(settings.content_dir)
    if paths is None:
        paths = load_paths(settings.content_dir)
    kit.requirements.propose_complete_paths(person, paths=paths)  # e.g. a path whose scoring test passed last
    proposals = kit.certificates.list_open_proposals(person)
    names = {p["code"]: p["name"] for p in kit.people.list_programmes()}
    cursists = [(f"{p['display_name']} ({p['username']})", p["username"])
                for p in kit.people.list_people(person) if p["role"] in roles().learners]
    form = SupervisedCaseForm(
        cursists, [(names.get(code, code), code) for code in sorted(names)],
        record=lambda username, programme, note: kit.certificates.record_supervised_case(person, username, programme, note),
        count=lambda username, programme: kit.certificates.count_supervised_cases(person, username, programme),
        required={code: rule.required_supervised_cases for code, rule in rules.items()
                  if rule.required_supervised_cases},
        default_programme=next((c for c, r in rules.items() if r.required_supervised_cases), None))
    people = [(f"{p['display_name']} ({p['username']})", p["username"]) for p in kit.people.list_people(person)]
    recordable = {}
    for code, path in paths.items():
        options = [(r.label, r.code) for r in path.requirements if r.kind in RECORDED_KINDS]
        if path.validity.refresher:
            options.append((refresher_label(path), path.validity.refresher))
        options += [(a.label, a.code) for a in path.activities]
        recordable[code] = options
    requirements_form = RequirementsForm(
        people, [(names.get(code, path.name), code) for code, path in sorted(paths.items())], recordable,
        progress=lambda username, programme: kit.requirements.requirement_progress(person, username, programme, paths=paths),
        record=lambda username, programme, code, day, note: kit.requirements.record_requirement(
            person, username, programme, code, day, note, paths=paths),
        remove=lambda record_id: kit.requirements.remove_requirement_record(person, record_id),
        today=dt.datetime.now(LOCAL_TZ).date())
    return CertificatesPanel(
        proposals, lambda decision_id, accept, reason: kit.certificates.decide_certificate(
            person, decision_id, accept=accept, reason=reason, rules=rules),
        form, lambda: kit.certificates.certificate_register(person, expiring_within_days=expiring_days), certificate_url,
        expiring_days=expiring_days,
        format_time=local_time, requirements_form=requirements_form,
        load_proposals=lambda: kit.certificates.list_open_proposals(person),
        scale_titles={sc.code: sc.title for sc in kit.cases.current_scales()})
