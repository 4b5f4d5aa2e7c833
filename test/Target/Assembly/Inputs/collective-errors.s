# Malformed collective arguments (collectives.test runs this file).
.kernel k target="small-mc" semaphores=1
.tensor x input f32 [4, 8] at 0
# expected-error @+1 {{unknown collective algorithm 'mesh' for 'algorithm'; expected one of ring, tree, ring2d}}
dma0 all_reduce dst=hbm:x[4 x 8]+0 {8:1} f32, src=hbm:x[4 x 8]+0 {8:1} f32, op=add, algorithm=mesh, group_size=2, ranks=[0, 1]

# -----
.kernel k target="small-mc" semaphores=1
.tensor x input f32 [4, 8] at 0
# expected-error @+1 {{expected a rank in [0, 2^31) for 'ranks', found '-1'}}
dma0 all_reduce dst=hbm:x[4 x 8]+0 {8:1} f32, src=hbm:x[4 x 8]+0 {8:1} f32, op=add, algorithm=ring, group_size=2, ranks=[0, -1]

# -----
.kernel k target="small-mc" semaphores=1
.tensor x input f32 [4, 8] at 0
# expected-error @+1 {{expected a rank in [0, 2^31) for 'group_size', found '1.5'}}
dma0 all_gather dst=hbm:x[4 x 8]+0 {8:1} f32, src=hbm:x[4 x 8]+0 {8:1} f32, algorithm=ring, group_size=1.5, ranks=[0]

# -----
.kernel k target="small-mc" semaphores=1
.tensor x input f32 [4, 8] at 0
# expected-error @+1 {{unknown operand or parameter 'coefficients' for send}}
dma0 send src=hbm:x[4 x 8]+0 {8:1} f32, coefficients=[0, 1]

# -----
.kernel k target="small-mc" semaphores=1
.tensor x input f32 [4, 8] at 0
# expected-error @+1 {{send cannot run on queue dve}}
dve send src=hbm:x[4 x 8]+0 {8:1} f32, pairs=[0, 1]

# -----
.kernel k target="small-mc" semaphores=1
.tensor x input f32 [4, 8] at 0
# Well-formed text that breaks a collective rule: the verifier names it.
# expected-error @+1 {{'nc.recv' op rank 1 is the target of more than one pair}}
dma0 recv dst=hbm:x[4 x 8]+0 {8:1} f32, pairs=[0, 1, 2, 1]
