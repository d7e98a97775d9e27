"""Site partitioning: worker i of N owns the sites with crc32(site) % N == i.

The function lives in `core.partition` (vision workers partition cameras the same
way); this module keeps the rules' import path.
"""

from core.partition import owner, owns

__all__ = ["owner", "owns"]
