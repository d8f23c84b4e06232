"""`python -m devtools.generate --rows N --seed S --out FILE ...`: see `cli`."""

from devtools.generate.cli import app

if __name__ == "__main__":
    app()
