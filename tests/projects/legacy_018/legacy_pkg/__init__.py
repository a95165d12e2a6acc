from .wrapper import add, greet

__all__ = ["add", "greet"]
