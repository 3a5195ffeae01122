"""chemdepot network package."""
