"""chemdepot api package."""
