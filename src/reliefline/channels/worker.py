"""The task worker started beside the demo's web server, and stopped with it."""

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
from collections.abc import Mapping

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    # Linux: the worker gets SIGTERM when its parent (the server) dies, however it dies.
    # Elsewhere the call fails, and Ctrl-C still reaches the whole process group.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def worker_spawn(*, env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Return a running `reliefline worker` child that ends when this process ends.

    The caller may then exec the web server: the child stays the server's child, and
    is told to stop when the server exits.
    """
    return subprocess.Popen(
        [sys.executable, "-m", "reliefline", "worker", "--no-startup-delay"],
        env={**os.environ, **(env or {})},
        preexec_fn=_die_with_parent,
    )
