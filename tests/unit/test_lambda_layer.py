"""`pygo-tools lambda-layer` without Go: runtimes and architectures, tags, tidying, the zip."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.tags import Tag

from conftest import REPO, write_config
from pygo_tools.cli import lambda_layer
from pygo_tools.cli.lambda_layer import (
    LayerSpec,
    build_layer,
    check_tags,
    layer_spec,
    source_date_epoch,
    wheel_tags,
    write_layer_zip,
)
from pygo_tools.errors import BuildError, ConfigError

OFFERED = "Lambda offers python3.9, python3.10, python3.11, python3.12, python3.13, python3.14"


@pytest.mark.parametrize("python", ["3.8", "3.15", "3.14t", "2.7", "python3.x", "", "3.12\n", "-3.12", "3"])
def test_unknown_python_lists_what_lambda_offers(python: str) -> None:
    with pytest.raises(ConfigError, match="--python: Lambda has no Python runtime") as info:
        layer_spec("linux/arm64", python)
    assert OFFERED in str(info.value)


@pytest.mark.parametrize("target", ["linux/386", "windows/amd64", "darwin/arm64", "arm64", "", "../linux/arm64"])
def test_unknown_target_lists_lambdas_architectures(target: str) -> None:
    with pytest.raises(ConfigError, match="--target: Lambda has no architecture") as info:
        layer_spec(target, "3.12")
    assert "Lambda offers x86_64 (--target linux/amd64), arm64 (--target linux/arm64)" in str(info.value)


def test_spec_names_and_zig_for_the_host() -> None:
    arm = layer_spec("linux/arm64", "python3.12")
    assert (arm.runtime, arm.architecture, arm.glibc_minor) == ("python3.12", "arm64", 34)
    amd = layer_spec("linux/amd64", "3.9")
    assert (amd.runtime, amd.architecture, amd.glibc_minor) == ("python3.9", "x86_64", 26)
    for spec in (arm, amd):
        assert spec.target.uses_zig, "Lambda needs glibc 2.17 binaries, the host's own target included"
        assert spec.target.manylinux_floor == f"manylinux_2_17_{spec.target.wheel_arch}"


def test_pip_platforms_stop_at_the_runtimes_glibc() -> None:
    platforms = layer_spec("linux/arm64", "3.11").platforms
    assert platforms[0] == "manylinux_2_26_aarch64"
    assert platforms[-2:] == ["manylinux_2_17_aarch64", "manylinux2014_aarch64"]
    assert len(platforms) == 11
    x86 = layer_spec("linux/amd64", "3.13").platforms
    assert x86[0] == "manylinux_2_34_x86_64"
    assert x86[-4:] == ["manylinux_2_5_x86_64", "manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64"]


def test_supported_tags() -> None:
    py311_arm = layer_spec("linux/arm64", "3.11").supported_tags()
    assert Tag("cp39", "abi3", "manylinux2014_aarch64") in py311_arm
    assert Tag("cp311", "cp311", "manylinux_2_17_aarch64") in py311_arm
    assert Tag("py3", "none", "any") in py311_arm
    assert Tag("cp311", "cp311", "manylinux_2_28_aarch64") not in py311_arm, "AL2 has glibc 2.26"
    assert Tag("cp312", "cp312", "manylinux_2_17_aarch64") not in py311_arm
    assert Tag("cp311", "cp311", "manylinux_2_17_x86_64") not in py311_arm
    assert Tag("cp311", "cp311", "musllinux_1_1_aarch64") not in py311_arm
    py313_x86 = layer_spec("linux/amd64", "3.13").supported_tags()
    assert Tag("cp313", "cp313", "manylinux_2_34_x86_64") in py313_x86
    assert Tag("cp313", "cp313", "manylinux1_x86_64") in py313_x86
    assert Tag("cp313", "cp313", "manylinux_2_35_x86_64") not in py313_x86
    assert Tag("cp311", "cp311", "manylinux1_aarch64") not in py311_arm, "no such policy for aarch64"


def write_dist_info(site: Path, name: str, *tags: str) -> None:
    info = site / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "WHEEL").write_text("Wheel-Version: 1.0\nRoot-Is-Purelib: false\n" + "".join(f"Tag: {t}\n" for t in tags))


def test_wheel_tags_expands_compressed_tags(tmp_path: Path) -> None:
    write_dist_info(tmp_path, "x", "cp39-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64")
    assert wheel_tags(tmp_path / "x-1.0.dist-info" / "WHEEL") == {
        Tag("cp39", "abi3", "manylinux2014_x86_64"),
        Tag("cp39", "abi3", "manylinux_2_17_x86_64"),
    }


def test_check_tags_names_the_wheel_that_does_not_fit(tmp_path: Path) -> None:
    spec = layer_spec("linux/arm64", "3.11")
    write_dist_info(tmp_path, "good", "cp311-cp311-manylinux_2_17_aarch64")
    check_tags(tmp_path, spec)
    write_dist_info(tmp_path, "bad", "cp311-cp311-manylinux_2_28_aarch64")
    message = r"bad-1\.0\.dist-info: wheel tags cp311-cp311-manylinux_2_28_aarch64 do not run"
    with pytest.raises(BuildError, match=message):
        check_tags(tmp_path, spec)


def test_tidy_drops_scripts_and_direct_url_and_their_record_lines(tmp_path: Path) -> None:
    site = tmp_path / "python"
    info = site / "p-1.0.dist-info"
    info.mkdir(parents=True)
    (site / "p").mkdir()
    (site / "p" / "__init__.py").write_text("")
    (site / "bin").mkdir()
    (site / "bin" / "p").write_text("#!/build/machine/python\n")
    (info / "direct_url.json").write_text('{"url": "file:///tmp/pygo-layer-x/p.whl"}')
    (info / "RECORD").write_text(
        "p/__init__.py,sha256=abc,0\n../../bin/p,sha256=def,24\nbin/p,sha256=def,24\n"
        'p-1.0.dist-info/direct_url.json,sha256=ghi,40\n"p-1.0.dist-info/RECORD",,\n'
    )
    lambda_layer._tidy(site)
    assert not (site / "bin").exists()
    assert not (info / "direct_url.json").exists()
    assert (info / "RECORD").read_text() == 'p/__init__.py,sha256=abc,0\n"p-1.0.dist-info/RECORD",,\n'


def make_tree(root: Path) -> None:
    (root / "python" / "pkg").mkdir(parents=True)
    (root / "python" / "pkg" / "__init__.py").write_text("x = 1\n")
    (root / "python" / "pkg" / "tool").write_bytes(b"\x7fELF...")
    (root / "python" / "pkg" / "tool").chmod(0o700)
    (root / "python" / "a.py").write_text("")


def test_zip_is_byte_identical_for_the_same_tree(tmp_path: Path) -> None:
    make_tree(tmp_path / "one")
    make_tree(tmp_path / "two")
    os.utime(tmp_path / "two" / "python" / "a.py", (0, 0))
    write_layer_zip(tmp_path / "one", tmp_path / "one.zip", 1700000000)
    write_layer_zip(tmp_path / "two", tmp_path / "two.zip", 1700000000)
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()
    write_layer_zip(tmp_path / "two", tmp_path / "later.zip", 1800000000)
    assert (tmp_path / "later.zip").read_bytes() != (tmp_path / "one.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "one.zip") as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == ["python/a.py", "python/pkg/__init__.py", "python/pkg/tool"]
    assert {i.date_time for i in infos} == {(2023, 11, 14, 22, 13, 20)}
    assert [i.external_attr >> 16 for i in infos] == [0o100644, 0o100644, 0o100755]


def test_zip_timestamps_before_1980_are_clamped(tmp_path: Path) -> None:
    make_tree(tmp_path / "t")
    write_layer_zip(tmp_path / "t", tmp_path / "t.zip", 0)
    with zipfile.ZipFile(tmp_path / "t.zip") as archive:
        assert archive.infolist()[0].date_time == (1980, 1, 1, 0, 0, 0)


def test_a_failed_zip_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_tree(tmp_path / "t")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "layer.zip").write_bytes(b"the previous layer")

    def disk_full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(lambda_layer.shutil, "copyfileobj", disk_full)
    with pytest.raises(OSError, match="No space left"):
        write_layer_zip(tmp_path / "t", tmp_path / "out" / "layer.zip", 0)
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["layer.zip"]
    assert (tmp_path / "out" / "layer.zip").read_bytes() == b"the previous layer"


@pytest.mark.parametrize("value", ["", "soon", "-5", "1.5", "1e9"])
def test_bad_source_date_epoch(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    with pytest.raises(ConfigError, match="SOURCE_DATE_EPOCH: expected seconds since 1970, got"):
        source_date_epoch()


def test_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert source_date_epoch() == 1700000000


def test_python_older_than_the_projects_limited_api(tmp_path: Path) -> None:
    write_config(tmp_path, limited_api="3.11")
    with pytest.raises(ConfigError, match=r"--python: python3\.10 is older than the project's limited_api 3\.11"):
        build_layer(tmp_path, layer_spec("linux/amd64", "3.10"), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_out_must_be_a_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(tmp_path)
    (tmp_path / "out").write_text("a file")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1")
    with pytest.raises(ConfigError, match=r"--out .*/out: is a file, not a folder"):
        build_layer(tmp_path, layer_spec("linux/amd64", "3.12"), tmp_path / "out")
    assert (tmp_path / "out").read_text() == "a file"


def test_cli_error_is_one_clean_message(tmp_path: Path) -> None:
    write_config(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "pygo_tools", "lambda-layer", str(tmp_path), "--target=linux/arm64", "--python=3.8"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr == f"pygo-tools: error: --python: Lambda has no Python runtime '3.8'\n  hint: {OFFERED}\n"
    assert result.stdout == ""


def test_cli_requires_python(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pygo_tools", "lambda-layer", str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "the following arguments are required: --python" in result.stderr


def test_layer_spec_is_frozen() -> None:
    spec = layer_spec("linux/arm64", "3.12")
    assert isinstance(spec, LayerSpec)
    with pytest.raises(AttributeError):
        spec.python = "3.9"  # type: ignore[misc]


def test_docs_and_readme_keep_up_with_the_command() -> None:
    from test_workflow import subcommand_options

    docs = (REPO / "docs" / "lambda.md").read_text()
    assert subcommand_options("lambda-layer") == ["--target", "--python", "--out"]
    for option in ("--target", "--python", "--out"):
        assert f"| `{option}` |" in docs
    assert f"hint: {OFFERED}" in docs
    readme = (REPO / "README.md").read_text()
    assert "[docs/lambda.md](docs/lambda.md)" in readme
    assert "pygo-tools lambda-layer [PROJECT_DIR] --python X.Y [--target OS/ARCH] [--out DIR]" in readme


def test_no_pip_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata

    from pygo_tools.errors import ToolNotFoundError

    write_config(tmp_path)

    def missing(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(lambda_layer.importlib.metadata, "version", missing)
    with pytest.raises(ToolNotFoundError, match=r"pip is not installed in .*; it installs the layer's dependencies"):
        build_layer(tmp_path, layer_spec("linux/amd64", "3.12"), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def wheel_requiring(tmp_path: Path, *requirements: str) -> Path:
    wheel = tmp_path / "p-1.0-cp39-abi3-manylinux2014_x86_64.whl"
    metadata = "Metadata-Version: 2.1\nName: p\nVersion: 1.0\n" + "".join(f"Requires-Dist: {r}\n" for r in requirements)
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("p-1.0.dist-info/METADATA", metadata)
        archive.writestr("p-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nTag: cp39-abi3-manylinux2014_x86_64\n")
        archive.writestr("p-1.0.dist-info/RECORD", "")
    return wheel


@pytest.mark.parametrize(
    "requirement",
    [
        "ldep @ file:///home/me/ldep",
        "ldep @ file:///home/me/ldep-1.0.tar.gz",
        "ldep @ git+https://example.com/ldep.git@v1",
        "ldep @ https://example.com/ldep-1.0.zip#sha256=00",
        "ldep[extra] @ file:///srv/ldep ; python_version >= '3.9'",
    ],
)
def test_a_dependency_pip_would_build_from_source_is_refused(tmp_path: Path, requirement: str) -> None:
    wheel = wheel_requiring(tmp_path, "cffi>=1.15", requirement)
    with pytest.raises(ConfigError, match=r"would be built from source .* is not a wheel\); a layer takes only wheels"):
        lambda_layer.check_binary_only(wheel)


def test_wheels_and_index_dependencies_pass(tmp_path: Path) -> None:
    wheel = wheel_requiring(
        tmp_path, "cffi>=1.15", "ldep @ file:///srv/ldep-1.0-py3-none-any.whl", "x @ https://h/x-1-py3-none-any.whl?a=1"
    )
    lambda_layer.check_binary_only(wheel)
