"""PEP 517 build backend: ``build-backend = "pygo_tools.backend"`` (the name pygo-tools 0.1.8 used).

Hooks only; the work is in ``pygo_tools.frontends.pep517`` and the pipeline it drives.
"""

from __future__ import annotations

from typing import Any


def get_requires_for_build_wheel(config_settings: dict[str, Any] | None = None) -> list[str]:
    from .frontends.pep517 import BACKEND, build_context, extra_requirements

    with build_context(config_settings):
        return [*BACKEND.get_requires_for_build_wheel(config_settings), *extra_requirements(config_settings)]


def get_requires_for_build_sdist(config_settings: dict[str, Any] | None = None) -> list[str]:
    from .frontends.pep517 import BACKEND, clean_errors, sdist_requirements

    with clean_errors():
        return [*BACKEND.get_requires_for_build_sdist(config_settings), *sdist_requirements()]


def prepare_metadata_for_build_wheel(metadata_directory: str, config_settings: dict[str, Any] | None = None) -> str:
    from .frontends.pep517 import BACKEND, build_context

    with build_context(config_settings):
        return str(BACKEND.prepare_metadata_for_build_wheel(metadata_directory, config_settings))


def build_wheel(
    wheel_directory: str, config_settings: dict[str, Any] | None = None, metadata_directory: str | None = None
) -> str:
    from .frontends.pep517 import BACKEND, build_context

    with build_context(config_settings):
        return str(BACKEND.build_wheel(wheel_directory, config_settings, metadata_directory))


def build_sdist(sdist_directory: str, config_settings: dict[str, Any] | None = None) -> str:
    from .frontends.pep517 import BACKEND

    return str(BACKEND.build_sdist(sdist_directory, config_settings))


def build_editable(
    wheel_directory: str, config_settings: dict[str, Any] | None = None, metadata_directory: str | None = None
) -> str:
    from .frontends.pep517 import BACKEND, build_context

    with build_context(config_settings, editable=True):
        return str(BACKEND.build_editable(wheel_directory, config_settings, metadata_directory))


# Identical hooks, aliased (as flit_core does).
get_requires_for_build_editable = get_requires_for_build_wheel
prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel
