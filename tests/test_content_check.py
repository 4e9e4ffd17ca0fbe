"""The content check: sources named, the kit's own words, and Dutch spelling.

* Every module file names its sources: a source document of the training (``bron 000`` …
  ``bron 004``, see ``../shared/sources/README.md``) or a literature reference with a year.
* No run of :data:`RUN` or more identical words is shared with a source text. The sources are
  read from ``../shared/sources/`` next to the repository; where that folder is absent (a
  checkout without the sources) this one test is skipped, as issue 18 allows.
* Every voorbeeldsituatie text (the situation, the prompts and the facilitator notes), every
  rationale of a sample case (consensus and experts), and every module text passes a spelling
  check with Debian's Dutch Hunspell dictionary (packages ``hunspell`` and ``hunspell-nl``,
  installed by ``./kit test``) plus the project word list :data:`WORD_LIST` (names, baby
  talk and words the dictionary lacks; one word a line, ``#`` starts a comment).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from oefenkit.babytijd import load_evaluation_form
from oefenkit.content import SAMPLES_DIR, load_content
from oefenkit.example_situations import load_example_situations
from oefenkit.settings import PROJECT_ROOT

CONTENT = PROJECT_ROOT / "content"
SOURCES = PROJECT_ROOT.parent / "shared" / "sources"
WORD_LIST = CONTENT / "spelling-woorden.txt"
DICTIONARY = "nl_NL"
#: The shortest run of identical words that counts as copied.
RUN = 25

_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_SOURCE_NAMED = re.compile(r"\bbron(nen)? 00[0-4]\b|\b(19|20)\d\d\b", re.IGNORECASE)


def words(text: str) -> list[str]:
    """The words of ``text``: letters with inner hyphens or apostrophes (``huid-op-huid``, ``baby's``)."""
    return _WORD.findall(text)


# -- sources named ------------------------------------------------------------------------------


def _module_files() -> list[Path]:
    return sorted((CONTENT / "modules").glob("*.yaml"))


@pytest.mark.parametrize("path", _module_files(), ids=lambda p: p.stem)
def test_every_module_file_names_its_sources(path):
    """Does every module file name where its facts come from: a source document ("bron 002") or
    a reference with a year (Ainsworth, Bell & Stayton, 1974)?"""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    source = str(data.get("source") or "")
    assert _SOURCE_NAMED.search(source), f"{path.name}: 'source' names no source document or reference: {source!r}"


def test_sources_named_check_refuses_a_vague_source():
    """Would the check refuse a module whose 'source' says only where it might come from?"""
    assert not _SOURCE_NAMED.search("Eigen tekst op basis van de literatuur.")
    assert _SOURCE_NAMED.search("Babytijd, interventiebeschrijving (bron 000).")
    assert _SOURCE_NAMED.search("Koo & Li (2016).")


# -- the kit's own words ------------------------------------------------------------------------


def _strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def kit_texts() -> dict[str, str]:
    """Every text the kit writes for people: content YAML, sample scripts, README and the Dutch docs."""
    texts = {}
    for path in sorted(CONTENT.rglob("*.yaml")) + sorted((SAMPLES_DIR / "scripts").glob("*.yaml")):
        texts[str(path.relative_to(PROJECT_ROOT))] = "\n".join(_strings(yaml.safe_load(path.read_text(encoding="utf-8"))))
    for path in [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]:
        texts[str(path.relative_to(PROJECT_ROOT))] = path.read_text(encoding="utf-8")
    return texts


def _normal(text: str) -> list[str]:
    # the sources break words over lines ("opvoedings-\nspanning") and use odd spacing
    text = re.sub(r"-\s*\n\s*", "", text)
    return [w.lower() for w in words(text)]


def shared_runs(text: str, source_runs: set[tuple[str, ...]], n: int = RUN) -> list[str]:
    """The runs of ``n`` words of ``text`` that also occur in a source (as text, for the message)."""
    ws = _normal(text)
    return [" ".join(ws[i:i + n]) for i in range(len(ws) - n + 1) if tuple(ws[i:i + n]) in source_runs]


def _runs(text: str, n: int = RUN) -> set[tuple[str, ...]]:
    ws = _normal(text)
    return {tuple(ws[i:i + n]) for i in range(len(ws) - n + 1)}


def test_shared_runs_finds_a_copied_passage():
    """Does the run check find a 25-word passage copied with other line breaks and case, and
    let a 24-word one pass?"""
    source = " ".join(f"woord{i}" for i in range(40))
    runs = _runs(source)
    copied = "Inleiding. " + "\n".join(f"Woord{i}" for i in range(5, 30)) + " en verder."
    assert len(shared_runs(copied, runs)) == 1
    assert shared_runs(" ".join(f"woord{i}" for i in range(5, 29)), runs) == []


@pytest.mark.skipif(not SOURCES.is_dir(), reason=f"the source documents are not next to the repository ({SOURCES})")
def test_no_run_of_25_words_is_copied_from_a_source():
    """Does no text of the kit share a run of 25 or more identical words with a source document?"""
    source_runs: set[tuple[str, ...]] = set()
    documents = sorted(SOURCES.glob("*.txt"))
    assert documents, f"no source documents in {SOURCES}"
    for path in documents:
        source_runs |= _runs(path.read_text(encoding="utf-8"))
    copied = {name: shared_runs(text, source_runs) for name, text in kit_texts().items()}
    assert {name: runs[:1] for name, runs in copied.items() if runs} == {}


# -- spelling -------------------------------------------------------------------------------------


def spelling_texts() -> dict[str, str]:
    """``where → text`` for every voorbeeldsituatie text, Babytijd questionnaire statement, sample-case
    rationale and module text."""
    content = load_content(CONTENT, samples_dir=SAMPLES_DIR)
    texts: dict[str, str] = {}
    _skills, situations = load_example_situations(CONTENT / "babytijd" / "voorbeeldsituaties.yaml")
    for s in situations:
        parts = {"situation": s.situation, "skill_focus": s.skill_focus,
                 **{f"prompts[{i}]": p for i, p in enumerate(s.prompts)},
                 **{f"discussion[{i}]": d for i, d in enumerate(s.discussion)}}
        texts.update({f"voorbeeldsituatie {s.theme}, {k}": v for k, v in parts.items()})
    form = load_evaluation_form(CONTENT / "babytijd" / "evaluatie.yaml")
    texts.update({f"evaluatie {g.code}": f"{g.group}\n{g.statement}" for g in form.subgoals})
    texts["evaluatie, schaal"] = f"{form.min_label}\n{form.max_label}"
    for case in content.cases:
        texts.update({f"{case.code}, rationale {scale}": text for scale, text in case.rationale.items()})
        for scale, experts in case.experts.items():
            texts.update({f"{case.code}, {e.rater} {scale}": e.rationale for e in experts})
    for module in content.modules:
        texts[f"module {module.code}, title/summary"] = f"{module.title}\n{module.summary}"
        for i, page in enumerate(module.pages, 1):
            page_texts = [page.title, page.body, page.situation, page.question, *page.notes, *page.questions]
            page_texts += [f"{c.label}\n{c.feedback}" for c in page.choices]
            texts[f"module {module.code}, page {i}"] = "\n".join(page_texts)
        for q in module.check:
            texts[f"module {module.code}, check {q.id}"] = "\n".join([q.question, *q.options, q.explanation])
    return texts


def project_words() -> list[str]:
    lines = WORD_LIST.read_text(encoding="utf-8").splitlines()
    return [w for w in (line.split("#", 1)[0].strip() for line in lines) if w]


def misspelled(candidates: set[str]) -> set[str]:
    """The words Hunspell (Dutch dictionary plus the project word list) does not know."""
    hunspell = shutil.which("hunspell")
    assert hunspell, "Hunspell is missing: install the Debian packages 'hunspell' and 'hunspell-nl' (./kit test does)"
    found = subprocess.run([hunspell, "-d", DICTIONARY, "-p", str(WORD_LIST), "-l"], input="\n".join(sorted(candidates)),
                           capture_output=True, text=True, check=True)
    assert "Can't open affix or dictionary" not in found.stderr, found.stderr
    return set(found.stdout.split())


def test_hunspell_knows_dutch_and_flags_a_typo():
    """Is the Dutch dictionary there: does Hunspell accept ordinary Dutch, and flag a misspelling?"""
    assert misspelled({"opvoeder", "begeleider", "baby's", "huilen"}) == set()
    assert misspelled({"opvoeeder", "begeleidr"}) == {"opvoeeder", "begeleidr"}


def test_project_word_list_holds_only_words_the_dictionary_lacks():
    """Does the word list stay short: no entry Hunspell already knows without it, no duplicates?"""
    entries = project_words()
    assert len(entries) == len(set(entries))
    hunspell = shutil.which("hunspell")
    assert hunspell
    plain = subprocess.run([hunspell, "-d", DICTIONARY, "-l"], input="\n".join(entries), capture_output=True,
                           text=True, check=True)
    assert set(plain.stdout.split()) == set(entries)


def test_voorbeeldsituaties_rationales_and_modules_are_spelled_right():
    """Does every voorbeeldsituatie text, sample-case rationale and module text pass the Dutch
    spelling check (Hunspell nl_NL plus content/spelling-woorden.txt)?"""
    texts = spelling_texts()
    wrong = misspelled({w for text in texts.values() for w in words(text)})
    problems = {where: sorted(set(words(text)) & wrong) for where, text in texts.items()}
    assert {where: found for where, found in problems.items() if found} == {}


# -- the statistics module quotes the rules ------------------------------------------------------

_DUTCH_NUMBERS = {2: "twee", 3: "drie", 4: "vier", 5: "vijf", 6: "zes", 8: "acht", 10: "tien"}


def test_statistics_module_quotes_the_default_thresholds():
    """Does 'Hoe de toets werkt' quote the thresholds of every shipped certification rule (80 %
    within one point, a mean difference of at most 1 point, ICC at least 0,70, half of the
    extremes, eight clips), so the explanation cannot drift from the rules?"""
    from oefenkit.certification import load_rules

    module = next(m for m in load_content(CONTENT).modules if m.code == "context-hoe-de-toets-werkt")
    text = " ".join(" ".join(p.body.split()) for p in module.pages)
    rules = load_rules(CONTENT).values()
    assert rules
    for rule in rules:
        assert f"minstens {_DUTCH_NUMBERS.get(rule.min_clips, rule.min_clips)} fragmenten per schaal" in text
        for th in rule.scales.values():
            assert f"minstens {round(th.within_one_min * 100)} %" in text
            assert f"hooguit {th.abs_bias_max:g} punt" in text.replace(".", ",")
            assert f"minstens {th.icc_a1_min:.2f}".replace(".", ",") in text
            assert th.extremes_min_share == 0.5 and "minstens de helft" in text
