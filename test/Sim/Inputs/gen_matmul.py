#!/usr/bin/env python3
"""Prints an nc kernel for C[M, N] = AT[K, M]^T . B[K, N] (bf16 in, fp32
accumulate) tiled for the PE array, the way a compiler would schedule it.

Layout and schedule (defaults: trn2, M = N = K = 512):
  * Inputs are K-major, as the PE array wants them: `at` holds A transposed
    (the stationary operand), `b` the moving operand. Both fit in SBUF and are
    loaded once, each K-tile of 128 rows split by partitions into `--load-split`
    DMAs spread round-robin over all DMA queues, so the loads run in parallel
    and are bound by the core's HBM bandwidth, not one queue's.
  * Output tile (mt, nt) is [128, TN] (TN = min(N, moving_free_max)): K/128
    accumulating matmuls into one PSUM bank, evacuated to SBUF with a cast by
    the Vector or Scalar engine (alternating), then stored by `--store-split`
    DMAs.
  * PSUM banks and SBUF output staging are double-buffered (slot = tile % 2):
    the matmuls of tile t+2 wait for the evacuation of tile t to free the PSUM
    bank, and the evacuation of tile t+2 waits for the stores of tile t to
    free the staging buffer. Each slot has its own semaphores so counts stay
    in order even though the two evacuation engines finish out of order.

Semaphores: load[kt] (one per K-tile), mm (PE results, in order),
evac[slot], store[slot].
"""
import argparse
import sys


def ap_sbuf(space, p0, np_, off, n, dt):
    return f"#nc.ap<{space}[{p0}, {np_}] at {off} dims [{n}] strides [1] : {dt}>"


def ap_hbm(t, rows, rowstride, off, n, dt):
    return f"#nc.ap<hbm @{t}[{rows} x {rowstride}] at {off} dims [{n}] strides [1] : {dt}>"


def attrs(queue=None, wait=(), signal=(), extra=()):
    a = list(extra)
    if queue:
        a.append(f'queue = #nc.queue<{queue}>')
    if wait:
        a.append("wait = array<i64: " + ", ".join(f"{s}, {c}" for s, c in wait) + ">")
    if signal:
        a.append("signal = array<i64: " + ", ".join(map(str, signal)) + ">")
    return " {" + ", ".join(a) + "}" if a else ""


def generate(M, N, K, target="trn2", out_dt="bf16", load_split=2, store_split=4,
             dma_queues=16, rows=128, cols=128, moving_max=512, bank_bytes=2048):
    assert M % cols == 0 and K % rows == 0
    TN = min(N, moving_max)
    assert N % TN == 0 and TN * 4 <= bank_bytes
    assert rows % load_split == 0 and cols % store_split == 0
    MT, NT, KT = M // cols, N // TN, K // rows
    ob = {"bf16": 2, "f32": 4}[out_dt]
    # SBUF bytes per partition: AT tiles, B tiles, two output staging slots.
    at_base, b_base = 0, KT * M * 2
    out_base = b_base + KT * N * 2
    # Semaphore ids.
    s_load = list(range(KT))
    s_mm = KT
    s_evac = [KT + 1, KT + 2]
    s_store = [KT + 3, KT + 4]
    nsem = KT + 5

    lines = [f'nc.kernel @matmul_{M}x{N}x{K} target = "{target}" semaphores = {nsem} {{']
    lines.append(f"  nc.tensor input @at : tensor<{K}x{M}xbf16> at 0")
    lines.append(f"  nc.tensor input @b : tensor<{K}x{N}xbf16> at {K * M * 2}")
    lines.append(f"  nc.tensor output @c : tensor<{M}x{N}x{out_dt}> at {K * M * 2 + K * N * 2}")

    q = 0

    def next_queue():
        nonlocal q
        name = f"dma{q % dma_queues}"
        q += 1
        return name

    # Loads, K-tile by K-tile so the first matmuls can start earliest.
    pp = rows // load_split
    for kt in range(KT):
        for name, base, width in (("at", at_base, M), ("b", b_base, N)):
            for j in range(load_split):
                p0 = j * pp
                dst = ap_sbuf("sbuf", p0, pp, base + kt * width * 2, width, "bf16")
                src = ap_hbm(name, pp, width, (kt * rows + p0) * width, width, "bf16")
                lines.append(f"  nc.dma {dst}, {src}" +
                             attrs(next_queue(), signal=[s_load[kt]]))
    per_kt = 2 * load_split

    sp = cols // store_split
    tiles = [(mt, nt) for mt in range(MT) for nt in range(NT)]
    for t, (mt, nt) in enumerate(tiles):
        slot = t % 2
        psum = ap_sbuf("psum", 0, cols, slot * bank_bytes, TN, "f32")
        for kt in range(KT):
            wait = []
            if t == 0:
                wait.append((s_load[kt], per_kt))
            if kt == 0 and t >= 2:  # PSUM bank freed by the evacuation of t-2
                wait.append((s_evac[slot], t // 2))
            st = ap_sbuf("sbuf", 0, rows, at_base + kt * M * 2 + mt * cols * 2, cols, "bf16")
            mv = ap_sbuf("sbuf", 0, rows, b_base + kt * N * 2 + nt * TN * 2, TN, "bf16")
            lines.append(f"  nc.matmul {psum}, {st}, {mv}" +
                         attrs(wait=wait, signal=[s_mm] if kt == KT - 1 else [],
                               extra=["accumulate"] if kt > 0 else []))
        # Evacuate PSUM -> SBUF staging (cast), alternating Vector / Scalar.
        stage = ap_sbuf("sbuf", 0, cols, out_base + slot * TN * ob, TN, out_dt)
        wait = [(s_mm, t + 1)]
        if t >= 2:  # staging buffer freed by the stores of tile t-2
            wait.append((s_store[slot], store_split * (t // 2)))
        lines.append(f"  nc.tensor_copy {stage}, {psum}" +
                     attrs("dve" if slot == 0 else "act", wait=wait, signal=[s_evac[slot]]))
        for j in range(store_split):
            p0 = j * sp
            src = ap_sbuf("sbuf", p0, sp, out_base + slot * TN * ob, TN, out_dt)
            dst = ap_hbm("c", sp, N, (mt * cols + p0) * N + nt * TN, TN, out_dt)
            lines.append(f"  nc.dma {dst}, {src}" +
                         attrs(next_queue(), wait=[(s_evac[slot], t // 2 + 1)],
                               signal=[s_store[slot]]))
    lines.append("}")
    return "\n".join(lines) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--m", type=int, default=512)
    p.add_argument("--n", type=int, default=512)
    p.add_argument("--k", type=int, default=512)
    p.add_argument("--target", default="trn2")
    p.add_argument("--out-dtype", default="bf16", choices=["bf16", "f32"])
    p.add_argument("--load-split", type=int, default=2)
    p.add_argument("--store-split", type=int, default=4)
    a = p.parse_args()
    sys.stdout.write(generate(a.m, a.n, a.k, a.target, a.out_dtype,
                              a.load_split, a.store_split))


if __name__ == "__main__":
    main()
