"""Run a markdown document's code blocks in order, so a tutorial cannot rot.

What each fenced block means, by its info string (GitHub shows only the first word):

- ```` ```sh ````: shell commands, run with bash (``set -euo pipefail``). The working folder
  and the environment carry over to the next block, as in a reader's terminal.
- ```` ```go file=PATH ````: the reader writes this content to PATH (relative to the current
  folder); it is written.
- ```` ```toml shows=PATH ````: what PATH holds at this point (say, after ``pygo-tools new``);
  the file must be exactly this.
- ```` ```text output ````: what the previous ``sh`` block printed (stdout and stderr), exactly;
  ```` ```text output-excerpt ```` : lines that it printed one after the other. Before
  comparing, times (``1.2s``), the glibc of a manylinux tag and the document's own folder are
  replaced on both sides.
- Anything else (``console``, ``python``, ``text``...) is only shown.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

_FENCE = re.compile(r"^(`{3,})(.*)$")


@dataclass(frozen=True)
class Block:
    language: str
    attributes: dict[str, str]
    text: str
    line: int  # 1-based line of the opening fence, for messages

    @property
    def where(self) -> str:
        return f"line {self.line}"


def blocks(markdown: str) -> list[Block]:
    """The fenced code blocks of ``markdown``, with their info strings parsed."""
    found = []
    lines = markdown.splitlines(keepends=True)
    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index].rstrip("\n"))
        if not match:
            index += 1
            continue
        fence, info = match.group(1), match.group(2).split()
        start = index
        index += 1
        body = []
        while index < len(lines) and lines[index].rstrip("\n") != fence:
            body.append(lines[index])
            index += 1
        if index == len(lines):
            raise ValueError(f"line {start + 1}: the code block is never closed")
        index += 1
        attributes = dict(word.split("=", 1) if "=" in word else (word, "") for word in info[1:])
        found.append(Block(info[0] if info else "", attributes, "".join(body), start + 1))
    return found


def normalized(text: str, home: Path) -> list[str]:
    text = text.replace(str(home) + "/", "").replace(str(home), ".")
    text = re.sub(r"\b\d+\.\d+s\b", "N.Ns", text)
    text = re.sub(r"manylinux_2_\d+_", "manylinux_2_NN_", text)
    return [line.rstrip() for line in text.splitlines()]


@dataclass
class Reader:
    """Follows a document in ``home``, as a reader at a terminal would."""

    home: Path
    env: dict[str, str]
    cwd: Path = field(init=False)
    last_output: str = ""
    commands_run: int = 0

    def __post_init__(self) -> None:
        self.cwd = self.home

    def follow(self, markdown: str, timeout: float = 1200) -> None:
        for block in blocks(markdown):
            if block.language == "sh":
                self.run(block, timeout)
            elif "file" in block.attributes:
                path = self.cwd / block.attributes["file"]
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(block.text)
            elif "shows" in block.attributes:
                path = self.cwd / block.attributes["shows"]
                assert path.is_file(), f"{block.where}: {path} does not exist"
                assert path.read_text() == block.text, f"{block.where}: {path} is not what the document shows"
            elif "output" in block.attributes or "output-excerpt" in block.attributes:
                self.check_output(block)

    def run(self, block: Block, timeout: float) -> None:
        state = self.home.parent / f".{self.home.name}-state"
        state.mkdir(exist_ok=True)
        script = state / "block.sh"
        script.write_text(block.text)
        wrapper = f'set -euo pipefail\nsource "{script}"\npwd > "{state}/cwd"\nenv -0 > "{state}/env"\n'
        result = subprocess.run(
            ["bash", "-c", wrapper],
            cwd=self.cwd,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert result.returncode == 0, f"{block.where}: exit code {result.returncode}:\n{block.text}\n{result.stdout}"
        self.cwd = Path((state / "cwd").read_text().strip())
        pairs = (item.split("=", 1) for item in (state / "env").read_text().split("\0") if "=" in item)
        self.env = {key: value for key, value in pairs if key not in ("PWD", "OLDPWD", "SHLVL", "_")}
        self.last_output = result.stdout
        self.commands_run += 1

    def check_output(self, block: Block) -> None:
        expected = normalized(block.text, self.home)
        actual = normalized(self.last_output, self.home)
        if "output" in block.attributes:
            assert actual == expected, f"{block.where}: the command printed\n" + "\n".join(actual)
            return
        width = len(expected)
        assert any(actual[i : i + width] == expected for i in range(len(actual) - width + 1)), (
            f"{block.where}: these lines were not printed together:\n"
            + "\n".join(expected)
            + "\n---\n"
            + "\n".join(actual)
        )


def reader_env(base: dict[str, str]) -> dict[str, str]:
    """A user's shell: no pygo-tools, Go or venv of ours on PATH."""
    env = dict(base)
    keep = []
    for entry in env.get("PATH", "").split(os.pathsep):
        if entry and not any((Path(entry) / tool).exists() for tool in ("pygo-tools", "go", "activate")):
            keep.append(entry)
    env["PATH"] = os.pathsep.join(keep)
    for key in ("VIRTUAL_ENV", "PYGO_TOOLS_VERBOSE", "PYGO_TOOLS_GO", "PIP_FIND_LINKS", "UV_FIND_LINKS"):
        env.pop(key, None)
    return env
