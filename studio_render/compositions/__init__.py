"""Compositions: what a file describes (``info``) and how its frames are drawn (``source``)."""
