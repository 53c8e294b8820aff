"""Serving the app and its models to people: who may come in."""
