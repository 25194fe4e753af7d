"""Package discovery for the one ``salesim`` namespace (metadata lives in pyproject.toml).

The design card keeps ``simulator/``, ``reports/``, ``training/`` and ``scenarios/`` at the top of
the repository; installed, they are ``salesim.simulator``, ``salesim.reports``, … so that no
top-level name collides with a user's own ``reports/`` folder. pyproject.toml cannot find
packages under a prefix, so this file maps each folder and finds its subpackages.
"""

from setuptools import find_packages, setup

FOLDERS = ("simulator", "reports", "training", "scenarios")

package_dir = {"salesim": "salesim"} | {f"salesim.{folder}": folder for folder in FOLDERS}
packages = ["salesim"] + [f"salesim.{folder}{sub}" for folder in FOLDERS
                          for sub in ["", *(f".{p}" for p in find_packages(folder))]]

setup(package_dir=package_dir, packages=packages)
