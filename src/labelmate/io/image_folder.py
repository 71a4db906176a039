"""Import a folder of images: one task per image, nothing annotated yet.

Images are found recursively, hidden files and folders skipped, and ordered the
way a person would number them (`img2` before `img10`) so task numbers match
what the annotator sees in a file browser. Each task's data holds the image path
relative to the media root under the key the project's first `<Image>` reads
(`image` by default), which is also its external id, so re-importing the folder
finds the same tasks. Sizes are read from the file header with EXIF orientation
applied (formats.md §8 pitfall 4); an image that cannot be read is kept with a
warning, since the annotator may want to see which files are broken.
"""

from __future__ import annotations

from pathlib import Path

from labelmate.core.errors import InputError, Location
from labelmate.io.interchange import ImportedTask, ReadContext, ReadResult
from labelmate.io.media import IMAGE_SUFFIXES, is_image_file
from labelmate.io.per_image import ImageTargets, list_files, natural_key, resolve_beside

__all__ = ["natural_key", "read_image_folder"]


def read_image_folder(path: Path, ctx: ReadContext) -> ReadResult:
    """One ImportedTask per image under `path` (or for `path` itself if it is an image)."""
    if path.is_file():
        if not is_image_file(path):
            raise InputError(
                f"{path.name} is not an image ({', '.join(sorted(IMAGE_SUFFIXES))})",
                Location(file=str(path)),
            )
        files = [path]
    elif path.is_dir():
        files = list_files(path, IMAGE_SUFFIXES)
        if not files:
            raise InputError(
                f"no image files ({', '.join(sorted(IMAGE_SUFFIXES))}) found in {path}",
                Location(file=str(path)),
            )
    else:
        raise InputError(f"{path} does not exist", Location(file=str(path)))

    key = ImageTargets(ctx.interface).image_key
    tasks: list[ImportedTask] = []
    for index, file in enumerate(files):
        task = ImportedTask(index=index, source=str(file), data={})
        ref = resolve_beside(ctx.media, file.parent, file.name)
        if ref.refused or ref.relative is None:
            task.data = {key: file.name}
            task.refuse(f"{file.name}: {ref.problem}")
        else:
            task.data = {key: ref.relative}
            task.media = ref.relative
            task.external_id = ref.relative
            try:
                task.image_size = ctx.media.image_size(file)
            except OSError as err:
                task.warn(f"cannot read the image, kept without a size: {err}", key)
        tasks.append(task)
        if ctx.progress:
            ctx.progress(index + 1, len(files))
    return ReadResult(tasks=tasks)
