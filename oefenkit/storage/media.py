"""The one media store: where clips may be served from and the library's media directory.

Every file the kit reads or writes for a case (the shipped sample clips, uploaded originals,
anonymised clips, contact sheets, partial uploads) is found through one :class:`MediaStore`,
shared by the practice service (which clips may be served), the library services (upload,
anonymise, publish) and the upload routes. It holds configuration only, no database.

Layout of the media directory (:meth:`MediaStore.configure_library`)::

    <media_dir>/originals/   the uploaded originals (mode 0700); never inside a clip root
    <media_dir>/clips/       anonymised MP4s <case code>.mp4 (a clip root)
    <media_dir>/review/      contact sheets <case code>.png (staff only)
    <media_dir>/uploads/     partial uploads of the HTTP route (<random>.part)
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import ConfigurationError
from ..settings import PROJECT_ROOT

__all__ = ["MediaStore", "DEFAULT_UPLOAD_MAX_BYTES", "MEDIA_SUBDIRS", "SAMPLE_CLIPS"]

DEFAULT_UPLOAD_MAX_BYTES = 500 * 1024 * 1024
#: Subfolders of the media directory.
MEDIA_SUBDIRS = ("originals", "clips", "review", "uploads")
#: The shipped sample clips: the clip root when nothing else is configured.
SAMPLE_CLIPS = PROJECT_ROOT / "sample_cases" / "clips"


class MediaStore:
    """Clip roots and the library's media directory; cheap to create, nothing made on disk until used."""

    def __init__(self) -> None:
        #: Directories a clip may be served from. Empty: the shipped ``sample_cases/clips``.
        #: A clip path outside every root is never served.
        self.clip_roots: tuple = ()
        #: Root of the media directory (resolved), set by :meth:`configure_library`.
        self.media_dir: Path | None = None
        #: Keep originals after publication.
        self.keep_originals: bool = False
        #: Largest accepted upload.
        self.upload_max_bytes: int = DEFAULT_UPLOAD_MAX_BYTES

    def configure_library(self, media_dir: str | os.PathLike, *, keep_originals: bool = False,
                          upload_max_bytes: int = DEFAULT_UPLOAD_MAX_BYTES) -> None:
        """Use ``media_dir`` for the library; its ``clips/`` becomes a clip root next to the samples.

        Nothing is created on disk here (app kernels open the kit cheaply); the
        folders are made, private to the owner, when a verb first needs them.
        """
        media = Path(media_dir).expanduser().resolve()
        roots = tuple(dict.fromkeys([*(self.clip_roots or (SAMPLE_CLIPS.resolve(),)), media / "clips"]))
        originals = media / "originals"
        for root in roots:
            root = Path(root).resolve()
            if originals.is_relative_to(root) or root.is_relative_to(originals) or (media / "uploads").is_relative_to(root):
                raise ConfigurationError(
                    f"De mediamap {media} ligt in een map waaruit fragmenten worden getoond; "
                    "kies een andere mediamap.")
        if upload_max_bytes < 1:
            raise ConfigurationError("De uploadgrens moet groter dan 0 zijn.")
        self.media_dir = media
        self.keep_originals = bool(keep_originals)
        self.upload_max_bytes = int(upload_max_bytes)
        self.clip_roots = roots

    def media_path(self, sub: str) -> Path:
        """A subfolder of the media directory (created with mode 0700 if needed)."""
        if sub not in MEDIA_SUBDIRS:
            raise ValueError(f"unknown media folder {sub!r}")
        if self.media_dir is None:
            raise ConfigurationError("Er is geen mediamap ingesteld voor de casusbibliotheek.")
        path = self.media_dir / sub
        try:
            self.media_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            path.mkdir(mode=0o700, exist_ok=True)
            if sub == "originals" and (path.stat().st_mode & 0o077):
                path.chmod(0o700)
        except OSError as exc:
            raise ConfigurationError(f"De mediamap {path} kan niet worden gebruikt: {exc.strerror}.") from exc
        return path

    def too_large_message(self) -> str:
        """Dutch: the file is over the upload limit."""
        return f"Dit bestand is te groot; een fragment mag hoogstens {self.upload_max_bytes / 1024**2:.0f} MB zijn."

    def allowed_clip_roots(self) -> tuple[Path, ...]:
        """The clip roots, resolved (the samples when none is configured)."""
        roots = self.clip_roots or (SAMPLE_CLIPS,)
        return tuple(Path(r).resolve() for r in roots)
