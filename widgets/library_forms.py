"""The Casusbibliotheek's forms for a case: metadata, expert scores and publication.

Components take plain values and callbacks; :func:`oefenkit_widgets.library.library_page` composes them.
Every user text is escaped before it goes into an ``HTML`` widget.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as w

from oefenkit.errors import ValidationError

__all__ = ["CHOOSE_SET", "SET_KIND_LABELS", "ExpertScoreForm", "MetadataForm", "PublishPanel", "set_label"]

SET_KIND_LABELS = {"practice": "oefenen", "exam": "toets", "session": "terugkomdag", "intervision": "intervisie"}


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


class MetadataForm(w.VBox):
    """Title, programme, vignette, situation and trainer notes of a case."""

    def __init__(self, programmes: Sequence[tuple[str, str]], on_save: Callable[[dict], None]):
        self.title = w.Text(description="Titel", layout=w.Layout(width="100%"))
        self.title.add_class("ok-library-title")
        self.programme = w.Dropdown(options=[("— geen —", None), *programmes], description="Programma")
        self.programme.add_class("ok-library-programme")
        self.vignette = w.Textarea(description="Vignet", placeholder="Wat de cursist vooraf over de situatie leest.",
                                   layout=w.Layout(width="100%", height="5rem"))
        self.vignette.add_class("ok-library-vignette")
        self.situation = w.Text(description="Situatie", placeholder="bijv. voeding, badje, spel op de mat",
                                layout=w.Layout(width="100%"))
        self.situation.add_class("ok-library-situation")
        self.notes = w.Textarea(description="Notities", placeholder="Voor trainers: waarom deze casus, waar op te letten.",
                                layout=w.Layout(width="100%", height="4rem"))
        self.notes.add_class("ok-library-notes")
        for field in (self.title, self.programme, self.vignette, self.situation, self.notes):
            field.style.description_width = "6rem"
        self.save = w.Button(description="Gegevens opslaan", button_style="primary", layout=w.Layout(width="auto"))
        self.save.add_class("ok-library-save")
        self.save.on_click(lambda _b: on_save(self.values()))
        super().__init__([self.title, self.programme, self.vignette, self.situation, self.notes, self.save])
        self.add_class("ok-library-meta")

    def load(self, item) -> None:
        self.title.value = item.title or ""
        codes = [v for _, v in self.programme.options]
        self.programme.value = item.programme_code if item.programme_code in codes else None
        self.vignette.value = item.vignette or ""
        self.situation.value = str((item.details or {}).get("situation", ""))
        self.notes.value = str((item.details or {}).get("notes", ""))

    def values(self) -> dict:
        return {"title": self.title.value.strip(), "programme_code": self.programme.value,
                "vignette": self.vignette.value.strip(),
                "situation": self.situation.value.strip(), "notes": self.notes.value.strip()}


class ExpertScoreForm(w.VBox):
    """Per scale, several experts, each with a score and a rationale.

    ``scales`` are ``(code, name, min, max)``; ``experts`` ``(label, username)``.
    The score is a free text field so that a wrong value reaches the core's
    Dutch check instead of being clamped silently.
    """

    def __init__(self, scales: Sequence[tuple[str, str, int, int]], experts: Sequence[tuple[str, str]],
                 on_save: Callable[[list[tuple[str, str, int, str]]], None], *, empty_rows: int = 2):
        self.scales = list(scales)
        self.experts = list(experts)
        self.empty_rows = empty_rows
        self.sections: dict[str, w.VBox] = {}
        boxes = []
        for code, name, lo, hi in self.scales:
            rows = w.VBox()
            add = w.Button(description="Expert toevoegen", icon="plus", layout=w.Layout(width="auto"))
            add.add_class("ok-expert-add")
            add.on_click(lambda _b, code=code: self.add_row(code))
            section = w.VBox([w.HTML(f"<h3>{_e(name)} ({lo}–{hi})</h3>"), rows, add])
            section.add_class("ok-expert-scale")
            section.add_class(f"ok-expert-scale-{code}")
            self.sections[code] = rows
            boxes.append(section)
        self.save = w.Button(description="Expertscores opslaan", button_style="primary", layout=w.Layout(width="auto"))
        self.save.add_class("ok-expert-save")
        self.save.on_click(lambda _b: self._save(on_save))
        super().__init__([*boxes, self.save])
        self.add_class("ok-expert-scores")

    def add_row(self, scale_code: str, expert: str | None = None, score: int | None = None,
                rationale: str = "") -> w.HBox:
        options = [("— kies een expert —", None), *self.experts]
        if expert is not None and expert not in [v for _, v in options]:
            options.append((expert, expert))  # an expert who is no longer staff keeps their score
        who = w.Dropdown(options=options, value=expert, description="Expert", style={"description_width": "3.5rem"},
                         layout=w.Layout(width="18rem"))
        who.add_class("ok-expert-who")
        points = w.Text(value="" if score is None else str(score), placeholder="score",
                        layout=w.Layout(width="5rem"))
        points.add_class("ok-expert-score")
        why = w.Textarea(value=rationale, placeholder="Onderbouwing", layout=w.Layout(width="28rem", height="3.2rem"))
        why.add_class("ok-expert-rationale")
        row = w.HBox([who, points, why], layout=w.Layout(flex_flow="row wrap", align_items="flex-start"))
        row.add_class("ok-expert-row")
        row.fields = (who, points, why)
        box = self.sections[scale_code]
        box.children = (*box.children, row)
        return row

    def load(self, expert_scores: Sequence) -> None:
        for code, box in self.sections.items():
            box.children = ()
            mine = [e for e in expert_scores if e.scale_code == code]
            for e in mine:
                self.add_row(code, e.expert_username, e.score, e.rationale)
            for _ in range(max(0, self.empty_rows - len(mine))):
                self.add_row(code)

    def rows(self, scale_code: str) -> list[w.HBox]:
        return list(self.sections[scale_code].children)

    def scores(self) -> list[tuple[str, str, int, str]]:
        """``(expert, scale, score, rationale)`` of every filled row; a half-filled row is a Dutch error."""
        out = []
        names = dict((v, label) for label, v in self.experts)
        for code, name, lo, hi in self.scales:
            for who, points, why in (r.fields for r in self.sections[code].children):
                text = points.value.strip()
                if who.value is None and not text and not why.value.strip():
                    continue
                if who.value is None:
                    raise ValidationError(f"{name}: kies bij elke ingevulde score de expert.")
                expert = names.get(who.value, who.value)
                if not text:
                    raise ValidationError(f"{name}: vul de score van {expert} in ({lo} tot en met {hi}).")
                try:
                    score = int(text)
                except ValueError:
                    raise ValidationError(
                        f"{name}: de score van {expert} moet een heel getal van {lo} tot en met {hi} zijn.") from None
                out.append((who.value, code, score, why.value.strip()))
        return out

    def _save(self, on_save) -> None:
        on_save(self)


CHOOSE_SET = "— kies een set —"


def set_label(case_set) -> str:
    """A set's name with its kind; an exam set also says whether it certifies (own set) or is an
    oefentoets (public set), and a set made by this publication says "nieuw"."""
    kind = SET_KIND_LABELS.get(case_set.kind, case_set.kind)
    if case_set.kind == "exam":
        kind += ", openbaar: oefentoets" if getattr(case_set, "public", False) else ", eigen set: certificering"
    if getattr(case_set, "new", False):
        kind += ", nieuw"
    return f"{case_set.name} ({kind})"


class PublishPanel(w.VBox):
    """The set to publish to (name and kind) and the "Publiceren" button."""

    def __init__(self, sets: Sequence, on_publish: Callable[[str], None]):
        options = [(set_label(s), s.code) for s in sets]
        # No set is preselected: publishing to the wrong set (e.g. an Intervisie set) must be a choice.
        self.set_choice = w.Dropdown(options=[(CHOOSE_SET, None), *options], index=0, description="Set",
                                     style={"description_width": "3rem"}, layout=w.Layout(width="28rem"))
        self.set_choice.add_class("ok-publish-set")
        self.button = w.Button(description="Publiceren", button_style="success", icon="upload",
                               layout=w.Layout(width="auto"))
        self.button.add_class("ok-publish")
        self.hint = w.HTML()
        self.hint.add_class("ok-publish-hint")
        self.button.on_click(lambda _b: self._publish(on_publish))
        self.set_choice.observe(lambda _c: setattr(self.hint, "value", ""), names="value")
        self.sets_label = w.HTML()
        self.sets_label.add_class("ok-publish-sets")
        super().__init__([w.HBox([self.set_choice, self.button]), self.hint, self.sets_label])
        self.add_class("ok-publish-panel")

    def update_sets(self, sets: Sequence) -> None:
        """New set choices (after a publication made a set), keeping the chosen set."""
        chosen = self.set_choice.value
        options = [(CHOOSE_SET, None), *((set_label(s), s.code) for s in sets)]
        self.set_choice.options = options
        self.set_choice.value = chosen if chosen in {code for _label, code in options} else None

    def _publish(self, on_publish: Callable[[str], None]) -> None:
        if self.set_choice.value is None:
            self.hint.value = "<p role='alert'>Kies eerst in welke set je dit fragment publiceert.</p>"
            return
        self.hint.value = ""
        on_publish(self.set_choice.value)

    def show(self, set_codes: Sequence[str], names: Mapping[str, str]) -> None:
        if set_codes:
            listed = ", ".join(_e(names.get(c, c)) for c in set_codes)
            self.sets_label.value = f"<p>Gepubliceerd in: {listed}</p>"
        else:
            self.sets_label.value = "<p>Nog in geen enkele set: cursisten zien dit fragment niet.</p>"


# -- the page ------------------------------------------------------------------------------------
