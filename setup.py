"""Package discovery across the two source roots; everything else is in setup.cfg.

`condiviso` lives in `platform/condiviso` (platform/ is a source root, never a package: it would
shadow the standard library's `platform`), the first-party plugins in `plugins/`.
"""

from setuptools import find_packages, setup

setup(
    packages=[
        *find_packages("platform", include=["condiviso", "condiviso.*"]),
        *find_packages(".", include=["plugins", "plugins.*"]),
    ]
)
