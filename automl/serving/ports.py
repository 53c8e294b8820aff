"""A free TCP port for a server this app starts (the app itself, a deployment's endpoint)."""

from __future__ import annotations

import socket

from automl.errors import ConfigError

__all__ = ["free_port"]


def free_port(host: str = "127.0.0.1", wanted: int = 8000, tries: int = 20) -> int:
    """`wanted`, or the next free port after it (another app, or a second copy of this one, holds it)."""
    for port in range(wanted, wanted + tries):
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((host, port))
            except OSError:
                continue
            return port
    raise ConfigError(f"Ports {wanted} to {wanted + tries - 1} are all taken; choose one with --port.")
