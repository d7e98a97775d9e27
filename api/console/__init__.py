"""The console: server-rendered pages that use only the centre API's endpoints."""
