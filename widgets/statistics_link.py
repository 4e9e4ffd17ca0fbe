"""The link from every screen that shows a statistic to the module that explains it.

Practice feedback, the exam result, Vergelijken, the certificate proposals, the live
dashboard and intervision all show numbers (expert spread, within one point, mean
difference, ICC, median, Krippendorff's alpha). Each adds :func:`statistics_link_html`,
which opens the Lesmodules app on :data:`oefenkit.modules.STATISTICS_MODULE`
("Hoe de toets werkt") in a new tab, so the work on the screen is not lost.
"""

from __future__ import annotations

import html

from oefenkit.apps import module_url
from oefenkit.modules import STATISTICS_MODULE

__all__ = ["STATISTICS_LINK_TEXT", "statistics_link_html"]

#: The link text (Dutch); it says that it opens a new tab.
STATISTICS_LINK_TEXT = "Wat betekenen deze getallen? Lees de module 'Hoe de toets werkt' (opent in een nieuw tabblad)"


def statistics_link_html() -> str:
    """A paragraph (``ok-stats-help``) with the link to the statistics module.

    >>> "?module=context-hoe-de-toets-werkt" in statistics_link_html()
    True
    """
    url = html.escape(module_url(STATISTICS_MODULE), quote=True)
    return (f"<p class='ok-stats-help'><a href='{url}' target='_blank' rel='noopener'>"
            f"{html.escape(STATISTICS_LINK_TEXT)}</a></p>")
