from pygo_tools import setup

setup(name="bad_config", version="0.0.1", packages=["typo"])
