"""The one typed view of `st.session_state`: ids and paths only, never frames or models."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import streamlit as st

from automl.store.workspace import default_root

__all__ = ["AppState", "get_state"]

_DATASET, _RUN, _UPLOAD, _EDITING = "app.dataset_id", "app.run_id", "app.last_upload", "clean.editing"
_SIGNED_IN, _SESSION = "app.signed_in", "app.session_key"


@dataclass
class AppState:
    workspace_root: str

    @property
    def dataset_id(self) -> str | None:
        return st.session_state.get(_DATASET) or st.query_params.get("dataset")

    @dataset_id.setter
    def dataset_id(self, value: str | None) -> None:
        st.session_state[_DATASET] = value

    @property
    def run_id(self) -> str | None:
        return st.session_state.get(_RUN) or st.query_params.get("run")

    @run_id.setter
    def run_id(self, value: str | None) -> None:
        st.session_state[_RUN] = value

    @property
    def last_upload(self) -> str | None:
        """The id of the uploaded file already stored, so a rerun does not store it again."""
        return st.session_state.get(_UPLOAD)

    @last_upload.setter
    def last_upload(self, value: str | None) -> None:
        st.session_state[_UPLOAD] = value


    @property
    def editing_step(self) -> int | None:
        """Index of the cleaning step being edited on the Clean page, if any."""
        return st.session_state.get(_EDITING)

    @editing_step.setter
    def editing_step(self, value: int | None) -> None:
        st.session_state[_EDITING] = value


    @property
    def session_key(self) -> str:
        """A random token naming this browser session (failed sign-ins are counted per session)."""
        if _SESSION not in st.session_state:
            st.session_state[_SESSION] = secrets.token_hex(8)
        return st.session_state[_SESSION]

    @property
    def signed_in(self) -> bool:
        return bool(st.session_state.get(_SIGNED_IN))

    @signed_in.setter
    def signed_in(self, value: bool) -> None:
        st.session_state[_SIGNED_IN] = value


def get_state() -> AppState:
    return AppState(workspace_root=str(default_root()))
