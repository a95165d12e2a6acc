from pygo_tools import setup

setup(name="hazards", version="0.0.1", packages=["hazards"])
