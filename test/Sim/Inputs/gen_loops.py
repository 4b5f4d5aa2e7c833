"""Prints one kernel of loops.test, rolled (nc.loop) or written out unrolled.

  gen_loops.py rolled|unrolled [TRIPS [NAME]]

The unrolled form is expanded here, independently of the compiler's code:
iteration k of an instruction adds k * step to the offsets (and partition
starts) and wait counts the loop lists. The kernel streams x through SBUF
(load, exp, store) and multiplies tiles of x by a resident stationary w on
the PE array (the stationary is reused across iterations), with semaphore
counts that grow by one per iteration.
"""
import sys

mode = sys.argv[1]
name = sys.argv[3] if len(sys.argv) > 3 else mode
trips = int(sys.argv[2]) if len(sys.argv) > 2 else 4


def ap(space, off, dims, ty, part=0, parts=128, tensor=None, rows=None):
    if space == "hbm":
        head = f"hbm @{tensor}[{parts} x {rows}]"
    else:
        head = f"{space}[{part}, {parts}]"
    return f"#nc.ap<{head} at {off} dims [{dims}] strides [1] : {ty}>"


# (text with {o0}, {o1}, ... per stepped operand and {w0}... per stepped
# wait, base values, steps); operand steps are (offset) only here.
body = [
    # load tile k of x (512 columns) into SBUF slot k
    ("nc.dma {d}, {s} {{signal = array<i64: 0>}}",
     dict(d=("sbuf", 0, 2048), s=("hbm_x", 0, 512)), {}),
    # exp into a second slot, once the load landed
    ("nc.activation exp {d}, {s} {{wait = array<i64: 0, {w0}>, signal = array<i64: 1>}}",
     dict(d=("sbuf", 16384, 2048), s=("sbuf", 0, 2048)), dict(w0=(1, 1))),
    # store it to y
    ("nc.dma {d}, {s} {{queue = #nc.queue<dma1>, wait = array<i64: 1, {w0}>}}",
     dict(d=("hbm_y", 0, 512), s=("sbuf", 16384, 2048)), dict(w0=(1, 1))),
    # w^T . x tile into PSUM bank k (stationary w stays the same)
    ("nc.matmul {d}, {st}, {mv} {{wait = array<i64: 0, {w0}, 2, 1>, signal = array<i64: 3>}}",
     dict(d=("psum", 0, 2048), st=("sbuf_w", 0, 0), mv=("sbuf", 0, 2048)),
     dict(w0=(1, 1))),
    # copy it out of PSUM and store it to z
    ("nc.tensor_copy {d}, {s} {{wait = array<i64: 3, {w0}>, signal = array<i64: 4>}}",
     dict(d=("sbuf", 32768, 2048), s=("psum", 0, 2048)), dict(w0=(1, 1))),
    ("nc.dma {d}, {s} {{queue = #nc.queue<dma2>, wait = array<i64: 4, {w0}>}}",
     dict(d=("hbm_z", 0, 512), s=("sbuf", 32768, 2048)), dict(w0=(1, 1))),
]


def tile(kind, off):
    if kind == "sbuf":
        return ap("sbuf", off, 512, "f32")
    if kind == "sbuf_w":
        return ap("sbuf", 65536 + off, 128, "f32")
    if kind == "psum":
        return ap("psum", off, 512, "f32")
    name = kind.split("_")[1]
    return ap("hbm", off, 512, "f32", tensor=name, rows=512 * trips)


def inst(k, text, ops, waits):
    vals = {n: tile(kind, base + k * step) for n, (kind, base, step) in ops.items()}
    vals.update({n: base + k * step for n, (base, step) in waits.items()})
    # One location for every tile's instruction, as the compiler gives
    # (muir-nc-roll-loops rolls only instructions of one location).
    return text.format(**vals) + ' loc("tile")'


# operand order of each opcode (the target's schema) for the steps table
order = {"dma": ["d", "s"], "activation": ["d", "s"], "matmul": ["d", "st", "mv"],
         "tensor_copy": ["d", "s"]}
cols = 512 * trips
print(f'nc.kernel @{name} target = "trn2" semaphores = 5 {{')
print(f"  nc.tensor input @x : tensor<128x{cols}xf32> at 0")
print(f"  nc.tensor input @w : tensor<128x128xf32> at {128 * cols * 4}")
print(f"  nc.tensor output @y : tensor<128x{cols}xf32> at {128 * cols * 4 + 65536}")
print(f"  nc.tensor output @z : tensor<128x{cols}xf32> at {2 * 128 * cols * 4 + 65536}")
print("  nc.dma " + ap("sbuf", 65536, 128, "f32") + ", " +
      ap("hbm", 0, 128, "f32", tensor="w", rows=128) +
      ' {queue = #nc.queue<dma3>, signal = array<i64: 2>}')
if mode == "rolled":
    steps, wsteps = [], []
    for i, (text, ops, waits) in enumerate(body):
        mnemonic = text.split()[0].split(".")[1]
        for r, n in enumerate(order[mnemonic]):
            if ops[n][2]:
                steps += [i, r, 0, ops[n][2]]
        if waits:
            wsteps += [i, 0, 1]
    print(f"  nc.loop {trips} steps [{', '.join(map(str, steps))}] "
          f"wait_steps [{', '.join(map(str, wsteps))}] {{")
    for text, ops, waits in body:
        print("    " + inst(0, text, ops, waits))
    print("  }")
else:
    for k in range(trips):
        for text, ops, waits in body:
            print("  " + inst(k, text, ops, waits))
print("}")
