from pygo_tools import setup

setup(name="typed-pkg", version="1.0.0", packages=["typed_pkg"])
