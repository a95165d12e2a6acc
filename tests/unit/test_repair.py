"""The repair dispatch, and the macOS half run against a fake subprocess (no Mac here)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from wheel.wheelfile import WheelFile

from pygo_tools.errors import BuildError
from pygo_tools.repair import macos, repair_wheel
from pygo_tools.targets import TARGETS
from pygo_tools.wheelfile import read_wheel

BUILD_PATH = "/private/tmp/build/temp/pygo/darwin-arm64/go/libhello.dylib"


def make_wheel(directory: Path, plat: str) -> Path:
    path = directory / f"myproj-0.1.0-cp39-abi3-{plat}.whl"
    with WheelFile(path, "w") as wheel:
        wheel.writestr("myproj/__init__.py", b"")
        wheel.writestr("myproj/_native.abi3.so", b"\xcf\xfa\xed\xfe extension")
        wheel.writestr("myproj/lib/libhello.dylib", b"\xcf\xfa\xed\xfe library")
        wheel.writestr("myproj-0.1.0.dist-info/METADATA", b"Metadata-Version: 2.1\nName: myproj\nVersion: 0.1.0\n")
        wheel.writestr(
            "myproj-0.1.0.dist-info/WHEEL",
            f"Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: cp39-abi3-{plat}\n".encode(),
        )
    return path


class FakeMac:
    """Answers otool like macOS would and records every command."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def run(self, command: list[str], **_: object) -> str:
        command = [str(part) for part in command]
        self.calls.append(command)
        if command[0] == "otool":
            return (
                f"{command[-1]}:\n\t{BUILD_PATH} (compatibility version 0.0.0)\n"
                "\t/usr/lib/libSystem.B.dylib (compatibility version 1.0.0)\n"
            )
        if command[0].endswith("delocate-wheel"):
            out, source = Path(command[command.index("-w") + 1]), Path(command[-1])
            shutil.copy(source, out / source.name.replace("macosx_11_0_arm64", "macosx_13_0_arm64"))
        return ""


def test_macos_repair_patches_install_names_resigns_and_delocates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeMac()
    monkeypatch.setattr(macos.commands, "run", fake.run)
    monkeypatch.setattr(macos, "find_tool", lambda name, hint: f"/venv/bin/{name}")
    wheel = make_wheel(tmp_path, "macosx_11_0_arm64")

    repaired = repair_wheel(wheel, TARGETS["darwin/arm64"], tmp_path)

    programs = [(call[0].rsplit("/", 1)[-1], *call[1:2]) for call in fake.calls]
    assert programs == [
        ("otool", "-L"),
        ("install_name_tool", "-id"),
        ("install_name_tool", "-change"),
        ("codesign", "--force"),
        ("codesign", "--force"),
        ("delocate-wheel", "--require-archs"),
    ]
    id_call, change_call = fake.calls[1], fake.calls[2]
    assert id_call[1:3] == ["-id", "@rpath/libhello.dylib"]
    assert change_call[1:4] == ["-change", BUILD_PATH, "@loader_path/lib/libhello.dylib"]
    assert change_call[4].endswith("myproj/_native.abi3.so")
    signed = sorted(
        call[-1].rsplit("/", 2)[-2] + "/" + call[-1].rsplit("/", 1)[-1] for call in fake.calls if call[0] == "codesign"
    )
    assert signed == ["lib/libhello.dylib", "myproj/_native.abi3.so"]
    assert fake.calls[-1][2] == "arm64"
    assert repaired.name == "myproj-0.1.0-cp39-abi3-macosx_13_0_arm64.whl"
    assert not wheel.exists(), "the unrepaired wheel is replaced"
    contents = read_wheel(repaired)
    assert contents.unrecorded() == [] and contents.hash_mismatches() == []


def test_macos_plan_skips_already_relative_references(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pkg" / "lib").mkdir(parents=True)
    (tmp_path / "_top.abi3.so").write_bytes(b"x")
    (tmp_path / "pkg" / "lib" / "libgo.dylib").write_bytes(b"x")
    monkeypatch.setattr(
        macos, "linked_libraries", lambda path: ["@loader_path/pkg/lib/libgo.dylib", "/usr/lib/libSystem.B.dylib"]
    )
    assert macos.plan_edits(tmp_path) == [macos.InstallNameEdit("pkg/lib/libgo.dylib", ("-id", "@rpath/libgo.dylib"))]


def test_top_level_extension_gets_path_into_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pkg" / "lib").mkdir(parents=True)
    (tmp_path / "_top.abi3.so").write_bytes(b"x")
    (tmp_path / "pkg" / "lib" / "libgo.dylib").write_bytes(b"x")
    monkeypatch.setattr(macos, "linked_libraries", lambda path: ["/abs/build/libgo.dylib"])
    edits = macos.plan_edits(tmp_path)
    assert edits[-1] == macos.InstallNameEdit(
        "_top.abi3.so", ("-change", "/abs/build/libgo.dylib", "@loader_path/pkg/lib/libgo.dylib")
    )


def test_failed_repair_leaves_no_wheel_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(*args: object, **kwargs: object) -> str:
        raise BuildError("boom")

    monkeypatch.setattr(macos.commands, "run", failing)
    wheel = make_wheel(tmp_path, "macosx_11_0_arm64")
    out = tmp_path / "out"
    with pytest.raises(BuildError):
        repair_wheel(wheel, TARGETS["darwin/arm64"], out)
    assert not out.exists() or not list(out.iterdir())


def test_windows_has_no_repair_yet(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="no wheel repair for windows/amd64 yet"):
        repair_wheel(make_wheel(tmp_path, "win_amd64"), TARGETS["windows/amd64"], tmp_path)
