/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * A backend that forwards every op to a real one (the model) and accounts
 * what happens inside it: time (when bench_backend::timed is set), heap
 * allocations (attributed to the device, see bench_alloc.c) and the DMA
 * memory the driver asked for (driver state, whoever backs it).
 *
 * This is what lets vpf-bench split a command's cost into the driver's share
 * and the device's: with the synchronous model the device does all of its
 * work inside bar_write (the doorbell) and poll, so time outside the ops is
 * the driver's own.
 */

#include <stdio.h>
#include <string.h>

#include "vpf_common.h"
#include "vpf_model.h"
#include "vpf_pf.h"

#include "bench.h"

#define ENTER(b) \
	uint64_t t0_ = (b)->timed ? bench_now_ns() : 0; \
	bench_alloc_enter_device()

#define LEAVE(b) \
	do { \
		bench_alloc_leave_device(); \
		(b)->calls++; \
		if ((b)->timed) \
			(b)->ns_inside += bench_now_ns() - t0_; \
	} while (0)

static uint32_t
fw_cfg_size(void *dev)
{
	struct bench_backend *b = dev;
	uint32_t rc;

	ENTER(b);
	rc = b->ops->cfg_size(b->dev);
	LEAVE(b);
	return rc;
}

static int
fw_cfg_read(void *dev, uint32_t off, void *buf, uint32_t len)
{
	struct bench_backend *b = dev;
	int rc;

	ENTER(b);
	rc = b->ops->cfg_read(b->dev, off, buf, len);
	LEAVE(b);
	return rc;
}

static int
fw_cfg_write(void *dev, uint32_t off, const void *buf, uint32_t len)
{
	struct bench_backend *b = dev;
	int rc;

	ENTER(b);
	rc = b->ops->cfg_write(b->dev, off, buf, len);
	LEAVE(b);
	return rc;
}

static int
fw_bar_size(void *dev, uint8_t bar, uint64_t *size)
{
	struct bench_backend *b = dev;
	int rc;

	ENTER(b);
	rc = b->ops->bar_size(b->dev, bar, size);
	LEAVE(b);
	return rc;
}

static int
fw_bar_read(void *dev, uint8_t bar, uint64_t off, unsigned int width,
	    uint64_t *val)
{
	struct bench_backend *b = dev;
	int rc;

	ENTER(b);
	rc = b->ops->bar_read(b->dev, bar, off, width, val);
	LEAVE(b);
	return rc;
}

static int
fw_bar_write(void *dev, uint8_t bar, uint64_t off, unsigned int width,
	     uint64_t val)
{
	struct bench_backend *b = dev;
	int rc;

	ENTER(b);
	rc = b->ops->bar_write(b->dev, bar, off, width, val);
	LEAVE(b);
	return rc;
}

static int
fw_dma_alloc(void *dev, size_t len, size_t align, struct vpf_dma_region *r)
{
	struct bench_backend *b = dev;
	int rc;

	ENTER(b);
	rc = b->ops->dma_alloc(b->dev, len, align, r);
	LEAVE(b);
	if (rc == 0) {
		b->dma_live += (int64_t)r->len;
		b->dma_allocs++;
	}
	return rc;
}

static void
fw_dma_free(void *dev, struct vpf_dma_region *r)
{
	struct bench_backend *b = dev;

	if (r->va != NULL)
		b->dma_live -= (int64_t)r->len;
	ENTER(b);
	b->ops->dma_free(b->dev, r);
	LEAVE(b);
}

static void
fw_poll(void *dev)
{
	struct bench_backend *b = dev;

	if (b->ops->poll == NULL)
		return;
	ENTER(b);
	b->ops->poll(b->dev);
	LEAVE(b);
}

/* The flags are the model's: VPF_OPS_F_IN_PROCESS selects C11 fences. */
const struct vpf_pf_ops bench_backend_ops = {
	.name = "bench(model)",
	.flags = VPF_OPS_F_IN_PROCESS,
	.cfg_size = fw_cfg_size,
	.cfg_read = fw_cfg_read,
	.cfg_write = fw_cfg_write,
	.bar_size = fw_bar_size,
	.bar_read = fw_bar_read,
	.bar_write = fw_bar_write,
	.dma_alloc = fw_dma_alloc,
	.dma_free = fw_dma_free,
	.poll = fw_poll,
};

int
bench_rig_up(struct bench_rig *r, const char *name, uint16_t num_vfs,
	     uint64_t guest_mem)
{
	struct vpf_model_params mp;
	struct vpf_pf_params pp;

	memset(r, 0, sizeof(*r));
	vpf_model_params_init(&mp);
	mp.name = name;
	mp.num_vfs = num_vfs;
	mp.guest_mem_size = guest_mem;
	r->m = bench_model_create(&mp);
	if (r->m == NULL) {
		fprintf(stderr, "vpf-bench: model: %s\n", vpf_last_error());
		return -1;
	}
	r->be.ops = &vpf_model_ops;
	r->be.dev = r->m;
	vpf_pf_params_init(&pp);
	pp.name = name;
	r->pf = vpf_pf_attach(&bench_backend_ops, &r->be, &pp);
	if (r->pf == NULL) {
		fprintf(stderr, "vpf-bench: attach: %s\n", vpf_last_error());
		vpf_model_destroy(r->m);
		r->m = NULL;
		return -1;
	}
	r->num_vfs = vpf_pf_num_vfs(r->pf);
	return 0;
}

void
bench_rig_down(struct bench_rig *r)
{
	vpf_pf_detach(r->pf);
	vpf_model_destroy(r->m);
	r->pf = NULL;
	r->m = NULL;
}
