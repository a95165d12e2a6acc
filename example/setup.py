from pygo_tools import setup

setup(
    name="hello-go",
    version="0.1.0",
    description="pygo-tools example: Go functions called from Python",
    packages=["hello_go"],
    python_requires=">=3.9",
)
