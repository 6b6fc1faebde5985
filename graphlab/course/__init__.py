"""The course's own figures (issue 19), computed without Qt: one module per view.

``ui/course/`` only draws what these modules compute.
"""
