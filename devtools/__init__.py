"""Development and demo scaffolding: never imported by a runtime package.

Local servers for tests and the demo (`servers`), vendor-like notification receivers
(`receivers`), the one synthetic traffic generator (`traffic`), small test kitchens
(`kitchens`), the two-district test world of the API (`world`) and `bk demo` (`demo`).
tests/unit/test_layout.py checks that no runtime package imports it.
"""
