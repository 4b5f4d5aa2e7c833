# Verifier errors inside and after a loop point at their own lines (run by
# ../loops.test): instructions are numbered through loop bodies.
.kernel chunks target=trn2 semaphores=1
.tensor x input f32 [128, 2048] at 0
.tensor y output f32 [128, 2048] at 1048576
.loop 4
# expected-error @+1 {{'nc.dma' op dst tile ends at byte 302048 of a SBUF partition of 229376 bytes}}
dma0  dma           dst=sbuf[0, 128]+300000 {512:1} f32, src=hbm:x[128 x 2048]+0 {512:1} f32, transpose=0 ; step dst=p0+2048, src=p0+512 ; signal s0
dma1  dma           dst=hbm:y[128 x 2048]+0 {512:1} f32, src=sbuf[0, 128]+0 {512:1} f32, transpose=0 ; step dst=p0+512, src=p0+2048 ; wait s0>=1+1
.endloop

# -----
.kernel chunks target=trn2 semaphores=1
.tensor x input f32 [128, 2048] at 0
.tensor y output f32 [128, 2048] at 1048576
.loop 4
dma0  dma           dst=sbuf[0, 128]+0 {512:1} f32, src=hbm:x[128 x 2048]+0 {512:1} f32, transpose=0 ; step dst=p0+2048, src=p0+512 ; signal s0
dma1  dma           dst=hbm:y[128 x 2048]+0 {512:1} f32, src=sbuf[0, 128]+0 {512:1} f32, transpose=0 ; step dst=p0+512, src=p0+2048 ; wait s0>=1+1
.endloop
# expected-error @+1 {{'nc.dma' op dst tile ends at byte 302048 of a SBUF partition of 229376 bytes}}
dma2  dma           dst=sbuf[0, 128]+300000 {512:1} f32, src=hbm:x[128 x 2048]+0 {512:1} f32, transpose=0
