"""Package layout only; every dependency and setting lives in pyproject.toml.

The analysts' notebooks (``notebooks/``) and the sample clinics (``data_samples/``) stay
at the top of the repository, where people open them, and ship inside the package as
``clinicvalue.notebooks`` and ``clinicvalue.samples``: one copy of each in the repo.
"""

from setuptools import find_packages, setup

setup(
    packages=[
        *find_packages(include=["clinicvalue", "clinicvalue.*"]),
        "clinicvalue.notebooks",
        "clinicvalue.samples",
    ],
    package_dir={"clinicvalue.notebooks": "notebooks", "clinicvalue.samples": "data_samples"},
    package_data={
        "clinicvalue": ["py.typed"],
        "clinicvalue.templates": ["*.css", "*.html"],
        "clinicvalue.schemas": ["*.json"],
        "clinicvalue.notebooks": ["*.ipynb"],
        "clinicvalue.samples": ["README.md", "*/*.csv", "*/*.toml"],
    },
)
