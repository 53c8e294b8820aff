"""The only Streamlit helpers: state, cached loaders, polling fragments and shared widgets."""
