// RUN: muir-opt %s -split-input-file -verify-diagnostics

// Every rule of the nc.section verifier, one case each.

nc.kernel @k target = "small" {
  // expected-error @+1 {{'nc.section' op sbuf must be a byte range [lo, hi] with 0 <= lo <= hi, got 2 numbers [128, 64]}}
  nc.section "k0" sbuf [128, 64] psum [0, 0] {
    nc.nop
  }
}

// -----

nc.kernel @k target = "small" {
  // expected-error @+1 {{'nc.section' op psum must be a byte range [lo, hi] with 0 <= lo <= hi, got 3 numbers}}
  nc.section "k0" sbuf [0, 64] psum [0, 512, 1024] {
    nc.nop
  }
}

// -----

nc.kernel @k target = "small" {
  // expected-error @+1 {{'nc.section' op sbuf range [0, 8192) ends past the 4096 bytes of an SBUF partition (target 'small')}}
  nc.section "k0" sbuf [0, 8192] psum [0, 0] {
    nc.nop
  }
}

// -----

nc.kernel @k target = "small" {
  // expected-error @+1 {{'nc.section' op psum range [0, 4096) ends past the 2048 bytes of a PSUM partition (target 'small')}}
  nc.section "k0" sbuf [0, 0] psum [0, 4096] {
    nc.nop
  }
}

// -----

// A tile outside the section's range (here the block's last 64 bytes are
// not the section's): the block could not be moved as a whole.
nc.kernel @k target = "small" {
  nc.section "k0" sbuf [0, 128] psum [0, 0] {
    // expected-error @+1 {{'nc.activation' op tile at SBUF bytes [128, 192) is outside its section "k0"'s range [0, 128)}}
    nc.activation exp #nc.ap<sbuf[0, 2] at 128 dims [16] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [16] strides [1] : f32>
  }
}

// -----

nc.kernel @k target = "small" {
  nc.section "k0" sbuf [0, 0] psum [0, 512] {
    // expected-error @+1 {{'nc.matmul' op tile at SBUF bytes [0, 8) is outside its section "k0"'s range [0, 0)}}
    nc.matmul #nc.ap<psum[0, 2] at 0 dims [16] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [2] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [16] strides [1] : f32>
  }
}

// -----

nc.kernel @k target = "small" {
  nc.section "k0" sbuf [0, 0] psum [0, 0] {
    // expected-error @+1 {{'nc.tensor' op expects parent op 'nc.kernel'}}
    nc.tensor input @x : tensor<2x4xf32> at 0
  }
}

// -----

nc.kernel @k target = "small" {
  nc.loop 2 {
    // expected-error @+1 {{'nc.section' op expects parent op 'nc.kernel'}}
    nc.section "k0" sbuf [0, 0] psum [0, 0] {
      nc.nop
    }
  }
}
