"""The one typed view of `st.session_state`: ids and paths only, never frames or models.

The table, run and deployment a user works on are also kept in the page's address (`?dataset=…&run=…`,
`st.query_params`), so that a browser refresh or a shared link opens the same ones: without it a refresh fell
back to the newest run, which put a model that was not deployed in front of the user with no word.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import streamlit as st

from automl.store.workspace import default_root

__all__ = ["AppState", "get_state", "NO_DEPLOYMENT"]

NO_DEPLOYMENT = "-"  # Predict through a run, chosen on purpose (no deployment name starts with "-")

_DATASET, _RUN, _UPLOAD, _EDITING = "app.dataset_id", "app.run_id", "app.last_upload", "clean.editing"
_SIGNED_IN, _SESSION, _DEPLOYMENT = "app.signed_in", "app.session_key", "app.deployment"


def _address(key: str, value: str | None) -> None:
    """Keep `value` in the page's address (only when it changes: each change is a browser history entry)."""
    if value and st.query_params.get(key) != value:
        st.query_params[key] = value
    elif not value and key in st.query_params:
        del st.query_params[key]


@dataclass
class AppState:
    workspace_root: str

    @property
    def dataset_id(self) -> str | None:
        return st.session_state.get(_DATASET) or st.query_params.get("dataset")

    @dataset_id.setter
    def dataset_id(self, value: str | None) -> None:
        st.session_state[_DATASET] = value
        _address("dataset", value)

    @property
    def run_id(self) -> str | None:
        return st.session_state.get(_RUN) or st.query_params.get("run")

    @run_id.setter
    def run_id(self, value: str | None) -> None:
        st.session_state[_RUN] = value
        _address("run", value)

    @property
    def deployment(self) -> str | None:
        """The deployment predictions go through (Predict) and that is watched (Monitor); `NO_DEPLOYMENT` when
        the user chose to predict with a run instead (kept, so a refresh does not go back to a deployment)."""
        return st.session_state.get(_DEPLOYMENT) or st.query_params.get("deployment")

    @deployment.setter
    def deployment(self, value: str | None) -> None:
        st.session_state[_DEPLOYMENT] = value or NO_DEPLOYMENT
        _address("deployment", value or NO_DEPLOYMENT)

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
