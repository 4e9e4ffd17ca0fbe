"""Accessibility hook: the ARIA that ipywidgets 8 cannot set from Python (issue 15).

ipywidgets' ``Button`` renders ``<button>`` with its description as the only text; there is no trait
for ``aria-label``, ``aria-pressed`` or ``role``. :class:`AccessibilityHook` is a small invisible front-end
widget (``anywidget``), placed once on every app page by :class:`oefenkit_widgets.shell.AppPage`. In the browser it
watches the page (a ``MutationObserver`` on class changes and new elements) and keeps these in step:

* every score button (``ok-score-button`` inside an ``ok-scorer``, see :class:`oefenkit_widgets.practice.ScaleScorer`)
  gets the accessible name "<scale> <point>" (e.g. "Sensitiviteit 7": the heading's ``data-scale``, else
  its text) and ``aria-pressed`` that
  follows the ``ok-selected`` class; its row of buttons becomes a ``group`` named after the scale;
* an answered check question's options (``ok-quiz-correct`` / ``ok-quiz-chosen``, widgets/modules.py) are
  named with their verdict, e.g. "… (jouw keuze, goed antwoord)";
* a terugkomdag question's options (``ok-answer-option``, widgets/rounds.py) get ``aria-pressed`` that
  follows the ``ok-selected`` class;
* the app's frame (``ok-page``) is the page's ``main`` landmark, so all its content sits in a landmark.

The kernel keeps the CSS classes as the source of truth (the browser tests and docs/ui-hooks.md use them);
the hook only derives ARIA from them, so it cannot drift from what a sighted person sees.
"""

from __future__ import annotations

import anywidget

from .shared import plain_layout

__all__ = ["AccessibilityHook"]

_ESM = r"""
function sync() {
  for (const page of document.querySelectorAll('.ok-page')) {
    if (page.getAttribute('role') !== 'main') page.setAttribute('role', 'main');
  }
  for (const scorer of document.querySelectorAll('.ok-scorer')) {
    const heading = scorer.querySelector('h3');
    const scale = heading ? (heading.dataset.scale || heading.textContent).trim() : '';
    for (const button of scorer.querySelectorAll('button.ok-score-button')) {
      const name = (scale + ' ' + button.textContent.trim()).trim();
      if (button.getAttribute('aria-label') !== name) button.setAttribute('aria-label', name);
      const pressed = button.classList.contains('ok-selected') ? 'true' : 'false';
      if (button.getAttribute('aria-pressed') !== pressed) button.setAttribute('aria-pressed', pressed);
      const row = button.parentElement;
      if (row && row.getAttribute('role') !== 'group') {
        row.setAttribute('role', 'group');
        if (scale) row.setAttribute('aria-label', scale);
      }
    }
  }
  // a terugkomdag question's options (widgets/rounds.py): the chosen one is pressed
  for (const option of document.querySelectorAll('button.ok-answer-option')) {
    const pressed = option.classList.contains('ok-selected') ? 'true' : 'false';
    if (option.getAttribute('aria-pressed') !== pressed) option.setAttribute('aria-pressed', pressed);
  }
  // an answered check question: which option was chosen and which is right, not by colour alone
  for (const option of document.querySelectorAll('.ok-quiz-option.ok-quiz-correct, .ok-quiz-option.ok-quiz-chosen')) {
    const verdict = option.classList.contains('ok-quiz-correct') ? 'goed antwoord' : 'fout';
    const state = option.classList.contains('ok-quiz-chosen') ? 'jouw keuze, ' + verdict : verdict;
    const name = option.textContent.trim() + ' (' + state + ')';
    if (option.getAttribute('aria-label') !== name) option.setAttribute('aria-label', name);
  }
}

let scheduled = false;
function schedule() {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => { scheduled = false; sync(); });
}

export default {
  render({ el }) {
    el.style.display = 'none';
    if (!window.__oefenkitA11yHook) {
      window.__oefenkitA11yHook = new MutationObserver(schedule);
      // Only class changes and new elements: the hook's own aria-* writes do not wake it again.
      window.__oefenkitA11yHook.observe(document.body, { subtree: true, childList: true, attributes: true,
                                                         attributeFilter: ['class'] });
    }
    schedule();
  },
};
"""


class AccessibilityHook(anywidget.AnyWidget):
    """Invisible; keeps the ARIA of score buttons and the page landmark in step (see the module docstring)."""

    _esm = _ESM

    def __init__(self, **kwargs):
        super().__init__(layout=plain_layout(), **kwargs)
