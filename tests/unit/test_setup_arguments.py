from __future__ import annotations

from pathlib import Path

from setuptools.command.build_ext import build_ext

from conftest import write_config
from pygo_tools.frontends.setup_py import setup_arguments
from pygo_tools.pipeline import Plan
from pygo_tools.platforms import TARGETS, Target, host_target
from pygo_tools.steps.config import Config


def config(tmp_path: Path) -> Config:
    return write_config(tmp_path, signatures=["int f(int x);"], limited_api="3.10")


def plan(config: Config, targets: list[Target]) -> Plan:
    return Plan(config, tuple(targets))


def test_adds_cffi_abi3_and_the_extension(tmp_path: Path) -> None:
    args = setup_arguments(
        plan(config(tmp_path), [host_target()]), "cffi>=1.15", {"name": "myproj", "install_requires": ["numpy"]}
    )
    assert args["install_requires"] == ["numpy"], "cffi is added to the metadata by egg_info"
    assert "egg_info" in args["cmdclass"]
    assert args["options"]["bdist_wheel"]["py_limited_api"] == "cp310"
    assert [e.name for e in args["ext_modules"]] == ["myproj._native"]
    assert args["ext_modules"][0].py_limited_api is True
    assert args["zip_safe"] is False


def test_keeps_the_users_cffi_pin_and_chains_their_commands(tmp_path: Path) -> None:
    class custom_build_ext(build_ext):
        pass

    args = setup_arguments(
        plan(config(tmp_path), [host_target()]),
        "cffi>=1.15",
        {"install_requires": ["CFFI==1.17.1"], "cmdclass": {"build_ext": custom_build_ext}},
    )
    assert issubclass(args["cmdclass"]["build_ext"], custom_build_ext)
    assert "bdist_wheel" in args["cmdclass"]


def test_each_target_builds_in_its_own_directory_with_its_platform_name(tmp_path: Path) -> None:
    host = setup_arguments(plan(config(tmp_path), [host_target()]), "cffi", {})
    assert host["options"]["build"]["build_base"] == f"build/{host_target().slug}"
    assert "plat_name" not in host["options"]["bdist_wheel"]
    arm = setup_arguments(plan(config(tmp_path), [TARGETS["linux/arm64"]]), "cffi", {})
    assert arm["options"]["build"]["build_base"] == "build/linux-arm64"
    assert arm["options"]["bdist_wheel"]["plat_name"] == "linux_aarch64"


def test_require_adds_cffi_unless_the_project_pins_it() -> None:
    from types import SimpleNamespace

    from pygo_tools.frontends.setup_py import require

    dist = SimpleNamespace(install_requires=["numpy"], metadata=SimpleNamespace(install_requires=["numpy"]))
    require(dist, "cffi>=1.15")
    assert dist.install_requires == ["numpy", "cffi>=1.15"]
    assert dist.metadata.install_requires == ["numpy", "cffi>=1.15"]
    pinned = SimpleNamespace(install_requires=["CFFI==1.17.1"], metadata=SimpleNamespace(install_requires=[]))
    require(pinned, "cffi>=1.15")
    assert pinned.install_requires == ["CFFI==1.17.1"]
