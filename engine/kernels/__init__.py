"""Vectorised array kernels (numpy or cupy through ``xp``) shared by ops and the training plan."""
