"""Imported once by the worker pool's forkserver (``flows.batch``): the separator's compiled
kernels are loaded there (numba and its on-disk cache, ~0.5 s of CPU) and the heap frozen
(``gc.freeze``) before any worker is forked, so no worker pays for either itself."""

from tasks.tokens import compiled_kernels

KERNELS = compiled_kernels()
