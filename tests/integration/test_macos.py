"""macOS extension wheels built on Linux, verified file by file with lief and macholib.

Nothing here can run a Mach-O binary. Each check below covers what dyld or the kernel would
refuse; each runs on the real wheels and on a deliberately broken copy, which it must reject.
"""

from __future__ import annotations

import os
import shutil
import struct
import sys
import zipfile
from pathlib import Path

import pytest

import macho_checks as checks
from conftest import EXAMPLE, REPO, SOURCE_DATE_EPOCH, copy_project, run_build
from pygo_tools.wheel.contents import read_wheel

pytestmark = [pytest.mark.integration, pytest.mark.cross, pytest.mark.slow, pytest.mark.macos]

ARCHES = {"darwin/arm64": "arm64", "darwin/amd64": "x86_64"}
FLOOR = (3, 9)


def unpack(wheel: Path, root: Path) -> Path:
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(root)
    return root


@pytest.fixture(scope="module")
def trees(example_wheels: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {t: unpack(example_wheels[t], tmp_path_factory.mktemp(t.replace("/", "-"))) for t in ARCHES}


def binaries(root: Path) -> tuple[Path, Path]:
    return root / "hello_go" / "_native.abi3.so", root / "hello_go" / "lib" / "libhello.dylib"


def build_paths(example_wheels: dict[str, Path]) -> list[str]:
    """Paths of this machine a careless build would bake in."""
    work = next(iter(example_wheels.values())).parent.parent
    paths = [str(work), str(REPO), sys.prefix, os.environ["GOCACHE"], os.environ["PYGO_TOOLS_CACHE"]]
    return [*paths, str(Path.home()) + "/"]


@pytest.mark.parametrize("target", list(ARCHES))
def test_one_wheel_per_target_tagged_from_the_binaries(
    example_wheels: dict[str, Path], trees: dict[str, Path], target: str
) -> None:
    wheel = example_wheels[target]
    tag = f"macosx_13_0_{ARCHES[target]}"
    assert wheel.name == f"hello_go-0.1.0-cp39-abi3-{tag}.whl"
    assert read_wheel(wheel).wheel_info.get_all("Tag") == [f"cp39-abi3-{tag}"]
    contents = read_wheel(wheel)
    assert contents.unrecorded() == [] and contents.hash_mismatches() == []
    checks.check_tag_covers_minimum(tag, list(binaries(trees[target])))
    assert [checks.build_version_minimum(b) for b in binaries(trees[target])] == [(13, 0), (13, 0)], "Go 1.27's floor"


@pytest.mark.parametrize("target", list(ARCHES))
def test_cpu_type_matches_the_tag(trees: dict[str, Path], target: str) -> None:
    for binary in binaries(trees[target]):
        checks.check_cpu(binary, ARCHES[target])


@pytest.mark.parametrize("target", list(ARCHES))
def test_every_library_resolves_in_the_wheel_or_is_macos_own(trees: dict[str, Path], target: str) -> None:
    extension, library = binaries(trees[target])
    assert checks.loaded_libraries(extension) == ["/usr/lib/libSystem.B.dylib", "@rpath/libhello.dylib"]
    assert checks.rpaths(extension) == ["@loader_path/lib"]
    assert checks.loaded_libraries(library) == ["/usr/lib/libSystem.B.dylib", "/usr/lib/libresolv.9.dylib"]
    for binary in (extension, library):
        checks.check_libraries_resolve(binary, trees[target])


@pytest.mark.parametrize("target", list(ARCHES))
def test_every_undefined_symbol_is_go_cpython_stable_abi_or_system(trees: dict[str, Path], target: str) -> None:
    checks.check_undefined_symbols(binaries(trees[target])[0], trees[target], FLOOR)


@pytest.mark.parametrize("target", list(ARCHES))
def test_pyinit_is_exported(trees: dict[str, Path], target: str) -> None:
    checks.check_exports_init(binaries(trees[target])[0], "_native")


def test_arm64_binaries_are_signed_with_matching_page_hashes(trees: dict[str, Path]) -> None:
    for binary in binaries(trees["darwin/arm64"]):
        checks.check_signature(binary)


@pytest.mark.parametrize("target", list(ARCHES))
def test_indirect_symbol_tables_hold_valid_indices(trees: dict[str, Path], target: str) -> None:
    for binary in binaries(trees[target]):
        checks.check_indirect_symbols(binary)


@pytest.mark.parametrize("target", list(ARCHES))
def test_no_build_path_in_any_binary(example_wheels: dict[str, Path], trees: dict[str, Path], target: str) -> None:
    for binary in binaries(trees[target]):
        checks.check_no_build_paths(binary, build_paths(example_wheels))


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Both macOS wheels again, from another directory, with the same SOURCE_DATE_EPOCH."""
    project = copy_project(EXAMPLE, tmp_path_factory.mktemp("rebuild") / "some" / "other" / "place")
    result = run_build(
        project, project / "out", *(f"--target={t}" for t in ARCHES), env={"SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return dict(zip(ARCHES, (Path(p) for p in result.stdout.split())))


@pytest.mark.parametrize("target", list(ARCHES))
def test_rebuilds_are_byte_identical(example_wheels: dict[str, Path], rebuilt: dict[str, Path], target: str) -> None:
    assert example_wheels[target].name == rebuilt[target].name
    checks.check_identical(example_wheels[target], rebuilt[target])


def test_macosx_deployment_target_raises_the_minimum_and_the_tag(tmp_path: Path) -> None:
    project = copy_project(EXAMPLE, tmp_path)
    result = run_build(
        project, tmp_path / "out", "-v", "--target", "darwin/arm64", env={"MACOSX_DEPLOYMENT_TARGET": "14.0"}
    )
    assert result.returncode == 0, result.stderr[-3000:]
    wheel = Path(result.stdout.strip())
    assert wheel.name == "hello_go-0.1.0-cp39-abi3-macosx_14_0_arm64.whl"
    assert "zig cc -target aarch64-macos.14.0" in result.stderr
    tree = unpack(wheel, tmp_path / "tree")
    assert [checks.build_version_minimum(b) for b in binaries(tree)] == [(14, 0), (14, 0)]
    checks.check_tag_covers_minimum("macosx_14_0_arm64", list(binaries(tree)))


def test_bad_macosx_deployment_target_is_refused(tmp_path: Path) -> None:
    project = copy_project(EXAMPLE, tmp_path)
    result = run_build(project, tmp_path / "out", "--target", "darwin/arm64", env={"MACOSX_DEPLOYMENT_TARGET": "13.x"})
    assert result.returncode != 0
    assert "pygo-tools: error: MACOSX_DEPLOYMENT_TARGET='13.x' is not a macOS version" in result.stderr
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


# Each check must reject a deliberately broken copy.


@pytest.fixture
def broken(trees: dict[str, Path], tmp_path: Path) -> Path:
    """A private copy of the arm64 wheel's tree, to break."""
    return Path(shutil.copytree(trees["darwin/arm64"], tmp_path / "tree"))


def patch(path: Path, old: bytes, new: bytes) -> None:
    data = path.read_bytes()
    assert old in data and len(old) == len(new)
    path.write_bytes(data.replace(old, new))


def test_broken_cpu_type_is_caught(broken: Path) -> None:
    extension, _ = binaries(broken)
    data = bytearray(extension.read_bytes())
    struct.pack_into("<I", data, 4, 0x01000007)  # CPU_TYPE_X86_64 in an arm64 wheel
    extension.write_bytes(bytes(data))
    with pytest.raises(AssertionError, match="reads"):
        checks.check_cpu(extension, "arm64")


def test_missing_go_library_is_caught(broken: Path) -> None:
    extension, library = binaries(broken)
    library.unlink()
    with pytest.raises(AssertionError, match=r"loads @rpath/libhello.dylib, which resolves neither in the wheel"):
        checks.check_libraries_resolve(extension, broken)


def test_absolute_library_path_is_caught(broken: Path) -> None:
    extension, _ = binaries(broken)
    patch(extension, b"@rpath/libhello.dylib\0", b"/tmp/b/libhello.dylib\0")
    with pytest.raises(AssertionError, match=r"loads /tmp/b/libhello.dylib, which resolves neither"):
        checks.check_libraries_resolve(extension, broken)


def test_symbol_outside_the_stable_abi_is_caught(broken: Path) -> None:
    extension, _ = binaries(broken)
    patch(extension, b"_PyErr_Occurred", b"_PyErr_Occurrez")
    with pytest.raises(AssertionError, match=r"imports _PyErr_Occurrez: not in the stable ABI at \(3, 9\)"):
        checks.check_undefined_symbols(extension, broken, FLOOR)


def test_symbol_the_go_library_does_not_export_is_caught(broken: Path) -> None:
    extension, _ = binaries(broken)
    patch(extension, b"_pygo1_Sha256\0", b"_pygo1_Sha257\0")
    with pytest.raises(AssertionError, match=r"imports _pygo1_Sha257 from libhello.dylib, which does not export it"):
        checks.check_undefined_symbols(extension, broken, FLOOR)


def test_missing_pyinit_is_caught(broken: Path) -> None:
    extension, _ = binaries(broken)
    patch(extension, b"PyInit__native", b"PyInit__nativX")
    with pytest.raises(AssertionError, match=r"does not export _PyInit__native"):
        checks.check_exports_init(extension, "_native")


@pytest.mark.parametrize("which", [0, 1])
def test_changed_code_breaks_the_page_hashes(broken: Path, which: int) -> None:
    from macholib import mach_o

    binary = binaries(broken)[which]
    (text,) = [
        s
        for _, sections in checks.commands(binary, mach_o.LC_SEGMENT_64)
        for s in sections
        if s.sectname.startswith(b"__text\0")
    ]
    data = bytearray(binary.read_bytes())
    data[text.offset + 64] ^= 0xFF
    binary.write_bytes(bytes(data))
    with pytest.raises(AssertionError, match=r"page \d+ hash does not match"):
        checks.check_signature(binary)


def test_unsigned_arm64_binary_is_caught(trees: dict[str, Path]) -> None:
    """The x86_64 build is unsigned (macOS does not require it there); as arm64 it would not load."""
    with pytest.raises(AssertionError, match="is not signed"):
        checks.check_signature(binaries(trees["darwin/amd64"])[0])


@pytest.mark.parametrize("which", [0, 1])
def test_out_of_range_indirect_symbol_is_caught(broken: Path, which: int) -> None:
    from macholib import mach_o

    binary = binaries(broken)[which]
    ((symtab, _),) = checks.commands(binary, mach_o.LC_SYMTAB)
    ((dysymtab, _),) = checks.commands(binary, mach_o.LC_DYSYMTAB)
    data = bytearray(binary.read_bytes())
    struct.pack_into("<I", data, dysymtab.indirectsymoff, symtab.nsyms + 100)
    binary.write_bytes(bytes(data))
    with pytest.raises(AssertionError, match=r"indirect symbol 0 is \d+, past \d+ symbols"):
        checks.check_indirect_symbols(binary)


def test_build_path_in_a_binary_is_caught(broken: Path) -> None:
    extension, _ = binaries(broken)
    data = bytearray(extension.read_bytes())
    path = b"/home/builder/project/build"
    start = data.index(b"\0" * 64, 0x400)  # zero padding after the load commands
    data[start : start + len(path)] = path
    extension.write_bytes(bytes(data))
    with pytest.raises(AssertionError, match=r"_native.abi3.so contains the build path /home/builder/project$"):
        checks.check_no_build_paths(extension, ["/home/builder/project"])


def test_tag_lower_than_a_binary_needs_is_caught(broken: Path) -> None:
    from macholib import mach_o

    extension, library = binaries(broken)
    ((version, _),) = checks.commands(extension, mach_o.LC_BUILD_VERSION)
    data = extension.read_bytes()
    minos = struct.pack("<I", 13 << 16)
    patched = data.replace(struct.pack("<I", 1) + minos, struct.pack("<I", 1) + struct.pack("<I", 14 << 16), 1)
    assert patched != data and version.minos == 13 << 16
    extension.write_bytes(patched)
    with pytest.raises(AssertionError, match=r"_native.abi3.so needs macOS \(14, 0\), the tag says 13.0"):
        checks.check_tag_covers_minimum("macosx_13_0_arm64", [extension, library])


def test_differing_rebuild_is_caught(example_wheels: dict[str, Path], tmp_path: Path) -> None:
    original = example_wheels["darwin/arm64"]
    changed = tmp_path / original.name
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(changed, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, data + b"\n" if info.filename.endswith("/METADATA") else data)
    with pytest.raises(AssertionError, match=r"differs between builds: hello_go-0.1.0.dist-info/METADATA"):
        checks.check_identical(original, changed)
