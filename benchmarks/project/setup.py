from pygo_tools import setup

setup(name="benchgo", version="0.0.1", packages=["benchgo"])
