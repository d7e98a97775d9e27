"""Training pipeline (needs the `train` extra: PyTorch CPU). The runtime never imports it."""
