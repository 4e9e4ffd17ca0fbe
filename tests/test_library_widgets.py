"""The case-library widgets (widgets/upload.py, widgets/library.py) over the real Kit."""

from __future__ import annotations

from widgets.upload import ClipUpload, too_large_message


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
