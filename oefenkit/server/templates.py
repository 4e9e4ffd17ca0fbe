"""Page templates compiled once per server, not once per page.

Voilà builds a new ``VoilaExporter`` for every page it renders, and nbconvert gives every exporter
a new Jinja environment. Jinja caches compiled templates per environment, so each page parsed and
compiled the whole lab template tree again: about 0.15 s of the server's CPU per page, the largest
part of rendering one (``benchmarks/room.py``; ``docs/architecture.md``, "Kernel start-up").

:func:`install` gives every exporter's environment one shared in-memory bytecode cache. Jinja still
reads each template's source and compares its checksum, so an edited template is compiled again;
only the parse and compile step is shared. Nothing of a page (its notebook, person or output) is in
the cache: it holds the compiled code of the template files, which are the same for everyone.
"""

from __future__ import annotations

import threading

import jinja2
from jinja2.bccache import Bucket
from voila.exporter import VoilaExporter

__all__ = ["SharedBytecodeCache", "install", "shared_cache"]


class SharedBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates in memory, keyed by template name, file and the environment's async mode
    (the same source compiles to different code for an async environment).

    It keeps the compiled code objects themselves, with the checksum of the source they came from,
    not their marshalled bytes: a page then neither compiles nor unmarshals its templates (unmarshalling
    them was still ≈ 6 % of the server's CPU while a room of 30 opened a page). Code objects are
    immutable; each environment builds its own template from them."""

    def __init__(self) -> None:
        self._store: dict[str, tuple[str, object]] = {}
        self._lock = threading.Lock()

    def get_bucket(self, environment: jinja2.Environment, name: str, filename: str | None,
                   source: str) -> Bucket:
        key = self.get_cache_key(name, filename) + (":async" if environment.is_async else ":sync")
        bucket = Bucket(environment, key, self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket: Bucket) -> None:
        with self._lock:
            entry = self._store.get(bucket.key)
        if entry is not None and entry[0] == bucket.checksum:  # an edited template compiles again
            bucket.code = entry[1]

    def dump_bytecode(self, bucket: Bucket) -> None:
        if bucket.code is not None:
            with self._lock:
                self._store[bucket.key] = (bucket.checksum, bucket.code)

    def clear(self) -> None:
        with self._lock:
            self._store.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._store)


shared_cache = SharedBytecodeCache()


def install(cache: SharedBytecodeCache = shared_cache) -> None:
    """Make every ``VoilaExporter`` environment use ``cache`` (idempotent)."""
    if getattr(VoilaExporter._create_environment, "_oefenkit_shared", False):
        return
    original = VoilaExporter._create_environment

    def _create_environment(self):
        environment = original(self)
        environment.bytecode_cache = cache
        return environment

    _create_environment._oefenkit_shared = True
    VoilaExporter._create_environment = _create_environment


def warm(template_paths: list[str], template_name: str, config=None, cache: SharedBytecodeCache = shared_cache) -> int:
    """Compile every page template into ``cache`` ahead of the first page; returns how many compiled.

    Without it the first pages after a start (a room arriving together, or the first page of a
    person's fresh server under JupyterHub) all miss the cache and compile the same templates at once.
    A template that does not compile on its own (e.g. a fragment meant for another exporter) is skipped.
    """
    install(cache)
    exporter = VoilaExporter(template_paths=template_paths, template_name=template_name, config=config,
                             contents_manager=None)
    environment = exporter.environment
    compiled = 0
    for name in environment.list_templates(extensions=["j2"]):
        try:
            environment.get_template(name)
        except Exception:  # noqa: BLE001 - not a page template on its own; compiled when a page needs it
            continue
        compiled += 1
    return compiled
