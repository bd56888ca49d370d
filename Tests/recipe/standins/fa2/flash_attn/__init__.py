"""Stand-in Flash Attention 2 (linbuild recipe test). The build's environment is in _build_env.json."""
__version__ = "@VERSION@"

import flash_attn_2_cuda  # noqa: E402,F401  (the compiled extension loads)

from flash_attn.flash_attn_interface import flash_attn_func  # noqa: E402,F401
