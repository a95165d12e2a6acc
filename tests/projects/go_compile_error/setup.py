from pygo_tools import setup

setup(name="go_compile_error", version="0.0.1", packages=["broken"])
