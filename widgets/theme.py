"""Layout and colours of all components, in one place."""

from __future__ import annotations

import ipywidgets as w

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
.ok-notice-info {{ background: {info_bg}; color: {text}; }}
.ok-table table {{ border-collapse: collapse; width: 100%; }}
.ok-table th, .ok-table td {{ text-align: left; padding: .35rem .6rem; border-bottom: 1px solid {border}; }}
.ok-table th {{ background: {background}; }}
</style>
""".format(**COLORS)


def stylesheet() -> w.HTML:
    """An (invisible) widget carrying the kit's CSS; include it once per page."""
    return w.HTML(_CSS, layout=w.Layout(display="none"))
