"""The pure rules of Babytijd reeksen (``oefenkit.babytijd``): which measurement is due, the
paired change with its CI, suppression of small cells, codes, marks and the questionnaire file."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from oefenkit import babytijd as bt
from oefenkit.errors import ContentError, ValidationError
from oefenkit.settings import PROJECT_ROOT

FORM_FILE = PROJECT_ROOT / "content" / "babytijd" / "evaluatie.yaml"


# -- due measurements -------------------------------------------------------------------------------

@pytest.mark.parametrize(("attended", "done", "due"), [
    (0, set(), "nulmeting"),
    (3, set(), "nulmeting"),                  # the nulmeting stays due until it is done
    (4, {"nulmeting"}, None),
    (5, {"nulmeting"}, "na-5"),
    (9, {"nulmeting", "na-5"}, None),
    (10, {"nulmeting", "na-5"}, "eind"),
    (12, {"nulmeting"}, "na-5"),              # a missed one comes first
    (15, {"nulmeting", "na-5", "eind"}, None),
    (16, {"nulmeting", "na-5", "eind"}, "na-16"),
    (16, set(bt.MEASUREMENTS), None),
])
def test_due_measurement_follows_attended_meetings(attended, done, due):
    """Is the measurement due the first one whose attended count is reached and that is not done?"""
    assert bt.due_measurement(attended, done) == due


def test_due_measurements_lists_every_missed_one():
    """After 11 attended meetings with only the nulmeting, are both na-5 and the eindevaluatie due?"""
    assert bt.due_measurements(11, {"nulmeting"}) == ("na-5", "eind")


def test_is_early_by_count_not_by_calendar():
    """Is the eindevaluatie early at 9 attended meetings and on time at 10, whatever the date?"""
    assert bt.is_early("eind", 9) is True
    assert bt.is_early("eind", 10) is False
    assert bt.is_early("nulmeting", 0) is False
    with pytest.raises(ValidationError):
        bt.is_early("na-7", 10)


def test_measurement_not_due_is_a_dutch_validation_error():
    """Does the early-measurement refusal say in Dutch when it is due and how to store it anyway?"""
    exc = bt.MeasurementNotDue("eind", 7, 10)
    assert isinstance(exc, ValidationError)
    assert "na 10 bijgewoonde" in str(exc) and "7 keer" in str(exc) and "reden" in str(exc)


# -- paired change ----------------------------------------------------------------------------------

def test_paired_change_matches_the_t_interval_by_hand():
    """Does the CI of diffs (1, 0, 1, 1, 1, 1) equal mean ± t(0.975, 5)·sd/√n computed by hand?"""
    # diffs: mean 5/6; sd = sqrt((5·(1/6)² + (5/6)²) / 5) = sqrt(1/6); t(0.975, 5) = 2.570582 (table)
    c = bt.paired_change([2, 3, 2, 3, 3, 2], [3, 3, 3, 4, 4, 3])
    half = 2.570582 * math.sqrt(1 / 6) / math.sqrt(6)
    assert c.n == 6
    assert c.mean == pytest.approx(5 / 6)
    assert c.ci_low == pytest.approx(5 / 6 - half, abs=1e-6)
    assert c.ci_high == pytest.approx(5 / 6 + half, abs=1e-6)


def test_paired_change_matches_scipy_ttest_rel():
    """Is the interval the one scipy's paired t-test reports (the reference implementation)?"""
    before, after = [1, 3, 2, 4, 2, 3, 1], [3, 3, 4, 4, 3, 5, 2]
    ref = stats.ttest_rel(after, before).confidence_interval(0.95)
    c = bt.paired_change(before, after)
    assert (c.ci_low, c.ci_high) == pytest.approx((ref.low, ref.high))


def test_paired_change_leaves_out_incomplete_pairs():
    """Are pairs with a missing score left out, and has one pair a mean but no interval?"""
    assert bt.paired_change([3, None, 2], [4, 5, None]) == bt.Change(1, 1.0, None, None)
    assert bt.paired_change([None], [None]) == bt.Change(0, None, None, None)
    assert bt.paired_change([], []) == bt.Change(0, None, None, None)


def test_paired_change_without_spread_has_no_width():
    """Do identical changes give an interval of no width (not NaN)?"""
    c = bt.paired_change([2, 3, 1, 3], [3, 4, 2, 4])
    assert (c.n, c.mean, c.ci_low, c.ci_high) == (4, 1.0, 1.0, 1.0)


def test_paired_change_refuses_unequal_lengths():
    with pytest.raises(ValueError):
        bt.paired_change([1, 2], [1])


# -- suppression ------------------------------------------------------------------------------------

def test_suppress_empties_cells_under_five():
    """Does a cell of 4 opvoeders lose its value, CI and exact n, with a Dutch reason, and a cell of 5 not?"""
    small, enough = bt.suppress([bt.PooledCell("a", 4, 1.5, 0.5, 2.5), bt.PooledCell("b", 5, 2.0, 1.0, 3.0)])
    assert small.suppressed and (small.n, small.value, small.ci_low, small.ci_high) == (0, None, None, None)
    assert "minder dan 5 opvoeders" in small.reason
    assert not enough.suppressed and (enough.n, enough.value) == (5, 2.0)


def test_suppress_minimum_is_a_parameter():
    assert [c.suppressed for c in bt.suppress([bt.PooledCell("a", 9, 1.0)], minimum=10)] == [True]


# -- input checks -----------------------------------------------------------------------------------

@pytest.mark.parametrize("code", ["A1", "bt-07", " a3 ", "12", "X-2-Y"])
def test_codes_accepted_and_upper_cased(code):
    assert bt.check_code(code) == code.strip().upper()


@pytest.mark.parametrize("code", ["Marieke", "AB", "A", "de Vries 1", "A1234567890123", "a_1", "", None, 12,
                                  "Jan.1", "é1"])
def test_codes_that_could_be_names_are_refused(code):
    """Is a code without a digit (a name), too long, or with spaces or other signs refused in Dutch?"""
    with pytest.raises(ValidationError, match="nooit een naam"):
        bt.check_code(code)


@pytest.mark.parametrize("meeting", [0, 17, -1, True, "3", 2.0])
def test_meeting_outside_the_reeks_is_refused(meeting):
    with pytest.raises(ValidationError, match="1 tot en met 16"):
        bt.check_meeting(meeting)


@pytest.mark.parametrize(("mark", "message"), [
    (bt.AttendanceMark(True, "ziek-baby"), "geen reden"),
    (bt.AttendanceMark(False, "kermis"), "Onbekende reden"),
    (bt.AttendanceMark(False, "anders"), "toelichting"),
    (bt.AttendanceMark(False, "werk", "extra"), "alleen bij de reden 'anders'"),
    (bt.AttendanceMark(False, "anders", "x" * 201), "te lang"),
    ("ja", "of die er was"),
])
def test_bad_attendance_marks(mark, message):
    with pytest.raises(ValidationError, match=message):
        bt.check_mark(mark)


def test_good_attendance_marks():
    assert bt.check_mark(bt.AttendanceMark(False)) == bt.AttendanceMark(False, None, "")
    assert bt.check_mark(bt.AttendanceMark(False, "anders", " verhuisd ")).reason_text == "verhuisd"


# -- the questionnaire ------------------------------------------------------------------------------

def test_shipped_form_has_eight_subgoals_on_one_to_five():
    form = bt.load_evaluation_form(FORM_FILE)
    assert len(form.subgoals) == 8 and (form.min_score, form.max_score) == (1, 5)
    assert form.codes[:2] == ("kennis", "sensitief")
    assert all(g.statement.endswith(".") for g in form.subgoals)


def test_scores_are_checked_against_the_form():
    """Are a score outside 1–5, an unknown subgoal, a text and an empty form refused; is an open
    question left out?"""
    form = bt.load_evaluation_form(FORM_FILE)
    assert form.check_scores({"kennis": 1, "steun": 5, "uitleg": None}) == {"kennis": 1, "steun": 5}
    for bad, message in (({"kennis": 6}, "tussen 1 en 5"), ({"kennis": 0}, "tussen 1 en 5"),
                         ({"geluk": 3}, "Onbekend subdoel"), ({"kennis": "3"}, "geheel getal"),
                         ({"kennis": True}, "geheel getal"), ({}, "minstens één"), ({"kennis": None}, "minstens één")):
        with pytest.raises(ValidationError, match=message):
            form.check_scores(bad)


@pytest.mark.parametrize(("change", "message"), [
    (lambda t: t.replace("  - code: steun", "  - code: kennis"), "twee keer"),
    (lambda t: t.replace("  max: 5", "  max: 0"), "min < max"),
    (lambda t: t.replace("    group: Sociale steun\n", "    group: Sociale steun\n    weight: 2\n"), "onbekend veld"),
    (lambda t: t[:t.index("  - code: steun")], "8 subdoelen"),
    (lambda t: t.replace("  - code: uitleg", "  - code: Uitleg!"), "kleine letters"),
])
def test_broken_form_files_give_dutch_errors(tmp_path, change, message):
    target = tmp_path / "babytijd" / "evaluatie.yaml"
    target.parent.mkdir()
    target.write_text(change(FORM_FILE.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ContentError, match=message):
        bt.load_evaluation_form(target)


# -- property: the interval is scipy's paired t interval ----------------------------------------------

_pairs = st.lists(st.tuples(st.integers(1, 5), st.integers(1, 5)), min_size=2, max_size=30)


@given(_pairs)
def test_paired_change_is_the_paired_t_interval(pairs):
    """For any pairs of 1–5 scores with some spread, is the interval scipy's ``ttest_rel`` CI?"""
    before, after = [b for b, _ in pairs], [a for _, a in pairs]
    c = bt.paired_change(before, after)
    diffs = [a - b for b, a in pairs]
    assert c.n == len(pairs) and c.mean == pytest.approx(sum(diffs) / len(diffs))
    if len(set(diffs)) > 1:
        ref = stats.ttest_rel(after, before).confidence_interval(0.95)
        assert (c.ci_low, c.ci_high) == pytest.approx((ref.low, ref.high))
    else:
        assert c.ci_low == c.ci_high == c.mean


def test_default_form_reads_the_content_folder_in_use(content_dir, monkeypatch):
    """Does the service's questionnaire come from ``OEFENKIT_CONTENT_DIR`` (a trainer's edit counts)?"""
    path = content_dir / "babytijd" / "evaluatie.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("helemaal waar", "klopt helemaal"), encoding="utf-8")
    monkeypatch.setenv("OEFENKIT_CONTENT_DIR", str(content_dir))
    assert bt.default_form().max_label == "klopt helemaal"
    assert bt.default_form(FORM_FILE.parent.parent).max_label == "helemaal waar"


def test_init_refuses_a_broken_questionnaire(content_dir):
    """Does loading the content (``oefenkit init``) check the questionnaire too?"""
    from oefenkit.content import load_content

    path = content_dir / "babytijd" / "evaluatie.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  max: 5", "  max: 1"), encoding="utf-8")
    with pytest.raises(ContentError, match="evaluatie.yaml"):
        load_content(content_dir)
