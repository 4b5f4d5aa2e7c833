"""Copies a binary with edits: patch.py IN OUT [OFFSET=HEXBYTES | trunc=N]..."""
import sys

data = bytearray(open(sys.argv[1], "rb").read())
for edit in sys.argv[3:]:
    key, value = edit.split("=")
    if key == "trunc":
        data = data[: int(value, 0)]
    else:
        at = int(key, 0)
        new = bytes.fromhex(value)
        data[at : at + len(new)] = new
open(sys.argv[2], "wb").write(data)
