"""Typed ids, so a task id cannot be passed where a project id is expected."""

from typing import NewType

ProjectId = NewType("ProjectId", int)
TaskId = NewType("TaskId", int)
AnnotationId = NewType("AnnotationId", int)
