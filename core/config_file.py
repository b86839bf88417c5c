"""Reading a config file a user uploads: validated, or refused with a reason.

Config.from_json already names unknown keys, wrong types and out-of-range values.
This adds what a file brings on top of JSON text: its size, its encoding, and JSON
that Python cannot even parse (nested thousands deep). Nothing is applied here; the
caller swaps the session's config only when this returns.
"""

from __future__ import annotations

from core.config import Config

MAX_BYTES = 100_000  # 100 kB: a real config is under 2 kB
MAX_MESSAGE = 200  # Config quotes the bad value; a 90 kB value must not fill the page


def _short(message: str) -> str:
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 1] + "…"


def config_from_upload(data: bytes) -> Config:
    """The Config in an uploaded file, or a ValueError whose text says what is wrong."""
    if len(data) > MAX_BYTES:
        raise ValueError(
            f"the file is {len(data) / 1000:.1f} kB; a config file may be at most "
            f"{MAX_BYTES // 1000} kB"
        )
    if not data.strip():
        raise ValueError("the file is empty")
    try:
        text = data.decode("utf-8-sig")  # a BOM from Windows editors is harmless
    except UnicodeDecodeError as e:
        raise ValueError(
            f"the file is not UTF-8 text (byte {e.start}): is it really a JSON config?"
        ) from None
    try:
        return Config.from_json(text)
    except ValueError as e:
        raise ValueError(_short(str(e))) from None
    except RecursionError:
        raise ValueError("the JSON is nested far too deeply to be a config") from None
    except TypeError as e:  # defensive: Config reports bad values as ValueError
        raise ValueError(_short(f"the config has a value of the wrong kind ({e})")) from None
