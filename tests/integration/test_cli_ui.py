"""`automl-studio ui` as a desktop user starts it: a plain URL, a free port when the usual one is taken."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.helpers import REPO

pytestmark = pytest.mark.integration


def test_a_taken_port_moves_to_the_next_free_one_and_the_url_is_printed(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        proc = subprocess.Popen([sys.executable, "-m", "automl.cli", "ui", "--port", str(taken), "--workspace",
                                 str(tmp_path / "ws")], cwd=REPO, env=env, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
        try:
            first, second = proc.stderr.readline(), proc.stderr.readline()
            assert first.strip() == f"Port {taken} is taken; using {taken + 1}."
            assert second.strip() == f"AutoML Studio: open http://127.0.0.1:{taken + 1} in your browser"
            deadline = time.time() + 60
            while time.time() < deadline:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{taken + 1}/_stcore/health", timeout=2) as r:
                        assert r.status == 200
                        break
                except OSError:
                    time.sleep(0.5)
            else:
                pytest.fail("the app did not answer on the free port")
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)


def test_stopping_the_launcher_stops_the_app_and_frees_its_port(tmp_path):
    """Issue 29, 9: `kill PID` (SIGTERM) of `automl-studio ui` left the Streamlit server serving the port,
    orphaned; a supervisor that restarts the app then met a busy port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "automl.cli", "ui", "--port", str(port), "--no-browser",
                             "--workspace", str(tmp_path / "ws")], cwd=REPO, stderr=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL)  # not a session of its own: only this pid is signalled
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the app did not start")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) is not None
        deadline = time.time() + 10
        while time.time() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) != 0:
                    break
            time.sleep(0.2)
        else:
            pytest.fail("the port still answers after the launcher was stopped")
    finally:
        if proc.poll() is None:
            proc.kill()
