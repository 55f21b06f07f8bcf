"""The task worker started beside the demo's web server, and stopped with it."""

import os
import subprocess
import sys
from collections.abc import Mapping

from reliefline.processes import die_with_parent


def worker_spawn(*, env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Return a running `reliefline worker` child that ends when this process ends.

    The caller may then exec the web server: the child stays the server's child, and
    is told to stop when the server exits.
    """
    return subprocess.Popen(
        [sys.executable, "-m", "reliefline", "worker", "--no-startup-delay"],
        env={**os.environ, **(env or {})},
        preexec_fn=die_with_parent,
    )
