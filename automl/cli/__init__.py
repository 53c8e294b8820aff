"""The `automl-studio` command line (`automl.cli.main`)."""
