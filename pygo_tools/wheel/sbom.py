"""A CycloneDX software bill of materials for a wheel (PEP 770: ``.dist-info/sboms/``).

What Go compiled into each binary is read from the binary itself: Go embeds its module list
(``runtime/debug.BuildInfo``, what ``go version -m`` prints) between two fixed 16-byte markers, in
every format it writes (ELF, Mach-O, PE and WebAssembly alike; ``go version -m`` itself does not
read WebAssembly). Modules whose hash the binary lacks (a ``replace``) get the one ``go.sum``
lists, when it does. The document is deterministic: its timestamp is ``SOURCE_DATE_EPOCH``'s
(none without it) and its serial number a hash of its content, so a rebuild is byte-identical.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import os
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

# runtime/debug's modinfo is written between these (cmd/go/internal/modload/build.go).
MODINFO_START = bytes.fromhex("3077af0c9274080241e1c107e6d618e6")
MODINFO_END = bytes.fromhex("f932433186182072008242104116d8f2")
SBOM_NAME = "pygo-tools.cdx.json"
# Build settings worth recording (-ldflags may carry values a publisher did not mean to list).
RECORDED_SETTINGS = ("-buildmode", "-compiler", "-trimpath", "CGO_ENABLED", "GOOS", "GOARCH", "GOAMD64", "GOARM64")


@dataclass(frozen=True)
class GoModule:
    path: str
    version: str
    sum: str = ""  # "h1:..." as go.sum and the binary spell it
    replaces: str = ""  # "path@version" of the module this one replaces


@dataclass(frozen=True)
class GoBuildInfo:
    """What one Go binary says about its making."""

    path: str  # the main package
    main: GoModule
    deps: tuple[GoModule, ...] = ()
    settings: tuple[tuple[str, str], ...] = field(default=())


def read_build_info(data: bytes) -> GoBuildInfo | None:
    """The module list Go embedded in a binary; None if it is not a Go binary."""
    start = data.find(MODINFO_START)
    if start < 0:
        return None
    end = data.find(MODINFO_END, start + len(MODINFO_START))
    if end < 0:
        return None
    text = data[start + len(MODINFO_START) : end].decode("utf-8", "replace")
    path, main = "", GoModule("", "")
    deps: list[GoModule] = []
    settings = []
    for line in text.splitlines():
        parts = line.split("\t")
        if parts[0] == "path" and len(parts) > 1:
            path = parts[1]
        elif parts[0] == "mod" and len(parts) > 2:
            main = GoModule(parts[1], parts[2], parts[3] if len(parts) > 3 else "")
        elif parts[0] == "dep" and len(parts) > 2:
            deps.append(GoModule(parts[1], parts[2], parts[3] if len(parts) > 3 else ""))
        elif parts[0] == "=>" and len(parts) > 2 and deps:
            original = deps.pop()
            replaced_by = GoModule(parts[1], parts[2], parts[3] if len(parts) > 3 else "")
            deps.append(
                GoModule(replaced_by.path, replaced_by.version, replaced_by.sum, original.path + "@" + original.version)
            )
        elif parts[0] == "build" and len(parts) > 1:
            key, _, value = parts[1].partition("=")
            if key in RECORDED_SETTINGS:
                settings.append((key, value))
    if not main.path:
        return None
    return GoBuildInfo(path, main, tuple(deps), tuple(settings))


def go_sum_hashes(text: str) -> dict[tuple[str, str], str]:
    """``(module, version) -> h1:...`` from go.sum (the module lines, not the /go.mod ones)."""
    found = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and not parts[1].endswith("/go.mod"):
            found[(parts[0], parts[1])] = parts[2]
    return found


def _purl(module: str, version: str) -> str:
    namespace, _, name = module.rpartition("/")
    path = "/".join(quote(part, safe="") for part in namespace.split("/")) + "/" if namespace else ""
    at = f"@{quote(version, safe='')}" if version and version != "(devel)" else ""
    return f"pkg:golang/{path}{quote(name, safe='')}{at}?type=module"


def _hashes(go_sum: str) -> list[dict[str, str]]:
    """An ``h1:`` sum is the SHA-256 of the module's file list and hashes (dirhash): CycloneDX's
    SHA-256, hex, as cyclonedx-gomod writes it."""
    if not go_sum.startswith("h1:"):
        return []
    try:
        digest = base64.b64decode(go_sum[3:], validate=True)
    except ValueError:
        return []
    return [{"alg": "SHA-256", "content": digest.hex()}] if len(digest) == 32 else []


def sbom_document(
    package: str,
    version: str,
    go_version: str,
    binaries: Mapping[str, tuple[bytes, GoBuildInfo]],
    go_sum: Mapping[tuple[str, str], str],
    tool_version: str,
) -> dict[str, object]:
    """The CycloneDX 1.6 document: the wheel's package, each Go binary in it (by its path in the
    wheel and its hash), the Go standard library of ``go_version``, the main module and every
    module compiled in, and what depends on what."""
    wheel_ref = f"pkg:pypi/{quote(package.lower(), safe='')}@{quote(version, safe='')}"
    std_ref = f"pkg:golang/std@{quote(go_version, safe='')}?type=module"
    components: dict[str, dict[str, object]] = {
        std_ref: {
            "type": "library",
            "bom-ref": std_ref,
            "name": "std",
            "version": go_version,
            "description": "the Go standard library and runtime, from the Go toolchain that built the binaries",
            "purl": std_ref,
        }
    }
    dependencies: dict[str, set[str]] = {wheel_ref: set(), std_ref: set()}
    for name in sorted(binaries):
        data, info = binaries[name]
        file_ref = f"file:{name}"
        modules = [info.main, *info.deps]
        refs = []
        for module in modules:
            ref = _purl(module.path, module.version)
            refs.append(ref)
            dependencies.setdefault(ref, set())
            if ref in components:
                continue
            entry: dict[str, object] = {"type": "library", "bom-ref": ref, "name": module.path}
            if module.version:
                entry["version"] = module.version
            entry["purl"] = ref
            hashes = _hashes(module.sum or go_sum.get((module.path, module.version), ""))
            if hashes:
                entry["hashes"] = hashes
            if module.replaces:
                entry["properties"] = [{"name": "go:replaces", "value": module.replaces}]
            components[ref] = entry
        main_ref = refs[0]
        dependencies[main_ref] |= {std_ref, *refs[1:]}
        properties = [{"name": "go:package", "value": info.path}]
        properties += [{"name": f"go:build:{key}", "value": value} for key, value in info.settings]
        components[file_ref] = {
            "type": "file",
            "bom-ref": file_ref,
            "name": name,
            "hashes": [{"alg": "SHA-256", "content": hashlib.sha256(data).hexdigest()}],
            "properties": properties,
        }
        dependencies[file_ref] = {main_ref}
        dependencies[wheel_ref].add(file_ref)
    metadata: dict[str, object] = {
        "tools": {
            "components": [
                {"type": "application", "name": "pygo-tools", "version": tool_version},
                {"type": "application", "name": "go", "version": go_version},
            ]
        },
        "component": {
            "type": "library",
            "bom-ref": wheel_ref,
            "name": package,
            "version": version,
            "purl": wheel_ref,
        },
    }
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        moment = datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc)
        metadata = {"timestamp": moment.strftime("%Y-%m-%dT%H:%M:%SZ"), **metadata}
    document: dict[str, object] = {
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": metadata,
        "components": [components[ref] for ref in sorted(components)],
        "dependencies": [{"ref": ref, "dependsOn": sorted(dependencies[ref])} for ref in sorted(dependencies)],
    }
    content = json.dumps(document, sort_keys=True).encode()
    serial = uuid.uuid5(uuid.NAMESPACE_URL, "pygo-tools-sbom:" + hashlib.sha256(content).hexdigest())
    return {**document, "serialNumber": f"urn:uuid:{serial}"}


def sbom_text(document: Mapping[str, object]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def go_binaries(files: Sequence[tuple[str, bytes]]) -> dict[str, tuple[bytes, GoBuildInfo]]:
    """The Go binaries among ``(path in the wheel, bytes)``, with what each says about itself."""
    found = {}
    for name, data in files:
        info = read_build_info(data)
        if info is not None:
            found[name] = (data, info)
    return found
