"""Vision: hygiene-violation detector, training and worker."""
