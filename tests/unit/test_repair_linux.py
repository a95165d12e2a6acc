from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from wheel.wheelfile import WheelFile

from pygo_tools.errors import BuildError
from pygo_tools.platforms import linux
from pygo_tools.wheel.checks import check_published
from pygo_tools.wheel.contents import read_wheel, retag


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


def small_wheel(wheel: Path, wheel_file: str) -> Path:
    with WheelFile(wheel, "w") as archive:  # writes RECORD
        archive.writestr("x/__init__.py", "")
        archive.writestr("x-0.1.dist-info/METADATA", "Metadata-Version: 2.1\nName: x\nVersion: 0.1\n")
        archive.writestr("x-0.1.dist-info/WHEEL", wheel_file)
    return wheel


# as setuptools writes it: a blank line at the end
SETUPTOOLS_WHEEL = "Wheel-Version: 1.0\nGenerator: setuptools\nRoot-Is-Purelib: false\nTag: cp39-abi3-linux_aarch64\n\n"


def test_retag_writes_tags_the_wheel_readers_see(tmp_path: Path) -> None:
    wheel = small_wheel(tmp_path / "x-0.1-cp39-abi3-linux_aarch64.whl", SETUPTOOLS_WHEEL)
    out = tmp_path / "out"
    out.mkdir()
    retagged = retag(wheel, out, platform="manylinux2014_aarch64.manylinux_2_17_aarch64")
    assert retagged.name == "x-0.1-cp39-abi3-manylinux2014_aarch64.manylinux_2_17_aarch64.whl"
    contents = read_wheel(retagged)
    assert contents.wheel_info.get_all("Tag") == [
        "cp39-abi3-manylinux2014_aarch64",
        "cp39-abi3-manylinux_2_17_aarch64",
    ]
    assert contents.unrecorded() == [] and contents.hash_mismatches() == []
    check_published(retagged)


@pytest.mark.parametrize(
    ("name", "wheel_file", "problem"),
    [
        ("x-0.1-cp39-abi3-manylinux_2_17_aarch64.whl", SETUPTOOLS_WHEEL, "WHEEL declares the tags"),
        (
            "x-0.1-cp39-abi3-linux_aarch64.whl",
            SETUPTOOLS_WHEEL.replace("Root", "\nRoot"),  # a blank line before the tags, as retag once wrote
            "WHEEL declares the tags []",
        ),
    ],
)
def test_a_wheel_whose_tags_disagree_is_not_published(tmp_path: Path, name: str, wheel_file: str, problem: str) -> None:
    wheel = small_wheel(tmp_path / name, wheel_file)
    with pytest.raises(BuildError, match=re.escape(problem)):
        check_published(wheel)


def test_a_wheel_whose_record_lies_is_not_published(tmp_path: Path) -> None:
    wheel = small_wheel(tmp_path / "x-0.1-cp39-abi3-linux_aarch64.whl", SETUPTOOLS_WHEEL)
    with zipfile.ZipFile(wheel, "a") as archive:
        archive.writestr("x/extra.py", "")  # not in RECORD
    with pytest.raises(BuildError, match=re.escape("RECORD does not match x/extra.py")):
        check_published(wheel)
