"""Stand-in Flash Attention 2 (linbuild recipe test). The build's environment is in _build_env.json."""
__version__ = "@VERSION@"

import flash_attn_2_cuda  # noqa: E402,F401  (the compiled extension loads)

# The package's public API, as upstream's flash_attn/__init__.py exports it (v2.8.3).
from flash_attn.flash_attn_interface import (  # noqa: E402,F401
    flash_attn_func,
    flash_attn_kvpacked_func,
    flash_attn_qkvpacked_func,
    flash_attn_varlen_func,
    flash_attn_varlen_kvpacked_func,
    flash_attn_varlen_qkvpacked_func,
    flash_attn_with_kvcache,
)
