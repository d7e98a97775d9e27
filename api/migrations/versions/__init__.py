"""Revisions; file names start with their order."""
