"""Browser-side checks shared by the viewport, phone and keyboard tests (issue 15).

Voilà scrolls inside ``#rendered_cells``, not the window: "in view" means inside
the window *and* inside every scrolling ancestor of the element.
"""

from __future__ import annotations

#: JS: the last visible element matching ``sel`` — its box, the visible area of its scroll
#: containers, and whether it has the focus.
_PLACE = """(sel) => {
  const all = Array.from(document.querySelectorAll(sel)).filter(e => e.getClientRects().length > 0);
  const el = all[all.length - 1];
  if (!el) return null;
  const r = el.getBoundingClientRect();
  let top = 0, bottom = window.innerHeight, left = 0, right = window.innerWidth;
  for (let p = el.parentElement; p; p = p.parentElement) {
    const s = getComputedStyle(p);
    if (/(auto|scroll)/.test(s.overflowY + s.overflowX) && (p.scrollHeight > p.clientHeight
        || p.scrollWidth > p.clientWidth)) {
      const b = p.getBoundingClientRect();
      top = Math.max(top, b.top); bottom = Math.min(bottom, b.bottom);
      left = Math.max(left, b.left); right = Math.min(right, b.right);
    }
  }
  return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height,
          viewTop: top, viewBottom: bottom, viewLeft: left, viewRight: right,
          focused: document.activeElement === el || el.contains(document.activeElement)};
}"""

_IN_VIEW = """(p) => p !== null && p.focused && p.top >= p.viewTop - 1 && p.left >= p.viewLeft - 1
  && p.right <= p.viewRight + 1
  && (p.bottom <= p.viewBottom + 1 || (p.height > p.viewBottom - p.viewTop && p.top <= p.viewTop + 80))"""


#: A phone's screen (CSS pixels), as in issue 15's walk-through.
PHONE = {"width": 390, "height": 844}


def phone_context(browser):
    """A new browser context that behaves like a phone: 390×844, touch, mobile, Dutch."""
    return browser.new_context(locale="nl-NL", viewport=PHONE, device_scale_factor=2, is_mobile=True,
                               has_touch=True)


def placement(page, selector: str) -> dict | None:
    """Where the last visible ``selector`` element is, against the visible area; and its focus."""
    return page.evaluate(_PLACE, selector)


def wait_in_view_and_focused(page, selector: str, timeout: float = 15_000) -> dict:
    """Wait until the element is inside the visible area (its top at least, when it is taller than
    the area) and has the focus; return its placement (the assertion's evidence)."""
    page.wait_for_function(f"(sel) => ({_IN_VIEW})(({_PLACE})(sel))", arg=selector, timeout=timeout)
    where = placement(page, selector)
    assert where is not None and where["focused"], where
    assert where["top"] >= where["viewTop"] - 1, where
    return where


#: JS: problems a phone user meets on this page, for the 390×844 tests.
PHONE_PROBLEMS = r"""() => {
  const out = {hscroll: [], ellipsis: [], small: []};
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth + 1) out.hscroll.push('document ' + doc.scrollWidth);
  for (const el of document.querySelectorAll('#rendered_cells, .ok-page, .ok-page *')) {
    if (el.getClientRects().length === 0) continue;
    const s = getComputedStyle(el);
    if (/(auto|scroll)/.test(s.overflowX) && el.scrollWidth > el.clientWidth + 1
        && !el.matches('textarea, select, .ok-table, .ok-table *')) {
      const edge = el.getBoundingClientRect().left + el.clientWidth;
      const wide = Array.from(el.querySelectorAll('*')).filter(c => c.getBoundingClientRect().right > edge + 1)
        .slice(-2).map(c => (c.className || c.tagName).toString().replace(/lm-\S+ |jupyter-widgets |widget-\S+ /g, '')
        .trim() + ' right=' + Math.round(c.getBoundingClientRect().right));
      out.hscroll.push((el.className || el.tagName) + ' ' + el.scrollWidth + '>' + el.clientWidth
                       + ' edge=' + Math.round(edge) + ' [' + wide.join('; ') + ']');
    }
    const r = el.getBoundingClientRect();
    if (r.right > window.innerWidth + 1 && s.position !== 'fixed' && !el.closest('.ok-table')) {
      out.hscroll.push('sticks out: ' + (el.className || el.tagName) + ' right=' + Math.round(r.right));
    }
  }
  const text = (el) => (el.innerText || el.textContent || '').trim().slice(0, 40);
  for (const el of document.querySelectorAll('.ok-page button, .ok-page select, .ok-page option, '
                                             + '.ok-page .widget-label, .ok-page label')) {
    if (el.getClientRects().length === 0 && el.tagName !== 'OPTION') continue;
    const s = getComputedStyle(el);
    if (s.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth + 1) out.ellipsis.push(text(el));
  }
  for (const el of document.querySelectorAll('.ok-page button, .ok-page select, .ok-page summary')) {
    if (el.getClientRects().length === 0) continue;
    const r = el.getBoundingClientRect();
    if (r.height < 44 - 0.5) out.small.push(text(el) + ' ' + Math.round(r.height) + 'px');
  }
  return out;
}"""


def phone_problems(page) -> dict:
    """Horizontal scrolling, ellipsised text and targets under 44 px on the page as it is now."""
    return page.evaluate(PHONE_PROBLEMS)


def open_practice_clip(page, opener, *, tap: bool = False, timeout: float = 60_000) -> None:
    """Open a practice clip with a click (or a tap) on ``opener`` and wait until its title has taken the
    focus and scrolled into view. The app scrolls the page once the clip is rendered; a click aimed
    before that scroll can land where a score button *was* (seen under load in CI)."""
    opener.tap() if tap else opener.click()
    wait_in_view_and_focused(page, ".ok-practice-case-title h2", timeout=timeout)


def back_to_practice_list(page, timeout: float = 60_000) -> None:
    """After the feedback of a practice clip: wait until the app has scrolled to the feedback, press
    "terug", and wait until the list has scrolled back to that clip's entry and focused it, so that
    each click is aimed at a settled page."""
    wait_in_view_and_focused(page, ".ok-practice-workspace .ok-feedback", timeout=timeout)
    page.locator(".ok-back").click()
    wait_in_view_and_focused(page, ".ok-case .ok-case-open:focus", timeout=timeout)
