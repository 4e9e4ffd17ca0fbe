"""Certificeringstoets (``notebooks/training/toets.ipynb``): start panel, the attempt, the result."""

from __future__ import annotations

import ipywidgets as w

from oefenkit.certificate_pdf import certificate_url
from oefenkit.certification import load_rules
from oefenkit.identity import Actor
from oefenkit.practice import clip_url, subtitles_url
from oefenkit.settings import load_settings
from oefenkit.storage.kit import Kit

from ..exam import ExamFlow, ExamStart, rule_lines, set_label
from ..notice import Notice

__all__ = ["exam_page"]


def exam_page(kit: Kit, person: Actor, *, rules=None, max_attempts: int | None = None,
              demo_certificates: bool | None = None) -> w.VBox:
    """The certification test: start panel, then the attempt (resumed if open), then the result.

    Offers only the programmes whose path has an enabled scoring test and that are the person's
    (``Actor.exam_programmes``), each with its exam sets (``ExamService.list_exam_sets``): the
    organisation's own sets certify, a public set is an oefentoets. ``rules`` (programme →
    :class:`~oefenkit.certification.CertificationRule`), ``max_attempts`` and
    ``demo_certificates`` default to the content directory's rules and the settings. The flow
    only ever holds what the exam verbs return: no expert data before submission.
    """
    if rules is None or max_attempts is None or demo_certificates is None:
        settings = load_settings()
        rules = load_rules(settings.content_dir) if rules is None else rules
        max_attempts = settings.exam_max_attempts if max_attempts is None else max_attempts
        demo_certificates = settings.demo_certificates if demo_certificates is None else demo_certificates
    names = {p["code"]: p["name"] for p in kit.people.list_programmes()}
    codes = sorted(code for code in rules if code in person.exam_programmes)
    programmes = [(names.get(code, code), code) for code in codes]
    exam_sets = {code: kit.exams.list_exam_sets(person, code) for code in codes}
    public = {es.code: es.public for sets in exam_sets.values() for es in sets}
    default = next((c for c in person.programmes if c in codes), codes[0] if codes else None)

    def used(set_code: str | None) -> int:
        return sum(1 for a in kit.exams.list_exam_attempts(person, person.username) if a.case_set_code == set_code)

    scales = kit.cases.current_scales()  # the exam asks a score on each (the rule judges the ones it names)

    def make_start(on_start):
        if not programmes:
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
    submitted = [a for a in kit.exams.list_exam_attempts(person, person.username) if a.submitted_at is not None]
    latest = kit.exams.find_exam_outcome(person, submitted[-1].id) if submitted else None
    flow = ExamFlow(
        open_attempt=kit.exams.find_open_exam(person),
        make_start=make_start,
        start=lambda programme, set_code: kit.exams.start_exam(person, programme, set_code, max_attempts=max_attempts),
        progress=lambda attempt_id: kit.exams.exam_progress(person, attempt_id),
        save=lambda attempt_id, case, scores, note: kit.exams.save_exam_rating(person, attempt_id, case, scores, note),
        submit=lambda attempt_id: kit.exams.submit_exam(person, attempt_id, rules=rules,
                                                  demo_certificates=demo_certificates),
        scales=scales, clip_url=clip_url, subtitles_url=subtitles_url, certificate_url=certificate_url,
        latest=latest, attempts=lambda set_code: (used(set_code), max_attempts),
    )
    return flow
