"""Simulators: kitchen physics, camera scenes, fleets."""
