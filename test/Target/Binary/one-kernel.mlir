// --nc-to-bin and --nc-to-asm need exactly one nc.kernel.
// RUN: muir-translate --nc-to-bin --split-input-file --verify-diagnostics %s
// RUN: muir-translate --nc-to-asm --split-input-file --verify-diagnostics %s

// expected-note @below {{the first one is here}}
nc.kernel @a target = "small" {
}
// expected-error @below {{expected exactly one nc.kernel, found 2}}
nc.kernel @b target = "small" {
}

// -----

// expected-error @below {{expected exactly one nc.kernel, found 0}}
module {
}
