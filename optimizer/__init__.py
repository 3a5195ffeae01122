"""chemdepot optimizer package."""
