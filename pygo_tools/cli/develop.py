"""``pygo-tools develop``: an editable install, then fast rebuilds in place.

The first run (or any run after the project's metadata changed) is ``pip install
--no-build-isolation -e``. After that, when this environment still has the project installed
in editable mode from this folder and the files that make its metadata are unchanged, a
rebuild needs no pip: ``build_ext --inplace`` rebuilds the Go library, the extension (reused
when its inputs are unchanged) and the typed module where the editable install reads them.
"""

from __future__ import annotations

import json
import os
import sys
from importlib import metadata
from pathlib import Path

from ..errors import BuildError, ToolNotFoundError
from ..options import DEVELOP_VERSION_ENV, TARGET_ENV, VERSION_CHANGED
from ..platforms import host_target
from ..steps import editable_hook
from ..util import commands, log
from ..util.cache import Stamp, file_digest, inputs_key

# --use-pep517: without it pip 23 runs ``setup.py develop`` for a project that has no
# pyproject.toml, and setuptools 80 and newer turn that into a ``pip install -e`` *with* build
# isolation, where pygo_tools cannot be imported. pip 25.3 and newer accept and ignore it.
PIP_EDITABLE = ["-m", "pip", "install", "--no-build-isolation", "--use-pep517", "-e"]
METADATA_FILES = ("setup.py", "setup.cfg", "pyproject.toml", "config.json", "MANIFEST.in")
STAMP = Path("build") / "pygo-develop.json"

IN_PLACE = """\
import os, sys
sys.argv = ["setup.py", "build_ext", "--inplace"]
if os.path.exists("setup.py"):
    with open("setup.py", encoding="utf-8") as handle:
        code = compile(handle.read(), "setup.py", "exec")
    exec(code, {"__name__": "__main__", "__file__": os.path.abspath("setup.py")})
else:
    from pygo_tools import setup
    setup()
"""


def develop(project: Path) -> None:
    asked = os.environ.get(TARGET_ENV, "").strip()
    if asked and asked.lower() != host_target().name:
        log.info(
            f"pygo-tools: develop installs into this interpreter, so it builds for {host_target().name}, "
            f"not {TARGET_ENV}={asked}"
        )
    here = {TARGET_ENV: ""}  # pip's build and the in-place rebuild: this machine's target
    stamp = Stamp(project / STAMP)
    key = metadata_key(project)
    installed = installed_editable(project)
    if stamp.matches(key) and installed is not None:
        # The version can come from the code (`attr:`, setuptools.sic): the rebuild checks it
        # against the installed one and stops before building if it changed (pip's turn).
        # (GUARD_ENV: the build never triggers the editable install's import hook.)
        env = {**os.environ, **here, DEVELOP_VERSION_ENV: installed, editable_hook.GUARD_ENV: "1"}
        with log.step(f"rebuild {project.name} in place"):
            code = commands.run_attached([sys.executable, "-c", IN_PLACE], cwd=project, env=env)
            if code and code != VERSION_CHANGED:
                raise BuildError(f"{project}: the rebuild failed", hint="the error is shown above")
        if code == VERSION_CHANGED:
            log.info("pygo-tools: the project's version changed since its editable install; installing again")
        else:
            return
    stamp.remove()
    _require_pip(project)
    command = [sys.executable, *PIP_EDITABLE, str(project)]
    if log.verbose():
        command.insert(4, "-v")  # pip shows the build's own log only with -v
    with log.step(f"editable install of {project.name}"):
        env = {**log.child_env(), **here, editable_hook.GUARD_ENV: "1"}
        commands.run(command, env=env, hint="the build's own message is above")
    stamp.write(key)


def _require_pip(project: Path) -> None:
    try:
        metadata.version("pip")  # metadata, not find_spec: setuptools' distutils hack trips that
    except metadata.PackageNotFoundError:
        raise ToolNotFoundError(
            f"pygo-tools develop installs with pip, and {sys.executable} has none",
            hint=f"{sys.executable} -m ensurepip, or with uv: uv pip install --no-build-isolation -e {project}",
        ) from None


def metadata_key(project: Path) -> str:
    """What pip's editable install depends on: this interpreter and the metadata files."""
    files = {name: file_digest(project / name) for name in METADATA_FILES if (project / name).is_file()}
    return inputs_key({"python": sys.executable, "files": files})


def installed_editable(project: Path) -> str | None:
    """The version of the distribution this environment has installed in editable mode from
    ``project``; None if it has none."""
    wanted = project.resolve().as_uri()
    for distribution in metadata.distributions():
        try:
            text = distribution.read_text("direct_url.json")
            if not text:
                continue
            data = json.loads(text)
        except (OSError, ValueError):
            continue
        if data.get("dir_info", {}).get("editable") and data.get("url", "").rstrip("/") == wanted:
            return str(distribution.version)
    return None
