from pygo_tools import setup

setup(
    name="legacy-pkg",
    version="0.0.1",
    packages=["legacy_pkg"],
)
