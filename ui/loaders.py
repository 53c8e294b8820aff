"""Cached access to the workspace: predictors via `cache_resource` keyed by path, frames via `cache_data`."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from automl import bundle as bundle_mod
from automl import datasets
from automl.associations import association_matrix
from automl.profile import TableProfile
from automl.workspace import Workspace

__all__ = ["workspace", "predictor", "dataset_frame", "dataset_profile", "dataset_associations"]


@st.cache_resource(show_spinner=False)
def workspace(root: str) -> Workspace:
    return Workspace(root)


@st.cache_resource(show_spinner="Loading the model…", max_entries=4)
def predictor(path: str) -> Any:
    return bundle_mod.load_predictor(path)


@st.cache_data(show_spinner=False, max_entries=4)
def dataset_frame(root: str, dataset_id: str) -> pd.DataFrame:
    return workspace(root).load_dataset(dataset_id)


@st.cache_data(show_spinner=False, max_entries=16)
def dataset_profile(root: str, dataset_id: str) -> TableProfile:
    return datasets.load_profile(workspace(root), dataset_id)


@st.cache_data(show_spinner="Measuring how columns go together…", max_entries=8)
def dataset_associations(root: str, dataset_id: str) -> pd.DataFrame:
    return association_matrix(dataset_frame(root, dataset_id))
