"""AutoML Studio's pure core: no Streamlit here, so tests and the CLI can do what pages do."""

__all__ = ["__version__"]
__version__ = "0.1.0"
