/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Software virtio PF model: creation and destruction, the backend ops
 * table, the error paths every part shares (fatal device errors, ignored
 * driver errors) and the small query API. The parts, one file each:
 *   model_pci.c    PCI config space
 *   model_bar.c    BAR0: the virtio-pci device (reset, status, queues)
 *   model_dma.c    the DMA region table (the model's IOMMU)
 *   model_aq.c     admin queue, device side (chains, completions)
 *   model_thread.c the device thread (timing model)
 *   model_fault.c  fault injection
 *   model_cmd.c    the admin commands
 *   model_vf.c     VF state, its register image, counters
 *   model_guest.c  the simulated guest of each VF
 *   model_ctx.c    contexts: build, check, apply, diff, digest
 *   model_wr.c     write recording and the ground truth
 *   model_sha256.c SHA-256 for the digest
 * Layouts and decisions: doc/model.md.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>

#include "vpf_pf.h"	/* VPF_ADMIN_QUEUE_SIZE_DEFAULT */
#include "model_internal.h"

VPF_LOG_REGISTER(model);

/* ---------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------ */

/*
 * A fatal device error: the device stops processing the admin queue and
 * sets DEVICE_NEEDS_RESET (virtio 1.x 2.1.1) until the driver resets it.
 */
void
model_fatal(struct vpf_model *m, bool dma, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->last_fault, sizeof(m->last_fault), fmt, ap);
	va_end(ap);
	if (dma)
		m->dma_faults++;
	else
		m->protocol_errors++;
	if (!m->needs_reset)
		MODEL_LOG(ERR, m, "fatal: %s (DEVICE_NEEDS_RESET)",
			  m->last_fault);
	m->needs_reset = true;
}

/* A driver error the device ignores (the access has no effect). */
void
model_protocol_error(struct vpf_model *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->last_fault, sizeof(m->last_fault), fmt, ap);
	va_end(ap);
	m->protocol_errors++;
	MODEL_LOG(WARNING, m, "driver error ignored: %s", m->last_fault);
}

static void
model_poll(void *dev)
{
	struct vpf_model *m = dev;

	if (m == NULL)
		return;
	/* With a device thread: publish what is due, without waiting for
	 * the lock (a spinning driver never slows the device down). */
	if (m->thread_on) {
		model_aq_poll_timed(m);
		return;
	}
	pthread_mutex_lock(&m->lock);
	model_aq_poll(m);
	pthread_mutex_unlock(&m->lock);
}

static int
model_identity(void *dev, char *addr, size_t len, uint64_t *instance)
{
	return vpf_model_identity(dev, addr, len, instance);
}

const struct vpf_pf_ops vpf_model_ops = {
	.name = "model",
	.flags = VPF_OPS_F_IN_PROCESS,
	.cfg_size = model_cfg_size,
	.cfg_read = model_cfg_read,
	.cfg_write = model_cfg_write,
	.bar_size = model_bar_size,
	.bar_read = model_bar_read,
	.bar_write = model_bar_write,
	.dma_alloc = model_dma_alloc,
	.dma_free = model_dma_free,
	.poll = model_poll,
	.identity = model_identity,
};

/* ---------------------------------------------------------------------
 * Identity
 * ------------------------------------------------------------------ */

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "dddd:bb:dd.f" (hex; device 0..1f, function 0..7) into @p out,
 * lowercase. @return 0 or -EINVAL. */
static int
model_bdf_parse(const char *s, char out[16])
{
	static const char shape[] = "xxxx:xx:xx.x";
	unsigned int v[4] = { 0, 0, 0, 0 }, f = 0, i;

	if (strlen(s) != sizeof(shape) - 1)
		return -EINVAL;
	for (i = 0; i < sizeof(shape) - 1; i++) {
		int h;

		if (shape[i] != 'x') {
			if (s[i] != shape[i])
				return -EINVAL;
			f++;
			continue;
		}
		h = hexval(s[i]);
		if (h < 0)
			return -EINVAL;
		v[f] = v[f] * 16 + (unsigned int)h;
	}
	if (v[2] > 0x1f || v[3] > 7)
		return -EINVAL;
	snprintf(out, 16, "%04x:%02x:%02x.%x", v[0], v[1], v[2], v[3]);
	return 0;
}

/* A default address: unique among the models of this process, and across
 * processes unless their ids agree in the low 15 bits. Each model gets
 * two buses of its own, function 0: its VFs (offset 1, stride 1, up to
 * 256 of them) then never take another model's routing ids, so a VF's
 * PCI address names one VF (doc/migration.md, "Journal"). */
static void
model_bdf_default(char out[16])
{
	static unsigned int counter;
	unsigned int n = __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED);

	snprintf(out, 16, "%04x:%02x:00.0",
		 0x8000u | (((unsigned int)getpid() + (n >> 7)) & 0x7fffu),
		 (n & 0x7fu) << 1);
}

/* A random instance number; never 0 (the "no serial number" of VFIO). */
static uint64_t
model_instance_new(void)
{
	static uint64_t counter;
	uint64_t r = 0;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		struct timespec ts;

		/* No entropy yet (early boot): still distinct from every
		 * model of this process, and most likely of others. */
		clock_gettime(CLOCK_REALTIME, &ts);
		r = ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) ^
		    ((uint64_t)getpid() << 40) ^
		    (__atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED) *
		     UINT64_C(0x9e3779b97f4a7c15));
	}
	return r ? r : 1;
}

int
vpf_model_identity(const struct vpf_model *m, char *addr, size_t len,
		   uint64_t *instance)
{
	if (m == NULL || addr == NULL || len == 0)
		return vpf_error(-EINVAL, "model identity: bad arguments");
	if (strlen(m->bdf) >= len) {
		addr[0] = '\0';
		return vpf_error(-ENOSPC, "model identity: %zu bytes are too few",
				 len);
	}
	memcpy(addr, m->bdf, strlen(m->bdf) + 1);
	if (instance != NULL)
		*instance = m->instance;
	return 0;
}

/* ---------------------------------------------------------------------
 * Create / destroy
 * ------------------------------------------------------------------ */

void
vpf_model_params_init(struct vpf_model_params *p)
{
	if (p == NULL)
		return;
	memset(p, 0, sizeof(*p));
	p->name = "model";
	p->num_vfs = 4;
	p->num_qp = 2;
	p->vq_size = 256;
	p->seed = 1;
	p->admin_queue_size = VPF_ADMIN_QUEUE_SIZE_DEFAULT;
	p->guest_mem_size = UINT64_C(1) << 30;
	p->concurrency = 1;
	p->dialect = VPF_DIALECT_DRAFT_2023;
	p->parts_get_limit = 4;
	p->parts_set_limit = 4;
}

struct vpf_model *
vpf_model_create(const struct vpf_model_params *p)
{
	struct vpf_model_params def;
	struct vpf_model *m;
	char bdf[16];
	uint16_t i;

	if (p == NULL) {
		vpf_model_params_init(&def);
		p = &def;
	}
	if (p->num_vfs == 0 || p->num_vfs > 256 || p->num_qp == 0 ||
	    p->num_qp > 128 || !model_is_pow2(p->vq_size) ||
	    p->vq_size > VPF_VRING_MAX_SIZE ||
	    !model_is_pow2(p->admin_queue_size) || p->admin_queue_size > 4096 ||
	    p->guest_mem_size < 4096 || p->guest_mem_size > (UINT64_C(1) << 40) ||
	    (p->guest_mem_size & 4095) != 0) {
		vpf_error(-EINVAL, "model: bad parameters (vfs 1..256, qp "
			  "1..128, vq_size and admin_queue_size powers of 2, "
			  "guest memory 4 KiB..1 TiB in whole pages)");
		errno = EINVAL;
		return NULL;
	}
	if ((p->dialect != VPF_DIALECT_UNKNOWN &&
	     p->dialect != VPF_DIALECT_DRAFT_2023 &&
	     p->dialect != VPF_DIALECT_V14_PARTS) ||
	    (p->dialect == VPF_DIALECT_V14_PARTS &&
	     p->parts_get_limit + p->parts_set_limit == 0)) {
		vpf_error(-EINVAL, "model: bad dialect (draft or 1.4; a 1.4 "
			  "model supports at least one device-parts object)");
		errno = EINVAL;
		return NULL;
	}
	if (p->bdf != NULL && model_bdf_parse(p->bdf, bdf) < 0) {
		vpf_error(-EINVAL, "model: bad PCI address '%s' (dddd:bb:dd.f, "
			  "hex, device 0..1f, function 0..7)", p->bdf);
		errno = EINVAL;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		vpf_error(-ENOMEM, "model: out of memory");
		errno = ENOMEM;
		return NULL;
	}
	m->p = *p;
	if (p->bdf != NULL)
		memcpy(m->bdf, bdf, sizeof(m->bdf));
	else
		model_bdf_default(m->bdf);
	m->p.bdf = m->bdf;
	m->instance = model_instance_new();
	/* More engines than queue entries can never be busy. */
	if (m->p.concurrency == 0)
		m->p.concurrency = 1;
	if (m->p.concurrency > m->p.admin_queue_size)
		m->p.concurrency = m->p.admin_queue_size;
	if (m->p.service_time_us > 0 || m->p.transfer_ns_per_kib > 0)
		m->p.threaded = true;
	snprintf(m->name, sizeof(m->name), "%s", p->name ? p->name : "model");
	m->p.name = m->name;
	pthread_mutex_init(&m->lock, NULL);
	{
		pthread_condattr_t ca;

		/* Due times are CLOCK_MONOTONIC (vpf_now_ns). */
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&m->cv, &ca);
		pthread_condattr_destroy(&ca);
	}

	m->total_vfs = p->num_vfs;
	m->nvq = (uint16_t)(2 * p->num_qp + 1);
	m->iova_next = MODEL_IOVA_BASE;
	m->aq_index = MODEL_PF_NUM_QUEUES;
	m->nq = MODEL_PF_NUM_QUEUES +
		((p->off & VPF_MODEL_OFF_ADMIN_QUEUE) ? 0 : 1);
	for (i = 0; i < MODEL_PF_NUM_QUEUES; i++)
		m->q[i].max_size = MODEL_PF_QUEUE_SIZE;
	m->q[MODEL_PF_NUM_QUEUES].max_size = p->admin_queue_size;

	m->offered = VPF_FEATURE(VPF_F_VERSION_1) |
		VPF_FEATURE(VPF_F_ACCESS_PLATFORM) | VPF_FEATURE(5);
	if (!(p->off & VPF_MODEL_OFF_SR_IOV))
		m->offered |= VPF_FEATURE(VPF_F_SR_IOV);
	if (!(p->off & VPF_MODEL_OFF_RING_RESET))
		m->offered |= VPF_FEATURE(VPF_F_RING_RESET);
	if (!(p->off & VPF_MODEL_OFF_ADMIN_VQ))
		m->offered |= VPF_FEATURE(VPF_F_ADMIN_VQ);

	m->netcfg.mac[0] = 0x52;
	m->netcfg.mac[1] = 0x54;
	m->netcfg.mac[5] = 0x01;
	m->netcfg.status = 1;		/* LINK_UP */
	m->netcfg.max_virtqueue_pairs = 1;
	m->netcfg.mtu = 1500;

	model_cfg_build(m);
	model_queues_reset(m);
	m->config_msix = 0xffff;
	m->enabled_ops = VPF_ADMIN_OPS_LIST;

	if (model_vfs_init(m) != 0 || model_aq_init(m) != 0 ||
	    model_v14_init(m) != 0)
		goto fail;
	if (m->p.threaded && model_thread_start(m) != 0)
		goto fail;
	MODEL_LOG(INFO, m, "created at %s: %u VFs, %u queue pairs, vq size %u%s",
		  m->bdf, m->total_vfs, p->num_qp, p->vq_size,
		  m->p.threaded ? ", device thread" : "");
	return m;
fail:
	model_v14_fini(m);
	model_aq_fini(m);
	model_vfs_fini(m);
	pthread_cond_destroy(&m->cv);
	pthread_mutex_destroy(&m->lock);
	free(m);
	vpf_error(-ENOMEM, "model: out of memory");
	errno = ENOMEM;
	return NULL;
}

void
vpf_model_destroy(struct vpf_model *m)
{
	uint32_t i;

	if (m == NULL)
		return;
	model_thread_stop(m);
	model_v14_fini(m);
	model_aq_fini(m);
	model_vfs_fini(m);
	for (i = 0; i < m->ndma; i++)
		free(m->dma[i].mem);
	free(m->dma);
	pthread_cond_destroy(&m->cv);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

const char *
vpf_model_name(const struct vpf_model *m)
{
	return m ? m->name : "";
}

bool
vpf_model_needs_reset(struct vpf_model *m)
{
	bool r;

	if (m == NULL)
		return false;
	pthread_mutex_lock(&m->lock);
	r = m->needs_reset;
	pthread_mutex_unlock(&m->lock);
	return r;
}

void
vpf_model_surprise_remove(struct vpf_model *m)
{
	if (m == NULL)
		return;
	pthread_mutex_lock(&m->lock);
	/* The function is gone: nothing completes any more, every read
	 * returns all-ones and writes are dropped. */
	m->gone = true;
	m->needs_reset = true;
	snprintf(m->last_fault, sizeof(m->last_fault), "surprise removal");
	pthread_mutex_unlock(&m->lock);
}

const char *
vpf_model_last_fault(struct vpf_model *m)
{
	return m ? m->last_fault : "";
}
