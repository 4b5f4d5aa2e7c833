# lit configuration for muir's FileCheck suites.
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "muir"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["lit.cfg.py", "lit.site.cfg.py", "CMakeLists.txt", "python", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.muir_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%muir_src", config.muir_src_root))
config.substitutions.append(("%muir_obj", config.muir_obj_root))
config.substitutions.append(("%python", config.python_executable))

llvm_config.with_system_environment(["HOME", "TMPDIR"])
llvm_config.use_default_substitutions()

tool_dirs = [config.muir_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(["muir-opt", "muir-run", "muir-sim", "muir-translate"], tool_dirs)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.muir_tools_dir, append_path=True)
