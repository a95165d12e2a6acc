"""Everything that differs between the OSes pygo-tools builds for, in one place.

``base.Platform`` is the interface; ``linux``, ``macos`` and ``windows`` implement it; the
target table (``targets.TARGETS``) maps each Go target (``linux/arm64``) to its platform object.
Outside this package no code compares OS names: it asks ``target.platform``.
"""

from .abi import ABI3, ABI3T, PythonAbi, build_abis, interpreter_abi
from .base import CROSS_HINT, ExtensionContext, ExtensionSettings, Platform
from .targets import PLATFORMS, TARGETS, Target, host_platform, host_target, parse_target, with_abis, with_zig

__all__ = [
    "ABI3",
    "ABI3T",
    "CROSS_HINT",
    "PLATFORMS",
    "TARGETS",
    "ExtensionContext",
    "ExtensionSettings",
    "Platform",
    "PythonAbi",
    "Target",
    "build_abis",
    "host_platform",
    "host_target",
    "interpreter_abi",
    "parse_target",
    "with_abis",
    "with_zig",
]
