"""The stable-ABI names at a limited_api floor, per OS, and their checked-in data."""

from __future__ import annotations

import pytest

from pygo_tools.errors import BuildError
from pygo_tools.platforms.stable_abi import names_at, newest_version, stable_names


def names(floor: tuple[int, int], goos: str) -> set[str]:
    return {n.name for n in names_at(floor, goos)}


def test_data_file_is_complete_and_well_formed() -> None:
    entries = stable_names()
    assert len(entries) > 900
    assert len({n.name for n in entries}) == len(entries), "one line per name"
    assert {n.kind for n in entries} == {"function", "data"}
    by_name = {n.name: n for n in entries}
    assert by_name["PyBaseObject_Type"].is_data and not by_name["PyArg_ParseTuple"].is_data
    assert by_name["PyModule_AddObjectRef"].added == (3, 10)


def test_floor_raises_what_is_allowed() -> None:
    at_39, at_310 = names((3, 9), "darwin"), names((3, 10), "darwin")
    assert "PyModule_AddObjectRef" not in at_39 and "PyModule_AddObjectRef" in at_310
    assert at_39 < at_310
    assert {"PyObject_GetAttrString", "PyErr_Occurred", "_Py_Dealloc"} <= at_39


def test_windows_floor_39_leaves_out_what_python3_dll_39_lacks() -> None:
    """python.org's python3.dll of 3.9 does not export PyThread_* or PyMember_GetOne although the
    manifest dates them 3.2; a .pyd importing them would fail to load on 3.9."""
    windows, darwin = names((3, 9), "windows"), names((3, 9), "darwin")
    for name in ("PyThread_allocate_lock", "PyMember_GetOne", "PyInterpreterState_Get"):
        assert name in darwin and name not in windows
        assert name in names((3, 10), "windows")
    assert "PyCFunction_New" not in windows, "3.9's python3.dll forwards it to nothing"


def test_os_specific_names() -> None:
    assert "PyErr_SetFromWindowsErr" in names((3, 9), "windows")
    assert "PyErr_SetFromWindowsErr" not in names((3, 9), "darwin")
    assert "PyOS_AfterFork_Child" in names((3, 9), "darwin")
    assert "PyOS_AfterFork_Child" not in names((3, 9), "windows")
    assert "_Py_RefTotal" not in names((3, 13), "darwin") | names((3, 13), "windows"), "debug builds only"


def test_floor_newer_than_the_data_is_an_error() -> None:
    newest = newest_version()
    with pytest.raises(BuildError, match=r"limited_api 3\.99: pygo-tools knows the stable ABI up to 3\.\d+ only"):
        names_at((3, 99), "windows")
    assert names_at(newest, "windows")


def test_windows_floor_older_than_the_sampled_dlls_is_an_error() -> None:
    with pytest.raises(BuildError, match=r"limited_api 3\.7: Windows wheels need limited_api 3\.8 or newer"):
        names_at((3, 7), "windows")
    assert names_at((3, 7), "darwin"), "other systems take the manifest's dates"
