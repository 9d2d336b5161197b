"""The README's "Production" section documents every environment variable the settings read."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_variable_the_settings_read_is_in_the_production_section():
    settings = (ROOT / "governance" / "settings.py").read_text()
    read = set(re.findall(r'env_[a-z]+\(\s*"([A-Z_]+)"', settings))
    assert len(read) > 25
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Production", 1)[1].split("\n## ", 1)[0]
    missing = sorted(name for name in read if f"`{name}`" not in section)
    assert missing == []


def test_the_gunicorn_variables_are_documented_too():
    config = (ROOT / "governance" / "gunicorn_conf.py").read_text()
    read = set(re.findall(r'environ\.get\("([A-Z_]+)"', config))
    section = (ROOT / "README.md").read_text().split("## Production", 1)[1]
    assert read and all(f"`{name}`" in section for name in read)
