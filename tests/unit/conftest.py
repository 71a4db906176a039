"""Unit tests cover core, store and io, which must work without Qt.

With LABELMATE_BLOCK_QT=1 (set by tests/test_layering.py, which reruns this
folder in a subprocess) any import of PySide6 fails, so a stray Qt import in a
Qt-free layer breaks the run instead of passing silently.
"""

import importlib.abc
import os
import sys


class _QtBlocker(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname == "PySide6" or fullname.startswith("PySide6."):
            raise ImportError(f"{fullname} is blocked: core, store and io must not need Qt")
        return None


if os.environ.get("LABELMATE_BLOCK_QT") == "1":
    sys.meta_path.insert(0, _QtBlocker())

if os.environ.get("LABELMATE_BLOCK_QT") == "1":
    # The rerun under tests/test_code_quality.py checks imports, not edge cases:
    # fewer hypothesis examples keep the whole suite quick.
    from hypothesis import settings

    settings.register_profile("qt-blocked", max_examples=15)
    settings.load_profile("qt-blocked")
