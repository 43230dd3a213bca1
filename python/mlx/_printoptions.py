"""The ``printoptions`` context manager of ``mlx.core``."""

import contextlib


def _install(core):
    @contextlib.contextmanager
    def printoptions(**options):
        """Temporarily set print options, e.g. ``precision=4``."""
        old = core.get_printoptions()
        core.set_printoptions(**{**old, **options})
        try:
            yield
        finally:
            core.set_printoptions(**old)

    core.printoptions = printoptions
