"""The kernel parent's preparation of app kernels (``oefenkit/server/zygote.py``, issue 14)."""

from __future__ import annotations

from oefenkit.server import zygote


def test_the_lean_kernel_constructor_matches_the_installed_ipykernel():
    """Forked kernels repeat ``IPythonKernel.__init__`` without its debugger part (≈ 7 MiB and 8 ms less
    per kernel). Is the installed ipykernel's constructor the one that was repeated? After an upgrade
    this fails: compare ``_ForkedKernel.__init__`` with the new constructor, then update the hash
    (kernels meanwhile run ipykernel's own constructor, so nothing breaks)."""
    assert zygote.lean_kernel_init_applies()


def test_the_lean_init_code_matches_the_installed_ipython():
    """Forked kernels repeat IPython's ``InteractiveShellApp.init_code`` but take the set of loaded
    module names from the kernel parent (≈ 3 MiB less per kernel). Is the installed IPython's
    ``init_code`` the one that was repeated? After an upgrade this fails: compare
    ``_ForkedKernelApp.init_code`` with the new one, then update the hash (kernels meanwhile run
    IPython's own)."""
    assert zygote.lean_init_code_applies()


def test_a_changed_source_does_not_match_the_pinned_hash():
    """Does the check tell another source from the pinned one (so an upgraded ipykernel or IPython
    falls back to its own code rather than the repeated one)?"""
    from IPython.core.shellapp import InteractiveShellApp

    assert not zygote._source_matches(InteractiveShellApp.init_code, zygote.IPYTHONKERNEL_INIT_SHA256)
    assert not zygote._source_matches(InteractiveShellApp.init_path, zygote.INIT_CODE_SHA256)
    assert zygote._source_matches(InteractiveShellApp.init_code, zygote.INIT_CODE_SHA256)


def test_kernel_flags_are_the_kernel_config_on_the_command_line():
    """Do the flags that every app kernel's command gets say exactly what ``KERNEL_CONFIG`` says (no
    IPython history file, no capture of the process's own output)?"""
    assert set(zygote.KERNEL_FLAGS) == {"--HistoryManager.enabled=False", "--IPKernelApp.capture_fd_output=False"}


def test_the_parent_refuses_an_unknown_kernel_flag(tmp_path):
    """Does the kernel parent refuse a kernel command with any flag beyond the known ones?"""
    import sys

    import pytest

    base = [sys.executable, "-m", "ipykernel_launcher", "-f", str(tmp_path / "k.json")]
    assert zygote.valid_request({"argv": [*base, *zygote.KERNEL_FLAGS], "env": {}, "cwd": str(tmp_path)})
    with pytest.raises(ValueError):
        zygote.valid_request({"argv": [*base, "--IPKernelApp.exec_lines=['import os']"], "env": {},
                              "cwd": str(tmp_path)})


def test_the_kernel_parent_refuses_to_serve_with_an_open_kit():
    """Does the parent's check refuse to fork when the kit (a database engine with connections) was
    opened in it, and pass in the same process before that? Forked kernels open their own kit."""
    import subprocess
    import sys

    code = (
        "import oefenkit.instance as i\n"
        "from oefenkit.server import zygote\n"
        "zygote.check_clean()\n"
        "print('clean before')\n"
        "i.open_kit = lambda settings: object()\n"
        "i._process_kit()\n"
        "try:\n"
        "    zygote.check_clean()\n"
        "except RuntimeError as exc:\n"
        "    print('refused:', exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True).stdout
    assert out.splitlines() == ["clean before",
                                "refused: kernel parent opened the kit (a database connection must not be shared)"]
