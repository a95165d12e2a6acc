from pygo_tools import setup

setup(name="newer_api", version="0.1.0", packages=["newer_api"])
