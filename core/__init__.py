"""Shared contracts of Bright Kitchen: topics, payload schemas, settings, MQTT and store helpers.

`core` imports no other part of the project; every part imports `core`.
"""

__version__ = "0.1.0"
