"""The case library core: upload, anonymise, review, expert scores, publish (SQLite and PostgreSQL)."""

from __future__ import annotations

import stat
import threading

import numpy as np
import pytest
from sqlalchemy import func, select

from oefenkit.errors import (
    AlreadyExists,
    Cancelled,
    ConfigurationError,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from oefenkit.identity import SYSTEM
from oefenkit.storage import models as m
from oefenkit.storage.library import LibraryItem, normalise_manual_masks
from oefenkit.video.detect import FixedBoxDetector

from .video.media import decode_first, write_clip

MB = 1024 * 1024
PRACTICE, EXAM = "oefen", "toets"


@pytest.fixture
def lib(kit, people, tmp_path):
    """The kit with a media directory (originals kept until publication, 2 MB upload limit)."""
    kit.configure_library(tmp_path / "media", upload_max_bytes=2 * MB)
    t = people["trainer"]
    kit.add_case_set(t, PRACTICE, "Oefenset", "practice", [])
    kit.add_case_set(t, EXAM, "Toetsset", "exam", [])
    kit.add_case_set(t, "sessie", "Terugkomdag", "session", [])
    return kit


@pytest.fixture
def clip(tmp_path):
    """A small real video (320x240, 25 frames) to upload."""
    path = tmp_path / "in" / "badje.mp4"
    path.parent.mkdir()
    write_clip(path, frames=25)
    return path


def no_faces():
    return FixedBoxDetector(np.zeros((0, 4), np.float32))


def originals(kit):
    return sorted(p.name for p in (kit.media.media_dir / "originals").iterdir()) if (kit.media.media_dir / "originals").exists() else []


def case_count(kit):
    with kit.transaction() as s:
        return s.scalar(select(func.count()).select_from(m.Case)), s.scalar(select(func.count()).select_from(m.CaseMedia))


def upload(kit, people, clip, **kw):
    return kit.add_library_clip(people["trainer"], clip, kw.pop("name", "Badje_mama.mp4"), **kw)


def ready(kit, people, clip, *, scores=True):
    """Upload, anonymise (no faces), review and (optionally) score a clip; return its code."""
    t = people["trainer"]
    item = upload(kit, people, clip)
    kit.anonymise_library_clip(t, item.case_code, detector=no_faces())
    kit.mark_library_reviewed(t, item.case_code)
    if scores:
        kit.set_expert_scores(t, item.case_code, [("trainer1", "sensitiviteit", 7, "Ziet de signalen."),
                                                  ("trainer1", "cooperatie", 6, "Laat ruimte.")])
    return item.case_code


# -- upload -----------------------------------------------------------------------------------


def test_upload_stores_original_under_random_name(lib, people, clip):
    """Does an upload make an unpublished case with a protected original under a random name?"""
    data = clip.read_bytes()
    item = upload(lib, people, clip, name="../../Badje_mama.mp4")
    assert isinstance(item, LibraryItem)
    assert item.case_code.startswith("upl-") and item.case_code.endswith("-001")
    assert item.title == "Badje mama" and item.original_name == "Badje_mama.mp4"
    assert item.status == "uploaded" and item.has_original and not item.clip_available
    assert item.set_codes == () and item.uploaded_by == "trainer1" and item.original_size == len(data)
    [name] = originals(lib)
    assert "Badje" not in name and name.endswith(".mp4")
    stored = lib.media.media_dir / "originals" / name
    assert stored.read_bytes() == data and not clip.exists()
    assert stat.S_IMODE((lib.media.media_dir / "originals").stat().st_mode) == 0o700
    second = upload(lib, people, _copy(clip.parent, data), name="b.mov")
    assert second.case_code.endswith("-002") and second.title == "b"
    actions = [e["action"] for e in lib.list_audit_entries(people["coordinator"])]
    assert actions.count("library.upload") == 2
    assert [i.case_code for i in lib.list_library(people["trainer"])] == [second.case_code, item.case_code]


def _copy(folder, data, name="again.mp4"):
    path = folder / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("kind", ["text", "png_as_mp4", "empty"])
def test_upload_of_non_video_is_refused_in_dutch_and_stores_nothing(lib, people, tmp_path, kind):
    """Is a text file, a PNG renamed .mp4 or an empty file refused with a Dutch message, leaving nothing?"""
    import cv2

    path = tmp_path / "nep.mp4"
    if kind == "text":
        path.write_text("Dit is geen video.\n" * 50)
    elif kind == "png_as_mp4":
        ok, png = cv2.imencode(".png", np.full((64, 64, 3), 128, np.uint8))
        path.write_bytes(png.tobytes())
    else:
        path.write_bytes(b"")
    before = case_count(lib)
    with pytest.raises(ValidationError) as err:
        lib.add_library_clip(people["trainer"], path, "nep.mp4")
    message = str(err.value)
    assert ("geen video" in message or "afbeelding" in message or "leeg" in message), message
    assert "nep.mp4" in message or "geen video" in message
    assert originals(lib) == [] and case_count(lib) == before
    assert path.exists()  # the caller's file is left where it was


def test_too_large_upload_is_refused(lib, people, tmp_path):
    """Is a file over the limit refused (Dutch, naming the limit) before anything is stored?"""
    big = tmp_path / "groot.mp4"
    big.write_bytes(b"\0" * (2 * MB + 1))
    with pytest.raises(ValidationError, match="te groot.*2 MB"):
        lib.add_library_clip(people["trainer"], big, "groot.mp4")
    assert originals(lib) == [] and case_count(lib)[1] == 0


def test_failed_bookkeeping_moves_the_file_back(lib, people, clip):
    """When the database refuses (unknown programme), is nothing left in originals and the file back?"""
    with pytest.raises(NotFound, match="Programma"):
        upload(lib, people, clip, programme_code="bestaat-niet")
    assert originals(lib) == [] and case_count(lib)[1] == 0 and clip.exists()


def test_without_media_dir_the_library_says_so(kit, people, clip):
    """Does a kit without a media directory refuse uploads with a Dutch configuration error?"""
    with pytest.raises(ConfigurationError, match="mediamap"):
        kit.add_library_clip(people["trainer"], clip, "a.mp4")
    assert clip.exists()


def test_media_dir_inside_a_clip_root_is_refused(kit, tmp_path):
    """May the originals never lie inside a folder clips are served from?"""
    kit.media.clip_roots = (tmp_path,)
    with pytest.raises(ConfigurationError):
        kit.configure_library(tmp_path / "media")


# -- anonymise and review ---------------------------------------------------------------------


def test_anonymise_with_fake_detector_masks_and_saves_review(lib, people, clip):
    """Does anonymising write a masked clip in clips/, a contact sheet, the review and progress?"""
    t = people["trainer"]
    item = upload(lib, people, clip)
    seen = []
    done = lib.anonymise_library_clip(t, item.case_code, detector=FixedBoxDetector([[140, 100, 180, 140]]),
                                      progress=lambda f, label: seen.append((f, label)))
    assert done.status == "anonymised" and done.clip_available and done.has_original
    out = lib.media.media_dir / "clips" / f"{item.case_code}.mp4"
    assert out.is_file()
    frame = decode_first(out, 8)
    assert frame[110:130, 150:170].max() < 30 and frame[200:230, 250:300].min() > 20
    assert (lib.media.media_dir / "review" / f"{item.case_code}.png").read_bytes()[:4] == b"\x89PNG"
    assert lib.find_contact_sheet(t, item.case_code) == lib.media.media_dir / "review" / f"{item.case_code}.png"
    assert all(f.reason and f.time_s >= 0 for f in done.review)
    assert seen[-1] == (1.0, "Klaar") and any("Gezichten" in label for _, label in seen)
    assert sorted(p.name for p in (lib.media.media_dir / "clips").iterdir()) == [f"{item.case_code}.mp4"]


def test_manual_masks_rerun(lib, people, clip):
    """Does a re-run with a manual mask black out that region and keep the masks for the next run?"""
    t = people["trainer"]
    code = upload(lib, people, clip).case_code
    lib.anonymise_library_clip(t, code, detector=no_faces())
    out = lib.media.media_dir / "clips" / f"{code}.mp4"
    assert decode_first(out, 5)[110:130, 150:170].min() > 20  # before: nothing masked there
    mask = {"start_s": 0.0, "end_s": None, "x": 0.4, "y": 0.4, "w": 0.2, "h": 0.2}
    lib.mark_library_reviewed(t, code)
    item = lib.anonymise_library_clip(t, code, manual_masks=[mask], detector=no_faces())
    assert item.status == "anonymised"  # a re-run needs a new look
    assert item.manual_masks == (mask,)
    assert any(f.reason == "handmatig masker" for f in item.review)
    assert decode_first(out, 5)[110:130, 150:170].max() < 30
    again = lib.anonymise_library_clip(t, code, detector=no_faces())  # None keeps the stored masks
    assert again.manual_masks == (mask,)
    assert decode_first(out, 5)[110:130, 150:170].max() < 30


def test_bad_manual_mask_is_refused_before_any_work(lib, people, clip):
    """Is a mask outside the frame refused in Dutch, with the stored state unchanged?"""
    t = people["trainer"]
    code = upload(lib, people, clip).case_code
    with pytest.raises(ValidationError, match="Masker 1"):
        lib.anonymise_library_clip(t, code, manual_masks=[{"start_s": 0, "end_s": 1, "x": 0.9, "y": 0, "w": 0.5,
                                                           "h": 0.1}], detector=no_faces())
    with pytest.raises(ValidationError, match="onbekend veld"):
        normalise_manual_masks([{"start_s": 0, "x": 0, "y": 0, "w": 0.1, "h": 0.1, "kleur": "rood"}])
    item = lib.find_library_item(t, code)
    assert item.status == "uploaded" and not item.clip_available
    assert not (lib.media.media_dir / "clips" / f"{code}.mp4").exists()


def test_cancelled_anonymisation_changes_nothing(lib, people, clip):
    """Does a cancelled run leave no clip, no sheet and status 'uploaded'?"""
    t = people["trainer"]
    code = upload(lib, people, clip).case_code
    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        lib.anonymise_library_clip(t, code, cancel=stop, detector=no_faces())
    assert lib.find_library_item(t, code).status == "uploaded"
    assert list((lib.media.media_dir / "clips").iterdir()) == []
    assert list((lib.media.media_dir / "review").iterdir()) == []


def test_anonymise_with_the_real_detector(lib, people, tmp_path):
    """With the default CenterFace detector, are the synthetic clip's faces found and masked?"""
    from .video.synthetic import make_clip
    from .video.synthetic import write_clip as write_synthetic

    src = tmp_path / "echt.mp4"
    synthetic = make_clip(7, width=640, height=360, n_frames=12)
    write_synthetic(synthetic, src)
    t = people["trainer"]
    code = lib.add_library_clip(t, src, "echt.mp4").case_code
    lib.anonymise_library_clip(t, code)
    out = lib.media.media_dir / "clips" / f"{code}.mp4"
    with lib.transaction() as s:
        audit = s.scalars(select(m.AuditEntry).where(m.AuditEntry.action == "library.anonymise")).one()
    assert audit.details["faces"] >= 1
    original = synthetic.frame(6).astype(int)
    masked = decode_first(out, 6).astype(int)
    assert np.abs(original - masked).mean() > 1.0  # faces were painted over
    assert lib.find_library_item(t, code).clip_available


def test_review_requires_anonymisation(lib, people, clip):
    """Can a clip only be marked reviewed after it was anonymised?"""
    t = people["trainer"]
    code = upload(lib, people, clip).case_code
    with pytest.raises(ValidationError, match="Anonimiseer"):
        lib.mark_library_reviewed(t, code)
    with pytest.raises(NotFound, match="contactvel"):
        lib.find_contact_sheet(t, code)


def test_no_original_gives_dutch_error(lib, people, clip):
    """Without an original (deleted), does re-anonymising say so in Dutch?"""
    t = people["trainer"]
    code = upload(lib, people, clip).case_code
    with lib.transaction() as s:
        s.scalars(select(m.CaseMedia)).one().original_path = None
    with pytest.raises(NotFound, match="origineel"):
        lib.anonymise_library_clip(t, code, detector=no_faces())


# -- metadata and expert scores -----------------------------------------------------------------


def test_update_metadata(lib, people, clip):
    """Are title, programme, vignette and details stored and audited?"""
    t = people["trainer"]
    code = upload(lib, people, clip).case_code
    item = lib.update_library_case(t, code, title="Badje bij mama", programme_code="ouder-baby",
                                   vignette="Moeder baadt haar dochter van 4 maanden.", details={"leeftijd": 4})
    assert (item.title, item.programme_code, item.vignette, item.details) == (
        "Badje bij mama", "ouder-baby", "Moeder baadt haar dochter van 4 maanden.", {"leeftijd": 4})
    with pytest.raises(ValidationError):
        lib.update_library_case(t, code, title="  ")
    assert lib.find_library_item(t, code).title == "Badje bij mama"


def test_expert_scores_all_or_nothing(lib, people, clip):
    """Are several experts' scores stored together, replaced per expert and scale, and refused as a whole?"""
    t = people["trainer"]
    lib.update_or_create_expert(people["coordinator"], "expert-a", "Expert A")
    code = upload(lib, people, clip).case_code
    item = lib.set_expert_scores(t, code, [("expert-a", "sensitiviteit", 3, "Mist signalen."),
                                           ("trainer1", "sensitiviteit", 4, "")])
    assert sorted((e.expert_username, e.score) for e in item.expert_scores) == [("expert-a", 3), ("trainer1", 4)]
    item = lib.set_expert_scores(t, code, [("expert-a", "sensitiviteit", 5, "Toch wisselend.")])
    assert sorted((e.expert_username, e.score, e.rationale) for e in item.expert_scores) == [
        ("expert-a", 5, "Toch wisselend."), ("trainer1", 4, "")]
    with pytest.raises(ValidationError) as err:
        lib.set_expert_scores(t, code, [("expert-a", "cooperatie", 6, ""), ("trainer1", "sensitiviteit", 10, "")])
    assert "Sensitiviteit" in str(err.value) and "1" in str(err.value) and "9" in str(err.value)
    with pytest.raises(NotFound, match="Expert 'niemand'"):
        lib.set_expert_scores(t, code, [("expert-a", "cooperatie", 6, ""), ("niemand", "sensitiviteit", 5, "")])
    with pytest.raises(ValidationError, match="geen trainer"):
        lib.set_expert_scores(t, code, [("cursist1", "sensitiviteit", 5, "")])
    after = lib.find_library_item(t, code).expert_scores
    assert sorted((e.expert_username, e.scale_code, e.score) for e in after) == [
        ("expert-a", "sensitiviteit", 5), ("trainer1", "sensitiviteit", 4)]


# -- publish ------------------------------------------------------------------------------------


def test_publish_rules(lib, people, clip, tmp_path):
    """Are unreviewed clips, exam cases without scores and practice+exam clashes refused, nothing changed?"""
    t = people["trainer"]
    practice, exam = PRACTICE, EXAM
    code = upload(lib, people, clip).case_code
    with pytest.raises(ValidationError, match="goed"):
        lib.publish_case(t, code, practice)
    lib.anonymise_library_clip(t, code, detector=no_faces())
    with pytest.raises(ValidationError, match="goed"):
        lib.publish_case(t, code, practice)
    lib.mark_library_reviewed(t, code)
    with pytest.raises(ValidationError, match="expertscores nodig op alle schalen"):
        lib.publish_case(t, code, exam)
    lib.set_expert_scores(t, code, [("trainer1", "sensitiviteit", 7, "")])
    with pytest.raises(ValidationError, match="Coöperatie|coöperatie|Cooperatie"):
        lib.publish_case(t, code, exam)
    assert lib.find_library_item(t, code).status == "reviewed"
    item = lib.publish_case(t, code, practice)
    assert item.status == "published" and item.set_codes == (practice,)
    assert lib.list_case_sets(t)[[s.code for s in lib.list_case_sets(t)].index(practice)].case_codes[-1] == code
    lib.set_expert_scores(t, code, [("trainer1", "cooperatie", 6, "")])
    with pytest.raises(Conflict, match="oefenset en een toetsset"):
        lib.publish_case(t, code, exam)
    with pytest.raises(AlreadyExists):
        lib.publish_case(t, code, practice)
    with pytest.raises(Conflict, match="gepubliceerd"):
        lib.anonymise_library_clip(t, code, detector=no_faces())
    with lib.transaction() as s:
        audit = [e.action for e in s.scalars(select(m.AuditEntry).where(m.AuditEntry.target == code))]
    assert audit.count("case.publish") == 1


def test_exam_publish_with_scores_and_original_deleted(lib, people, clip):
    """Does an exam case with expert scores on both scales publish, and is its original deleted afterwards?"""
    t = people["trainer"]
    exam = EXAM
    code = ready(lib, people, clip)
    assert len(originals(lib)) == 1
    item = lib.publish_case(t, code, exam)
    assert item.status == "published" and not item.has_original and item.clip_available
    assert originals(lib) == []
    practice = PRACTICE
    with pytest.raises(Conflict):
        lib.publish_case(t, code, practice)


def test_keep_originals_setting(lib, people, clip):
    """With keep_originals, does the original stay after publishing?"""
    lib.media.keep_originals = True
    t = people["trainer"]
    practice = PRACTICE
    code = ready(lib, people, clip, scores=False)
    assert lib.publish_case(t, code, practice).has_original
    assert len(originals(lib)) == 1


def test_cursist_sees_published_practice_clip_never_the_original(lib, people, clip):
    """Does find_clip give a cursist the anonymised clip from media/clips only after publication?"""
    t, c = people["trainer"], people["cursist"]
    practice = PRACTICE
    lib.media.keep_originals = True
    code = ready(lib, people, clip)
    with pytest.raises(PermissionDenied):
        lib.find_clip(c, code)  # reviewed but not published: not for trainees
    lib.publish_case(t, code, practice)
    path = lib.find_clip(c, code)
    assert path == (lib.media.media_dir / "clips" / f"{code}.mp4").resolve()
    [original] = originals(lib)
    assert path.read_bytes() != (lib.media.media_dir / "originals" / original).read_bytes()
    # Even if a case row pointed at the original, find_clip would not serve it (outside every clip root).
    with lib.transaction() as s:
        s.scalars(select(m.Case).where(m.Case.code == code)).one().clip_path = str(
            lib.media.media_dir / "originals" / original)
    with pytest.raises(NotFound):
        lib.find_clip(c, code)
    with pytest.raises(NotFound):
        lib.find_clip(t, code)
    assert code in [p.code for p in lib.practice_overview(c)]


def test_cursist_is_refused_every_verb(lib, people, clip):
    """Is every library verb PermissionDenied for a cursist, with nothing stored?"""
    c = people["cursist"]
    code = upload(lib, people, _copy(clip.parent, clip.read_bytes(), "x.mp4")).case_code
    calls = [
        lambda: lib.add_library_clip(c, clip, "a.mp4"),
        lambda: lib.list_library(c),
        lambda: lib.find_library_item(c, code),
        lambda: lib.anonymise_library_clip(c, code, detector=no_faces()),
        lambda: lib.mark_library_reviewed(c, code),
        lambda: lib.update_library_case(c, code, title="x"),
        lambda: lib.set_expert_scores(c, code, [("cursist1", "sensitiviteit", 5, "")]),
        lambda: lib.find_contact_sheet(c, code),
        lambda: lib.publish_case(c, code, "x"),
        lambda: lib.list_case_sets(c),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert clip.exists() and case_count(lib)[1] == 1
    assert lib.find_library_item(people["trainer"], code).status == "uploaded"


def test_unknown_case_and_non_library_case(lib, people):
    """Are unknown cases and sample cases (not uploaded) NotFound with a Dutch message?"""
    t = people["trainer"]
    with pytest.raises(NotFound, match="bestaat niet"):
        lib.find_library_item(t, "upl-nee")
    lib.add_case(t, "bt-voorbeeld", "Voorbeeld", synthetic=True)
    with pytest.raises(NotFound, match="casusbibliotheek"):
        lib.find_library_item(t, "bt-voorbeeld")


def test_deleting_the_uploader_keeps_the_case(lib, people, clip):
    """When the uploading trainer is deleted (AVG), does the case stay, without their name?"""
    lib.add_person(SYSTEM, "trainer9", role="trainer", display_name="T9", password="geheim-wachtwoord")
    t9 = lib.find_person("trainer9")
    code = lib.add_library_clip(t9, clip, "a.mp4").case_code
    lib.delete_person(people["coordinator"], "trainer9")
    assert lib.find_library_item(people["trainer"], code).uploaded_by is None


# -- command line -------------------------------------------------------------------------------


def test_cli_upload_and_anonymise(tmp_path, clip, capsys, monkeypatch):
    """Do `oefenkit cases upload` and `cases anonymise` store a copy (Dutch output), leaving the file alone?"""
    from oefenkit import cli
    from oefenkit.video import anonymiser as anonymiser_module

    monkeypatch.setattr(anonymiser_module, "CenterFaceDetector", lambda **kwargs: no_faces())
    data = tmp_path / "data"
    assert cli.main(["--data-dir", str(data), "init"]) == 0
    capsys.readouterr()
    assert cli.main(["--data-dir", str(data), "cases", "upload", str(clip), "--title", "Badje"]) == 0
    out = capsys.readouterr().out
    assert "Opgeslagen als casus upl-" in out and clip.exists()
    code = out.split("casus ", 1)[1].split(" ", 1)[0]
    assert cli.main(["--data-dir", str(data), "cases", "anonymise", code, "--quiet"]) == 0
    out = capsys.readouterr().out
    assert f"Casus {code} is geanonimiseerd" in out and (data / "media" / "clips" / f"{code}.mp4").is_file()
    assert list((data / "media" / "uploads").iterdir()) == []
    assert cli.main(["--data-dir", str(data), "cases", "upload", str(tmp_path / "nee.mp4")]) != 0
    assert "bestaat niet" in capsys.readouterr().err


def test_publishing_to_the_programmes_own_exam_set_makes_it_private(lib, people, clip):
    """Is the own exam set of the programme with a scoring test offered before it exists (and none for
    Babytijd), made private on the first publication to it, and then listed with its case?"""
    from oefenkit.storage.library import private_exam_set_code

    t = people["trainer"]
    own = private_exam_set_code("ouder-baby")
    offered = {s.code: s for s in lib.list_case_sets(t)}
    assert offered[own].new and not offered[own].public and offered[own].kind == "exam"
    assert private_exam_set_code("babytijd") not in offered
    assert not offered[EXAM].public  # a set made by a trainer is private unless said otherwise
    code = ready(lib, people, clip)
    with pytest.raises(NotFound):  # Babytijd has no scoring test, so no own exam set either
        lib.publish_case(t, code, private_exam_set_code("babytijd"))
    item = lib.publish_case(t, code, own)
    assert item.set_codes == (own,)
    made = {s.code: s for s in lib.list_case_sets(t)}[own]
    assert (made.new, made.public, made.kind, made.programme_code, made.case_codes) == \
        (False, False, "exam", "ouder-baby", (code,))
    with lib.transaction() as s:
        assert s.scalar(select(m.CaseSet.public).where(m.CaseSet.code == own)) is False
