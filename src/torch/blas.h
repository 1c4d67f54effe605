/*
 * blas.h: the BLAS libtorch calls (blas.c).  Private to libirx-torch.
 */
#ifndef IRX_TORCH_BLAS_H
#define IRX_TORCH_BLAS_H

#ifdef __cplusplus
extern "C" {
#endif

/* Use N threads in an OpenBLAS, when one is loaded (0: its default). */
void irx_th_blas_set_threads(int n);

#ifdef __cplusplus
}
#endif

#endif
