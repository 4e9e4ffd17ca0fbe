"""Benchmark-only launcher: ``oefenkit serve`` plus a hello-world ipywidgets app.

The kit only renders apps from its catalogue. For ``benchmarks/apps.py`` this
launcher adds one more, ``hallo.ipynb`` (a single ipywidgets button, no kit
imports), to the server process's catalogue and skips the person-binding cell
for it, so both notebooks are served by the same server with the same login,
hook and kernel settings. Nothing here is used by the kit itself.

Usage: python benchmarks/_serve_with_hello.py DATA_DIR NOTEBOOKS_DIR PORT
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

from oefenkit import apps
from oefenkit.server import hooks
from oefenkit.settings import load_settings

HELLO = apps.App(id="hallo", title="Hallo", description="Benchmark", path="hallo.ipynb", area="landing")
HELLO_SOURCE = """import ipywidgets as w
button = w.Button(description="Hallo wereld")
button.add_class("ok-hello")
button"""


def main() -> None:
    data_dir, notebooks_dir, port = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(HELLO_SOURCE)]
    nbformat.write(nb, notebooks_dir / "hallo.ipynb")
    apps.APPS = (*apps.APPS, HELLO)
    real_binding = hooks.binding_cell
    hooks.binding_cell = lambda username, app_id, *rest: (
        nbformat.v4.new_code_cell("") if app_id == HELLO.id else real_binding(username, app_id, *rest))

    from oefenkit.server.app import serve

    serve(load_settings(data_dir=data_dir, notebooks_dir=notebooks_dir, port=port))


if __name__ == "__main__":
    main()
