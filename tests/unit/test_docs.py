"""The README stays true: its first commands, every environment variable, every setting."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_commands():
    blocks = re.findall(r"```bash\n(.*?)\n```", README, flags=re.S)
    assert blocks[0].strip() == "pip install -r requirements.txt && streamlit run app.py"
    assert blocks[1].strip() == "python -m pytest"


def test_every_environment_variable_is_documented():
    used = set()
    for path in list((ROOT / "lib").glob("*.py")) + [ROOT / "app.py"]:
        used |= set(re.findall(r"CAREER_CONVERSATIONS_[A-Z_]+", path.read_text("utf-8")))
    assert used, "the code names its environment variables"
    missing = sorted(v for v in used if f"`{v}`" not in README)
    assert not missing, f"not in README: {missing}"


def test_every_streamlit_setting_is_documented():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text("utf-8"))
    names = []
    for section, values in config.items():
        for key, value in values.items():
            if isinstance(value, dict):  # theme.light / theme.dark
                names.append(f"{section}.{key}")
            else:
                names.append(f"{section}.{key}")
    missing = [n for n in names if n not in README]
    assert not missing, f"not in README: {missing}"
