// RUN: muir-opt %s -split-input-file -verify-diagnostics

// Every rule of the nc.loop verifier, one case each.

nc.kernel @k target = "trn2" {
  // expected-error @+1 {{trip count 0 must be in [1, 2^32 - 1]}}
  nc.loop 0 {
    nc.nop
  }
}

// -----

nc.kernel @k target = "trn2" {
  // expected-error @+1 {{body must hold at least one instruction}}
  nc.loop 2 {
  }
}

// -----

nc.kernel @k target = "trn2" {
  // expected-error @+1 {{steps must list (instruction, operand, partition step, offset step) quadruples, got 3 numbers}}
  nc.loop 2 steps [0, 0, 1] {
    nc.nop
  }
}

// -----

nc.kernel @k target = "trn2" semaphores = 1 {
  // expected-error @+1 {{wait_steps must list (instruction, wait, count step) triples, got 2 numbers}}
  nc.loop 2 wait_steps [0, 0] {
    nc.nop {wait = array<i64: 0, 1>}
  }
}

// -----

nc.kernel @k target = "trn2" {
  nc.loop 2 {
    // expected-error @+1 {{'nc.loop' op expects parent op 'nc.kernel'}}
    nc.loop 2 {
      nc.nop
    }
  }
}

// -----

nc.kernel @k target = "trn2" {
  nc.loop 2 {
    // expected-error @+1 {{'nc.tensor' op expects parent op 'nc.kernel'}}
    nc.tensor input @x : tensor<4xf32> at 0
  }
}

// -----

nc.kernel @k target = "trn2" {
  // expected-error @+1 {{steps entry 0 names instruction 1 but the body has 1}}
  nc.loop 2 steps [1, 0, 0, 4] {
    nc.tensor_copy #nc.ap<sbuf[0, 32] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 32] at 64 dims [4] strides [1] : f32>
  }
}

// -----

nc.kernel @k target = "trn2" {
  // expected-error @+1 {{steps entry 1 (0, 0) is not after the previous one: list each (instruction, operand) once, in increasing order}}
  nc.loop 2 steps [0, 0, 0, 4, 0, 0, 0, 8] {
    nc.tensor_copy #nc.ap<sbuf[0, 32] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 32] at 64 dims [4] strides [1] : f32>
  }
}

// -----

nc.kernel @k target = "trn2" {
  // expected-error @+1 {{steps entry 0 names operand 2 of tensor_copy, which has 2}}
  nc.loop 2 steps [0, 2, 0, 4] {
    nc.tensor_copy #nc.ap<sbuf[0, 32] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 32] at 64 dims [4] strides [1] : f32>
  }
}

// -----

nc.kernel @k target = "trn2" {
  // expected-error @+1 {{steps entry 0 steps operand 'bias', which activation #0 does not have}}
  nc.loop 2 steps [0, 2, 0, 4] {
    nc.activation exp #nc.ap<sbuf[0, 32] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 32] at 64 dims [4] strides [1] : f32>
  }
}

// -----

nc.kernel @k target = "trn2" {
  nc.tensor input @x : tensor<128x512xf32> at 0
  // expected-error @+1 {{steps entry 0 steps the partition start of HBM operand 'src'; HBM tiles step by offset only}}
  nc.loop 2 steps [0, 1, 1, 0] {
    nc.dma #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : f32>, #nc.ap<hbm @x[128 x 512] at 0 dims [512] strides [1] : f32>
  }
}

// -----

nc.kernel @k target = "trn2" {
  // expected-error @+1 {{steps entry 0 moves the matmul dst by 1024 bytes, not a multiple of the 2048-byte PSUM bank}}
  nc.loop 2 steps [0, 0, 0, 1024] {
    nc.matmul #nc.ap<psum[0, 128] at 0 dims [256] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 256 dims [256] strides [1] : bf16>
  }
}

// -----

nc.kernel @k target = "trn2" {
  // expected-error @+1 {{steps entry 0 overflows 64 bits in iteration 2}}
  nc.loop 3 steps [0, 0, 0, 9223372036854775807] {
    nc.tensor_copy #nc.ap<sbuf[0, 32] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 32] at 64 dims [4] strides [1] : f32>
  }
}

// -----

// The last iteration leaves the SBUF partition.
nc.kernel @k target = "trn2" {
  nc.loop 1000 steps [0, 0, 0, 256] {
    // expected-error @+1 {{dst tile in iteration 999 ends at byte 255760 of a SBUF partition of 229376 bytes}}
    nc.tensor_copy #nc.ap<sbuf[0, 32] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 32] at 64 dims [4] strides [1] : f32>
  }
}

// -----

// The last iteration uses partitions past the SBUF's.
nc.kernel @k target = "trn2" {
  nc.loop 5 steps [0, 1, 32, 0] {
    // expected-error @+1 {{src tile in iteration 4 uses partitions [128, 160) but SBUF has 128}}
    nc.tensor_copy #nc.ap<sbuf[0, 32] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 32] at 64 dims [4] strides [1] : f32>
  }
}

// -----

// A negative step runs the first iteration's tile off the start.
nc.kernel @k target = "trn2" {
  nc.loop 3 steps [0, 0, 0, -8] {
    // expected-error @+1 {{dst tile in iteration 2: }}
    nc.tensor_copy #nc.ap<sbuf[0, 32] at 8 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 32] at 64 dims [4] strides [1] : f32>
  }
}

// -----

// The last iteration reads past the end of its HBM tensor.
nc.kernel @k target = "trn2" {
  nc.tensor input @x : tensor<128x512xf32> at 0
  nc.loop 3 steps [0, 1, 0, 256] {
    // expected-error @+1 {{src tile in iteration 2 reads element 65791 of tensor @x, which has 65536}}
    nc.dma #nc.ap<sbuf[0, 128] at 0 dims [256] strides [1] : f32>, #nc.ap<hbm @x[128 x 512] at 0 dims [256] strides [1] : f32>
  }
}

// -----

nc.kernel @k target = "trn2" semaphores = 1 {
  // expected-error @+1 {{wait_steps entry 0 names wait 1 of instruction #0, which has 1}}
  nc.loop 2 wait_steps [0, 1, 1] {
    nc.nop {wait = array<i64: 0, 1>}
  }
}

// -----

nc.kernel @k target = "trn2" semaphores = 1 {
  // expected-error @+1 {{wait_steps entry 0 steps the count of semaphore 0 by -1: steps must be >= 0 and the count stay below 2^32 in iteration 1}}
  nc.loop 2 wait_steps [0, 0, -1] {
    nc.nop {wait = array<i64: 0, 1>}
  }
}

// -----

nc.kernel @k target = "trn2" semaphores = 1 {
  // expected-error @+1 {{wait_steps entry 0 steps the count of semaphore 0 by 4294967295: steps must be >= 0 and the count stay below 2^32 in iteration 1}}
  nc.loop 2 wait_steps [0, 0, 4294967295] {
    nc.nop {wait = array<i64: 0, 1>}
  }
}

// -----

nc.kernel @k target = "trn2" semaphores = 1 {
  // expected-error @+1 {{wait_steps entry 1 (0, 0) is not after the previous one: list each (instruction, wait) once, in increasing order}}
  nc.loop 2 wait_steps [0, 0, 1, 0, 0, 1] {
    nc.nop {wait = array<i64: 0, 1>}
  }
}
