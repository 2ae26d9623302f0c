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
        "clinicvalue.samples.dental",
        "clinicvalue.samples.general",
    ],
    package_dir={"clinicvalue.notebooks": "notebooks", "clinicvalue.samples": "data_samples"},
    package_data={
        "clinicvalue": ["py.typed"],
        "clinicvalue.templates": ["*.css", "*.html"],
        "clinicvalue.schemas": ["*.json"],
        "clinicvalue.text": ["glossary.toml", "locales/*.toml"],
        "clinicvalue.notebooks": ["*.ipynb"],
        "clinicvalue.samples": ["README.md"],
        "clinicvalue.samples.dental": ["*.csv", "*.toml"],
        "clinicvalue.samples.general": ["*.csv", "*.toml"],
    },
)
