"""The case-library widgets (widgets/upload.py, widgets/library.py) over the real Kit."""

from __future__ import annotations

from oefenkit_widgets.upload import ClipUpload, too_large_message


def front_end_reports(upload: ClipUpload, result: dict, error: str) -> None:
    """What the browser sends after one upload: result, error and the bumped counter in one message."""
    upload.set_state({"result": result, "error": error, "uploads": upload.uploads + 1})


def test_upload_reports_the_case_code_once_and_errors_separately():
    """Does the kernel hear about a finished upload once, with the server's case code, and about a
    refused upload only through the error callback?"""
    done, errors = [], []
    upload = ClipUpload(5 * 1024 * 1024, on_uploaded=done.append, on_error=errors.append)
    assert "ok-upload" in upload._dom_classes
    assert upload.max_bytes == 5 * 1024 * 1024 and upload.url == "/oefenkit/upload"
    front_end_reports(upload, {"case_code": "upl-20261129-001", "title": "Badje"}, "")
    assert done == [{"case_code": "upl-20261129-001", "title": "Badje"}] and errors == []
    front_end_reports(upload, {}, "Dit is geen videobestand.")
    assert errors == ["Dit is geen videobestand."] and len(done) == 1
    # the same outcome twice (two uploads of the same file) is still two events
    front_end_reports(upload, {}, "Dit is geen videobestand.")
    assert len(errors) == 2


def test_too_large_message_names_both_sizes_in_dutch():
    """Does the client-side size message say how big the file is and what the limit is?"""
    text = too_large_message(700 * 1024 * 1024, 500 * 1024 * 1024)
    assert text == "Dit bestand is te groot (700 MB). Een fragment mag hoogstens 500 MB zijn."


# -- the jobs' components ------------------------------------------------------------------------


def _job(**kw):
    from oefenkit.storage.anonymise_jobs import JobInfo

    base = dict(id=1, case_code="upl-1", title="Badje", state="queued", progress=0.0, stage="",
                cancel_requested=False, requested_by="t", attempts=0, created_at=None)
    return JobInfo(**{**base, **kw})


def test_job_states_read_in_dutch_and_only_active_jobs_can_be_cancelled():
    """Does the queue panel say "In de wachtrij", "Bezig: 42 %", "Klaar", "Afgebroken" and offer
    "Afbreken" only on a queued or running job, handing its id to the callback?"""
    from oefenkit_widgets.anonymise_job import JobsPanel

    cancelled = []
    jobs = [_job(id=1), _job(id=2, state="running", progress=0.42), _job(id=3, state="done", progress=1.0),
            _job(id=4, state="cancelled"), _job(id=5, state="failed", error="Kapot <b>bestand</b>")]
    panel = JobsPanel(jobs, on_cancel=cancelled.append)
    texts = [row.children[1].value for row in panel.children]
    for text, expected in zip(texts, ("In de wachtrij", "Bezig: 42 %", "Klaar", "Afgebroken", "Mislukt")):
        assert expected in text
    assert "&lt;b&gt;" in texts[4] and "<b>" not in texts[4]
    buttons = [row.children[2] for row in panel.children if len(row.children) == 3]
    assert [b.description for b in buttons] == ["Afbreken", "Afbreken"]
    buttons[1].click()
    assert cancelled == [2]
    assert "geen anonimiseertaken" in JobsPanel([]).children[0].value


# -- the library page over the real Kit (SQLite, set up as `oefenkit init` does) -----------------

import pytest  # noqa: E402

from oefenkit.identity import SYSTEM  # noqa: E402

XSS = "<script>window.__x=1</script>"


@pytest.fixture
def lib(tmp_path, fast_password_hashing):
    """A kit made by ``init`` on SQLite, a trainer, two expert trainers and a cursist."""
    from oefenkit.instance import init, open_kit
    from oefenkit.settings import load_settings

    settings = load_settings(data_dir=tmp_path / "data")
    init(settings)
    kit = open_kit(settings)
    people = {
        "trainer": kit.add_person(SYSTEM, "bib.trainer", role="trainer", display_name="Bieb Trainer",
                                  password="geheim-wachtwoord"),
        "expert1": kit.add_person(SYSTEM, "bib.expert1", role="trainer", display_name="Expert Een",
                                  password="geheim-wachtwoord"),
        "expert2": kit.add_person(SYSTEM, "bib.expert2", role="coordinator", display_name="Expert Twee",
                                  password="geheim-wachtwoord"),
        "cursist": kit.add_person(SYSTEM, "bib.cursist", role="cursist", display_name="Bieb Cursist",
                                  password="geheim-wachtwoord"),
    }
    yield kit, people
    kit.engine.dispose()


@pytest.fixture(scope="module")
def short_clip(tmp_path_factory):
    """A 1-second synthetic clip with photographed faces (640x360): the real detector finds them fast."""
    from .video.synthetic import make_clip, write_clip

    path = tmp_path_factory.mktemp("clip") / "gezin.mp4"
    write_clip(make_clip(seed=7, width=640, height=360, n_frames=25), path)
    return path


def upload(kit, person, clip, tmp_path, name="huisbezoek.mp4"):
    """Upload as the server's route does: a copy of the clip handed to add_library_clip."""
    import shutil

    part = tmp_path / f"{name}.part"
    shutil.copyfile(clip, part)
    return kit.add_library_clip(person, part, name)


def run_jobs(kit) -> list[str]:
    """What ``oefenkit worker`` does, in this process: run every queued job."""
    from oefenkit.jobs import JobRunner

    runner = JobRunner(kit, "testwerker", heartbeat_s=0.05)
    staff = kit.find_person("bib.trainer")
    return [runner.run(job.id) for job in kit.list_anonymise_jobs(staff) if job.state == "queued"]


def make_page(kit, person):
    from oefenkit_widgets.library import library_page

    return library_page(kit, person)


def notice_text(page) -> str:
    return " ".join(getattr(c, "text", "") for c in page.message.children)


def statuses(page) -> list[str]:
    return [row.children[1].value for row in page.list.children if "ok-library-item" in row._dom_classes]


def test_cursist_cannot_open_the_library(lib):
    """Is the library page refused to a cursist with the Dutch permission message?"""
    from oefenkit.errors import PermissionDenied

    kit, people = lib
    with pytest.raises(PermissionDenied, match="casusbibliotheek"):
        make_page(kit, people["cursist"])


def test_empty_library_and_upload_limit(lib):
    """Does an empty library say so, and does the upload box carry the kit's size limit?"""
    kit, people = lib
    page = make_page(kit, people["trainer"])
    assert "ok-library-empty" in page.list.children[0]._dom_classes
    assert page.upload.max_bytes == kit.media.upload_max_bytes > 0
    assert page.detail.layout.display == "none"


def test_upload_outcome_lists_and_opens_the_new_case(lib, short_clip, tmp_path):
    """After the server stored an upload, does the page list it as 'geüpload' and open it, with
    Anonimiseren enabled and Gecontroleerd not yet?"""
    kit, people = lib
    page = make_page(kit, people["trainer"])
    item = upload(kit, people["trainer"], short_clip, tmp_path)
    front_end_reports(page.upload, {"case_code": item.case_code, "title": item.title}, "")
    assert len(statuses(page)) == 1 and "geüpload" in statuses(page)[0]
    assert page.detail.layout.display is None
    assert page.current["code"] == item.case_code
    assert not page.anonymise_button.disabled and page.reviewed_button.disabled
    assert "Nog niet geanonimiseerd" in page.review.sheet.value


def test_upload_error_is_shown_and_nothing_is_listed(lib):
    """Does a refused upload show the server's Dutch message and leave the list empty?"""
    kit, people = lib
    page = make_page(kit, people["trainer"])
    front_end_reports(page.upload, {}, "Dit bestand is geen video.")
    texts = [c.text for c in page.upload_message.children]
    assert texts == ["Dit bestand is geen video."]
    assert statuses(page) == []


def test_anonymise_review_masks_scores_and_publish(lib, short_clip, tmp_path):
    """The whole workflow through the page's controls: anonymise (progress to 100 %), contact sheet and
    flagged frames, a manual mask and a re-run, reviewed, metadata, expert scores of two experts on
    both scales and publication to the practice set, after which a cursist's practice list holds the
    case and the original is gone?"""
    kit, people = lib
    trainer = people["trainer"]
    item = upload(kit, trainer, short_clip, tmp_path)
    page = make_page(kit, trainer)
    page.open_item(item.case_code)

    page.anonymise_button.click()  # queued: the worker runs it, not this page's kernel
    assert page.anonymise_button.disabled and page.rerun_button.disabled and page.reviewed_button.disabled
    assert page.publish.button.disabled and page.stop_button.layout.display is None
    assert "In de wachtrij" in page.progress.label.value and "In de wachtrij" in page.jobs.children[0].children[1].value
    assert "Je kunt deze pagina sluiten" in notice_text(page)
    assert run_jobs(kit) == ["done"]
    page.refresh_jobs()  # the poller's tick
    assert page.progress.bar.value == 100 and page.progress.bar.description == "100%"
    assert "Klaar" in page.progress.label.value and "Klaar" in page.jobs.children[0].children[1].value
    assert not page.reviewed_button.disabled and page.stop_button.layout.display == "none"
    assert "geanonimiseerd" in statuses(page)[0]
    now = kit.find_library_item(trainer, item.case_code)
    assert now.status == "anonymised" and now.clip_available
    assert f"/oefenkit/library/contact-sheet/{item.case_code}.png" in page.review.sheet.value
    assert kit.find_contact_sheet(trainer, item.case_code).is_file()
    assert f"/oefenkit/media/clip/{item.case_code}.mp4" in page.review.player.value
    assert "ok-review-flags" in page.review.flags.value

    editor = page.masks()
    row = editor.add_row()
    for field, value in zip(row.fields, (0.0, 0.0, 10, 20, 30, 40)):
        field.value = value
    page.rerun_button.click()
    assert run_jobs(kit) == ["done"]
    page.refresh_jobs()
    now = kit.find_library_item(trainer, item.case_code)
    assert now.manual_masks == ({"start_s": 0.0, "end_s": None, "x": 0.1, "y": 0.2, "w": 0.3, "h": 0.4},)
    assert len(page.masks().rows_box.children) == 1  # the editor shows the stored mask again

    page.reviewed_button.click()
    assert kit.find_library_item(trainer, item.case_code).status == "reviewed"
    assert "gecontroleerd" in statuses(page)[0]

    page.meta.title.value = "Badje met papa"
    page.meta.programme.value = "babytijd"
    page.meta.vignette.value = "Vader baadt zijn dochter van drie maanden."
    page.meta.situation.value = "badje"
    page.meta.save.click()
    now = kit.find_library_item(trainer, item.case_code)
    assert (now.title, now.programme_code, now.vignette) == ("Badje met papa", "babytijd",
                                                             "Vader baadt zijn dochter van drie maanden.")
    assert now.details["situation"] == "badje" and "duration" in now.details  # other details kept

    for scale, points in (("sensitiviteit", ("7", "6")), ("cooperatie", ("5", "5"))):
        rows = page.scores.rows(scale)
        assert len(rows) == 2  # two empty rows to start with
        for r, expert, score in zip(rows, ("bib.expert1", "bib.expert2"), points):
            who, value, why = r.fields
            who.value, value.value, why.value = expert, score, f"{scale} volgens {expert}"
    page.scores.save.click()
    now = kit.find_library_item(trainer, item.case_code)
    assert sorted((e.expert_username, e.scale_code, e.score) for e in now.expert_scores) == [
        ("bib.expert1", "cooperatie", 5), ("bib.expert1", "sensitiviteit", 7),
        ("bib.expert2", "cooperatie", 5), ("bib.expert2", "sensitiviteit", 6)]
    assert "Expertscores opgeslagen (4)" in notice_text(page)

    page.publish.set_choice.value = "oefenen"
    page.publish.button.click()
    now = kit.find_library_item(trainer, item.case_code)
    assert now.status == "published" and now.set_codes == ("oefenen",)
    assert not now.has_original  # deleted on publication (keep_originals is off by default)
    assert "gepubliceerd" in statuses(page)[0] and "Gepubliceerd in" in notice_text(page)
    assert page.anonymise_button.disabled and page.rerun_button.disabled
    assert item.case_code in [c.code for c in kit.practice_overview(people["cursist"])]


def test_bad_expert_scores_and_exam_without_scores_are_refused_in_dutch(lib, short_clip, tmp_path):
    """Are a score out of range, a score that is not a number, a score without expert and an exam
    publication without expert scores each refused with a Dutch message, storing nothing?"""
    kit, people = lib
    trainer = people["trainer"]
    item = upload(kit, trainer, short_clip, tmp_path)
    kit.anonymise_library_clip(trainer, item.case_code)
    kit.mark_library_reviewed(trainer, item.case_code)
    page = make_page(kit, trainer)
    page.open_item(item.case_code)

    page.publish.set_choice.value = "toets"
    page.publish.button.click()
    assert "expertscores nodig" in notice_text(page) and "ok-notice-error" in page.message.children[0]._dom_classes
    assert kit.find_library_item(trainer, item.case_code).status == "reviewed"

    row = page.scores.rows("sensitiviteit")[0]
    who, value, why = row.fields
    who.value = "bib.expert1"
    for bad, expected in (("12", "tot en met 9"), ("zeven", "heel getal"), ("", "vul de score")):
        value.value = bad
        page.scores.save.click()
        assert expected in notice_text(page), (bad, notice_text(page))
        assert kit.find_library_item(trainer, item.case_code).expert_scores == ()
    who.value, value.value = None, "6"
    page.scores.save.click()
    assert "kies bij elke ingevulde score de expert" in notice_text(page)
    # a good row next to a bad one: nothing is stored
    who.value, value.value = "bib.expert1", "6"
    page.scores.rows("cooperatie")[0].fields[0].value = "bib.expert2"
    page.scores.rows("cooperatie")[0].fields[1].value = "0"
    page.scores.save.click()
    assert "tot en met 9" in notice_text(page)
    assert kit.find_library_item(trainer, item.case_code).expert_scores == ()


def test_user_text_is_escaped(lib, short_clip, tmp_path):
    """Are a title and file name with markup shown as text in the list and the heading?"""
    kit, people = lib
    trainer = people["trainer"]
    item = upload(kit, trainer, short_clip, tmp_path, name="a<b>.mp4")
    kit.update_library_case(trainer, item.case_code, title=f"Titel {XSS}")
    page = make_page(kit, trainer)
    page.open_item(item.case_code)
    html_values = [page.list.children[0].children[1].value, page.detail.children[0].value]
    for value in html_values:
        assert "<script>" not in value and "&lt;script&gt;" in " ".join(html_values)
    assert page.list.children[0].children[0].description == f"Titel {XSS}"  # a button label is text


def test_stop_button_cancels_and_changes_nothing(lib, short_clip, tmp_path):
    """Does "Stoppen" show while the job waits, end it with a Dutch message that is no error, and leave
    the clip exactly as it was (still only uploaded, no clip, the original kept)?"""
    kit, people = lib
    trainer = people["trainer"]
    item = upload(kit, trainer, short_clip, tmp_path)
    page = make_page(kit, trainer)
    page.open_item(item.case_code)
    assert page.stop_button.layout.display == "none"
    page.anonymise_button.click()
    assert page.stop_button.layout.display is None
    page.stop_button.click()
    assert page.stop_button.layout.display == "none" and not page.anonymise_button.disabled
    [notice] = page.message.children
    assert "afgebroken" in notice.value and "niets opgeslagen" in notice.value
    assert "ok-notice-info" in notice._dom_classes  # the trainer asked for it: not shown as an error
    assert "Afgebroken" in page.jobs.children[0].children[1].value
    assert run_jobs(kit) == []  # nothing left for a worker
    now = kit.find_library_item(trainer, item.case_code)
    assert now.status == "uploaded" and not now.clip_available and now.has_original


def test_another_page_sees_the_job_and_cancels_it(lib, short_clip, tmp_path):
    """A job queued on one page: does a second trainer's page (another kernel) list it, show its
    progress when opening the case, and cancel it with "Afbreken" so that the first page hears?"""
    kit, people = lib
    trainer, other = people["trainer"], people["expert2"]
    item = upload(kit, trainer, short_clip, tmp_path)
    first = make_page(kit, trainer)
    first.open_item(item.case_code)
    first.anonymise_button.click()
    second = make_page(kit, other)
    [row] = second.jobs.children
    assert "In de wachtrij" in row.children[1].value
    second.open_item(item.case_code)
    assert second.stop_button.layout.display is None and "In de wachtrij" in second.progress.label.value
    row.children[2].click()  # "Afbreken"
    assert "Afgebroken" in second.jobs.children[0].children[1].value
    first.refresh_jobs()
    assert "afgebroken" in notice_text(first) and not first.anonymise_button.disabled
    assert kit.find_library_item(trainer, item.case_code).status == "uploaded"


def test_publish_has_no_preselected_set():
    """Does "Publiceren" start without a chosen set (not the first set, e.g. an Intervisie set), and
    does a click without a choice publish nothing and ask for a set in Dutch?"""
    from types import SimpleNamespace

    from oefenkit_widgets.library_forms import CHOOSE_SET, PublishPanel

    sets = [SimpleNamespace(code="intervisie-gezin-m", name="Intervisie gezin M", kind="intervision"),
            SimpleNamespace(code="oefenen", name="Oefenen met feedback", kind="practice")]
    published = []
    panel = PublishPanel(sets, published.append)
    assert panel.set_choice.value is None and panel.set_choice.label == CHOOSE_SET
    panel.button.click()
    assert published == [] and "Kies eerst" in panel.hint.value
    panel.set_choice.value = "oefenen"
    assert panel.hint.value == ""
    panel.button.click()
    assert published == ["oefenen"]


def test_publishing_makes_the_own_exam_set_and_says_what_each_exam_set_is(lib, short_clip, tmp_path):
    """Does the set choice name the public sample exam as an oefentoets and offer the own (not yet
    made) exam set for certification — and does publishing there make it, private, after which the
    choice no longer calls it new?"""
    kit, people = lib
    trainer = people["trainer"]
    item = upload(kit, trainer, short_clip, tmp_path)
    kit.anonymise_library_clip(trainer, item.case_code)
    kit.mark_library_reviewed(trainer, item.case_code)
    kit.set_expert_scores(trainer, item.case_code, [("bib.expert1", "sensitiviteit", 7, ""),
                                                     ("bib.expert1", "cooperatie", 6, "")])
    page = make_page(kit, trainer)
    page.open_item(item.case_code)
    labels = dict((code, label) for label, code in page.publish.set_choice.options)
    assert labels["toets"] == "Voorbeeldtoets Ainsworth-schalen (toets, openbaar: oefentoets)"
    assert labels["eigen-toets-ouder-baby"] == \
        "Eigen toetsset Ouder-baby interventie (toets, eigen set: certificering, nieuw)"
    assert "eigen-toets-babytijd" not in labels
    page.publish.set_choice.value = "eigen-toets-ouder-baby"
    page.publish.button.click()
    assert "Gepubliceerd in Eigen toetsset Ouder-baby interventie (toets, eigen set: certificering)" \
        in notice_text(page)
    assert kit.find_library_item(trainer, item.case_code).set_codes == ("eigen-toets-ouder-baby",)
    labels = dict((code, label) for label, code in page.publish.set_choice.options)
    assert labels["eigen-toets-ouder-baby"].endswith("(toets, eigen set: certificering)")
    own = next(s for s in kit.list_case_sets(trainer) if s.code == "eigen-toets-ouder-baby")
    assert not own.public and not own.new and own.case_codes == (item.case_code,)
