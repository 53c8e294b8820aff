"""Explanations of a run's model: SHAP frames (pure) and their plotly figures. No Streamlit here."""
