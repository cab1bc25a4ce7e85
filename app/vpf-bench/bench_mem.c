/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * Driver state per PF and per VF, measured.
 *
 * A synchronous model PF with 256 VFs is attached through the forwarding
 * backend (bench_ops.c), and its migration layer with vpf_mig_attach().
 * Driver state = the heap bytes libvpf holds after both (counted by the link-time allocator wrappers,
 * bench_alloc.c, at the allocator's usable size, so malloc's rounding is
 * included; allocations inside the model's code are excluded) + the DMA
 * memory the driver asked the backend for (rings, premapped command
 * buffers: driver state whoever backs it).
 *
 * The same is measured with 1 VF. mem_per_vf_bytes is the slope between the
 * two, mem_pf_fixed_bytes the intercept (what a PF costs with no VF), and
 * mem_per_pf_bytes the whole driver state of the PF with 256 VFs attached.
 */

#include <stdio.h>
#include <string.h>

#include "vpf_mig.h"
#include "vpf_model.h"
#include "vpf_pf.h"

#include "bench.h"

static int
attached_bytes(uint16_t num_vfs, int64_t *bytes, int64_t *heap, int64_t *dma,
	       int64_t *mig_heap)
{
	struct vpf_model_params mp;
	struct vpf_pf_params pp;
	struct bench_alloc_counts a0, a1, a2, a3;
	struct vpf_mig_params gp;
	struct vpf_mig *mig;
	struct bench_backend be;
	struct vpf_model *m;
	struct vpf_pf *pf;

	vpf_model_params_init(&mp);
	mp.name = "mem";
	mp.num_vfs = num_vfs;
	mp.guest_mem_size = 1u << 20;
	bench_alloc_enter_device();
	m = bench_model_create(&mp);
	bench_alloc_leave_device();
	if (m == NULL) {
		fprintf(stderr, "vpf-bench: model: %s\n", vpf_last_error());
		return -1;
	}
	memset(&be, 0, sizeof(be));
	be.ops = &vpf_model_ops;
	be.dev = m;
	vpf_pf_params_init(&pp);
	pp.name = "mem";

	bench_alloc_snapshot(&a0);
	pf = vpf_pf_attach(&bench_backend_ops, &be, &pp);
	bench_alloc_snapshot(&a1);
	if (pf == NULL) {
		fprintf(stderr, "vpf-bench: attach: %s\n", vpf_last_error());
		bench_alloc_enter_device();
		vpf_model_destroy(m);
		bench_alloc_leave_device();
		return -1;
	}
	if (vpf_pf_num_vfs(pf) != num_vfs) {
		fprintf(stderr, "vpf-bench: attached %u VFs, wanted %u\n",
			vpf_pf_num_vfs(pf), num_vfs);
		vpf_pf_detach(pf);
		bench_alloc_enter_device();
		vpf_model_destroy(m);
		bench_alloc_leave_device();
		return -1;
	}
	*heap = a1.driver_live - a0.driver_live;
	*dma = be.dma_live;
	/* The migration layer's per-VF state is driver state too. */
	vpf_mig_params_init(&gp);
	mig = vpf_mig_attach(pf, &gp);
	bench_alloc_snapshot(&a3);
	if (mig == NULL) {
		fprintf(stderr, "vpf-bench: vpf_mig_attach: %s\n",
			vpf_last_error());
		vpf_pf_detach(pf);
		bench_alloc_enter_device();
		vpf_model_destroy(m);
		bench_alloc_leave_device();
		return -1;
	}
	*mig_heap = a3.driver_live - a1.driver_live;
	*dma = be.dma_live;
	*bytes = *heap + *mig_heap + *dma;
	vpf_mig_detach(mig);
	vpf_pf_detach(pf);
	bench_alloc_snapshot(&a2);
	if (a2.driver_live != a0.driver_live || be.dma_live != 0)
		bench_note("mem: detach left %lld heap bytes and %lld DMA bytes "
			   "of the driver's behind",
			   (long long)(a2.driver_live - a0.driver_live),
			   (long long)be.dma_live);
	bench_alloc_enter_device();
	vpf_model_destroy(m);
	bench_alloc_leave_device();
	return 0;
}

int
bench_mem(void)
{
	int64_t b1, h1, d1, g1, b256, h256, d256, g256;
	double per_vf;

	if (!bench_alloc_available()) {
		bench_skip("mem_per_vf_bytes", "allocator wrappers not linked");
		bench_skip("mem_per_pf_bytes", "allocator wrappers not linked");
		return 0;
	}
	if (attached_bytes(1, &b1, &h1, &d1, &g1) != 0 ||
	    attached_bytes(256, &b256, &h256, &d256, &g256) != 0)
		return -1;
	per_vf = (double)(b256 - b1) / 255.0;
	bench_metric("mem_per_vf_bytes", per_vf);
	bench_metric("mem_per_pf_bytes", (double)b256);
	bench_metric("mem_pf_fixed_bytes", (double)b1 - per_vf);
	bench_note("mem: 256 VFs: %lld PF heap + %lld migration-layer heap + "
		   "%lld DMA bytes; 1 VF: %lld + %lld + %lld bytes",
		   (long long)h256, (long long)g256, (long long)d256,
		   (long long)h1, (long long)g1, (long long)d1);
	return 0;
}
