"""`python -m automl.cli`: the `automl-studio` command."""

from automl.cli.main import run

if __name__ == "__main__":
    run()
