/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "harness.h"

#define BAR0_COMMON	0x0000u
#define BAR0_NOTIFY	0x3000u
#define NOTIFY_MULT	4u

struct vpf_model *
h_model(uint32_t off, uint16_t vfs, uint16_t qp)
{
	struct vpf_model_params p;

	vpf_model_params_init(&p);
	p.off = off;
	if (vfs)
		p.num_vfs = vfs;
	if (qp)
		p.num_qp = qp;
	p.guest_mem_size = 64ull << 20;
	return vpf_model_create(&p);
}

uint64_t
h_rd(struct h *h, uint64_t off, unsigned int w)
{
	uint64_t v = 0;

	if (h->ops->bar_read(h->m, 0, BAR0_COMMON + off, w, &v) != 0)
		return UINT64_MAX;
	return v;
}

void
h_wr(struct h *h, uint64_t off, unsigned int w, uint64_t v)
{
	(void)h->ops->bar_write(h->m, 0, BAR0_COMMON + off, w, v);
}

uint8_t
h_status(struct h *h)
{
	return (uint8_t)h_rd(h, VPF_COMMON_STATUS, 1);
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int up(struct h *h, struct vpf_model *m, bool keep);

int
h_up(struct h *h, struct vpf_model *m)
{
	return up(h, m, false);
}

/* LIST_QUERY, then LIST_USE of everything it reported. */
static int
use_all(struct h *h)
{
	struct h_done d;
	uint64_t ops;

	if (h_cmd(h, VPF_ADMIN_OP_LIST_QUERY, 0, NULL, 0, 8, &d) != 0 ||
	    d.status != 0)
		return -7;
	memcpy(&ops, h_res(h, 0) + 8, 8);
	if (h_cmd(h, VPF_ADMIN_OP_LIST_USE, 0, &ops, 8, 0, &d) != 0 ||
	    d.status != 0)
		return -8;
	return 0;
}

int
h_reinit(struct h *h)
{
	int rc = up(h, h->m, true);

	return rc != 0 ? rc : use_all(h);
}

/* Point the (selected) admin queue at the ring and enable it. */
static void
aq_program(struct h *h)
{
	h_wr(h, VPF_COMMON_Q_SELECT, 2, h->aq);
	h_wr(h, VPF_COMMON_Q_SIZE, 2, H_QSIZE);
	h_wr(h, VPF_COMMON_Q_DESC, 8, h->desc_iova);
	h_wr(h, VPF_COMMON_Q_DRIVER, 8, h->avail_iova);
	h_wr(h, VPF_COMMON_Q_DEVICE, 8, h->used_iova);
	h_wr(h, VPF_COMMON_Q_ENABLE, 2, 1);
}

void
h_aq_reenable(struct h *h)
{
	memset(h->ring.va, 0, h->ring.len);
	h->avail = 0;
	h->used_seen = 0;
	aq_program(h);
}

static int
up(struct h *h, struct vpf_model *m, bool keep)
{
	struct vpf_dma_region ring = h->ring, buf = h->buf;
	uint64_t f, want;
	size_t ring_len;
	uint8_t *r;

	memset(h, 0, sizeof(*h));
	h->m = m;
	h->ops = &vpf_model_ops;
	if (keep) {
		h->ring = ring;
		h->buf = buf;
		memset(ring.va, 0, ring.len);
	}
	h_wr(h, VPF_COMMON_STATUS, 1, 0);
	if (h_status(h) != 0)
		return -1;
	h_wr(h, VPF_COMMON_STATUS, 1, VPF_STATUS_ACKNOWLEDGE);
	h_wr(h, VPF_COMMON_STATUS, 1, VPF_STATUS_ACKNOWLEDGE |
	     VPF_STATUS_DRIVER);
	h_wr(h, VPF_COMMON_DFSELECT, 4, 0);
	f = h_rd(h, VPF_COMMON_DF, 4);
	h_wr(h, VPF_COMMON_DFSELECT, 4, 1);
	f |= h_rd(h, VPF_COMMON_DF, 4) << 32;
	want = f & (VPF_FEATURE(VPF_F_VERSION_1) |
		    VPF_FEATURE(VPF_F_ADMIN_VQ) | VPF_FEATURE(VPF_F_SR_IOV) |
		    VPF_FEATURE(VPF_F_RING_RESET) |
		    VPF_FEATURE(VPF_F_ACCESS_PLATFORM));
	h_wr(h, VPF_COMMON_GFSELECT, 4, 0);
	h_wr(h, VPF_COMMON_GF, 4, (uint32_t)want);
	h_wr(h, VPF_COMMON_GFSELECT, 4, 1);
	h_wr(h, VPF_COMMON_GF, 4, (uint32_t)(want >> 32));
	h_wr(h, VPF_COMMON_STATUS, 1, VPF_STATUS_ACKNOWLEDGE |
	     VPF_STATUS_DRIVER | VPF_STATUS_FEATURES_OK);
	if (!(h_status(h) & VPF_STATUS_FEATURES_OK))
		return -2;
	if (!(want & VPF_FEATURE(VPF_F_ADMIN_VQ)))
		return -3;
	h->aq = (uint16_t)h_rd(h, VPF_COMMON_ADM_Q_IDX, 2);
	if (h_rd(h, VPF_COMMON_ADM_Q_NUM, 2) == 0)
		return -4;
	h->qsize = H_QSIZE;
	ring_len = 16 * H_QSIZE + 4096 + 4096;
	if (!keep && h->ops->dma_alloc(m, ring_len, 4096, &h->ring) != 0)
		return -5;
	if (!keep && h->ops->dma_alloc(m, (size_t)H_SLOTS *
				       (H_DATA_MAX + H_RES_MAX), 4096,
				       &h->buf) != 0)
		return -5;
	r = h->ring.va;
	h->desc = (void *)r;
	h->desc_iova = h->ring.iova;
	h->avail_flags = (uint16_t *)(r + 16 * H_QSIZE);
	h->avail_idx = h->avail_flags + 1;
	h->avail_ring = h->avail_flags + 2;
	h->avail_iova = h->ring.iova + 16 * H_QSIZE;
	h->used_idx = (uint16_t *)(r + 16 * H_QSIZE + 4096) + 1;
	h->used_ring = (void *)(r + 16 * H_QSIZE + 4096 + 4);
	h->used_iova = h->avail_iova + 4096;
	aq_program(h);
	h_wr(h, VPF_COMMON_STATUS, 1, VPF_STATUS_ACKNOWLEDGE |
	     VPF_STATUS_DRIVER | VPF_STATUS_FEATURES_OK |
	     VPF_STATUS_DRIVER_OK);
	if (!(h_status(h) & VPF_STATUS_DRIVER_OK))
		return -6;
	return 0;
}

int
h_up_all(struct h *h, struct vpf_model *m)
{
	int rc = h_up(h, m);

	return rc != 0 ? rc : use_all(h);
}

void
h_down(struct h *h)
{
	if (h->m == NULL)
		return;
	h->ops->dma_free(h->m, &h->ring);
	h->ops->dma_free(h->m, &h->buf);
	vpf_model_destroy(h->m);
	h->m = NULL;
}

uint8_t *
h_data(struct h *h, unsigned int s)
{
	return (uint8_t *)h->buf.va + (size_t)s * (H_DATA_MAX + H_RES_MAX);
}

uint8_t *
h_res(struct h *h, unsigned int s)
{
	return h_data(h, s) + H_DATA_MAX;
}

uint64_t
h_data_iova(struct h *h, unsigned int s)
{
	return h->buf.iova + (uint64_t)s * (H_DATA_MAX + H_RES_MAX);
}

uint64_t
h_res_iova(struct h *h, unsigned int s)
{
	return h_data_iova(h, s) + H_DATA_MAX;
}

void
h_post_head(struct h *h, uint16_t head)
{
	h->avail_ring[h->avail % h->qsize] = head;
	h->avail++;
	__atomic_store_n(h->avail_idx, h->avail, __ATOMIC_RELEASE);
}

void
h_post(struct h *h, unsigned int s, uint16_t op, uint16_t group,
       uint64_t member, const void *data, uint32_t dlen, uint32_t rcap)
{
	struct vpf_admin_cmd_hdr hdr;
	uint8_t *b = h_data(h, s);
	uint16_t d0 = (uint16_t)(4 * s);

	memset(&hdr, 0, sizeof(hdr));
	hdr.opcode = op;
	hdr.group_type = group;
	hdr.group_member_id = member;
	memcpy(b, &hdr, sizeof(hdr));
	if (dlen > 0 && data != NULL)
		memcpy(b + sizeof(hdr), data, dlen);
	memset(h_res(h, s), 0xee, 8 + rcap < H_RES_MAX ? 8 + rcap : H_RES_MAX);
	h->desc[d0].addr = h_data_iova(h, s);
	h->desc[d0].len = (uint32_t)sizeof(hdr) + dlen;
	h->desc[d0].flags = VPF_VRING_DESC_F_NEXT;
	h->desc[d0].next = (uint16_t)(d0 + 1);
	h->desc[d0 + 1].addr = h_res_iova(h, s);
	h->desc[d0 + 1].len = 8 + rcap;
	h->desc[d0 + 1].flags = VPF_VRING_DESC_F_WRITE;
	h->desc[d0 + 1].next = 0;
	h_post_head(h, d0);
}

void
h_kick(struct h *h)
{
	(void)h->ops->bar_write(h->m, 0, BAR0_NOTIFY + NOTIFY_MULT * h->aq, 2,
				h->aq);
}

bool
h_used_pending(struct h *h)
{
	h->ops->poll(h->m);
	return __atomic_load_n(h->used_idx, __ATOMIC_ACQUIRE) != h->used_seen;
}

int
h_wait(struct h *h, struct h_done *d, unsigned int slot_hint,
       uint32_t timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;
	struct vpf_vring_used_elem e;
	unsigned int s;

	while (!h_used_pending(h)) {
		if (now_ms() > end)
			return -ETIMEDOUT;
	}
	e = h->used_ring[h->used_seen % h->qsize];
	h->used_seen++;
	memset(d, 0, sizeof(*d));
	d->id = e.id;
	d->used_len = e.len;
	s = e.id / 4 < H_SLOTS ? e.id / 4 : slot_hint;
	if (e.len >= 8) {
		const uint8_t *st = h_res(h, s);

		memcpy(&d->status, st, 2);
		memcpy(&d->qual, st + 2, 2);
		memcpy(&d->output, st + 4, 4);
	}
	return 0;
}

int
h_submit(struct h *h, unsigned int s, uint16_t op, uint16_t group,
	 uint64_t member, const void *data, uint32_t dlen, uint32_t rcap,
	 struct h_done *d, uint32_t timeout_ms)
{
	h_post(h, s, op, group, member, data, dlen, rcap);
	h_kick(h);
	return h_wait(h, d, s, timeout_ms);
}

int
h_cmd(struct h *h, uint16_t op, uint64_t member, const void *data,
      uint32_t dlen, uint32_t rcap, struct h_done *d)
{
	return h_submit(h, 0, op, VPF_ADMIN_GROUP_SRIOV, member, data, dlen,
			rcap, d, 5000);
}

uint16_t
h_mode_set(struct h *h, uint64_t vf, uint8_t mode)
{
	uint8_t data[8] = { mode };
	struct h_done d;

	if (h_cmd(h, VPF_ADMIN_OP_DEV_MODE_SET, vf, data, 8, 0, &d) != 0)
		return 0xffff;
	return d.status;
}

uint16_t
h_mode_get(struct h *h, uint64_t vf, uint8_t *mode)
{
	struct h_done d;

	if (h_cmd(h, VPF_ADMIN_OP_DEV_MODE_GET, vf, NULL, 0, 8, &d) != 0)
		return 0xffff;
	*mode = h_res(h, 0)[8];
	return d.status;
}

uint16_t
h_size_get(struct h *h, uint64_t vf, uint8_t freeze, uint64_t *sz)
{
	uint8_t data[8] = { freeze };
	struct h_done d;

	if (h_cmd(h, VPF_ADMIN_OP_DEV_CTX_SIZE_GET, vf, data, 8, 8, &d) != 0)
		return 0xffff;
	memcpy(sz, h_res(h, 0) + 8, 8);
	return d.status;
}

uint16_t
h_discard(struct h *h, uint64_t vf)
{
	struct h_done d;

	if (h_cmd(h, VPF_ADMIN_OP_DEV_CTX_DISCARD, vf, NULL, 0, 0, &d) != 0)
		return 0xffff;
	return d.status;
}

uint16_t
h_read(struct h *h, uint64_t vf, uint32_t len, void *out, uint32_t *got,
       struct h_done *d)
{
	struct h_done dd;

	if (d == NULL)
		d = &dd;
	if (h_cmd(h, VPF_ADMIN_OP_DEV_CTX_READ, vf, NULL, 0, len, d) != 0)
		return 0xffff;
	*got = d->output;
	if (d->status == 0 && out != NULL && d->output <= len)
		memcpy(out, h_res(h, 0) + 8, d->output);
	return d->status;
}

int
h_read_all(struct h *h, uint64_t vf, uint32_t chunk, uint8_t **buf,
	   size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	uint8_t *b = malloc(cap);
	uint32_t got;

	if (b == NULL)
		return -ENOMEM;
	for (;;) {
		if (n + chunk > cap) {
			uint8_t *nb = realloc(b, cap * 2);

			if (nb == NULL) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
			cap *= 2;
		}
		if (h_read(h, vf, chunk, b + n, &got, NULL) != 0 ||
		    got > chunk) {
			free(b);
			return -EIO;
		}
		n += got;
		if (got < chunk)
			break;
	}
	*buf = b;
	*len = n;
	return 0;
}

uint16_t
h_write(struct h *h, uint64_t vf, const void *data, uint32_t len,
	struct h_done *d)
{
	struct h_done dd;

	if (d == NULL)
		d = &dd;
	if (h_cmd(h, VPF_ADMIN_OP_DEV_CTX_WRITE, vf, data, len, 0, d) != 0)
		return 0xffff;
	return d->status;
}

uint16_t
h_write_all(struct h *h, uint64_t vf, const void *ctx, size_t len,
	    uint32_t chunk)
{
	const uint8_t *p = ctx;
	uint8_t tmp[H_DATA_MAX];
	size_t off = 0;

	while (off < len) {
		size_t n = len - off < chunk ? len - off : chunk;
		uint32_t padded = (uint32_t)((n + 7) & ~(size_t)7);
		uint16_t st;

		memset(tmp, 0, padded);
		memcpy(tmp, p + off, n);
		st = h_write(h, vf, tmp, padded, NULL);
		if (st != 0)
			return st;
		off += n;
	}
	return 0;
}

/* ---------------------------------------------------------------------
 * The shared fixture of the per-area tests
 * ------------------------------------------------------------------ */

struct h H;

int
h_setup(void **state)
{
	(void)state;
	return h_up_all(&H, h_model(0, 4, 2)) == 0 ? 0 : -1;
}

int
h_setup_nolist(void **state)
{
	(void)state;
	return h_up(&H, h_model(0, 4, 2)) == 0 ? 0 : -1;
}

int
h_teardown(void **state)
{
	(void)state;
	h_down(&H);
	return 0;
}

void
h_expect(const struct h_done *d, uint16_t status, uint16_t qual)
{
	assert_int_equal(d->status, status);
	assert_int_equal(d->qual, qual);
}

struct h_done
h_cmd_expect(struct h *h, uint16_t op, uint64_t member, const void *data,
	     uint32_t dlen, uint32_t rcap, uint16_t status, uint16_t qual)
{
	struct h_done d;

	assert_int_equal(h_cmd(h, op, member, data, dlen, rcap, &d), 0);
	h_expect(&d, status, qual);
	return d;
}

uint8_t
h_vf_mode(struct h *h, uint16_t vf)
{
	uint8_t m = 0xff;

	assert_int_equal(vpf_model_vf_mode(h->m, vf, &m), 0);
	return m;
}

uint8_t *
h_vf_ctx(struct h *h, uint16_t vf, size_t *len)
{
	uint8_t *b = malloc(1 << 20);

	assert_non_null(b);
	assert_int_equal(vpf_model_vf_ctx(h->m, vf, b, 1 << 20, len), 0);
	return b;
}

uint8_t *
h_stop_copy(struct h *src, struct h *dst, uint16_t vf, uint32_t chunk,
	    size_t *len)
{
	uint8_t *b;

	assert_int_equal(h_mode_set(src, vf, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_read_all(src, vf, chunk, &b, len), 0);
	assert_int_equal(h_mode_set(dst, vf, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_write_all(dst, vf, b, *len, chunk), 0);
	return b;
}

void
h_activate_expect(struct h *h, uint16_t vf, const uint8_t digest[32])
{
	uint8_t got[32];

	assert_int_equal(h_mode_set(h, vf, VPF_DEV_MODE_ACTIVE), 0);
	assert_int_equal(vpf_model_digest(h->m, vf, got), 0);
	assert_memory_equal(digest, got, 32);
}

void
h_post_big(struct h *h, unsigned int s, uint16_t op, uint16_t group,
	   uint64_t member, const struct vpf_dma_region *r, uint32_t big)
{
	uint16_t d0 = (uint16_t)(4 * s);

	h_post(h, s, op, group, member, NULL, 0, 0);
	/* h_post made (header, status); insert the big readable part. */
	h->avail--;
	h->desc[d0].next = (uint16_t)(d0 + 2);
	h->desc[d0 + 2] = h->desc[d0 + 1];
	h->desc[d0 + 1] = (struct vpf_vring_desc){ r->iova, big,
		VPF_VRING_DESC_F_NEXT, (uint16_t)(d0 + 2) };
	h->desc[d0].next = (uint16_t)(d0 + 1);
	h->avail_ring[h->avail % h->qsize] = d0;
	h->avail++;
	__atomic_store_n(h->avail_idx, h->avail, __ATOMIC_RELEASE);
}
