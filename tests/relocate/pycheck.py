"""pycheck: look inside .pyc files for relocate.test, with Python's own marshal.

  pycheck.py under PREFIX PATH...
      every co_filename of every code object (nested ones too) in the .pyc
      files at or below each PATH lies under PREFIX; prints what it checked,
      exits 1 on a miss or if it found no .pyc at all.
  pycheck.py same OLD NEW BEFORE AFTER
      the two .pyc files (or folders of them) are equal but for co_filename,
      which moved from under OLD to under NEW; str constants keep the old
      value even when marshal shared them with a co_filename.
  pycheck.py tree DIR
      list every file, folder and link below DIR (names as bytes) with its
      mode and SHA-256 or link target, to compare a tree before and after.
  pycheck.py plain PREFIX OUT
      write OUT, a .pyc of a module with many nested code objects whose
      co_filename is PREFIX/lib/mod.py.
  pycheck.py shared PREFIX OUTDIR
      write a.pyc and b.pyc whose co_filename str is shared (marshal
      back-references) with a constant: in a.pyc the constant comes first,
      in b.pyc a nested co_filename does.

Runs on any Python 3.7+ and reads bytecode of its own version only.
"""
import hashlib
import importlib.util
import marshal
import os
import sys
import types

HEADER = 16


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != importlib.util.MAGIC_NUMBER:
        raise SystemExit("%s: not bytecode of this Python" % path)
    return data[:HEADER], marshal.loads(data[HEADER:])


def pycs(path):
    if os.path.isfile(path):
        yield path
        return
    for root, dirs, files in os.walk(path):
        dirs.sort()
        for name in sorted(files):
            if name.endswith(".pyc"):
                yield os.path.join(root, name)


def codes(code):
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from codes(const)


def under(name, prefix):
    return name == prefix or name.startswith(prefix + "/")


def check_under(prefix, paths):
    files = objects = 0
    bad = []
    for top in paths:
        for path in pycs(top):
            files += 1
            for code in codes(load(path)[1]):
                objects += 1
                if not under(code.co_filename, prefix):
                    bad.append("%s: %s (%s)" % (path, code.co_filename, code.co_name))
    for line in bad[:20]:
        print("outside " + line)
    print("%d code objects in %d .pyc files, %d outside %s" % (objects, files, len(bad), prefix))
    return 1 if bad or files == 0 else 0


ATTRS = ("co_argcount", "co_posonlyargcount", "co_kwonlyargcount", "co_nlocals",
         "co_stacksize", "co_flags", "co_code", "co_names", "co_varnames",
         "co_freevars", "co_cellvars", "co_name", "co_qualname", "co_firstlineno",
         "co_lnotab", "co_linetable", "co_exceptiontable")


def same_value(x, y, old, new, where):
    if type(x) is not type(y):
        raise AssertionError("%s: %r became %r" % (where, type(x), type(y)))
    if isinstance(x, types.CodeType):
        want = new + x.co_filename[len(old):] if under(x.co_filename, old) else x.co_filename
        if y.co_filename != want:
            raise AssertionError("%s: co_filename %r, want %r" % (where, y.co_filename, want))
        for attr in ATTRS:
            if attr == "co_lnotab" and hasattr(x, "co_linetable"):
                continue  # deprecated, derived from co_linetable
            if hasattr(x, attr) and getattr(x, attr) != getattr(y, attr):
                raise AssertionError("%s: %s differs" % (where, attr))
        if len(x.co_consts) != len(y.co_consts):
            raise AssertionError("%s: co_consts differ in length" % where)
        for i, (a, b) in enumerate(zip(x.co_consts, y.co_consts)):
            same_value(a, b, old, new, "%s/%s[%d]" % (where, x.co_name, i))
        return 1
    if isinstance(x, tuple):
        if len(x) != len(y):
            raise AssertionError("%s: tuple length differs" % where)
        for i, (a, b) in enumerate(zip(x, y)):
            same_value(a, b, old, new, "%s(%d)" % (where, i))
        return 0
    if x != y and not (x != x and y != y):  # NaN equals NaN here
        raise AssertionError("%s: %r became %r" % (where, x, y))
    return 0


def check_same(old, new, before, after):
    pairs = []
    if os.path.isfile(before):
        pairs.append((before, after))
    else:
        for path in pycs(before):
            pairs.append((path, os.path.join(after, os.path.relpath(path, before))))
    moved = 0
    for a, b in pairs:
        ha, ca = load(a)
        hb, cb = load(b)
        if ha != hb:
            raise AssertionError("%s: header changed" % b)
        same_value(ca, cb, old, new, b)
        moved += sum(1 for c in codes(ca) if under(c.co_filename, old))
    print("%d .pyc files equal but for %d co_filename moved to %s" % (len(pairs), moved, new))
    return 0 if pairs and moved else 1


SOURCE = '''
"""a module with many nested code objects"""
import functools

CONSTANT = ("a", 1, 2.5, 3j, b"bytes", frozenset({"x", "y"}), None, ..., 10 ** 30)


def outer(x):
    def middle(y):
        def inner(z):
            return x + y + z
        return inner
    return middle


class Klass:
    attr = [i * i for i in range(3)]

    def method(self):
        return lambda: {k: v for k, v in zip("ab", (1, 2))}

    @functools.lru_cache()
    def cached(self, n):
        return {n for n in range(n)}


async def coroutine():
    return [x async for x in agen()]


async def agen():
    yield 1


def gen():
    yield from (x for x in range(3))


def fails():
    try:
        raise ValueError("no")
    except ValueError as e:
        raise RuntimeError("yes") from e
    finally:
        pass
'''


def header():
    return importlib.util.MAGIC_NUMBER + b"\0" * (HEADER - 4)


def with_consts(code, consts):
    if hasattr(code, "replace"):
        return code.replace(co_consts=consts)
    return types.CodeType(  # 3.7 has no replace()
        code.co_argcount, code.co_kwonlyargcount, code.co_nlocals, code.co_stacksize,
        code.co_flags, code.co_code, consts, code.co_names, code.co_varnames,
        code.co_filename, code.co_name, code.co_firstlineno, code.co_lnotab,
        code.co_freevars, code.co_cellvars)


def write_shared(prefix, outdir):
    code = compile(SOURCE, prefix + "/lib/mod.py", "exec")
    name = code.co_filename
    first = with_consts(code, (name,) + code.co_consts)
    inner = [c for c in code.co_consts if isinstance(c, types.CodeType)][0]
    nested = with_consts(code, (inner, name) + code.co_consts)
    for fname, c in (("a.pyc", first), ("b.pyc", nested)):
        with open(os.path.join(outdir, fname), "wb") as f:
            f.write(header() + marshal.dumps(c))
    return 0


def write_plain(prefix, out):
    code = compile(SOURCE, prefix + "/lib/mod.py", "exec")
    with open(out, "wb") as f:
        f.write(header() + marshal.dumps(code))
    return 0


def tree(top):
    top = os.fsencode(top)
    out = []
    for root, dirs, files in os.walk(top):
        dirs.sort()
        for name in sorted(dirs + files):
            path = os.path.join(root, name)
            rel = os.path.relpath(path, top)
            st = os.lstat(path)
            if os.path.islink(path):
                what = b"-> " + os.readlink(path)
            elif os.path.isdir(path):
                what = b"dir"
            else:
                with open(path, "rb") as f:
                    what = hashlib.sha256(f.read()).hexdigest().encode()
            out.append(b"%o %s %s\n" % (st.st_mode, rel, what))
    sys.stdout.buffer.write(b"".join(out))
    return 0


def main(argv):
    if len(argv) == 2 and argv[0] == "tree":
        return tree(argv[1])
    if len(argv) >= 3 and argv[0] == "under":
        return check_under(argv[1], argv[2:])
    if len(argv) == 5 and argv[0] == "same":
        return check_same(*argv[1:])
    if len(argv) == 3 and argv[0] == "shared":
        return write_shared(argv[1], argv[2])
    if len(argv) == 3 and argv[0] == "plain":
        return write_plain(argv[1], argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
