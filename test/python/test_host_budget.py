"""The compiler refuses, up front and with an error naming the op, a program
whose unrolled instruction list would not fit the host's memory budget (half
of the process's address-space limit or of physical memory), instead of
running out of memory minutes into the lowering."""
import os
import resource
import subprocess
import sys

from conftest import BUILD

MUIR_OPT = BUILD / "bin" / "muir-opt"

WIDE = """func.func @wide(%a: tensor<512x4096xbf16>, %w: tensor<4096x11008xbf16>) -> tensor<512x11008xbf16> {
  %0 = xf.matmul %a, %w : (tensor<512x4096xbf16>, tensor<4096x11008xbf16>) -> tensor<512x11008xbf16>
  return %0 : tensor<512x11008xbf16>
}
"""
SMALL = """func.func @small(%a: tensor<64x64xf32>, %w: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %0 = xf.matmul %a, %w : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
  return %0 : tensor<64x64xf32>
}
"""
LIMIT = 3 << 30  # a 3 GiB address space: a budget of 1.5 GiB


def limited():
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


def opt(tmp_path, text, target="small"):
    src = tmp_path / "prog.mlir"
    src.write_text(text)
    return subprocess.run([str(MUIR_OPT), str(src), f"--muir-compile=target={target}", "-o", "/dev/null"],
                          capture_output=True, text=True, timeout=300, preexec_fn=limited)


def test_unrolled_program_over_budget_is_refused_first(tmp_path):
    # 512 x 4096 x 11008 on the 16 x 16 test array: 1.4 M matmul tiles,
    # about 4 GiB of compiler memory.
    p = opt(tmp_path, WIDE)
    assert p.returncode != 0
    assert "'xf.matmul' op makes the program too large to compile on this host" in p.stderr, p.stderr
    assert "at least 1409024 instructions" in p.stderr and "on target 'small'" in p.stderr
    assert "prog.mlir:2:8" in p.stderr


def test_same_program_fits_a_larger_array(tmp_path):
    # On trn2 (128 x 128, 512-column moving tiles) the same matmul is 2,752 tiles.
    assert opt(tmp_path, WIDE, "trn2").returncode == 0


def test_small_program_under_the_same_limit(tmp_path):
    assert opt(tmp_path, SMALL).returncode == 0


def test_python_compile_raises(tmp_path):
    code = f"""
import resource, muir
resource.setrlimit(resource.RLIMIT_AS, ({LIMIT}, {LIMIT}))
try:
    muir.compile({WIDE!r}, target="small")
except Exception as e:
    print(type(e).__name__, str(e).splitlines()[0] if str(e) else "")
else:
    print("compiled")
"""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BUILD / "python_packages"), env.get("PYTHONPATH")]))
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env)
    assert "too large to compile on this host" in p.stdout, p.stdout + p.stderr
    assert "MemoryError" not in p.stdout
