"""Layout and colours of all components, in one place."""

from __future__ import annotations

import ipywidgets as w

from .shared import static_html

__all__ = ["COLORS", "stylesheet"]

COLORS = {
    "primary": "#0b7285",
    "primary_dark": "#0b5566",
    "text": "#1f2933",
    "muted": "#52606d",
    "border": "#d9e2ec",
    "background": "#f4f6f8",
    "error_bg": "#fde8e8",
    "error": "#9b1c1c",
    "info_bg": "#e6f4f7",
}

_CSS = """
<style>
.ok-page {{ max-width: 960px; margin: 0 auto; font-family: system-ui, -apple-system, "Segoe UI", Roboto,
           sans-serif; color: {text}; }}
.ok-header {{ border-bottom: 2px solid {border}; padding-bottom: .5rem; margin-bottom: 1rem; }}
.ok-header h1 {{ color: {primary_dark}; font-size: 1.6rem; margin: 0; }}
.ok-header .ok-who {{ color: {muted}; }}
.ok-section-title h2 {{ font-size: 1.2rem; margin: 1.2rem 0 .4rem; color: {primary_dark}; }}
.ok-card {{ border: 1px solid {border}; border-radius: 8px; padding: .7rem 1rem; margin: .3rem 0;
           background: #fff; }}
.ok-card a {{ font-weight: 600; font-size: 1.05rem; color: {primary}; text-decoration: none; }}
.ok-card a:hover {{ text-decoration: underline; }}
.ok-card p {{ margin: .2rem 0 0; color: {muted}; }}
.ok-notice {{ border-radius: 6px; padding: .7rem 1rem; }}
.ok-notice-error {{ background: {error_bg}; color: {error}; }}
.ok-connection-notice {{ position: fixed; top: 0; left: 0; right: 0; z-index: 1000; padding: .75rem 1rem;
  background: #fff4e5; color: #7a4100; border-bottom: 3px solid #b45309; font-weight: 600; text-align: center; }}
.ok-notice-info {{ background: {info_bg}; color: {text}; }}
.ok-table table {{ border-collapse: collapse; width: 100%; }}
.ok-table th, .ok-table td {{ text-align: left; padding: .35rem .6rem; border-bottom: 1px solid {border}; }}
.ok-table th {{ background: {background}; }}
</style>
""".format(**COLORS)


def stylesheet() -> w.HTML:
    """An (invisible) widget carrying the kit's CSS; include it once per page."""
    return static_html(_CSS, hidden=True)


# -- practice app (widgets/practice.py) ------------------------------------------------------------
# Appended to the stylesheet: stylesheet() reads _CSS when a page is built.
_CSS += """
<style>
.ok-case {{ border: 1px solid {border}; border-radius: 8px; padding: .3rem .6rem; margin: .25rem 0;
           background: #fff; gap: .6rem; }}
.ok-case .ok-case-open {{ text-align: left; font-weight: 600; color: {primary_dark}; background: #fff;
                          overflow: hidden; text-overflow: ellipsis; }}
.ok-case-status .ok-new {{ color: {muted}; }}
.ok-case-status .ok-done {{ color: {primary_dark}; font-weight: 600; }}
.ok-video video {{ width: 100%; max-height: 42vh; background: #000; border-radius: 6px; }}
.ok-scorer h3 {{ margin: .6rem 0 .2rem; font-size: 1.05rem; color: {primary_dark}; }}
.ok-scorer .ok-scale-question {{ margin: 0 0 .3rem; color: {muted}; font-size: .9rem; }}
.ok-score-button {{ margin: 2px; font-size: 1rem; font-weight: 600; }}
.ok-score-button.ok-selected {{ background: {primary_dark}; color: #fff; }}
.jupyter-widgets .ok-score-button:focus-visible, .ok-case-open:focus-visible, .ok-submit:focus-visible,
.ok-back:focus-visible {{ outline: 3px solid {primary}; outline-offset: 2px; }}
.ok-chosen p {{ margin: .3rem 0; font-size: .9rem; }}
.ok-muted {{ color: {muted}; }}
.ok-anchors dl {{ margin: .2rem 0; font-size: .85rem; display: grid; grid-template-columns: 1.6rem 1fr;
                  gap: .15rem .4rem; color: {text}; }}
.ok-anchors dt {{ font-weight: 700; }}
.ok-anchors dd {{ margin: 0; }}
.ok-anchors .ok-anchor-selected {{ background: {info_bg}; }}
.ok-note textarea {{ font-size: 1rem; }}
.ok-feedback {{ border: 2px solid {primary}; border-radius: 8px; padding: .5rem 1rem; margin-top: .6rem;
                background: #fff; }}
.ok-feedback h3 {{ margin: .3rem 0; color: {primary_dark}; }}
.ok-feedback h4 {{ margin: .6rem 0 .2rem; }}
.ok-feedback table th {{ text-align: left; padding-right: 1rem; font-weight: 600; }}
.ok-learning-curve svg {{ background: #fff; }}
</style>
""".format(**COLORS)


# -- accessibility (issue 15) ----------------------------------------------------------------------------------
# WCAG 2.1 AA (tests/browser/test_accessibility.py): button colours with white text at >= 4.5:1 (ipywidgets'
# warning orange is 2.7:1, its success green 4.1:1); answered quiz and case choices stay readable (ipywidgets
# dims every disabled button to 60 %, which made a chosen answer 1.64:1); links in running text are
# underlined; every control shows a 3 px focus ring in primary_dark (8.4:1 on white, 7.7:1 on the background).
A11Y_COLORS = {
    "focus": COLORS["primary_dark"],
    "success": "#2e7d32", "success_active": "#1b5e20",  # 5.1:1 and 7.9:1 with white
    "info": "#00727f", "info_active": "#005a64",         # 5.7:1
    "warning": "#a34700", "warning_active": "#7f3700",   # 6.1:1
    "danger": "#c62828", "danger_active": "#b71c1c",     # 5.6:1
}
_CSS += ("""
<style>
/* accessibility (issue 15) */
""" + "".join(
    f".ok-page .jupyter-button.mod-{kind} {{{{ background-color: {{{kind}}}; color: #fff; }}}}\n"
    f".ok-page .jupyter-button.mod-{kind}:active, .ok-page .jupyter-button.mod-{kind}.mod-active {{{{\n"
    f"  background-color: {{{kind}_active}}; color: #fff; }}}}\n"
    for kind in ("success", "info", "warning", "danger")  # ipywidgets' button styles, in the kit's colours
) + """/* an answered choice is disabled but still tells what was chosen: full strength, no 60 % dimming */
.ok-page .ok-quiz-option:disabled, .ok-page .ok-case-choice:disabled,
.ok-page .ok-score-button.ok-selected:disabled {{ opacity: 1; cursor: default; }}
/* links inside running text are underlined, not told apart by colour alone */
.ok-header a, .ok-notice a, .ok-page p a, .ok-page li a, .ok-page td a {{ text-decoration: underline; }}
/* a visible focus ring on every control (ipywidgets' own is a 1 px line at 2.2:1, none on selects) */
.ok-page button:focus-visible, .ok-page input:focus-visible, .ok-page select:focus-visible,
.ok-page textarea:focus-visible, .ok-page a:focus-visible, .ok-page summary:focus-visible,
.ok-page video:focus-visible, .ok-page [tabindex]:focus-visible,
.ok-page .jupyter-widget-dropdown > select:focus-visible, .ok-page .widget-dropdown > select:focus-visible {{
  outline: 3px solid {focus} !important; outline-offset: 2px !important; }}
/* the video's own controls live in its shadow tree: ring the whole video while one of them has focus */
.ok-page video:focus, .ok-page video:focus-within {{ outline: 3px solid {focus}; outline-offset: 2px; }}
/* a wide table scrolls in its own focusable box (widgets/tables.py), not the page or an unfocusable box */
.ok-table {{ max-width: 100%; min-width: 0; }}
.ok-table .widget-html-content {{ max-width: 100%; min-width: 0; }}
.ok-table-scroll {{ overflow-x: auto; max-width: 100%; }}
</style>
""").format(**A11Y_COLORS)

# -- phones and touch targets (issue 15) ---------------------------------------------------------
# Layout only (no colours of controls, no ARIA): no text cut off, touch targets >= 44 px on phones,
# the 1-9 buttons in two even rows (5 + 4), folded anchors; and the ring of a result brought into view
# (widgets/reveal.py).
_CSS += """
<style>
/* phones and touch targets (issue 15) */
.ok-page .ok-revealed:focus {{ outline: 3px solid {primary_dark}; outline-offset: 3px; }}
/* No text cut off with an ellipsis, at any size: buttons grow and wrap instead. */
.ok-page .jupyter-button {{ white-space: normal; text-overflow: clip; overflow-wrap: break-word; height: auto;
                           min-height: var(--jp-widgets-inline-height, 28px); line-height: 1.3;
                           padding-top: .25rem; padding-bottom: .25rem; }}
.ok-page .ok-case .ok-case-open {{ text-overflow: clip; white-space: normal; }}
.ok-scorer .ok-anchors-fold {{ display: none; }}
.ok-scorer .ok-anchors-fold summary, .ok-vignette-fold summary {{ cursor: pointer; padding: .6rem 0;
                                                                  color: {primary_dark}; font-weight: 600; }}
@media (max-width: 640px) {{
  .ok-page {{ overflow-wrap: break-word; }}
  .ok-page .jupyter-button {{ min-height: 44px; }}
  .ok-page summary {{ min-height: 44px; box-sizing: border-box; padding: .6rem 0; }}
  .ok-page .widget-label, .ok-page .jupyter-widget-label {{ white-space: normal; text-overflow: clip;
                                                           height: auto; }}
  /* inputs and dropdowns never wider than the screen (Intervisie's are 40rem); label above the field */
  .ok-page .widget-inline-hbox {{ max-width: calc(100% - 2 * var(--jp-widgets-margin, 2px)); flex-wrap: wrap;
                                  height: auto; }}
  .ok-page .widget-inline-hbox > select, .ok-page .widget-inline-hbox > input,
  .ok-page .widget-inline-hbox > textarea {{ min-width: 0; flex: 1 1 12rem; max-width: 100%;
                                             min-height: 44px; box-sizing: border-box; }}
  .ok-page .widget-inline-hbox > .widget-label {{ min-width: 0; }}
  /* module list: text above status and button */
  .ok-page .ok-module {{ flex-wrap: wrap; gap: .3rem .6rem; }}
  .ok-page .ok-module .ok-module-info {{ flex: 1 1 100%; min-width: 0; }}
  /* practice list: title above its status, the whole width */
  .ok-page .ok-case {{ flex-wrap: wrap; }}
  .ok-page .ok-case .ok-case-open {{ max-width: 100% !important; flex: 1 1 100% !important; }}
  /* 1-9 in two even rows (5 + 4) of equal columns, each button at least 44 x 48 px; the anchors folded */
  .ok-scorer {{ min-width: 0 !important; margin-right: 0 !important; }}
  .ok-page .ok-score-row {{ display: grid !important; grid-template-columns: repeat(5, minmax(44px, 1fr));
                            gap: 6px; width: 100%; }}
  .ok-page .ok-score-row .ok-score-button {{ width: auto !important; height: 48px !important; margin: 0;
                                             min-width: 0; padding: 0; }}
  .ok-scorer .ok-anchors-wide {{ display: none; }}
  .ok-scorer .ok-anchors-fold {{ display: block; }}
  .ok-scorer h3 {{ margin-top: .3rem; }}
  .ok-scorer .ok-chosen p {{ margin: .2rem 0; }}
  .ok-video video {{ max-height: 34vh; }}
}}
</style>
""".format(**COLORS)

# -- Babytijd-reeks (widgets/reeks.py, widgets/reeks_dashboard.py) -------------------------------------
# Choices taken from the paper forms (consent, aanwezig/afwezig, the 1-5 scores, the menu) are big
# buttons that wrap: at least 48 x 48 px, also on a phone (390 px).
_CSS += """
<style>
.ok-page .ok-big-choice .widget-toggle-button, .ok-page .ok-reeks-nav .widget-toggle-button {{
  min-width: 48px; min-height: 48px; height: auto; font-size: 1.05rem; margin: 2px; }}
.ok-page .ok-big-choice, .ok-page .ok-reeks-nav {{ flex-wrap: wrap; height: auto; max-width: 100%; }}
.ok-page .ok-big-choice > div, .ok-page .ok-reeks-nav > div {{ display: flex; flex-wrap: wrap; }}
.ok-page .ok-reeks-nav .widget-toggle-button {{ width: auto; padding: 0 .9rem; }}
.ok-measure-subgoal {{ border-bottom: 1px solid {border}; padding-bottom: .3rem; }}
.ok-measure-statement {{ margin: .5rem 0 .2rem; font-weight: 600; }}
.ok-reeks-dashboard caption, .ok-figures caption {{ text-align: left; font-weight: 600; padding: .3rem 0; }}
.ok-figures {{ font-size: 1.1rem; }}
/* the figures of a cijfers round on a phone: their tables scroll inside their own box */
.ok-answer-question .widget-html-content {{ max-width: 100%; min-width: 0; }}
.ok-figures-suppressed td {{ color: {muted}; font-style: italic; }}
</style>
""".format(**COLORS)
