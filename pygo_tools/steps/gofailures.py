"""Go failures that are not the Go code's fault: a module Go cannot get, a go.sum or vendor/
out of step with go.mod. Each gets the fix as its hint (network or GOPROXY, ``go get``, ``go mod
download``, vendoring, ``go mod tidy``) instead of "fix the Go code"."""

from __future__ import annotations

import re
import shlex
from pathlib import Path


def explain_go_failure(output: str, go_dir: Path | str) -> str | None:
    """The fix for a Go failure caused by a module Go cannot get (not the Go code's fault)."""
    where = shlex.quote(str(go_dir))
    module = _missing_module(output)
    if "inconsistent vendoring" in output:
        return f"vendor/ does not match go.mod: update it with (cd {where} && go mod vendor), then build again"
    if "missing go.sum entry" in output:
        return f"go.sum lacks an entry for a module: run (cd {where} && go mod tidy), then build again"
    if "no required module provides package" in output and "GOPROXY=off" not in output and "dial tcp" not in output:
        package = re.search(r"no required module provides package ([^\s;:]+)", output)
        name = package.group(1) if package else "the package"
        return (
            f"go.mod does not require a module that provides {name}: add it with "
            f"(cd {where} && go get {name}), or a `replace` to a local copy, then build again"
        )
    offline = ("GOPROXY=off", "dial tcp", "no such host", "connection refused", "network is unreachable")
    if module is not None or any(text in output for text in offline):
        which = f"the Go module {module}" if module else "a Go module this build needs"
        return (
            f"{which} is missing: it is not in Go's module cache, and Go could not download it "
            "(no network, or GOPROXY=off). Either allow the download (network access, or GOPROXY set to a "
            f"proxy you can reach), or download it once with (cd {where} && go mod download), "
            f"or vendor the dependencies into the project with (cd {where} && go mod vendor)"
        )
    if re.search(r"replacement directory \S+ does not exist", output):
        return "a `replace` line of go.mod names a folder that does not exist: fix the path, or remove the line"
    return None


def _missing_module(output: str) -> str | None:
    """The module Go failed to get, as ``path@version``, when its output names one."""
    if not any(text in output for text in ("GOPROXY=off", "dial tcp", "no such host", "connection refused")):
        return None
    downloading = re.search(r"go: downloading (\S+) (v\S+)", output)
    if downloading:
        return f"{downloading.group(1)}@{downloading.group(2)}"
    named = re.search(r"(?:^|\s)([A-Za-z0-9][A-Za-z0-9.~_-]*\.[A-Za-z]+/[^\s:@]*)@(v[^\s:]+):", output, re.MULTILINE)
    return f"{named.group(1)}@{named.group(2)}" if named else None
