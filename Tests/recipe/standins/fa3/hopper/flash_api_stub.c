/* Stand-in for Flash Attention 3's CUDA extension: a CPython module with nothing in it. */
#include <Python.h>

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_C", "stand-in", -1, NULL};

PyMODINIT_FUNC PyInit__C(void) { return PyModule_Create(&module); }
