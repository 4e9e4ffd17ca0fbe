"""Upload a clip over HTTP with a real progress bar.

ipywidgets' ``FileUpload`` sends the file through the kernel's websocket: no
progress, and Tornado's message limit (10 MiB by default) stops large clips.
:class:`ClipUpload` is a small front-end widget (``anywidget``) that posts the
file itself with ``XMLHttpRequest`` to the kit's authenticated upload route
(``POST /oefenkit/upload?name=<file name>``, raw body, ``X-XSRFToken`` header
from the ``_xsrf`` cookie), shows the percentage while it sends, refuses a file
over the size limit before sending, and shows the server's Dutch error.

Only the outcome crosses the websocket: the front end sets ``result`` (the
server's ``{"case_code", "title"}``) or ``error`` once per upload, and the
kernel calls ``on_uploaded(result)``. Progress stays in the browser, so an
upload costs the kernel two small messages, whatever the file size.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import anywidget
import traitlets as t

from oefenkit.settings import site_url

from .formatting import format_bytes

__all__ = ["ClipUpload", "UPLOAD_URL", "format_bytes", "too_large_message"]

log = logging.getLogger(__name__)

#: The kit's upload route (``oefenkit/server``); relative to the server root like the clip routes.
UPLOAD_URL = "/oefenkit/upload"


def too_large_message(size: int, limit: int) -> str:
    """The Dutch message for a file over the limit (the front end builds the same text).

    >>> too_large_message(3 * 1024 * 1024, 1024 * 1024)
    'Dit bestand is te groot (3 MB). Een fragment mag hoogstens 1 MB zijn.'
    """
    return f"Dit bestand is te groot ({format_bytes(size)}). Een fragment mag hoogstens {format_bytes(limit)} zijn."


_ESM = r"""
function formatBytes(n) {
  const mb = n / (1024 * 1024);
  if (mb >= 10 || Number.isInteger(mb)) return Math.round(mb) + " MB";
  return Math.max(mb, 0.1).toFixed(1).replace(".", ",") + " MB";
}

function xsrfToken() {
  const m = document.cookie.match(/(?:^|;\s*)_xsrf=([^;]*)/);
  return m ? decodeURIComponent(m[1]) : "";
}

function render({ model, el }) {
  el.classList.add("ok-upload");
  const label = document.createElement("label");
  label.className = "ok-upload-label";
  label.textContent = model.get("label");
  const input = document.createElement("input");
  input.type = "file";
  input.accept = model.get("accept");
  label.appendChild(input);

  const bar = document.createElement("progress");
  bar.className = "ok-upload-progress";
  bar.max = 100;
  bar.value = 0;
  bar.hidden = true;
  const percent = document.createElement("span");
  percent.className = "ok-upload-percent";
  percent.setAttribute("aria-live", "polite");
  const message = document.createElement("div");
  message.className = "ok-upload-message";
  message.setAttribute("role", "status");
  el.append(label, bar, percent, message);

  function show(text, kind) {
    message.textContent = text;
    message.className = "ok-upload-message ok-upload-" + kind;
    message.setAttribute("role", kind === "error" ? "alert" : "status");
  }

  function report(result, error) {
    model.set("result", result);
    model.set("error", error);
    model.set("uploads", model.get("uploads") + 1);
    model.save_changes();
  }

  input.addEventListener("change", () => {
    const file = input.files && input.files[0];
    if (!file) return;
    const limit = model.get("max_bytes");
    if (limit > 0 && file.size > limit) {
      const text = "Dit bestand is te groot (" + formatBytes(file.size) + "). Een fragment mag hoogstens "
        + formatBytes(limit) + " zijn.";
      show(text, "error");
      bar.hidden = true;
      percent.textContent = "";
      input.value = "";
      report({}, text);
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open("POST", model.get("url") + "?name=" + encodeURIComponent(file.name));
    xhr.setRequestHeader("X-XSRFToken", xsrfToken());
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.withCredentials = true;
    bar.hidden = false;
    bar.value = 0;
    percent.textContent = "0%";
    el.classList.remove("ok-upload-done");
    el.classList.add("ok-upload-busy");
    input.disabled = true;
    show("Bezig met uploaden van " + file.name + " …", "info");
    xhr.upload.onprogress = (ev) => {
      if (!ev.lengthComputable) return;
      const p = Math.floor((100 * ev.loaded) / ev.total);
      bar.value = p;
      percent.textContent = p + "%";
    };
    const finish = () => {
      input.disabled = false;
      input.value = "";
      el.classList.remove("ok-upload-busy");
    };
    xhr.onload = () => {
      finish();
      let body = {};
      try { body = JSON.parse(xhr.responseText || "{}"); } catch (e) { body = {}; }
      if (xhr.status === 201 && body.case_code) {
        bar.value = 100;
        percent.textContent = "100%";
        el.classList.add("ok-upload-done");
        show("Geüpload: " + (body.title || body.case_code), "info");
        report({ case_code: body.case_code, title: body.title || "" }, "");
      } else {
        const text = body.error || ("Het uploaden is mislukt (fout " + xhr.status + ").");
        bar.hidden = true;
        percent.textContent = "";
        show(text, "error");
        report({}, text);
      }
    };
    xhr.onerror = () => {
      finish();
      bar.hidden = true;
      percent.textContent = "";
      const text = "Het uploaden is mislukt: geen verbinding met de server.";
      show(text, "error");
      report({}, text);
    };
    xhr.send(file);
  });
}

export default { render };
"""

_CSS = """
.ok-upload { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem; padding: .5rem 0; }
.ok-upload progress { width: 16rem; height: 1rem; }
.ok-upload-message { flex-basis: 100%; }
.ok-upload-error { color: #8a1c1c; font-weight: 600; }
"""


class ClipUpload(anywidget.AnyWidget):
    """A file field that uploads one clip over HTTP with a progress bar.

    ``max_bytes`` is the kit's limit (``Settings.upload_max_bytes``), checked in
    the browser before sending; the server checks it again. After each upload the
    front end sets ``result`` (``{"case_code", "title"}``, empty on failure) and
    ``error`` (the Dutch message, empty on success) and bumps ``uploads``; the
    kernel then calls ``on_uploaded(result)`` or ``on_error(message)``.
    """

    _esm = _ESM
    _css = _CSS

    url = t.Unicode(UPLOAD_URL).tag(sync=True)
    max_bytes = t.Int(0).tag(sync=True)
    accept = t.Unicode("video/*,.mp4,.mov,.m4v,.avi,.mkv,.webm").tag(sync=True)
    label = t.Unicode("Kies een videofragment: ").tag(sync=True)
    result = t.Dict().tag(sync=True)
    error = t.Unicode("").tag(sync=True)
    uploads = t.Int(0).tag(sync=True)

    def __init__(self, max_bytes: int, *, on_uploaded: Callable[[dict], None] | None = None,
                 on_error: Callable[[str], None] | None = None, url: str | None = None):
        super().__init__(max_bytes=int(max_bytes), url=url or site_url(UPLOAD_URL))  # below a hub's base URL
        self.add_class("ok-upload")
        self._on_uploaded = on_uploaded
        self._on_error = on_error
        self.observe(self._outcome, names="uploads")

    def _outcome(self, change) -> None:
        if self.result.get("case_code"):
            if self._on_uploaded is not None:
                self._on_uploaded(dict(self.result))
        elif self.error and self._on_error is not None:
            self._on_error(self.error)
