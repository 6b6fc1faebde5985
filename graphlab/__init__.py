"""GraphLab graphlab package."""
