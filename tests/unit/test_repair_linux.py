from __future__ import annotations

from pathlib import Path

import pytest

from pygo_tools.repair import linux


@pytest.mark.parametrize(
    ("tag", "glibc"),
    [
        ("manylinux_2_17_aarch64", (2, 17)),
        ("manylinux2014_x86_64", (2, 17)),
        ("manylinux1_x86_64", (2, 5)),
        ("manylinux_2_34_x86_64", (2, 34)),
        ("linux_x86_64", None),
    ],
)
def test_glibc_of(tag: str, glibc: tuple[int, int] | None) -> None:
    assert linux.glibc_of(tag) == glibc


def test_raise_to_floor_retags_only_older_wheels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []

    def fake_run(command: list[str], **_: object) -> str:
        calls.append([str(c) for c in command])
        return "x-0.1-cp39-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl\n"

    monkeypatch.setattr(linux.commands, "run", fake_run)
    old = tmp_path / "x-0.1-cp39-abi3-manylinux1_x86_64.manylinux_2_5_x86_64.whl"
    raised = linux.raise_to_floor(old, "manylinux_2_17_x86_64")
    assert raised == tmp_path / "x-0.1-cp39-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl"
    assert calls[0][-2] == "--platform-tag=manylinux2014_x86_64.manylinux_2_17_x86_64"
    newer = tmp_path / "x-0.1-cp39-abi3-manylinux_2_28_x86_64.whl"
    assert linux.raise_to_floor(newer, "manylinux_2_17_x86_64") == newer
    assert len(calls) == 1, "a wheel at or above the floor keeps auditwheel's tag"
