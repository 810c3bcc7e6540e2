"""``python -m concord.cli``: the ``concord`` command."""

from . import main

if __name__ == "__main__":  # pragma: no cover
    main()
