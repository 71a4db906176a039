"""The demo practice pack: seeded, offline practice projects with exact gold.

`labelmate demo` calls `build_demo_pack(dest, seed)`; see `labelmate.demo.pack`.
"""

from labelmate.demo.pack import DemoProject, build_demo_pack

__all__ = ["DemoProject", "build_demo_pack"]
