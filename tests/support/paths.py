"""Where the checkout's folders are, for tests that read its samples and notebooks."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data_samples"
NOTEBOOKS = ROOT / "notebooks"
