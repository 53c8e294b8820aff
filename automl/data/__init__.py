"""A user's table: formats and reading, value conversions, profile and alerts, cleaning recipes, datasets, groups
of one-hot columns."""
