"""Go functions whose names, parameters and docs are hostile to generated Python."""
