"""The feature services and the kit that wires them (issue 16).

What keeps the shape: every verb belongs to exactly one service; :class:`Kit` adds no verb of its
own and only forwards the old names; no service reaches another feature through ``self`` (a
collaborator comes in through the constructor); no service module imports another service class
except for type checking.
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from oefenkit.storage import kit as kit_module
from oefenkit.storage.kit import VERBS, Kit, verbs_of
from oefenkit.storage.live_rows import LiveRows
from oefenkit.storage.media import MediaStore
from oefenkit.storage.store import Service, Store

STORAGE = Path(kit_module.__file__).parent


def _service_modules() -> dict[str, type]:
    """module file name → its service class (the media store has no database: not a Service)."""
    return {Path(inspect.getfile(cls)).name: cls for cls in Kit.SERVICES.values() if issubclass(cls, Service)}


def test_every_verb_belongs_to_exactly_one_service_and_shadows_nothing():
    seen: dict[str, str] = {}
    for attribute, cls in Kit.SERVICES.items():
        for verb in verbs_of(cls):
            assert verb not in seen, f"{verb} is a verb of kit.{seen[verb]} and of kit.{attribute}"
            seen[verb] = attribute
    assert seen == VERBS
    kit_names = set(dir(Kit)) | set(Kit.SERVICES)
    assert not kit_names & set(VERBS), "a verb name is also an attribute of the kit"
    for attribute, cls in Kit.SERVICES.items():
        assert not set(verbs_of(cls)) & set(dir(Store)), f"kit.{attribute} hides a store method"


def test_the_kit_only_wires(tmp_path):
    """No verb is defined on Kit itself: its own public names are the services and the table."""
    own = [name for name, value in vars(Kit).items() if not name.startswith("_") and inspect.isfunction(value)]
    assert own == []
    kit = Kit(_engine(tmp_path))
    for attribute, cls in Kit.SERVICES.items():
        service = getattr(kit, attribute)
        assert type(service) is cls, attribute
        if isinstance(service, Service):
            assert service.store is kit  # one store, so every verb runs in the kit's unit of work
    assert kit.find_person.__self__ is kit.people
    assert kit.configure_library.__self__ is kit.media
    assert kit.list_audit_entries.__self__ is kit.audit_log
    assert set(VERBS) <= set(dir(kit))


def test_the_collaborators_are_the_kits_own_services(tmp_path):
    kit = Kit(_engine(tmp_path))
    assert kit.people._logins is kit.logins
    assert (kit.decisions._ratings, kit.decisions._cases) == (kit.ratings, kit.cases)
    assert kit.certificates._requirements is kit.requirements
    assert (kit.sessions._requirements, kit.sessions._certificates) == (kit.requirements, kit.certificates)
    assert kit.library_media._library is kit.library and kit.library_media._media is kit.media
    assert (kit.jobs._people, kit.jobs._library) == (kit.people, kit.library)
    assert kit.practice._media is kit.media and kit.library._media is kit.media
    assert kit.privacy._babytijd is kit.babytijd
    assert (kit.session_figures.babytijd, kit.session_figures.rounds) == (kit.babytijd, kit.sessions)


def test_a_step_inside_a_callers_transaction_is_no_verb_of_the_kit(tmp_path):
    """A service's public method whose first parameter is the caller's session (``s``) is for
    the services that take it as a collaborator, not a verb on the kit."""
    steps = {"finish_anonymise_job", "update_registrations", "valid_path_certificate",
             "record_refresher_attendance", "end_login_sessions", "media_of", "library_item"}
    assert not steps & set(VERBS)
    kit = Kit(_engine(tmp_path))
    for step in steps:
        with pytest.raises(AttributeError):
            getattr(kit, step)
    with pytest.raises(AttributeError):
        kit.no_such_verb  # noqa: B018


def test_a_services_setting_cannot_be_set_on_the_kit(tmp_path):
    """``kit.job_queue = ...`` would be ignored by the service that reads it: refused, loudly."""
    kit = Kit(_engine(tmp_path))
    for name in ("job_queue", "clip_roots", "upload_max_bytes", "login_clock", "find_person"):
        with pytest.raises(AttributeError, match="belongs to kit"):
            setattr(kit, name, None)
    kit.media.clip_roots = (tmp_path,)
    assert kit.practice._media.clip_roots == (tmp_path,)


def _own_names(cls: type) -> set[str]:
    """Every name a service may reach through ``self``: its own class body, the shared bases,
    and the attributes it assigns (collaborators, settings)."""
    names = set(dir(Service)) | set(dir(LiveRows)) | set(vars(cls))
    tree = ast.parse(inspect.getsource(cls))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and \
                isinstance(node.value, ast.Name) and node.value.id == "self":
            names.add(node.attr)
    return names


@pytest.mark.parametrize("module", sorted(_service_modules()))
def test_no_service_reaches_another_feature_through_self(module):
    """Every ``self.<name>`` in a service is its own (or the shared store's): a verb of another
    feature is reached through a collaborator from the constructor (``self._library.media_of``)."""
    cls = _service_modules()[module]
    allowed = _own_names(cls)
    others = {verb for verb, attribute in VERBS.items() if Kit.SERVICES[attribute] is not cls}
    used = {node.attr for node in ast.walk(ast.parse(inspect.getsource(cls)))
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"}
    assert not used - allowed, f"{cls.__name__} uses self.{sorted(used - allowed)}, which it does not define"
    assert not used & others


def _runtime_imports(tree: ast.Module):
    """The module's imports that run (not those under ``if TYPE_CHECKING:``)."""
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If) and not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
            yield from (n for n in ast.walk(node) if isinstance(n, ast.ImportFrom))


@pytest.mark.parametrize("module", sorted(_service_modules()) + ["kit.py"])
def test_a_service_class_is_imported_only_for_type_checking_or_by_the_kit(module):
    """Services get each other from the kit's constructor calls; a module may use another's
    functions and value types, but not its service class (except kit.py, which wires them)."""
    tree = ast.parse((STORAGE / module).read_text())
    service_names = {cls.__name__ for cls in Kit.SERVICES.values()} | {"MediaStore"}
    imported = {alias.name for node in _runtime_imports(tree) if node.level == 1
                for alias in node.names if alias.name in service_names}
    if module == "kit.py":
        assert imported == service_names
    else:
        own = _service_modules()[module].__name__
        assert imported <= {own, "MediaStore"}, f"{module} imports {sorted(imported - {own, 'MediaStore'})}"


def test_the_media_store_is_one_shared_object(tmp_path):
    kit = Kit(_engine(tmp_path))
    kit.configure_library(tmp_path / "media", upload_max_bytes=1024)
    assert isinstance(kit.media, MediaStore)
    assert kit.media.upload_max_bytes == 1024 and kit.media.media_dir == (tmp_path / "media").resolve()
    assert (tmp_path / "media" / "clips").resolve() in kit.media.allowed_clip_roots()


def _engine(tmp_path):
    from oefenkit.storage import database

    return database.make_engine(f"sqlite:///{tmp_path / 'kit.sqlite'}")


def test_the_core_the_ui_and_the_notebooks_call_verbs_on_the_services():
    """Outside the storage (and the tests), ``kit.<verb>`` is written ``kit.<service>.<verb>``: the
    forwarding of :meth:`Kit.__getattr__` is only for the tests and scripts written against the
    old façade."""
    receiver = r"(?<![\w.])((?:self\.|provider\.|km\.|page\.)?_?kit|current_kit\(\)|current_kit\(guarded=False\))"
    forwarded = re.compile(receiver + r"\.(" + "|".join(sorted(VERBS, key=len, reverse=True)) + r")\b")
    root = STORAGE.parent.parent
    found = []
    for folder in ("oefenkit", "widgets", "notebooks"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix not in (".py", ".ipynb") or "storage" in path.parts or ".ipynb_checkpoints" in path.parts:
                continue
            found += [f"{path.relative_to(root)}: {m.group(0)}" for m in forwarded.finditer(path.read_text())]
    assert found == []
