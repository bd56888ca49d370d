"""Stand-in Flash Attention 3 (linbuild recipe test). The build's environment is in _build_env.json."""
from . import _C  # noqa: F401  (the compiled extension loads)
