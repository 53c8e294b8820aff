"""The password gate every page passes first, however the app was started (`automl-studio ui`, or
`streamlit run app.py`, or a page's URL opened first on a fresh server)."""

from __future__ import annotations

import logging

import streamlit as st

from automl.serving import access
from ui.state import get_state

__all__ = ["require_sign_in"]

log = logging.getLogger("automl_studio.access")


def require_sign_in() -> None:
    """With `AUTOML_STUDIO_PASSWORD` set, stop the page here until this session has signed in. Failed
    attempts are logged and slowed down per session and per client (a growing wait between tries)."""
    if not access.password_required():
        return
    state = get_state()
    if state.signed_in:
        return
    client = _client()
    st.title("AutoML Studio")
    with st.form("app.sign_in"):
        given = st.text_input("Password", type="password", key="app.password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        session = f"session:{state.session_key}"
        wait = max(access.wait_before_next_try(client), access.wait_before_next_try(session))
        if wait > 0:
            st.error(f"Too many failed attempts: try again in {wait:.0f} s.")
        elif access.check_password(given):
            access.forget_failures(client)
            access.forget_failures(session)
            state.signed_in = True
            log.info("sign-in from %s", client)
            st.rerun()
        else:
            access.record_failure(client)
            access.record_failure(session)
            log.warning("failed sign-in from %s", client)
            st.error("Wrong password.")
    st.stop()


def _client() -> str:
    try:
        ip = st.context.ip_address
    except Exception:  # noqa: BLE001 - no request context (tests)
        ip = None
    return f"client:{ip or 'unknown'}"
