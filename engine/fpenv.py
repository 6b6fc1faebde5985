"""Flush-to-zero for the CPU's float arithmetic in the calling thread (and threads it starts).

Subnormal floats (below ~1.2e-38 in float32) take a slow microcode path on x86 CPUs: once a
network fits its data, gradients, Adam's moments and softmax tails drift into that range and
each operation on them costs tens of cycles more. :func:`flush_to_zero` sets the SSE control
register's FTZ and DAZ bits (results and inputs below the normal range become 0) for the
duration of a ``with`` block, through C's ``fegetenv``/``fesetenv`` (glibc's x86-64 ``fenv_t``
keeps MXCSR in its last word); on other systems it does nothing. Values that small change no
loss or accuracy a person can see; float64 gradient checks never reach them.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import platform
import sys

#: MXCSR's flush-to-zero (bit 15) and denormals-are-zero (bit 6)
FTZ_DAZ = 0x8040
#: glibc's x86-64 fenv_t: 8 unsigned ints, MXCSR the last
FENV_WORDS, MXCSR_WORD = 8, 7


@functools.cache
def _libm():
    """The C maths library when this is Linux on x86-64, else None."""
    if not sys.platform.startswith("linux") or platform.machine() not in ("x86_64", "AMD64"):
        return None
    name = ctypes.util.find_library("m")
    return ctypes.CDLL(name) if name else None


def supported() -> bool:
    return _libm() is not None


@contextlib.contextmanager
def flush_to_zero(enabled: bool = True):
    """Subnormal results and inputs count as 0 in this thread until the block ends."""
    libm = _libm()
    if libm is None or not enabled:
        yield
        return
    saved = (ctypes.c_uint32 * FENV_WORDS)()
    if libm.fegetenv(saved) != 0:
        yield
        return
    env = (ctypes.c_uint32 * FENV_WORDS)(*saved)
    env[MXCSR_WORD] |= FTZ_DAZ
    libm.fesetenv(env)
    try:
        yield
    finally:
        libm.fesetenv(saved)
