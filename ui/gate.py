"""The password gate every page passes first, however the app was started (`automl-studio ui`, or
`streamlit run app.py`, or a page's URL opened first on a fresh server).

It also holds what Streamlit's own server does before any page runs, once per server: uploads are kept
only for sessions that signed in (Streamlit accepts a file for any live session, signed in or not, at
`/_stcore/upload_file/<session>/<file>`), up to the app's upload limit however the app was started; and a
server that listens beyond this machine without a password shows nothing but why.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable

import streamlit as st

from automl import settings
from automl.serving import access
from ui.state import get_state

__all__ = ["require_sign_in", "guard_uploads", "ALLOW_ENV"]

log = logging.getLogger("automl_studio.access")
ALLOW_ENV = settings.ALLOW_NO_PASSWORD.name  # set by `automl-studio ui --allow-no-password`
_signed_in_sessions: set[str] = set()
_installed: list[Any] = []
_install_lock = threading.Lock()


def require_sign_in() -> None:
    """With `AUTOML_STUDIO_PASSWORD` set, stop the page here until this session has signed in. Failed
    attempts are logged and slowed down (`automl.serving.access`). Without one, a server reachable from
    other machines stops here, unless its operator accepted that."""
    _server_once()
    if not access.password_required():
        _refuse_open_bind()
        return
    state = get_state()
    if state.signed_in:
        _remember_signed_in()
        return
    client = _client()
    st.title("AutoML Studio")
    with st.form("app.sign_in"):
        given = st.text_input("Password", type="password", key="app.password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        keys = [f"session:{state.session_key}"] + ([f"client:{client}"] if client else [])
        wait = access.wait_before_check(keys)
        if wait > 0:
            st.error(f"Too many failed attempts: try again in {max(1, round(wait))} s.")
        elif access.check_password(given):
            for key in keys:
                access.forget_failures(key)
            state.signed_in = True
            _remember_signed_in()
            log.info("sign-in from %s", client or "an unknown address")
            st.rerun()
        else:
            access.record_failed_attempt(keys)
            log.warning("failed sign-in from %s", client or "an unknown address")
            st.error("Wrong password.")
    st.stop()


def _client() -> str | None:
    """The client's address when it is one client's own (`access.client_address`), else None."""
    try:
        peer = st.context.ip_address
        forwarded = st.context.headers.get("X-Forwarded-For")
    except Exception:  # noqa: BLE001 - no request context (tests)
        return None
    return access.client_address(peer, forwarded)


def _remember_signed_in() -> None:
    _signed_in_sessions.add(_session_id())
    if len(_signed_in_sessions) > 1000 and _installed:  # forget sessions that have ended
        for session in list(_signed_in_sessions):
            if not _installed[0].is_active_session(session):
                _signed_in_sessions.discard(session)


def _session_id() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else ""


def _refuse_open_bind() -> None:
    """`streamlit run app.py --server.address 0.0.0.0` (or a config without an address, which listens on every
    interface) and no password: the app shows only how to fix it."""
    from streamlit import config
    from streamlit.runtime import Runtime

    if not Runtime.exists():  # AppTest: no server listens
        return
    address = config.get_option("server.address") or "0.0.0.0"
    try:
        access.check_bind(address, settings.ALLOW_NO_PASSWORD.flag())
    except access.UnsafeBindError:
        st.title("AutoML Studio")
        st.error(f"This server listens on {address}, reachable from other machines, without a password, so it "
                 f"shows nothing. Set AUTOML_STUDIO_PASSWORD, or serve on 127.0.0.1, or set {ALLOW_ENV}=1 to "
                 "accept that anyone who can reach it can use every model.")
        st.stop()


def _server_once() -> None:
    """Streamlit's upload limit set from the app's (`AUTOML_STUDIO_MAX_UPLOAD_MB`), and the upload guard."""
    from streamlit import config
    from streamlit.runtime import Runtime

    if _installed or not Runtime.exists():
        return
    with _install_lock:
        if _installed:
            return
        from automl.data.limits import max_upload_bytes

        config.set_option("server.maxUploadSize", max(1, max_upload_bytes() // 2**20))
        runtime = Runtime.instance()
        guard_uploads(runtime.uploaded_file_mgr,
                      lambda session: not access.password_required() or session in _signed_in_sessions)
        _installed.append(runtime)


def guard_uploads(manager: Any, allowed: Callable[[str], bool]) -> None:
    """Keep an uploaded file only for a session `allowed` says may upload; refuse the others' at once (the
    request body was already bounded by `server.maxUploadSize`; nothing of it is kept)."""
    keep = manager.add_file

    def add_file(session_id: str, file: Any) -> None:
        if not allowed(session_id):
            log.warning("upload refused: the session has not signed in")
            return
        keep(session_id, file)

    manager.add_file = add_file
