"""GraphLab engine package."""
