"""Stand-in for Flash Attention 2's flash_attn_interface (linbuild recipe test): the names
applications import, no kernels."""


def _no_kernels(*args, **kwargs):
    raise RuntimeError("stand-in Flash Attention 2: no kernels (linbuild recipe test)")


flash_attn_func = flash_attn_kvpacked_func = flash_attn_qkvpacked_func = _no_kernels
flash_attn_varlen_func = flash_attn_varlen_kvpacked_func = flash_attn_varlen_qkvpacked_func = _no_kernels
flash_attn_with_kvcache = _no_kernels
