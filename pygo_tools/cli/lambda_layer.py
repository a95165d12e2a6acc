"""AWS Lambda layers: the project's wheel and its dependencies, installed for one Lambda runtime
and architecture under ``python/`` (the folder Lambda puts on ``sys.path``), zipped
reproducibly.

The project's wheel is built through zig against glibc 2.17 (manylinux2014) for every target,
the machine's own included, because Lambda's runtimes run older glibc than a build machine:
Amazon Linux 2 (glibc 2.26) for python3.9 to python3.11, Amazon Linux 2023 (glibc 2.34) for
python3.12 to python3.14. Dependencies come from PyPI wheels for exactly that platform and
CPython; pip never builds an sdist here. Lambda has no free-threaded runtime: a layer carries
the abi3 wheel.

The runtimes and dates are Lambda's own table ("Lambda runtimes" and "Building Lambda functions
with Python" in the AWS Lambda developer guide, as of late 2026): python3.14 since November
2025; python3.9 deprecated on 2025-12-15, python3.10 and python3.11 on 2026-06-30, after which
Lambda blocks creating and then updating functions on them.
"""

from __future__ import annotations

import csv
import importlib.metadata
import io
import os
import shutil
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.tags import Tag, compatible_tags, cpython_tags

from ..errors import BuildError, ConfigError, ToolNotFoundError
from ..pipeline import check_buildable, preflight
from ..platforms import Target, host_target, parse_target
from ..steps.config import Config, load_config
from ..util import commands, log
from ..util.atomic import adjacent_temp, write_text_atomically
from ..wheel.contents import read_wheel
from ..wheel.publish import check_out_dir, remove_partials
from .build import build_wheel  # the same route as `pygo-tools build`

# Lambda's Python runtimes and the glibc minor version (2.N) of the OS each runs on.
RUNTIMES: dict[str, int] = {"3.9": 26, "3.10": 26, "3.11": 26, "3.12": 34, "3.13": 34, "3.14": 34}
# Deprecated runtimes: (deprecated, functions can no longer be updated), from Lambda's table.
DEPRECATED: dict[str, tuple[str, str]] = {
    "3.9": ("2025-12-15", "2026-02-15"),
    "3.10": ("2026-06-30", "2026-08-31"),
    "3.11": ("2026-06-30", "2026-08-31"),
}
# Lambda's architectures by Go target.
ARCHITECTURES: dict[str, str] = {"linux/amd64": "x86_64", "linux/arm64": "arm64"}
OFFERED_PYTHONS = ", ".join(f"python{v}" for v in RUNTIMES)
OFFERED_TARGETS = ", ".join(f"{arch} (--target {name})" for name, arch in ARCHITECTURES.items())
# The oldest manylinux glibc per architecture, and the legacy names of manylinux_2_N policies.
OLDEST_MANYLINUX_GLIBC = {"x86_64": 5, "aarch64": 17}
LEGACY_MANYLINUX = {"manylinux2014": 17, "manylinux2010": 12, "manylinux1": 5}
# Lambda's limits: a layer zip uploaded directly, and a function with all its layers unpacked.
DIRECT_UPLOAD_LIMIT = 50 * 1000**2
UNPACKED_LIMIT = 250 * 1024**2
ZIP_EPOCH_FLOOR = 315532800  # 1980-01-01: the earliest time a zip entry can carry


@dataclass(frozen=True)
class LayerSpec:
    """One Lambda runtime (``python3.12``) on one architecture (``arm64``)."""

    target: Target
    python: str
    glibc_minor: int

    @property
    def architecture(self) -> str:
        return ARCHITECTURES[self.target.name]

    @property
    def runtime(self) -> str:
        return f"python{self.python}"

    @property
    def platforms(self) -> list[str]:
        """The platform tags this runtime's glibc runs, newest first, for pip's ``--platform``
        (pip does not expand ``manylinux_2_N`` to older ones itself)."""
        arch = self.target.wheel_arch
        oldest = OLDEST_MANYLINUX_GLIBC[arch]
        tags = [f"manylinux_2_{minor}_{arch}" for minor in range(self.glibc_minor, oldest - 1, -1)]
        return tags + [f"{alias}_{arch}" for alias, minor in LEGACY_MANYLINUX.items() if minor >= oldest]

    def supported_tags(self) -> set[Tag]:
        version = (3, int(self.python.split(".")[1]))
        interpreter = f"cp3{version[1]}"
        return {
            *cpython_tags(version, abis=[interpreter], platforms=self.platforms),
            *compatible_tags(version, interpreter=interpreter, platforms=self.platforms),
        }


def layer_spec(target_name: str | None, python: str) -> LayerSpec:
    """Check ``--target`` and ``--python`` against what Lambda offers."""
    version = python.lower().removeprefix("python")
    if version not in RUNTIMES:
        raise ConfigError(f"--python: Lambda has no Python runtime {python!r}", hint=f"Lambda offers {OFFERED_PYTHONS}")
    if target_name is None:
        target = host_target()
        if target.name not in ARCHITECTURES:
            raise ConfigError(
                f"--target: this machine ({target.name}) is not a Lambda architecture; say which one to build",
                hint=f"Lambda offers {OFFERED_TARGETS}",
            )
    else:
        key = target_name.lower()
        if key not in ARCHITECTURES:
            raise ConfigError(
                f"--target: Lambda has no architecture {target_name!r}", hint=f"Lambda offers {OFFERED_TARGETS}"
            )
        target = parse_target(key)
    if version in DEPRECATED:
        deprecated, frozen = DEPRECATED[version]
        current = ", ".join(f"python{v}" for v in RUNTIMES if v not in DEPRECATED)
        log.info(
            f"pygo-tools: warning: Lambda deprecated python{version} on {deprecated} and blocks updating "
            f"functions on it from {frozen}; its current Python runtimes are {current}"
        )
    # zig for the machine's own target too: manylinux2014, which every Lambda runtime runs.
    return LayerSpec(replace(target, zig=True) if target.host else target, version, RUNTIMES[version])


def build_layer(project_dir: Path, spec: LayerSpec, out: Path | None = None) -> Path:
    """Build the project's wheel for ``spec``, install it with its dependencies, zip the layer."""
    project = project_dir.resolve()
    config = load_config(project)
    _check_python_floor(config, spec)
    check_buildable(spec.target, config)
    preflight(config, [spec.target])
    _find_pip()
    out = out.resolve() if out else project / "dist"
    check_out_dir(out)
    remove_partials(out)
    epoch = source_date_epoch()
    log.info(f"pygo-tools: lambda layer for {spec.runtime} on {spec.architecture}")
    with tempfile.TemporaryDirectory(prefix="pygo-layer-") as temp:
        wheel = build_wheel(project, Path(temp) / "wheel", spec.target)
        check_binary_only(wheel)
        root = Path(temp) / "layer"
        site = root / "python"
        install_into(site, wheel, spec)
        check_tags(site, spec)
        name, version = wheel.name.split("-")[:2]
        destination = out / f"{name}-{version}-{spec.runtime}-{spec.architecture}-layer.zip"
        with log.step(f"zip {destination.name}"):
            write_layer_zip(root, destination, epoch)
        unpacked = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    _report_size(destination, unpacked)
    return destination


def _check_python_floor(config: Config, spec: LayerSpec) -> None:
    if not config.has_extension:
        return
    if (3, int(spec.python.split(".")[1])) < config.limited_api_version:
        raise ConfigError(
            f"--python: {spec.runtime} is older than the project's limited_api {config.limited_api}",
            hint=f"build the layer for python{config.limited_api} or newer, "
            f"or lower limited_api in {config.source.name}",
        )


def _find_pip() -> None:
    # By its metadata: importing or find_spec("pip") trips setuptools' distutils hack.
    try:
        importlib.metadata.version("pip")
    except importlib.metadata.PackageNotFoundError:
        raise ToolNotFoundError(
            f"pip is not installed in {sys.executable}; it installs the layer's dependencies",
            hint=f"{sys.executable} -m ensurepip",
        ) from None


def check_binary_only(wheel: Path) -> None:
    """A dependency named by a URL that is not a wheel (a local folder, an sdist, a VCS
    checkout) would be built by pip from source whatever ``--only-binary`` says: refused."""
    for text in read_wheel(wheel).requires_dist:
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue  # pip reports it with its own words
        url = requirement.url
        if url and not url.split("#", 1)[0].split("?", 1)[0].endswith(".whl"):
            raise ConfigError(
                f"dependency {text!r} would be built from source ({url} is not a wheel); a layer takes "
                "only wheels built for Lambda",
                hint=f"publish a wheel of {requirement.name} for the layer's runtime and depend on it by name, "
                "or point the dependency at a .whl file",
            )


def install_into(site: Path, wheel: Path, spec: LayerSpec) -> None:
    """pip installs the wheel and its dependencies for the Lambda runtime: binary wheels only."""
    command = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--no-input"]
    command += ["--no-compile", "--no-warn-script-location", "--progress-bar", "off", "--target", str(site)]
    command += ["--only-binary=:all:", "--implementation", "cp", "--python-version", spec.python]
    for platform in spec.platforms:
        command += ["--platform", platform]
    with log.step(f"pip install for {spec.runtime} {spec.architecture}"):
        commands.run(
            [*command, str(wheel)],
            hint=f"every dependency needs a wheel for {spec.runtime} on manylinux {spec.target.wheel_arch} "
            f"(glibc 2.{spec.glibc_minor} or older) on PyPI; sdists are never built for a layer",
        )
    _tidy(site)


def _tidy(site: Path) -> None:
    """Drop what only fits the build machine: console scripts (their shebang is this machine's
    Python, and Lambda never puts python/bin on PATH) and direct_url.json (it records the
    temporary path the wheel was installed from). RECORD forgets them too."""
    shutil.rmtree(site / "bin", ignore_errors=True)
    for direct_url in site.glob("*.dist-info/direct_url.json"):
        direct_url.unlink()
    for record in site.glob("*.dist-info/RECORD"):
        kept = []
        for line in record.read_text(encoding="utf-8").splitlines(keepends=True):
            row = next(csv.reader(io.StringIO(line)), None)
            if not row:
                continue
            path = os.path.normpath(site / row[0])
            if path.startswith(str(site) + os.sep) and os.path.lexists(path):
                kept.append(line)
        write_text_atomically(record, "".join(kept))


def check_tags(site: Path, spec: LayerSpec) -> None:
    """Every wheel installed into the layer must be one the runtime can load."""
    supported = spec.supported_tags()
    for wheel_file in sorted(site.glob("*.dist-info/WHEEL")):
        tags = wheel_tags(wheel_file)
        if not tags & supported:
            raise BuildError(
                f"{wheel_file.parent.name}: wheel tags {', '.join(sorted(map(str, tags)))} "
                f"do not run on Lambda {spec.runtime} {spec.architecture}"
            )


def wheel_tags(wheel_file: Path) -> set[Tag]:
    """The tags a ``.dist-info/WHEEL`` file lists (compressed tags expanded)."""
    tags = set()
    for line in wheel_file.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "Tag":
            interpreter, abi, platform = value.strip().split("-")
            tags |= {Tag(i, a, p) for i in interpreter.split(".") for a in abi.split(".") for p in platform.split(".")}
    return tags


def source_date_epoch() -> int:
    """``SOURCE_DATE_EPOCH`` for reproducible zips, else now."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None:
        return int(time.time())
    if not value.strip().isdigit():
        raise ConfigError(f"SOURCE_DATE_EPOCH: expected seconds since 1970, got {value!r}")
    return int(value)


def write_layer_zip(root: Path, destination: Path, epoch: int) -> None:
    """Zip ``root``'s files, sorted, with one timestamp and normalised modes: the same tree
    always gives the same bytes. Written beside ``destination`` and renamed over it."""
    date_time = time.gmtime(max(epoch, ZIP_EPOCH_FLOOR))[:6]
    files = sorted((p.relative_to(root).as_posix(), p) for p in root.rglob("*") if p.is_file())
    with adjacent_temp(destination) as temp:
        with zipfile.ZipFile(temp, "w") as archive:
            for name, path in files:
                info = zipfile.ZipInfo(name, date_time)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 3  # Unix, so the modes below count on every OS
                executable = path.stat().st_mode & 0o111
                info.external_attr = (0o100755 if executable else 0o100644) << 16
                with path.open("rb") as source, archive.open(info, "w") as target:
                    shutil.copyfileobj(source, target)
        temp.chmod(0o644)


def _report_size(path: Path, unpacked: int) -> None:
    zipped = path.stat().st_size
    log.info(f"pygo-tools: {path.name}: {zipped / 1e6:.1f} MB zipped, {unpacked / 1e6:.1f} MB unpacked")
    if zipped > DIRECT_UPLOAD_LIMIT:
        log.info("pygo-tools: note: over 50 MB zipped: upload the layer through S3 (--content S3Bucket=...)")
    if unpacked > UNPACKED_LIMIT:
        log.info("pygo-tools: warning: over 250 MB unpacked: Lambda refuses a function whose layers exceed that")
