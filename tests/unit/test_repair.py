"""Each platform's repair, the macOS one run against a fake subprocess (no Mac here)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from wheel.wheelfile import WheelFile

from pygo_tools.errors import BuildError
from pygo_tools.platforms import TARGETS, Target, macos
from pygo_tools.wheel.contents import read_wheel

BUILD_PATH = "/private/tmp/build/temp/pygo/darwin-arm64/go/libhello.dylib"


def repair_wheel(wheel: Path, target: Target, out_dir: Path) -> Path:
    return target.platform.repair_wheel(wheel, target, out_dir)


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
    """Answers like macOS tools would and records every command; `wheel tags` runs for real."""

    def __init__(self, real_run: object) -> None:
        self.calls: list[list[str]] = []
        self.envs: list[dict[str, str]] = []
        self.real_run = real_run

    def run(self, command: list[str], **kwargs: object) -> str:
        command = [str(part) for part in command]
        if command[1:4] == ["-m", "wheel", "tags"]:
            return self.real_run(command, **kwargs)  # type: ignore[operator, no-any-return]
        self.calls.append(command)
        self.envs.append(dict(kwargs.get("env") or {}))  # type: ignore[call-overload]
        if command[0].endswith("delocate-wheel"):
            out, source = Path(command[command.index("-w") + 1]), Path(command[-1])
            shutil.copy(source, out / source.name)
        return ""


def fake_mac(monkeypatch: pytest.MonkeyPatch, on_mac: bool) -> FakeMac:
    """Every tool the macOS repair runs is recorded by a FakeMac; ``on_mac`` says where we are."""
    fake = FakeMac(macos.commands.run)
    monkeypatch.setattr(macos.commands, "run", fake.run)
    monkeypatch.setattr(macos, "find_tool", lambda name, hint: f"/venv/bin/{name}")
    monkeypatch.setattr(macos, "on_mac", lambda: on_mac)
    return fake


def fake_binaries(monkeypatch: pytest.MonkeyPatch, names: dict[str, dict[str, list[str]]]) -> None:
    """Mach-O reading answered from ``names`` (by file name); every binary needs macOS 13.0."""
    monkeypatch.setattr(macos, "macho_load_names", lambda path: names[Path(path).name])
    monkeypatch.setattr(macos, "check_macho", lambda path, target, name=None: None)
    monkeypatch.setattr(macos, "macos_minimum", lambda path: (13, 0))


ABSOLUTE = {
    "_native.abi3.so": {"id": [], "load": [BUILD_PATH, "/usr/lib/libSystem.B.dylib"], "rpath": []},
    "libhello.dylib": {"id": [BUILD_PATH], "load": ["/usr/lib/libSystem.B.dylib"], "rpath": []},
}
RELATIVE = {
    "_native.abi3.so": {
        "id": ["@rpath/_native.abi3.so"],
        "load": ["@rpath/libhello.dylib"],
        "rpath": ["@loader_path/lib"],
    },
    "libhello.dylib": {"id": ["@rpath/libhello.dylib"], "load": ["/usr/lib/libSystem.B.dylib"], "rpath": []},
}


def test_on_a_mac_absolute_names_are_patched_resigned_and_delocated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = fake_mac(monkeypatch, on_mac=True)
    fake_binaries(monkeypatch, ABSOLUTE)
    wheel = make_wheel(tmp_path, "macosx_11_0_arm64")

    repaired = repair_wheel(wheel, TARGETS["darwin/arm64"], tmp_path)

    programs = [(call[0].rsplit("/", 1)[-1], *call[1:2]) for call in fake.calls]
    assert programs == [
        ("install_name_tool", "-id"),
        ("install_name_tool", "-change"),
        ("codesign", "--force"),
        ("codesign", "--force"),
        ("delocate-wheel", "--require-archs"),
    ]
    id_call, change_call = fake.calls[0], fake.calls[1]
    assert id_call[1:3] == ["-id", "@rpath/libhello.dylib"]
    assert change_call[1:4] == ["-change", BUILD_PATH, "@loader_path/lib/libhello.dylib"]
    assert change_call[4].endswith("myproj/_native.abi3.so")
    signed = sorted(
        call[-1].rsplit("/", 2)[-2] + "/" + call[-1].rsplit("/", 1)[-1] for call in fake.calls if call[0] == "codesign"
    )
    assert signed == ["lib/libhello.dylib", "myproj/_native.abi3.so"]
    assert fake.calls[-1][2] == "arm64"
    assert fake.envs[-1]["MACOSX_DEPLOYMENT_TARGET"] == "13.0", "delocate checks against what the binaries need"
    assert repaired.name == "myproj-0.1.0-cp39-abi3-macosx_13_0_arm64.whl"
    assert not wheel.exists(), "the unrepaired wheel is replaced"
    contents = read_wheel(repaired)
    assert contents.unrecorded() == [] and contents.hash_mismatches() == []


def test_on_a_mac_names_set_at_link_time_need_no_edits_and_delocate_still_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = fake_mac(monkeypatch, on_mac=True)
    fake_binaries(monkeypatch, RELATIVE)
    repaired = repair_wheel(make_wheel(tmp_path, "macosx_11_0_arm64"), TARGETS["darwin/arm64"], tmp_path)
    assert [call[0].rsplit("/", 1)[-1] for call in fake.calls] == ["delocate-wheel"]
    assert repaired.name == "myproj-0.1.0-cp39-abi3-macosx_13_0_arm64.whl"


def test_elsewhere_the_same_checks_and_tag_without_mac_tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = fake_mac(monkeypatch, on_mac=False)
    fake_binaries(monkeypatch, RELATIVE)
    checked: list[str] = []
    monkeypatch.setattr(macos, "check_macho", lambda path, target, name=None: checked.append(str(name)))
    repaired = repair_wheel(make_wheel(tmp_path, "macosx_11_0_x86_64"), TARGETS["darwin/amd64"], tmp_path)
    assert fake.calls == [], "no otool, install_name_tool, codesign or delocate off a Mac"
    assert sorted(checked) == ["myproj/_native.abi3.so", "myproj/lib/libhello.dylib"]
    assert repaired.name == "myproj-0.1.0-cp39-abi3-macosx_13_0_x86_64.whl"


def test_elsewhere_an_absolute_install_name_fails_the_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without install_name_tool the edit cannot be made; the real check names the path."""
    monkeypatch.setattr(macos, "on_mac", lambda: False)
    monkeypatch.setattr(macos, "macho_load_names", lambda path: ABSOLUTE[Path(path).name])
    monkeypatch.setattr(macos, "_macho", lambda path: [])
    out = tmp_path / "out"
    with pytest.raises(BuildError, match=r"refers to /private/tmp/build/.*libhello.dylib: a path on the build machine"):
        repair_wheel(make_wheel(tmp_path, "macosx_11_0_arm64"), TARGETS["darwin/arm64"], out)
    assert not out.exists() or not list(out.iterdir())


def test_macos_plan_skips_already_relative_references(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pkg" / "lib").mkdir(parents=True)
    (tmp_path / "_top.abi3.so").write_bytes(b"x")
    (tmp_path / "pkg" / "lib" / "libgo.dylib").write_bytes(b"x")
    names = {
        "_top.abi3.so": {"id": [], "load": ["@loader_path/pkg/lib/libgo.dylib", "/usr/lib/libSystem.B.dylib"]},
        "libgo.dylib": {"id": ["/abs/libgo.dylib"], "load": []},
    }
    monkeypatch.setattr(macos, "macho_load_names", lambda path: names[Path(path).name])
    assert macos.plan_edits(tmp_path) == [macos.InstallNameEdit("pkg/lib/libgo.dylib", ("-id", "@rpath/libgo.dylib"))]


def test_top_level_extension_gets_path_into_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pkg" / "lib").mkdir(parents=True)
    (tmp_path / "_top.abi3.so").write_bytes(b"x")
    (tmp_path / "pkg" / "lib" / "libgo.dylib").write_bytes(b"x")
    names = {
        "_top.abi3.so": {"id": [], "load": ["/abs/build/libgo.dylib"]},
        "libgo.dylib": {"id": ["@rpath/libgo.dylib"], "load": []},
    }
    monkeypatch.setattr(macos, "macho_load_names", lambda path: names[Path(path).name])
    assert macos.plan_edits(tmp_path) == [
        macos.InstallNameEdit("_top.abi3.so", ("-change", "/abs/build/libgo.dylib", "@loader_path/pkg/lib/libgo.dylib"))
    ]


def test_failed_repair_leaves_no_wheel_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(*args: object, **kwargs: object) -> str:
        raise BuildError("boom")

    monkeypatch.setattr(macos.commands, "run", failing)
    fake_binaries(monkeypatch, RELATIVE)
    wheel = make_wheel(tmp_path, "macosx_11_0_arm64")
    out = tmp_path / "out"
    with pytest.raises(BuildError):
        repair_wheel(wheel, TARGETS["darwin/arm64"], out)
    assert not out.exists() or not list(out.iterdir())


def test_macos_wheel_without_binaries_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "myproj-0.1.0-cp39-abi3-macosx_11_0_arm64.whl"
    with WheelFile(path, "w") as wheel:
        wheel.writestr("myproj/__init__.py", b"")
        wheel.writestr("myproj-0.1.0.dist-info/METADATA", b"Metadata-Version: 2.1\nName: myproj\nVersion: 0.1.0\n")
        wheel.writestr("myproj-0.1.0.dist-info/WHEEL", b"Wheel-Version: 1.0\nTag: cp39-abi3-macosx_11_0_arm64\n")
    with pytest.raises(BuildError, match=r"no Mach-O files \(\.so, \.dylib\) to check"):
        repair_wheel(path, TARGETS["darwin/arm64"], tmp_path / "out")


def windows_wheel(directory: Path, files: dict[str, bytes]) -> Path:
    path = directory / "myproj-0.1.0-cp39-abi3-win_amd64.whl"
    with WheelFile(path, "w") as wheel:
        for name, data in files.items():
            wheel.writestr(name, data)
        wheel.writestr("myproj-0.1.0.dist-info/METADATA", b"Metadata-Version: 2.1\nName: myproj\nVersion: 0.1.0\n")
        wheel.writestr("myproj-0.1.0.dist-info/WHEEL", b"Wheel-Version: 1.0\nTag: cp39-abi3-win_amd64\n")
    return path


def test_windows_repair_rejects_import_libraries_left_in_the_wheel(tmp_path: Path) -> None:
    wheel = windows_wheel(tmp_path, {"myproj/_native.pyd": b"MZ", "myproj/_native.lib": b"!<arch>"})
    with pytest.raises(BuildError, match=r"build leftovers in the wheel: myproj/_native.lib"):
        repair_wheel(wheel, TARGETS["windows/amd64"], tmp_path / "out")
    assert wheel.exists(), "a failed check leaves the input alone"


def test_windows_repair_rejects_what_is_not_pe(tmp_path: Path) -> None:
    wheel = windows_wheel(tmp_path, {"myproj/_native.pyd": b"\x7fELF not windows"})
    with pytest.raises(BuildError, match=r"myproj/_native.pyd is not a PE file"):
        repair_wheel(wheel, TARGETS["windows/amd64"], tmp_path / "out")
