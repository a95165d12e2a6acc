"""Quiet by default, everything with -v; long steps show they are alive."""

from __future__ import annotations

import io
import sys
import time

import pytest

from pygo_tools.errors import CommandError
from pygo_tools.util import commands, log


@pytest.fixture
def quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(log.VERBOSE_ENV, raising=False)


@pytest.fixture
def verbose(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(log.VERBOSE_ENV, "1")


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("yes", True), ("0", False), ("", False), ("off", False)])
def test_verbose_is_read_from_the_environment(value: str, expected: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(log.VERBOSE_ENV, value)
    assert log.verbose() is expected


def test_a_quiet_step_is_one_line_with_its_time(quiet: None, capsys: pytest.CaptureFixture[str]) -> None:
    with log.step("go build linux/amd64"):
        log.detail("only with -v")
    err = capsys.readouterr().err
    assert err.splitlines() == [err.splitlines()[0]]
    assert err.startswith("pygo-tools ✓ go build linux/amd64 0.")


def test_a_verbose_step_shows_its_start_and_details(verbose: None, capsys: pytest.CaptureFixture[str]) -> None:
    with log.step("config"):
        log.detail("config: /p/config.json")
    lines = capsys.readouterr().err.splitlines()
    assert lines[:2] == ["pygo-tools ▸ config", "config: /p/config.json"]
    assert lines[2].startswith("pygo-tools ✓ config ")


def test_a_failed_step_says_so(quiet: None, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(RuntimeError), log.step("go build linux/amd64"):
        raise RuntimeError
    assert capsys.readouterr().err.startswith("pygo-tools ✗ go build linux/amd64 failed after 0.")


def test_quiet_commands_print_nothing_on_success(quiet: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert commands.run([sys.executable, "-c", "print('tool output')"]) == "tool output\n"
    assert capsys.readouterr().err == ""


def test_verbose_commands_print_the_command_and_the_output(verbose: None, capsys: pytest.CaptureFixture[str]) -> None:
    commands.run([sys.executable, "-c", "print('tool output')"], env={"X": "1"})
    err = capsys.readouterr().err
    assert f"  $ X=1 {sys.executable} -c " in err
    assert "    tool output" in err


def test_a_failing_tool_shows_all_its_output_even_when_quiet(quiet: None) -> None:
    script = "import sys\nfor i in range(300): print('line', i)\nsys.exit(3)"
    with pytest.raises(CommandError) as info:
        commands.run([sys.executable, "-c", script])
    message = str(info.value)
    assert "command failed with exit code 3" in message
    assert all(f"line {i}\n" in message + "\n" for i in range(300)), "nothing is cut"


def test_quiet_stdout_hides_library_prints_unless_verbose(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(log.VERBOSE_ENV, raising=False)
    with log.quiet_stdout():
        print("generating x.c")
    assert capsys.readouterr().out == ""
    monkeypatch.setenv(log.VERBOSE_ENV, "1")
    with log.quiet_stdout():
        print("generating x.c")
    assert capsys.readouterr().out == "generating x.c\n"


class FakeTerminal(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def stderr_as(monkeypatch: pytest.MonkeyPatch, tty: bool) -> FakeTerminal:
    """sys.stderr replaced by a FakeTerminal, a terminal or not."""
    stream = FakeTerminal(tty=tty)
    monkeypatch.setattr(sys, "stderr", stream)
    return stream


def test_a_long_step_shows_its_elapsed_time_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = stderr_as(monkeypatch, tty=True)
    monkeypatch.delenv(log.VERBOSE_ENV, raising=False)
    ticker = log.Ticker(live_after=2.0)
    ticker.push("go build linux/amd64", 100.0)
    ticker.tick(101.0)
    assert terminal.getvalue() == "", "a short step shows nothing"
    ticker.tick(123.4)
    assert terminal.getvalue() == "\r\x1b[Kpygo-tools ▸ go build linux/amd64 23s"
    ticker.push("cffi compile", 124.0)
    ticker.tick(127.0)
    assert terminal.getvalue().endswith("\r\x1b[Kpygo-tools ▸ cffi compile 3s"), "the innermost step"
    ticker.pop()
    ticker.pop()


def test_a_step_that_prints_by_itself_is_not_shown_live(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = stderr_as(monkeypatch, tty=True)
    ticker = log.Ticker(live_after=2.0)
    ticker.push("wheel myproj 0.1.0", 0.0, live=False)
    ticker.tick(30.0)
    assert terminal.getvalue() == ""
    ticker.pop()


def test_verbose_output_on_a_terminal_gets_lines_not_a_live_line(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = stderr_as(monkeypatch, tty=True)
    monkeypatch.setenv(log.VERBOSE_ENV, "1")
    ticker = log.Ticker(live_after=2.0, log_after=20.0)
    ticker.push("go build linux/amd64", 0.0)
    ticker.tick(3.0)
    ticker.tick(21.0)
    assert terminal.getvalue() == "pygo-tools … go build linux/amd64: still running after 21s\n"
    ticker.pop()


def test_a_long_step_logs_a_line_now_and_then_off_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    log_file = stderr_as(monkeypatch, tty=False)
    ticker = log.Ticker(log_after=20.0, log_every=60.0)
    ticker.push("go build linux/arm64", 0.0)
    for now in (5.0, 19.0, 20.0, 21.0, 79.0, 80.0):
        ticker.tick(now)
    assert log_file.getvalue().splitlines() == [
        "pygo-tools … go build linux/arm64: still running after 20s",
        "pygo-tools … go build linux/arm64: still running after 80s",
    ]
    ticker.pop()


def test_the_live_line_is_erased_before_the_next_message(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = stderr_as(monkeypatch, tty=True)
    monkeypatch.delenv(log.VERBOSE_ENV, raising=False)
    monkeypatch.setattr(log._TICKER, "live_after", 0.0)
    with log.step("go build linux/amd64"):
        deadline = time.monotonic() + 5
        while "▸" not in terminal.getvalue() and time.monotonic() < deadline:
            time.sleep(0.05)
    text = terminal.getvalue()
    assert "\r\x1b[Kpygo-tools ▸ go build linux/amd64 " in text, "the ticker thread wrote the live line"
    assert text.endswith("\r\x1b[Kpygo-tools ✓ go build linux/amd64 " + text.rsplit(" ", 1)[-1])
    assert text.endswith("s\n")
