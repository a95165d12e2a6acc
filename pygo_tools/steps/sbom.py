"""Step 11: the wheel's software bill of materials, in ``.dist-info/sboms/`` (PEP 770).

Read from the finished wheel, so it lists exactly the Go binaries shipped and what each says it
was built from (``wheel/sbom.py``); the Go version is the toolchain's that built them.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from ..errors import BuildError
from ..util import commands, log
from ..util.version import __version__
from ..wheel.contents import in_wheel, read_wheel
from ..wheel.sbom import SBOM_NAME, go_binaries, go_sum_hashes, sbom_document, sbom_text
from .config import Config
from .toolchain import find_go


def add_sbom(config: Config, wheel: Path, out_dir: Path) -> Path:
    """A copy of ``wheel`` in ``out_dir`` with ``<name>.dist-info/sboms/pygo-tools.cdx.json``."""
    contents = read_wheel(wheel)
    with zipfile.ZipFile(wheel) as archive:
        files = [(name, archive.read(name)) for name in contents.names if not name.endswith((".py", ".pyi"))]
    binaries = go_binaries(files)
    if not binaries:
        raise BuildError(
            f"{wheel.name}: no Go binary found for the SBOM",
            hint="this is a pygo-tools bug: please report it with the output of the build run with -v",
        )
    go = find_go(config)
    go_version = commands.run([str(go.path), "env", "GOVERSION"], env={"GOTOOLCHAIN": "local"}, quiet=True).strip()
    go_sum = config.go_path / "go.sum"
    sums = go_sum_hashes(go_sum.read_text(encoding="utf-8", errors="replace")) if go_sum.is_file() else {}
    name = contents.metadata.get("Name", "")
    version = contents.metadata.get("Version", "")
    document = sbom_document(name, version, go_version, binaries, sums, __version__)
    dist_info = next(n.split("/")[0] for n in contents.names if n.split("/")[0].endswith(".dist-info"))
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / wheel.name
    with in_wheel(wheel, final) as root:
        target = root / dist_info / "sboms" / SBOM_NAME
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(sbom_text(document), encoding="utf-8")
    modules = sum(1 + len(info.deps) for _, info in binaries.values())
    log.detail(f"  sbom: {len(binaries)} Go binaries, {modules} modules, {go_version}")
    return final
