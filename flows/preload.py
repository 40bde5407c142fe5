"""Imported once by the worker pool's forkserver (``flows.batch``): the compiled kernels
(the separator's and the other stages', numba and its on-disk cache, ~0.5 s of CPU) are
loaded there and the heap frozen before any worker is forked, so no worker pays for
either itself."""

from tasks.tokens import compiled_kernels, stage_kernels

KERNELS = compiled_kernels()
STAGE_KERNELS = stage_kernels()
