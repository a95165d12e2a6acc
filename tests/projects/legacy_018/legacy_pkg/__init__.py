from .wrapper import add, greet
