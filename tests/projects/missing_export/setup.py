from pygo_tools import setup

setup(name="missing_export", version="0.0.1", packages=["partial"])
