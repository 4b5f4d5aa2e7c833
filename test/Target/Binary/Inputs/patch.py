"""Copies a binary with edits, applied in order:
  patch.py IN OUT [OFFSET=HEXBYTES | trunc=N | del=START:END]..."""
import sys

data = bytearray(open(sys.argv[1], "rb").read())
for edit in sys.argv[3:]:
    key, value = edit.split("=")
    if key == "trunc":
        data = data[: int(value, 0)]
    elif key == "del":
        start, end = (int(v, 0) for v in value.split(":"))
        del data[start:end]
    else:
        at = int(key, 0)
        new = bytes.fromhex(value)
        data[at : at + len(new)] = new
open(sys.argv[2], "wb").write(data)
