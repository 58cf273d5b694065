/* cext_demo._zcheck: a small C extension that links zlib.
 *
 *   crc32(data, start=0) -> int        CRC-32 of a bytes-like object
 *   roundtrip(data) -> (int, bool)     compressed size, and whether
 *                                      decompressing gives data back
 *   zlib_version() -> str              version of the zlib loaded at run time
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static PyObject *
zcheck_crc32(PyObject *self, PyObject *args)
{
	Py_buffer buf;
	unsigned long crc = 0;
	(void)self;
	if (!PyArg_ParseTuple(args, "y*|k", &buf, &crc))
		return NULL;
	const unsigned char *p = buf.buf;
	Py_ssize_t left = buf.len;
	crc &= 0xffffffffUL;
	/* zlib takes uInt lengths: feed large buffers in pieces. */
	while (left > 0) {
		uInt n = left > (Py_ssize_t)UINT_MAX ? UINT_MAX : (uInt)left;
		crc = crc32(crc, p, n);
		p += n;
		left -= n;
	}
	PyBuffer_Release(&buf);
	return PyLong_FromUnsignedLong(crc & 0xffffffffUL);
}

static PyObject *
zcheck_roundtrip(PyObject *self, PyObject *args)
{
	Py_buffer buf;
	(void)self;
	if (!PyArg_ParseTuple(args, "y*", &buf))
		return NULL;
	if ((unsigned long long)buf.len > ULONG_MAX / 2) {
		PyBuffer_Release(&buf);
		PyErr_SetString(PyExc_OverflowError, "data too large");
		return NULL;
	}
	uLong srclen = (uLong)buf.len;
	uLongf zlen = compressBound(srclen);
	uLongf outlen = srclen;
	Bytef *z = malloc(zlen ? zlen : 1);
	Bytef *out = malloc(srclen ? srclen : 1);
	if (z == NULL || out == NULL) {
		free(z);
		free(out);
		PyBuffer_Release(&buf);
		return PyErr_NoMemory();
	}
	int rc = compress2(z, &zlen, buf.buf, srclen, Z_BEST_COMPRESSION);
	int same = 0;
	if (rc == Z_OK) {
		rc = uncompress(out, &outlen, z, zlen);
		same = rc == Z_OK && outlen == srclen && memcmp(out, buf.buf, srclen) == 0;
	}
	free(z);
	free(out);
	PyBuffer_Release(&buf);
	if (rc != Z_OK) {
		PyErr_Format(PyExc_RuntimeError, "zlib error %d", rc);
		return NULL;
	}
	return Py_BuildValue("(kO)", (unsigned long)zlen, same ? Py_True : Py_False);
}

static PyObject *
zcheck_zlib_version(PyObject *self, PyObject *unused)
{
	(void)self;
	(void)unused;
	return PyUnicode_FromString(zlibVersion());
}

static PyMethodDef zcheck_methods[] = {
	{"crc32", zcheck_crc32, METH_VARARGS, "crc32(data, start=0) -> CRC-32 of data"},
	{"roundtrip", zcheck_roundtrip, METH_VARARGS,
	 "roundtrip(data) -> (compressed size, decompressed equals data)"},
	{"zlib_version", zcheck_zlib_version, METH_NOARGS, "zlib_version() -> run-time zlib version"},
	{NULL, NULL, 0, NULL},
};

static struct PyModuleDef zcheck_module = {
	PyModuleDef_HEAD_INIT, "_zcheck", "zlib-linked helpers (vdist test fixture)", -1,
	zcheck_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__zcheck(void)
{
	return PyModule_Create(&zcheck_module);
}
