"""`python -m recorder` is `bk recorder`."""

from recorder.cli import app

if __name__ == "__main__":
    app()
