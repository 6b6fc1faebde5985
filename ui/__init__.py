"""GraphLab ui package."""
