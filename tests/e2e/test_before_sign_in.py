"""Issue 28, item 8: nothing is uploaded or kept before sign-in, whatever Streamlit's own server accepts.

An anonymous browser knows its own session id (Streamlit sends it in the first websocket message) and the
XSRF cookie, so it can PUT files to `/_stcore/upload_file/<session>/<file>` without any uploader on the page.
Streamlit's `/_stcore/metrics` reports the bytes its upload manager holds (computed at most every 5 s: the
first reading below is the first ever, so it is fresh)."""

import time
import urllib.request

import pytest

from tests.e2e.ui import wait_idle

pytestmark = pytest.mark.e2e

_PUT = """async ([session, size]) => {
  const cookie = document.cookie.split('; ').find(c => c.startsWith('_streamlit_xsrf='));
  const headers = cookie ? {'X-Xsrftoken': decodeURIComponent(cookie.split('=').slice(1).join('='))} : {};
  const body = new FormData();
  body.append('file', new Blob([new Uint8Array(size)]), 'rows.csv');
  const answer = await fetch(`/_stcore/upload_file/${session}/${crypto.randomUUID()}`,
                             {method: 'PUT', body, headers, credentials: 'same-origin'});
  return answer.status;
}"""


def _held_upload_bytes(url: str) -> int:
    with urllib.request.urlopen(f"{url}/_stcore/metrics", timeout=10) as answer:
        text = answer.read().decode()
    held = [line for line in text.splitlines() if "UploadedFileManager" in line and not line.startswith("#")]
    return sum(int(float(line.rsplit(" ", 1)[-1])) for line in held)


def test_an_anonymous_session_cannot_leave_files_on_the_server(serve, page, tmp_path):
    server = serve(env={"AUTOML_STUDIO_PASSWORD": "s3cret", "AUTOML_STUDIO_MAX_UPLOAD_MB": "2"})
    sessions: list[str] = []

    def on_socket(socket):
        def on_frame(payload):
            from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

            if isinstance(payload, bytes) and not sessions:
                msg = ForwardMsg()
                try:
                    msg.ParseFromString(payload)
                except Exception:  # noqa: BLE001 - not every frame is one message
                    return
                if msg.HasField("new_session") and msg.new_session.initialize.session_id:
                    sessions.append(msg.new_session.initialize.session_id)
        socket.on("framereceived", on_frame)

    page.on("websocket", on_socket)
    page.goto(server.url)
    page.get_by_label("Password", exact=True).wait_for()
    wait_idle(page)
    assert sessions, "the page's session id was not seen"
    statuses = [page.evaluate(_PUT, [sessions[0], 1_000_000]) for _ in range(5)]
    assert set(statuses) == {204}, statuses  # Streamlit answers as if it took them
    assert _held_upload_bytes(server.url) == 0, "files of a session that never signed in were kept"
    # Streamlit's own limit is the app's (2 MB here), however the server was started
    assert page.evaluate(_PUT, [sessions[0], 3 * 2**20]) == 413

    page.get_by_label("Password", exact=True).fill("s3cret")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("trains and tunes models").first.wait_for()
    wait_idle(page)
    assert page.evaluate(_PUT, [sessions[0], 1000]) == 204
    deadline = time.monotonic() + 20  # Streamlit computes this figure at most once every 5 s
    while _held_upload_bytes(server.url) < 1000 and time.monotonic() < deadline:
        time.sleep(1)
    assert _held_upload_bytes(server.url) >= 1000, "a signed-in session's upload is kept"


def test_streamlit_run_on_every_interface_without_a_password_shows_nothing_but_why(page, tmp_path):
    """`streamlit run app.py` takes none of `automl-studio ui`'s checks: the app makes its own."""
    import os
    import subprocess
    import sys

    from tests.e2e.conftest import _free_port
    from tests.helpers import REPO

    port = _free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("AUTOML_STUDIO_PASSWORD", "AUTOML_STUDIO_ALLOW_NO_PASSWORD")}
    env["AUTOML_STUDIO_HOME"] = str(tmp_path / "ws")
    with open(tmp_path / "streamlit.log", "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "0.0.0.0",
                                 "--server.port", str(port), "--server.headless", "true"],
                                cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.time() + 60
            while time.time() < deadline:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
                    break
                except OSError:
                    time.sleep(0.3)
            page.goto(f"http://127.0.0.1:{port}")
            page.get_by_text("without a password, so it shows nothing").wait_for()
            assert page.get_by_text("trains and tunes models").count() == 0
            assert page.locator('input[type="file"]').count() == 0
        finally:
            os.killpg(proc.pid, 15)
            proc.wait(timeout=20)
