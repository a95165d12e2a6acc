"""What the universal wheel gives Go, and what it cannot: files, environment, exits, cgo."""
