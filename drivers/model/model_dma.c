/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * The model's IOMMU: the table of DMA regions the driver allocated
 * (dma_alloc / dma_free of the backend ops), and every device access to
 * them. An access outside a live region is a DMA fault (doc/model.md,
 * "Admin queue, device side").
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

static struct model_dma *
dma_find(struct vpf_model *m, uint64_t iova)
{
	uint32_t lo = 0, hi = m->ndma;

	/* Regions are allocated with increasing IOVAs: binary search. */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		struct model_dma *d = &m->dma[mid];

		if (iova < d->iova)
			hi = mid;
		else if (iova - d->iova >= d->len)
			lo = mid + 1;
		else
			return d;
	}
	return NULL;
}

void *
model_dma_ptr(struct vpf_model *m, uint64_t iova, uint64_t len)
{
	struct model_dma *d = dma_find(m, iova);

	if (d == NULL || d->mem == NULL)
		return NULL;
	if (len > d->len - (iova - d->iova))
		return NULL;
	return (uint8_t *)d->mem + (iova - d->iova);
}

static void
dma_fault(struct vpf_model *m, const char *what, uint64_t iova, uint64_t len)
{
	struct model_dma *d = dma_find(m, iova);
	const char *why = d == NULL ? "unmapped" :
		d->mem == NULL ? "freed region" : "past the end of its region";

	model_fatal(m, true, "DMA %s fault at IOVA 0x%" PRIx64 " len %" PRIu64
		    " (%s)", what, iova, len, why);
}

int
model_dma_read(struct vpf_model *m, uint64_t iova, void *buf, uint64_t len)
{
	void *p = model_dma_ptr(m, iova, len);

	if (p == NULL) {
		dma_fault(m, "read", iova, len);
		return -EFAULT;
	}
	memcpy(buf, p, len);
	return 0;
}

int
model_dma_write(struct vpf_model *m, uint64_t iova, const void *buf,
		uint64_t len)
{
	void *p = model_dma_ptr(m, iova, len);

	if (p == NULL) {
		dma_fault(m, "write", iova, len);
		return -EFAULT;
	}
	memcpy(p, buf, len);
	return 0;
}

int
model_dma_alloc(void *dev, size_t len, size_t align, struct vpf_dma_region *r)
{
	struct vpf_model *m = dev;
	struct model_dma *d;
	size_t alen;
	void *mem;

	if (m == NULL || r == NULL || len == 0 || align == 0 ||
	    (align & (align - 1)) != 0 || align > 4096)
		return vpf_error(-EINVAL, "model dma_alloc: bad arguments "
				 "(len %zu align %zu)", len, align);
	if (len > (size_t)1 << 32)
		return vpf_error(-ENOMEM, "model dma_alloc: %zu bytes is too "
				 "large", len);
	alen = (len + 4095) & ~(size_t)4095;
	mem = aligned_alloc(4096, alen);
	if (mem == NULL)
		return vpf_error(-ENOMEM, "model dma_alloc: out of memory");
	memset(mem, 0, alen);

	pthread_mutex_lock(&m->lock);
	/* IOVAs and table entries are never reused: refuse rather than let
	 * the next IOVA or the entry count wrap (out of reach in practice,
	 * 2^31 allocations). */
	if (m->iova_next > UINT64_MAX - alen - MODEL_IOVA_GUARD ||
	    (m->ndma == m->dma_cap && m->dma_cap > UINT32_MAX / 2)) {
		pthread_mutex_unlock(&m->lock);
		free(mem);
		return vpf_error(-ENOMEM, "model dma_alloc: IOVA space "
				 "exhausted");
	}
	if (m->ndma == m->dma_cap) {
		uint32_t ncap = m->dma_cap ? m->dma_cap * 2 : 64;
		struct model_dma *nd = realloc(m->dma, ncap * sizeof(*nd));

		if (nd == NULL) {
			pthread_mutex_unlock(&m->lock);
			free(mem);
			return vpf_error(-ENOMEM, "model dma_alloc: out of "
					 "memory");
		}
		m->dma = nd;
		m->dma_cap = ncap;
	}
	d = &m->dma[m->ndma];
	d->iova = m->iova_next;
	d->len = len;
	d->mem = mem;
	m->iova_next += alen + MODEL_IOVA_GUARD;
	r->va = mem;
	r->iova = d->iova;
	r->len = len;
	r->cookie = (void *)(uintptr_t)(m->ndma + 1);
	m->ndma++;
	pthread_mutex_unlock(&m->lock);
	return 0;
}

void
model_dma_free(void *dev, struct vpf_dma_region *r)
{
	struct vpf_model *m = dev;
	uintptr_t idx;

	if (m == NULL || r == NULL || r->va == NULL)
		return;
	pthread_mutex_lock(&m->lock);
	idx = (uintptr_t)r->cookie;
	if (idx == 0 || idx > m->ndma || m->dma[idx - 1].mem != r->va ||
	    m->dma[idx - 1].iova != r->iova) {
		model_protocol_error(m, "dma_free of a region the model did "
				     "not allocate (va %p)", r->va);
		pthread_mutex_unlock(&m->lock);
		return;
	}
	free(m->dma[idx - 1].mem);
	/* The IOVA range stays dead: a later device access faults. */
	m->dma[idx - 1].mem = NULL;
	pthread_mutex_unlock(&m->lock);
	r->va = NULL;
	r->cookie = NULL;
}
