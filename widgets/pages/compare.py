"""Beoordelingen vergelijken (``notebooks/supervision/vergelijken.ipynb``): a group's scores on a set and
scale against the expert consensus."""

from __future__ import annotations

import ipywidgets as w

from oefenkit.compare import comparison
from oefenkit.identity import Actor
from oefenkit.storage.kit import Kit

from ..compare import ComparePanel

__all__ = ["compare_page"]


def compare_page(kit: Kit, person: Actor) -> w.VBox:
    """The compare-ratings app: a group's scores on a set and scale against the expert consensus.

    The choices come from the façade (``list_groups``, ``list_cases`` for the set codes,
    ``current_scales``); "Toon" reads the rows with ``comparison_rows`` (which checks that the
    person is staff) and computes them with :func:`oefenkit.compare.comparison`.
    """
    groups = [g.name for g in kit.people.list_groups(person)]
    set_codes = list(dict.fromkeys(code for case in kit.cases.list_cases(person) for code in case.set_codes))
    set_names = {cs.code: cs.name for cs in kit.library.list_case_sets(person)}  # staff only, as this app
    scales = [(s.name, s.code) for s in kit.cases.current_scales()]  # newest versions, in the content's order
    return ComparePanel(
        groups, [(set_names.get(code, code), code) for code in set_codes], scales,
        compute=lambda group, case_set, scale: comparison(kit.ratings.comparison_rows(
            person, group_name=group, case_set_code=case_set, scale_code=scale)),
    )
