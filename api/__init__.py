"""Control plane API and web console."""
