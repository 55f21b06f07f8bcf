"""Child processes that end with their parent, however the parent ends.

A SIGKILLed parent runs no cleanup, so children it forked or spawned (the demo's
task worker, an import's row workers) would live on, holding memory and, for a
worker, taking jobs. On Linux the kernel sends them SIGTERM when the parent dies.
"""

import contextlib
import ctypes
import signal

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask the kernel to send this process SIGTERM when its parent dies (Linux only).

    Elsewhere the call fails and nothing changes; Ctrl-C still reaches the whole
    process group.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
