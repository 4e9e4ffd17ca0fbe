"""App bodies composed from components over the core façade (``Kit``).

They receive the façade and the person; every read goes through the façade's
permission checks.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import ipywidgets as w

from oefenkit.apps import apps_for
from oefenkit.identity import Actor, role_label
from oefenkit.storage.kit import Kit

from .landing import LandingPage
from .tables import DataTable

__all__ = ["landing_page", "profile_page", "people_page", "local_time"]

_MODE_LABELS = {"practice": "oefenen", "exam": "toets", "session": "terugkomdag"}
#: Times are stored in UTC and shown in Dutch local time.
LOCAL_TZ = ZoneInfo("Europe/Amsterdam")


def local_time(moment: dt.datetime) -> str:
    """``dd-mm-jjjj uu:mm`` in Dutch local time (naive values are taken as UTC, as SQLite returns them)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(LOCAL_TZ).strftime("%d-%m-%Y %H:%M")


def landing_page(person: Actor) -> LandingPage:
    return LandingPage(person.display_name, person.role_label, apps_for(person))


def profile_page(kit: Kit, person: Actor, *, paths=None) -> w.VBox:
    """Mijn gegevens. ``paths`` (programme → path) default to the content directory's programme
    paths; "Wat heb ik nog nodig?" shows those of the person's groups (all when none has one)."""
    groups = kit.list_groups(person)
    ratings = kit.list_ratings(person, rater_username=person.username)
    details = DataTable(
        ["", ""],
        [
            ["Naam", person.display_name],
            ["Gebruikersnaam", person.username],
            ["Rol", person.role_label],
            ["Groepen", ", ".join(g.name for g in groups if person.id and g.id in person.group_ids) or "geen"],
        ],
        css_class="ok-profile",
        label="Mijn gegevens",
    )
    # Titles and names, not codes (docs/woordenlijst.md).
    titles = {c.code: c.title for c in kit.list_cases(person)}
    scale_names = {sc.code: sc.name for sc in kit.list_scales()}
    rating_rows = [
        [local_time(r.created_at), titles.get(r.case_code, r.case_code), scale_names.get(r.scale_code, r.scale_code),
         r.score,
         "intervisie" if r.mode == "session" and not r.live else _MODE_LABELS[r.mode]]
        for r in ratings
    ]
    history = DataTable(["Datum", "Casus", "Schaal", "Score", "Soort"], rating_rows,
                        empty="Je hebt nog geen beoordelingen gegeven.", css_class="ok-my-ratings",
                        label="Mijn beoordelingen")
    from oefenkit.certificate_pdf import certificate_url

    from .certificates import own_certificates_html

    certificates = w.HTML(own_certificates_html(kit.list_certificates_of(person, person.username), certificate_url))
    certificates.add_class("ok-my-certificates")
    import html

    from oefenkit.apps import export_url

    own_export = w.HTML(
        f"<p><a class='ok-export-download' href='{html.escape(export_url(person.username), quote=True)}' "
        f"download='gegevens-{html.escape(person.username, quote=True)}.json' target='_blank'>Al mijn gegevens "
        "downloaden (JSON)</a>: alles wat de kit over jou bewaart (AVG).</p>")
    own_export.add_class("ok-my-export")
    from .session import session_history_table

    sessions = session_history_table(kit.session_history(person), local_time)
    from .requirements import what_i_need_page_part

    if paths is None:
        from oefenkit.programmes import load_paths
        from oefenkit.settings import load_settings

        paths = load_paths(load_settings().content_dir)
    mine = sorted({g.programme_code for g in groups if person.id and g.id in person.group_ids and g.programme_code})
    needed = what_i_need_page_part(kit, person, paths, mine)
    return w.VBox([details, w.HTML("<h2>Mijn beoordelingen</h2>"), history,
                   w.HTML("<h2>Wat heb ik nog nodig?</h2>"), needed,
                   w.HTML("<h2>Mijn certificaten</h2>"), certificates, w.HTML("<h2>Mijn gegevens</h2>"),
                   own_export, w.HTML("<h2>Mijn terugkomdagen</h2>"), sessions,
                   w.HTML("<h2>Waar ben ik ingelogd?</h2>"), _login_sessions(kit, person)])


def _login_sessions(kit: Kit, person: Actor) -> w.Widget:
    """Mijn gegevens: the person's own login sessions with "Overal afmelden" (standalone server)."""
    import os

    from oefenkit.logins import current_login_session
    from oefenkit.settings import site_url

    from .logins import LoginSessionsPanel

    if os.environ.get("JUPYTERHUB_USER"):
        return w.HTML("<p>Je bent ingelogd via JupyterHub; afmelden doe je in JupyterHub.</p>")
    return LoginSessionsPanel(kit.list_login_sessions(person, person.username), current_login_session(),
                              lambda: kit.remove_login_sessions(person, person.username), local_time,
                              login_url=site_url("/login"))


def people_page(kit: Kit, person: Actor) -> w.VBox:
    people = kit.list_people(person)
    table = DataTable(
        ["Gebruikersnaam", "Naam", "Rol", "Groepen"],
        [[p["username"], p["display_name"], role_label(p["role"]), ", ".join(p["groups"]) or "-"] for p in people],
        empty="Er zijn nog geen personen.",
        css_class="ok-people-table",
        label="Personen",
    )
    groups = kit.list_groups(person)
    group_table = DataTable(
        ["Groep", "Programma", "Leden"],
        [[g.name, g.programme_code or "-", len(g.member_usernames)] for g in groups],
        empty="Er zijn nog geen groepen.",
        css_class="ok-groups-table",
        label="Groepen",
    )
    return w.VBox([w.HTML("<h2>Personen</h2>"), table, w.HTML("<h2>Groepen</h2>"), group_table])


# -- practice (Oefenen met scoren) ---------------------------------------------------------------


def practice_page(kit: Kit, person: Actor) -> w.VBox:
    """The practice app: the practice clips, one clip with two scorers, feedback, history.

    Every read and write goes through the façade (``practice_overview``,
    ``submit_practice``, ``practice_history``), which returns expert
    information only for practice cases the person has just scored. The page
    builds its widgets once and only changes their values afterwards.
    """
    import html
    import uuid

    from oefenkit.errors import OefenkitError
    from oefenkit.practice import clip_url, subtitles_url

    from .notice import Notice
    from .practice import (
        CaseList,
        FeedbackPanel,
        HistoryView,
        ScaleScorer,
        VideoPlayer,
        case_hook,
    )
    from .reveal import reveal, reveal_anchor

    scales = kit.current_scales()  # the newest version of each scale, in the content's order
    overview = kit.practice_overview(person)
    titles = {c.code: c.title for c in overview}
    # The open case and the id of its submission: a double click or a retry stores the attempt once.
    current: dict[str, str | None] = {"code": None, "submission": None}

    def update_submit(_value=None):
        submit.disabled = current["code"] is None or any(s.value is None for s in scorers) or scorers[0].disabled

    scorers = [ScaleScorer.of(sc, update_submit) for sc in scales]
    player = VideoPlayer()
    case_title = w.HTML()
    case_title.add_class("ok-practice-case-title")
    # continuous_update=False: sent whole when the field loses focus, so a quick Tab + Enter never
    # submits a note whose last keystrokes are still waiting in the front end's message throttle
    note = w.Textarea(placeholder="Waarom kies je deze scores? Noem wat je in het fragment zag.",
                      description="Toelichting", layout=w.Layout(width="100%", height="5rem"),
                      continuous_update=False)
    note.add_class("ok-note")
    submit = w.Button(description="Inleveren en feedback bekijken", button_style="primary", disabled=True,
                      layout=w.Layout(width="auto"))
    submit.add_class("ok-submit")
    back = w.Button(description="← Terug naar de lijst", layout=w.Layout(width="auto"))
    back.add_class("ok-back")
    message = w.Box()
    feedback = FeedbackPanel()
    history = HistoryView(kit.practice_history(person), format_time=local_time, scales=scales)

    scorer_row = w.HBox(scorers, layout=w.Layout(flex_flow="row wrap", align_items="flex-start"))
    workspace = w.VBox([w.HBox([back]), case_title, player, scorer_row, note, w.HBox([submit]), message, feedback],
                       layout=w.Layout(display="none"))
    workspace.add_class("ok-practice-workspace")

    def open_case(code: str) -> None:
        current["code"], current["submission"] = code, uuid.uuid4().hex
        case_title.value = f"<h2>{html.escape(titles.get(code, code))}</h2>"
        player.set_source(clip_url(code), subtitles_url(code))
        for s in scorers:
            s.reset()
        note.value, note.disabled = "", False
        message.children = ()
        feedback.clear()
        update_submit()
        overview_box.layout.display = "none"
        workspace.layout.display = None
        reveal(".ok-practice-case-title h2")  # the clicked button is gone: focus the clip's title

    def show_list(_button=None) -> None:
        code = current["code"]
        current["code"] = None
        player.set_source(None)  # stops the video
        workspace.layout.display = "none"
        overview_box.layout.display = None
        if code is not None:  # back where the person left the list
            reveal(f".{case_hook(code)} .ok-case-open")

    def on_submit(_button) -> None:
        code = current["code"]
        if code is None:
            return
        submit.disabled = True
        try:
            result = kit.submit_practice(person, code, {s.scale_code: s.value for s in scorers}, note.value,
                                         submission_id=current["submission"])
        except OefenkitError as exc:
            message.children = (Notice(str(exc), kind="error"),)
            update_submit()
            reveal(".ok-practice-workspace .ok-notice-error")
            return
        for s in scorers:
            s.disabled = True
        note.disabled = True
        message.children = ()
        feedback.show(result)
        reveal(".ok-practice-workspace .ok-feedback")
        try:
            case_list.update(kit.practice_overview(person))
            history.update(kit.practice_history(person))
        except OefenkitError as exc:  # the attempt is stored; only the overview could not be refreshed
            message.children = (Notice(str(exc), kind="error"),)

    submit.on_click(on_submit)
    back.on_click(show_list)
    case_list = CaseList(overview, on_open=open_case, scales=scales)
    from oefenkit.scales import in_words

    intro = w.HTML(
        "<p>Kies een fragment, bekijk het (je kunt terugspoelen en pauzeren) en geef een score op "
        f"{html.escape(in_words(scales))}. Schrijf kort op waarom. Na het inleveren zie je de consensus van de experts, "
        "hun spreiding en onderbouwing, en hoeveel jouw score afwijkt.</p>")
    overview_box = w.VBox([intro, w.HTML("<h2>Oefenfragmenten</h2>"), case_list, history])
    page = w.VBox([overview_box, workspace, reveal_anchor()])
    page.add_class("ok-practice")
    return page


__all__ += ["practice_page"]


def exam_page(kit: Kit, person: Actor, *, rules=None, max_attempts: int | None = None,
              demo_certificates: bool | None = None) -> w.VBox:
    """The certification test: start panel, then the attempt (resumed if open), then the result.

    Offers only the programmes whose path has an enabled scoring test and that are the person's
    (``Actor.exam_programmes``), each with its exam sets (``Kit.list_exam_sets``): the
    organisation's own sets certify, a public set is an oefentoets. ``rules`` (programme →
    :class:`~oefenkit.certification.CertificationRule`), ``max_attempts`` and
    ``demo_certificates`` default to the content directory's rules and the settings. The flow
    only ever holds what the exam verbs return: no expert data before submission.
    """
    from oefenkit.certificate_pdf import certificate_url
    from oefenkit.certification import load_rules
    from oefenkit.practice import clip_url, subtitles_url
    from oefenkit.settings import load_settings

    from .exam import ExamFlow, ExamStart, rule_lines, set_label

    if rules is None or max_attempts is None or demo_certificates is None:
        settings = load_settings()
        rules = load_rules(settings.content_dir) if rules is None else rules
        max_attempts = settings.exam_max_attempts if max_attempts is None else max_attempts
        demo_certificates = settings.demo_certificates if demo_certificates is None else demo_certificates
    names = {p["code"]: p["name"] for p in kit.list_programmes()}
    codes = sorted(code for code in rules if code in person.exam_programmes)
    programmes = [(names.get(code, code), code) for code in codes]
    exam_sets = {code: kit.list_exam_sets(person, code) for code in codes}
    public = {es.code: es.public for sets in exam_sets.values() for es in sets}
    default = next((c for c in person.programmes if c in codes), codes[0] if codes else None)

    def used(set_code: str | None) -> int:
        return sum(1 for a in kit.list_exam_attempts(person, person.username) if a.case_set_code == set_code)

    scales = kit.current_scales()  # the exam asks a score on each (the rule judges the ones it names)

    def make_start(on_start):
        if not programmes:
            from .notice import Notice
            return Notice("Bij jouw programma hoort geen certificeringstoets in de kit.")

        def blocked(_programme: str, set_code: str | None) -> str:
            if used(set_code) >= max_attempts:
                return f"Je hebt alle {max_attempts} pogingen op deze toetsset gebruikt. Neem contact op met je trainer."
            return ""

        def lines(programme: str, set_code: str | None) -> list[str]:
            practice = public.get(set_code, False)
            return rule_lines(rules[programme].as_dict(), max_attempts, used(set_code),
                              practice=practice and not demo_certificates, demo=practice and demo_certificates,
                              scales=scales)

        return ExamStart(programmes, default,
                         lambda p: [(set_label(es, demo=demo_certificates), es.code) for es in exam_sets[p]],
                         lines, on_start, blocked=blocked,
                         practice=lambda set_code: public.get(set_code, False) and not demo_certificates)

    # Reopening the app shows the latest result (not the start panel) until a new attempt starts.
    submitted = [a for a in kit.list_exam_attempts(person, person.username) if a.submitted_at is not None]
    latest = kit.find_exam_outcome(person, submitted[-1].id) if submitted else None
    flow = ExamFlow(
        open_attempt=kit.find_open_exam(person),
        make_start=make_start,
        start=lambda programme, set_code: kit.start_exam(person, programme, set_code, max_attempts=max_attempts),
        progress=lambda attempt_id: kit.exam_progress(person, attempt_id),
        save=lambda attempt_id, case, scores, note: kit.save_exam_rating(person, attempt_id, case, scores, note),
        submit=lambda attempt_id: kit.submit_exam(person, attempt_id, rules=rules,
                                                  demo_certificates=demo_certificates),
        scales=scales, clip_url=clip_url, subtitles_url=subtitles_url, certificate_url=certificate_url,
        latest=latest, attempts=lambda set_code: (used(set_code), max_attempts),
    )
    return flow


__all__ += ["exam_page"]


# -- course modules (Lesmodules) ----------------------------------------------------------------


def modules_page(kit: Kit, person: Actor, content_dir, query: str | None = None) -> w.VBox:
    """The course-modules app: the modules of ``content_dir/modules`` with the person's own progress.

    The content is read (and validated) when the app starts; progress is read and
    written only through the façade (``list_module_progress``, ``update_module_progress``).
    ``?module=<code>`` in the page's query string (``query``, default the ``QUERY_STRING``
    Voilà passes to the kernel) opens that module at once, as the links from the screens
    with statistics do (:func:`oefenkit.apps.module_url`); an unknown code shows the list.
    """
    import os
    from pathlib import Path
    from urllib.parse import parse_qs

    from oefenkit.content import load_content

    from .modules import ModulesBrowser

    content = load_content(Path(content_dir))
    from oefenkit.scales import current

    newest: dict[str, dict] = {}
    for sc in current(content.scales):
        newest[sc.code] = {"name": sc.name, "anchors": sc.definition.get("anchors") or {},
                           "reference": sc.definition.get("reference") or ""}
    from oefenkit.practice import clip_url, subtitles_url

    cases = {}
    for c in kit.list_cases(person):
        cases[c.code] = {"title": c.title, "vignette": c.vignette,
                         "clip_url": clip_url(c.code) if c.clip_path else None,
                         "subtitles_url": subtitles_url(c.code) if c.clip_path else None}
    labels = {p.code: p.name for p in content.programmes}
    labels["context"] = "Context: opvoedproblemen, aanbod en de toets"
    progress = {p.module_code: p for p in kit.list_module_progress(person)}
    browser = ModulesBrowser(
        content.modules, progress, group_labels=labels,
        save=lambda code, **changes: kit.update_module_progress(person, code, **changes),
        situations={s.theme: s.as_dict() for s in content.voorbeeldsituaties},
        cases=cases, scales=newest,
    )
    query = os.environ.get("QUERY_STRING", "") if query is None else query
    wanted = (parse_qs(query).get("module") or [""])[0]
    if wanted in browser.modules:
        browser.open_module(wanted)
    return browser


__all__ += ["modules_page"]


# -- supervision: compare ratings (Beoordelingen vergelijken) --------------------------------------


def compare_page(kit: Kit, person: Actor) -> w.VBox:
    """The compare-ratings app: a group's scores on a set and scale against the expert consensus.

    The choices come from the façade (``list_groups``, ``list_cases`` for the set codes,
    ``current_scales``); "Toon" calls :func:`oefenkit.compare.comparison`, whose verbs check
    that the person is staff.
    """
    from oefenkit.compare import comparison

    from .compare import ComparePanel

    groups = [g.name for g in kit.list_groups(person)]
    set_codes = list(dict.fromkeys(code for case in kit.list_cases(person) for code in case.set_codes))
    set_names = {cs.code: cs.name for cs in kit.list_case_sets(person)}  # staff only, as this app
    scales = [(s.name, s.code) for s in kit.current_scales()]  # newest versions, in the content's order
    return ComparePanel(
        groups, [(set_names.get(code, code), code) for code in set_codes], scales,
        compute=lambda group, case_set, scale: comparison(kit, person, group_name=group,
                                                          case_set_code=case_set, scale_code=scale),
    )


__all__ += ["compare_page"]
