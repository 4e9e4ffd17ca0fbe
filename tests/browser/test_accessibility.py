"""WCAG 2.1 AA with axe-core in Chromium: every app, for every role that may open it, at 1366×768 and 390×844.

axe-core comes from npm in a local prefix (``.axe/``, installed by ``./kit test``) and is injected with
Playwright's ``add_script_tag``. Voilà scrolls inside ``#rendered_cells`` and axe skips what lies outside
the viewport, so each scan first makes the window as tall as the page (``full_height``).

The test passes with 0 critical and 0 serious violations; all counts (every impact) are reported at the end
of the run, per app, role and size. The rules it does not run are in ``EXCLUDED_RULES``, each with its reason.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path

import pytest

from oefenkit.apps import APPS, LANDING, apps_for
from oefenkit.identity import Actor

from ..live_server import oefenkit_cmd
from .test_login_landing import login
from .test_modules import walk_to_last_page
from .viewport import open_practice_clip, wait_in_view_and_focused

AXE = Path(__file__).resolve().parents[2] / ".axe" / "node_modules" / "axe-core" / "axe.min.js"
SAMPLE_CLIP = Path(__file__).resolve().parents[2] / "sample_cases" / "clips" / "bt-speelmat-01.mp4"
SIZES = ((1366, 768), (390, 844))
ROLES = {"cursist": "a11y.cursist", "trainer": "a11y.trainer", "coordinator": "a11y.coord"}
QUIZ_USER = "a11y.quiz"
BLOCKING = ("critical", "serious")
#: Rules not run, with the reason (no blanket excludes: everything else of WCAG 2.0/2.1 A and AA runs).
EXCLUDED_RULES: dict[str, str] = {}
#: WCAG 2.0 and 2.1, levels A and AA, plus axe's best practices (reported, only critical/serious block).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

#: (app id, role, state, width) -> list of violations {id, impact, nodes}
RESULTS: dict[tuple[str, str, str, int], list[dict]] = {}


@pytest.fixture(scope="module")
def a11y_server(live_server):
    """Own accounts (the server is shared by the whole session), one per role, and a clip in the
    Casusbibliotheek (uploaded with the command line) so that its detail view and expert form can be scanned."""
    for role, username in ROLES.items():
        live_server.add_user(username, role, f"Toegankelijk {role}")
    live_server.add_user(QUIZ_USER, "cursist", "Toegankelijk quiz")  # the modules remember the page and answers
    oefenkit_cmd(live_server.data_dir, "cases", "upload", str(SAMPLE_CLIP), "--title", "Toegankelijkheidstest")
    return live_server


def wait_ready(page) -> None:
    """The app has rendered: the kit's frame is there and Voilà's spinner is gone."""
    page.locator(".ok-page").first.wait_for()
    page.wait_for_function("() => !document.querySelector('#loading') || "
                           "getComputedStyle(document.querySelector('#loading')).display === 'none' || "
                           "document.querySelector('#loading').offsetParent === null")
    page.wait_for_timeout(400)


def full_height(page, width: int, height: int) -> int:
    """Set the window to ``width`` and as tall as the app (at least ``height``); return that height."""
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_timeout(250)
    tall = height
    for _ in range(3):  # the layout may change with the height (e.g. vh units): measure until stable
        needed = page.evaluate(
            """() => {
                 const rc = document.querySelector('#rendered_cells');
                 const inner = rc ? rc.getBoundingClientRect().top + window.scrollY + rc.scrollHeight : 0;
                 return Math.ceil(Math.max(document.documentElement.scrollHeight, document.body.scrollHeight,
                                           inner));
               }""")
        if needed <= tall:
            break
        tall = needed + 8
        page.set_viewport_size({"width": width, "height": tall})
        page.wait_for_timeout(250)
    return tall


def axe_scan(page) -> list[dict]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    options = {"runOnly": {"type": "tag", "values": TAGS},
               "rules": {rule: {"enabled": False} for rule in EXCLUDED_RULES},
               "resultTypes": ["violations"]}
    return page.evaluate(
        """async options => {
             const r = await axe.run(document, options);
             return r.violations.map(v => ({id: v.id, impact: v.impact,
               nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 160),
                                         summary: (n.failureSummary || '').slice(0, 300)}))}));
           }""", options)


def scan(page, app_id: str, role: str, state: str) -> None:
    for width, height in SIZES:
        full_height(page, width, height)
        RESULTS[(app_id, role, state, width)] = axe_scan(page)
    page.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})


# -- the states that showed violations besides each app's first screen ---------------------------------------

def modules_quiz_answered(page) -> None:
    """A module's check with an answer chosen (the chosen answer's colours)."""
    walk_to_last_page(page, "context-piramide")
    block = page.locator(".ok-quiz-question").first
    block.wait_for()
    block.locator(".ok-quiz-option").first.click()
    if block.locator(".ok-quiz-submit").count():
        block.locator(".ok-quiz-submit").click()
    block.locator(".ok-quiz-feedback").wait_for(state="visible")


def practice_clip_scored(page) -> None:
    """A practice clip open with a score chosen on one scale."""
    open_practice_clip(page, page.locator(".ok-case-open").first)
    page.locator(".ok-score-sensitivity .ok-score-7").click()
    page.locator(".ok-score-sensitivity .ok-score-7.ok-selected").wait_for()


def exam_clip_scored(page) -> None:
    """An exam attempt started, the first clip scored on one scale."""
    page.locator(".ok-exam-start").click()
    page.locator(".ok-exam").wait_for()
    wait_in_view_and_focused(page, ".ok-exam-case-title h2", timeout=60_000)
    page.locator(".ok-exam-scale-sensitiviteit .ok-score-6").click()
    page.locator(".ok-exam-scale-sensitiviteit .ok-score-6.ok-selected").wait_for()


def library_item_open(page) -> None:
    """A library item open: the details, the review and the experts' score form."""
    page.locator(".ok-library-open").first.click()
    page.locator(".ok-expert-scores").wait_for()
    page.locator(".ok-expert-row select").first.wait_for()


def dashboard_round_closed(page) -> None:
    """A live session with its first round played and closed (the controls, "Expertscore tonen" enabled)."""
    page.locator(".ok-session-create").click()
    page.locator(".ok-join-code").wait_for()
    page.locator(".ok-round-open").click()
    page.wait_for_function("() => !document.querySelector('.ok-round-close').disabled")
    page.locator(".ok-round-close").click()  # "Expertscore tonen" is enabled once the round is closed
    page.wait_for_function("() => !document.querySelector('.ok-reveal').disabled")


def beheer_person_chosen(page) -> None:
    """Beheer with another person chosen ("Deactiveren" enabled)."""
    page.locator(".ok-admin-person select").select_option(label=f"{ROLES['cursist']} – Toegankelijk cursist")
    page.wait_for_function("() => !document.querySelector('.ok-deactivate').disabled")


STATES = {
    "modules": [("quiz-antwoord", modules_quiz_answered)],
    "practice": [("fragment-gescoord", practice_clip_scored)],
    "exam": [("toets-gescoord", exam_clip_scored)],
    "library": [("expertformulier", library_item_open)],
    "dashboard": [("ronde-gesloten", dashboard_round_closed)],
    "beheer": [("persoon-gekozen", beheer_person_chosen)],
}


def landing_apps(page) -> dict[str, str]:
    """The app ids and URLs the landing page offers this person (every app the role may open)."""
    page.locator(".ok-landing").wait_for()
    links = page.eval_on_selector_all(
        ".ok-landing [class*='ok-app-'] a",
        """els => els.map(a => [Array.from(a.closest("[class*='ok-app-']").classList)
                                   .find(c => c.startsWith('ok-app-')).slice(7), a.href])""")
    return dict(links)


@pytest.mark.parametrize("role", list(ROLES))
def test_axe_finds_no_serious_violations(page, a11y_server, role, report):
    """Does axe-core (WCAG 2.0/2.1 A and AA) find no critical or serious violation on any app this role may
    open, in its first screen and in the states that showed violations, at 1366×768 and at 390×844, with the
    window as tall as the app?"""
    assert AXE.exists(), f"axe-core ontbreekt: {AXE} (./kit test installeert het met npm)"
    login(page, a11y_server.base_url, ROLES[role])
    wait_ready(page)
    scan(page, LANDING.id, role, "start")
    apps = landing_apps(page)
    # the landing page offers exactly the apps of the catalogue that this role may open
    assert set(apps) == {app.id for app in apps_for(actor(role))}, sorted(apps)
    unreached = []  # an app or state that could not be opened fails the test too, after the other scans
    for app_id, url in apps.items():
        try:
            page.goto(url)
            wait_ready(page)
            scan(page, app_id, role, "start")
            for state, reach in STATES.get(app_id, ()):
                reach(page)
                page.wait_for_timeout(300)
                scan(page, app_id, role, state)
        except Exception as exc:  # noqa: BLE001 - reported below with the app's name
            unreached.append(f"{app_id}: {type(exc).__name__}: {str(exc)[:300]}")
            page.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})

    if os.environ.get("OEFENKIT_AXE_JSON"):  # the full results, e.g. for the before/after figures
        with open(os.environ["OEFENKIT_AXE_JSON"], "a", encoding="utf-8") as out:
            for (app_id, r, state, width), violations in sorted(RESULTS.items()):
                if r == role:
                    out.write(json.dumps({"app": app_id, "role": r, "state": state, "width": width,
                                          "violations": violations}, ensure_ascii=False) + "\n")
    problems = []
    for (app_id, r, state, width), violations in sorted(RESULTS.items()):
        if r != role:
            continue
        counts = defaultdict(int)
        for v in violations:
            counts[v["impact"]] += 1
        report(f"axe {role:11} {app_id:14} {state:18} {width:4}px: "
               + (", ".join(f"{impact} {counts[impact]}" for impact in ("critical", "serious", "moderate", "minor")
                            if counts[impact]) or "geen")
               + "".join(f"\n      {v['impact']:8} {v['id']} ({len(v['nodes'])}×) {v['nodes'][0]['target']}"
                         for v in violations))
        problems += [(app_id, state, width, v["id"], v["impact"], [n["target"] for n in v["nodes"]][:5],
                      v["nodes"][0]["summary"])
                     for v in violations if v["impact"] in BLOCKING]
    assert not unreached, unreached
    assert not problems, "axe vond ernstige overtredingen:\n" + "\n".join(json.dumps(p, ensure_ascii=False)
                                                                         for p in problems)


def actor(role: str) -> Actor:
    # In no programme group: every programme with a scoring test (the Ouder-baby interventie) is theirs.
    return Actor(id=1, username=ROLES[role], display_name=role, role=role,
                 exam_programmes=frozenset({"ouder-baby"}))


def test_the_roles_cover_every_app():
    """Do the three roles scanned above together open every app of the catalogue (so every app is scanned)?"""
    opened = {app.id for role in ROLES for app in apps_for(actor(role))} | {LANDING.id}
    assert opened == {app.id for app in APPS}, sorted({app.id for app in APPS} ^ opened)


# -- score buttons for screen readers, and the focus ring ------------------------------------------------------

def test_score_buttons_carry_scale_point_and_pressed_state(page, a11y_server):
    """Does each practice score button have the accessible name "<scale> <point>" and aria-pressed, with
    exactly the chosen point pressed after a click, in the accessibility tree Chromium exposes?"""
    login(page, a11y_server.base_url, ROLES["cursist"])
    page.locator(".ok-app-practice a").click()
    open_practice_clip(page, page.locator(".ok-case-open").first)
    group = page.get_by_role("group", name="Sensitiviteit")
    group.wait_for()
    assert group.get_by_role("button").count() == 9
    for point in range(1, 10):
        assert page.get_by_role("button", name=f"Sensitiviteit {point}", exact=True, pressed=False).count() == 1
    page.get_by_role("button", name="Sensitiviteit 7", exact=True).click()
    page.get_by_role("button", name="Sensitiviteit 7", exact=True, pressed=True).wait_for()
    assert page.get_by_role("button", pressed=True).count() == 1
    page.get_by_role("button", name="Coöperatie 4", exact=True).click()
    page.get_by_role("button", name="Coöperatie 4", exact=True, pressed=True).wait_for()
    page.get_by_role("button", name="Sensitiviteit 5", exact=True).click()  # another choice on the same scale
    page.get_by_role("button", name="Sensitiviteit 5", exact=True, pressed=True).wait_for()
    assert page.get_by_role("button", name="Sensitiviteit 7", exact=True, pressed=False).count() == 1
    assert page.get_by_role("button", pressed=True).count() == 2
    # the kit's CSS hooks are unchanged (docs/ui-hooks.md)
    assert page.locator(".ok-score-sensitivity .ok-score-5.ok-selected").count() == 1


#: The outline of the focused element and the background it is drawn on, and their contrast (WCAG 1.4.11).
FOCUS_RING_JS = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body || !el.closest('.ok-page')) return null;
  const s = getComputedStyle(el);
  const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  // the ring lies outside the element (outline-offset): its background is the nearest opaque ancestor's
  let bg = [255, 255, 255];
  for (let a = el.parentElement; a; a = a.parentElement) {
    const c = rgb(getComputedStyle(a).backgroundColor);
    if (c.length >= 3 && (c.length === 3 || c[3] > 0.5)) { bg = c.slice(0, 3); break; }
  }
  const ring = rgb(s.outlineColor).slice(0, 3);
  const [hi, lo] = [lum(ring), lum(bg)].sort((x, y) => y - x);
  return {tag: el.tagName.toLowerCase(), text: (el.innerText || el.value || el.getAttribute('aria-label') || '')
            .slice(0, 40), style: s.outlineStyle, width: parseFloat(s.outlineWidth),
          contrast: (hi + 0.05) / (lo + 0.05)};
}
"""


def tab_through(page, presses: int) -> list[dict]:
    seen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        ring = page.evaluate(FOCUS_RING_JS)
        if ring:
            seen.append(ring)
    return seen


def test_focus_ring_is_visible_on_every_control(page, a11y_server):
    """Tabbing through the practice clip page (link, clip buttons, video, score buttons, note, submit) and the
    Casusbibliotheek's expert form (selects, text fields, buttons): does every focused control show a solid
    outline of at least 2 px with at least 3:1 against the background around it?"""
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, a11y_server.base_url, ROLES["cursist"])
    page.locator(".ok-app-practice a").click()
    open_practice_clip(page, page.locator(".ok-case-open").first)
    page.locator(".ok-score-sensitivity .ok-score-1").wait_for()
    rings = tab_through(page, 30)
    page.goto(a11y_server.base_url + "/logout")
    page.locator(".ok-logout-submit").click()

    login(page, a11y_server.base_url, ROLES["trainer"])
    page.locator(".ok-app-library a").click()
    page.locator(".ok-library-open").first.click()
    page.locator(".ok-expert-row select").first.focus()
    rings += tab_through(page, 25)

    kinds = {r["tag"] for r in rings}
    assert {"button", "select", "textarea", "input"} <= kinds, kinds
    weak = [r for r in rings if r["style"] in ("none", "hidden") or r["width"] < 2 or r["contrast"] < 3]
    assert not weak, weak


def test_an_answered_quiz_option_is_readable_and_named(page, a11y_server):
    """After answering a module's check question, is the chosen option shown at full strength (no dimming of
    the disabled button) with at least 4.5:1 between its text and its background, and does its accessible
    name say it was chosen and whether it is right?"""
    login(page, a11y_server.base_url, QUIZ_USER)
    page.locator(".ok-app-modules a").click()
    modules_quiz_answered(page)
    chosen = page.locator(".ok-quiz-option.ok-quiz-chosen").first
    chosen.wait_for()
    looks = chosen.evaluate(TEXT_CONTRAST_JS)
    assert looks["opacity"] == 1, looks
    assert looks["contrast"] >= 4.5, looks
    name = chosen.evaluate("el => el.getAttribute('aria-label') || ''")
    assert "jouw keuze" in name and ("goed antwoord" in name or "fout" in name), name


#: Text colour against the element's own background, and the element's opacity through its ancestors.
TEXT_CONTRAST_JS = """
el => {
  const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  let opacity = 1;
  for (let a = el; a; a = a.parentElement) opacity *= parseFloat(getComputedStyle(a).opacity);
  const s = getComputedStyle(el);
  const [hi, lo] = [lum(rgb(s.color)), lum(rgb(s.backgroundColor))].sort((x, y) => y - x);
  return {opacity, color: s.color, background: s.backgroundColor, contrast: (hi + 0.05) / (lo + 0.05)};
}
"""
