/* Stand-in for Flash Attention 2's CUDA extension: a CPython module with nothing in it. */
#include <Python.h>

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "flash_attn_2_cuda", "stand-in", -1, NULL};

PyMODINIT_FUNC PyInit_flash_attn_2_cuda(void) { return PyModule_Create(&module); }
