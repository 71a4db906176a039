"""The Qt-free domain core: models, geometry, metrics, the rubric engine.

Nothing in here touches Qt, SQLite or the file system; callers hand it text and
models and get models back. import-linter enforces the boundary.
"""
