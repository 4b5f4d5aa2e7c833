# Malformed loops in assembly (run by ../loops.test).
.kernel k target=small semaphores=1
.loop 2
# expected-error @+1 {{nested .loop: loops do not nest (the open one is on line 3)}}
.loop 2

# -----
.kernel k target=small semaphores=1
# expected-error @+1 {{trip count must be at least 1}}
.loop 0

# -----
.kernel k target=small semaphores=1
# expected-error @+1 {{.endloop without a .loop}}
.endloop

# -----
.kernel k target=small semaphores=1
.loop 2
# expected-error @+1 {{empty .loop body}}
.endloop

# -----
.kernel k target=small semaphores=1
# expected-error @+1 {{expected end of line after the trip count, found 'x'}}
.loop 2 x

# -----
.kernel k target=small semaphores=1
# expected-error @+1 {{a 'step' clause outside a .loop}}
dve tensor_copy dst=sbuf[0, 16]+0 {4:1} f32, src=sbuf[0, 16]+64 {4:1} f32 ; step dst=p0+16

# -----
.kernel k target=small semaphores=1
# expected-error @+1 {{a wait count step ('+N') outside a .loop}}
dve nop ; wait s0>=1+1

# -----
.kernel k target=small semaphores=1
.loop 2
# expected-error @+1 {{tensor_copy has no operand 'lhs' to step}}
dve tensor_copy dst=sbuf[0, 16]+0 {4:1} f32, src=sbuf[0, 16]+64 {4:1} f32 ; step lhs=p0+16
.endloop

# -----
.kernel k target=small semaphores=1
.loop 2
# expected-error @+1 {{duplicate step of operand 'dst'}}
dve tensor_copy dst=sbuf[0, 16]+0 {4:1} f32, src=sbuf[0, 16]+64 {4:1} f32 ; step dst=p0+16, dst=p0+16
.endloop

# -----
.kernel k target=small semaphores=1
.loop 2
# expected-error @+1 {{expected '+' or '-' and the offset step, found '16'}}
dve tensor_copy dst=sbuf[0, 16]+0 {4:1} f32, src=sbuf[0, 16]+64 {4:1} f32 ; step dst=p0 16
.endloop

# -----
.kernel k target=small semaphores=1
.loop 2
# expected-error @+1 {{the 'step' clause comes once, before 'wait' and 'signal'}}
dve tensor_copy dst=sbuf[0, 16]+0 {4:1} f32, src=sbuf[0, 16]+64 {4:1} f32 ; wait s0>=1 ; step dst=p0+16
.endloop

# -----
.kernel k target=small semaphores=1
# expected-error @+1 {{.loop without a matching .endloop}}
.loop 2
dve nop
