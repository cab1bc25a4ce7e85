/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Scripted fake virtio PF (see fake_dev.h).
 */

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "fake_dev.h"
#include "vpf_spec.h"

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16;
}

static uint64_t
get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static void
vndr_cap(uint8_t *c, uint8_t next, uint8_t len, uint8_t type, uint32_t off,
	 uint32_t length)
{
	c[0] = VPF_PCI_CAP_ID_VNDR;
	c[1] = next;
	c[2] = len;
	c[3] = type;
	c[4] = 0;	/* BAR 0 */
	put32(c + 8, off);
	put32(c + 12, length);
}

static void
fake_reset_queue(struct fake_dev *fd)
{
	fd->aq_enable = 0;
	fd->last_avail = 0;
	fd->used_idx = 0;
	fd->nheld = 0;
}

void
fake_init(struct fake_dev *fd, uint16_t num_vfs, uint32_t flags)
{
	uint8_t *c;
	uint16_t v;
	uint32_t i;

	memset(fd, 0, sizeof(*fd));
	fd->flags = flags;
	fd->num_vfs = num_vfs;
	fd->next_iova = 0x10000000;
	fd->aq_max = 512;
	fd->aq_size = 512;
	fd->auto_answer = true;
	fd->features = VPF_FEATURE(VPF_F_VERSION_1) | VPF_FEATURE(VPF_F_SR_IOV) |
		       VPF_FEATURE(VPF_F_ACCESS_PLATFORM) | VPF_FEATURE(VPF_F_ADMIN_VQ) |
		       VPF_FEATURE(VPF_F_RING_RESET) | VPF_FEATURE(VPF_NET_F_CTRL_VQ);
	if (flags & FAKE_NO_ADMIN_VQ)
		fd->features &= ~VPF_FEATURE(VPF_F_ADMIN_VQ);
	if (flags & FAKE_NO_RING_RESET)
		fd->features &= ~VPF_FEATURE(VPF_F_RING_RESET);
	fd->enabled = VPF_ADMIN_OPS_LIST;

	c = fd->cfg;
	put16(c + VPF_PCI_VENDOR_ID, VPF_VIRTIO_PCI_VENDOR);
	put16(c + VPF_PCI_DEVICE_ID, VPF_VIRTIO_PCI_DEVICE_NET);
	put16(c + VPF_PCI_STATUS, VPF_PCI_STATUS_CAP_LIST);
	c[VPF_PCI_CAPABILITY_LIST] = (flags & FAKE_CAP_PTR_HDR) ? 0x20 : 0x40;
	vndr_cap(c + 0x40, 0x50, 16, VPF_PCI_CAP_COMMON_CFG, 0,
		 (flags & FAKE_SHORT_COMMON) ? 0x38 :
		 (flags & FAKE_CAP_BOUNDS) ? 0x5000 : 64);
	vndr_cap(c + 0x50, 0x64, 20, VPF_PCI_CAP_NOTIFY_CFG, FAKE_NOTIFY_OFF, 0x1000);
	put32(c + 0x50 + 16, 4);
	vndr_cap(c + 0x64, 0x74, 16, VPF_PCI_CAP_ISR_CFG, 0x2000, 4);
	vndr_cap(c + 0x74, (flags & FAKE_CAP_LOOP) ? 0x40 : 0, 16,
		 VPF_PCI_CAP_DEVICE_CFG, 0x3000, 12);
	/* SR-IOV extended capability at 0x100, last in the list. */
	put32(c + 0x100, VPF_PCI_EXT_CAP_ID_SRIOV | (1u << 16));
	v = (flags & FAKE_VF_DISABLED) ? 0 : VPF_SRIOV_CTRL_VFE | VPF_SRIOV_CTRL_MSE;
	put16(c + 0x100 + VPF_SRIOV_CTRL, v);
	put16(c + 0x100 + VPF_SRIOV_TOTAL_VF, FAKE_MAX_VFS);
	put16(c + 0x100 + VPF_SRIOV_INITIAL_VF, FAKE_MAX_VFS);
	put16(c + 0x100 + VPF_SRIOV_NUM_VF, (flags & FAKE_VF_DISABLED) ? 0 : num_vfs);
	put16(c + 0x100 + VPF_SRIOV_VF_OFFSET, 1);
	put16(c + 0x100 + VPF_SRIOV_VF_STRIDE, 1);

	for (i = 1; i <= FAKE_MAX_VFS; i++) {
		struct fake_vf *f = &fd->vf[i];
		uint32_t j;

		/* Context length deliberately not a multiple of 8. */
		f->ctx_len = 200 + i * 8 + 4;
		for (j = 0; j < f->ctx_len; j++)
			f->ctx[j] = (uint8_t)(i * 31 + j);
	}
}

void
fake_fini(struct fake_dev *fd)
{
	uint32_t i;

	for (i = 0; i < fd->nreg; i++)
		free(fd->reg[i].va);
	fd->nreg = 0;
}

void *
fake_iova(struct fake_dev *fd, uint64_t iova, uint64_t len)
{
	uint32_t i;

	for (i = 0; i < fd->nreg; i++) {
		struct fake_region *r = &fd->reg[i];

		if (iova >= r->iova && iova - r->iova <= r->len &&
		    len <= r->len - (iova - r->iova))
			return (uint8_t *)r->va + (iova - r->iova);
	}
	fd->dma_faults++;
	return NULL;
}

/* ------------------------------------------------------------------------
 * ops
 * --------------------------------------------------------------------- */

static uint32_t
f_cfg_size(void *dev)
{
	(void)dev;
	return 4096;
}

static int
f_cfg_read(void *dev, uint32_t off, void *buf, uint32_t len)
{
	struct fake_dev *fd = dev;

	if (off > 4096 || len > 4096 - off)
		return -ERANGE;
	if (fd->flags & FAKE_GONE)
		memset(buf, 0xff, len);
	else
		memcpy(buf, fd->cfg + off, len);
	return 0;
}

static int
f_cfg_write(void *dev, uint32_t off, const void *buf, uint32_t len)
{
	struct fake_dev *fd = dev;

	if (off > 4096 || len > 4096 - off)
		return -ERANGE;
	memcpy(fd->cfg + off, buf, len);
	return 0;
}

static int
f_bar_size(void *dev, uint8_t bar, uint64_t *size)
{
	(void)dev;
	if (bar != 0)
		return -ENOENT;
	*size = FAKE_BAR_SIZE;
	return 0;
}

static uint64_t
common_read(struct fake_dev *fd, uint64_t off)
{
	bool aq = fd->qsel == FAKE_AQ_INDEX;

	switch (off) {
	case VPF_COMMON_DFSELECT: return fd->dfselect;
	case VPF_COMMON_DF:
		return fd->dfselect < 2 ? (uint32_t)(fd->features >> (32 * fd->dfselect)) : 0;
	case VPF_COMMON_GFSELECT: return fd->gfselect;
	case VPF_COMMON_GF:
		return fd->gfselect < 2 ?
			(uint32_t)(fd->driver_features >> (32 * fd->gfselect)) : 0;
	case VPF_COMMON_NUMQ: return 2;
	case VPF_COMMON_STATUS: return fd->status;
	case VPF_COMMON_Q_SELECT: return fd->qsel;
	case VPF_COMMON_Q_SIZE: return aq ? fd->aq_size : 0;
	case VPF_COMMON_Q_ENABLE: return aq ? fd->aq_enable : 0;
	case VPF_COMMON_Q_NOFF: return fd->qsel;
	case VPF_COMMON_Q_DESC: return aq ? fd->aq_desc : 0;
	case VPF_COMMON_Q_DRIVER: return aq ? fd->aq_avail : 0;
	case VPF_COMMON_Q_DEVICE: return aq ? fd->aq_used : 0;
	case VPF_COMMON_Q_RESET: return aq ? fd->aq_reset : 0;
	case VPF_COMMON_ADM_Q_IDX: return FAKE_AQ_INDEX;
	case VPF_COMMON_ADM_Q_NUM: return (fd->flags & FAKE_NO_ADMIN_QUEUE) ? 0 : 1;
	default: return 0;
	}
}

static void
common_write(struct fake_dev *fd, uint64_t off, uint64_t val)
{
	bool aq = fd->qsel == FAKE_AQ_INDEX;

	switch (off) {
	case VPF_COMMON_DFSELECT: fd->dfselect = (uint32_t)val; break;
	case VPF_COMMON_GFSELECT: fd->gfselect = (uint32_t)val; break;
	case VPF_COMMON_GF:
		if (fd->gfselect < 2) {
			uint64_t m = UINT64_C(0xffffffff) << (32 * fd->gfselect);

			fd->driver_features = (fd->driver_features & ~m) |
					      ((val & 0xffffffff) << (32 * fd->gfselect));
		}
		break;
	case VPF_COMMON_STATUS:
		if (val == 0) {
			fd->resets++;
			fake_reset_queue(fd);
			fd->enabled = VPF_ADMIN_OPS_LIST;
			fd->aq_size = fd->aq_max;
			fd->driver_features = 0;
			if (fd->flags & FAKE_NO_RESET)
				fd->status = VPF_STATUS_ACKNOWLEDGE;
			else
				fd->status = 0;
			break;
		}
		if ((val & VPF_STATUS_FEATURES_OK) && (fd->flags & FAKE_NO_FEATURES_OK))
			val &= ~(uint64_t)VPF_STATUS_FEATURES_OK;
		fd->status = (uint8_t)val;
		break;
	case VPF_COMMON_Q_SELECT: fd->qsel = (uint16_t)val; break;
	case VPF_COMMON_Q_SIZE: if (aq) fd->aq_size = (uint16_t)val; break;
	case VPF_COMMON_Q_ENABLE:
		if (aq && val == 1) {
			fd->aq_enable = 1;
			fd->aq_reset = 0;
		}
		break;
	case VPF_COMMON_Q_DESC: if (aq) fd->aq_desc = val; break;
	case VPF_COMMON_Q_DRIVER: if (aq) fd->aq_avail = val; break;
	case VPF_COMMON_Q_DEVICE: if (aq) fd->aq_used = val; break;
	case VPF_COMMON_Q_RESET:
		if (aq && val == 1) {
			fd->queue_resets++;
			fake_reset_queue(fd);
			fd->aq_reset = 1;
		}
		break;
	default: break;
	}
}

static int
f_bar_read(void *dev, uint8_t bar, uint64_t off, unsigned int width,
	   uint64_t *val)
{
	struct fake_dev *fd = dev;

	if (bar != 0)
		return -ENOENT;
	if (off + width > FAKE_BAR_SIZE || (off & (width - 1)))
		return -EINVAL;
	if (fd->flags & FAKE_GONE) {
		*val = width == 8 ? UINT64_MAX : (UINT64_C(1) << (8 * width)) - 1;
		return 0;
	}
	if (off < 64)
		*val = common_read(fd, off);
	else
		*val = 0;
	if (width < 8)
		*val &= (UINT64_C(1) << (8 * width)) - 1;
	return 0;
}

static int
f_bar_write(void *dev, uint8_t bar, uint64_t off, unsigned int width,
	    uint64_t val)
{
	struct fake_dev *fd = dev;

	if (bar != 0)
		return -ENOENT;
	if (off + width > FAKE_BAR_SIZE || (off & (width - 1)))
		return -EINVAL;
	if (off < 64) {
		common_write(fd, off, val);
		return 0;
	}
	if (off >= FAKE_NOTIFY_OFF && off < FAKE_NOTIFY_OFF + 0x1000) {
		fd->kicks++;
		if (val != FAKE_AQ_INDEX)
			return 0;
		if (fd->on_kick != NULL && fd->on_kick(fd, fd->on_kick_arg))
			return 0;
		if (fd->bad_idx_on_kick) {
			fake_bad_used_idx(fd);
			return 0;
		}
		if (fd->auto_answer)
			fake_process(fd);
	}
	return 0;
}

static int
f_dma_alloc(void *dev, size_t len, size_t align, struct vpf_dma_region *r)
{
	struct fake_dev *fd = dev;
	size_t sz = (len + 4095) & ~(size_t)4095;
	void *va;

	if (fd->nreg == FAKE_MAX_REGIONS)
		return -ENOMEM;
	/* Page aligned, whole pages: a test can mprotect() a region
	 * (dma_watch.c) without touching its neighbours. */
	va = aligned_alloc(align < 4096 ? 4096 : align, sz);
	if (va == NULL)
		return -ENOMEM;
	memset(va, 0, sz);
	r->va = va;
	r->iova = fd->next_iova;
	r->len = len;
	r->cookie = NULL;
	fd->reg[fd->nreg].va = va;
	fd->reg[fd->nreg].iova = r->iova;
	fd->reg[fd->nreg].len = len;
	fd->nreg++;
	fd->next_iova += sz + 0x10000;
	return 0;
}

static void
f_dma_free(void *dev, struct vpf_dma_region *r)
{
	struct fake_dev *fd = dev;
	uint32_t i;

	if (r->va == NULL)
		return;
	for (i = 0; i < fd->nreg; i++) {
		if (fd->reg[i].va == r->va) {
			free(r->va);
			fd->reg[i] = fd->reg[--fd->nreg];
			break;
		}
	}
	r->va = NULL;
}

/* Both tables drive the same device; they differ in how the queue is
 * synchronised (flags) and in who answers (the doorbell, or a poll). */
#define FAKE_OPS_DEVICE \
	.cfg_size = f_cfg_size, .cfg_read = f_cfg_read, .cfg_write = f_cfg_write, \
	.bar_size = f_bar_size, .bar_read = f_bar_read, .bar_write = f_bar_write, \
	.dma_alloc = f_dma_alloc, .dma_free = f_dma_free

const struct vpf_pf_ops fake_ops = {
	.name = "fake",
	.flags = 0,
	FAKE_OPS_DEVICE,
	.poll = NULL,
};

static void
f_poll(void *dev)
{
	struct fake_dev *fd = dev;

	if (fd->auto_answer)
		fake_process(fd);
}

const struct vpf_pf_ops fake_ops_inproc = {
	.name = "fake-inproc",
	.flags = VPF_OPS_F_IN_PROCESS,
	FAKE_OPS_DEVICE,
	.poll = f_poll,
};

/* ------------------------------------------------------------------------
 * Device side of the admin queue
 * --------------------------------------------------------------------- */

int
fake_pop(struct fake_dev *fd, struct fake_req *r)
{
	uint8_t *avail, *desc;
	uint16_t idx, head, id;
	uint32_t n;
	bool seen_w = false;

	if (!fd->aq_enable || (fd->status & VPF_STATUS_DEVICE_NEEDS_RESET))
		return 0;
	avail = fake_iova(fd, fd->aq_avail, 4 + 2u * fd->aq_size);
	desc = fake_iova(fd, fd->aq_desc, 16u * fd->aq_size);
	if (avail == NULL || desc == NULL)
		return -EFAULT;
	idx = get16(avail + 2);
	atomic_thread_fence(memory_order_acquire);
	if (idx == fd->last_avail)
		return 0;
	head = get16(avail + 4 + 2u * (fd->last_avail % fd->aq_size));
	fd->last_avail++;
	memset(r, 0, offsetof(struct fake_req, rd));
	r->opcode = 0xffff;
	r->head = head;
	id = head;
	for (n = 0; n < fd->aq_size; n++) {
		uint8_t *d;
		uint64_t a;
		uint32_t l;
		uint16_t fl;

		if (id >= fd->aq_size)
			return -EINVAL;
		d = desc + 16u * id;
		a = get64(d);
		l = get32(d + 8);
		fl = get16(d + 12);
		if (fl & VPF_VRING_DESC_F_WRITE) {
			seen_w = true;
			if (r->nw < 8) {
				r->w[r->nw].iova = a;
				r->w[r->nw].len = l;
				r->nw++;
			}
			r->wr_len += l;
		} else {
			void *p;

			if (seen_w || r->rd_len + l > sizeof(r->rd))
				return -EINVAL;
			p = fake_iova(fd, a, l);
			if (p == NULL)
				return -EFAULT;
			memcpy(r->rd + r->rd_len, p, l);
			r->rd_len += l;
		}
		if (!(fl & VPF_VRING_DESC_F_NEXT))
			break;
		id = get16(d + 14);
	}
	if (r->rd_len >= 24) {
		r->opcode = get16(r->rd);
		r->group = get16(r->rd + 2);
		r->member = get64(r->rd + 16);
	}
	return 1;
}

void
fake_push_used(struct fake_dev *fd, uint32_t id, uint32_t len)
{
	uint8_t *used = fake_iova(fd, fd->aq_used, 4 + 8u * fd->aq_size);

	if (used == NULL)
		return;
	put32(used + 4 + 8u * (fd->used_idx % fd->aq_size), id);
	put32(used + 8 + 8u * (fd->used_idx % fd->aq_size), len);
	fd->used_idx++;
	atomic_thread_fence(memory_order_release);
	put16(used + 2, fd->used_idx);
}

void
fake_bad_used_idx(struct fake_dev *fd)
{
	uint8_t *used = fake_iova(fd, fd->aq_used, 4);

	if (used == NULL)
		return;
	fd->bad_idx_given++;
	atomic_thread_fence(memory_order_release);
	put16(used + 2, (uint16_t)(fd->used_idx + fd->aq_size + 1u));
}

void
fake_complete(struct fake_dev *fd, const struct fake_req *r, uint16_t st,
	      uint16_t q, uint32_t out, const void *res, uint32_t res_len,
	      uint32_t used_len)
{
	uint8_t hdr[8];
	const uint8_t *src[2] = { hdr, res };
	uint32_t srclen[2] = { 8, res_len };
	uint32_t wi = 0, woff = 0, k;

	put16(hdr, st);
	put16(hdr + 2, q);
	put32(hdr + 4, out);
	for (k = 0; k < 2; k++) {
		uint32_t done = 0;

		while (done < srclen[k] && wi < r->nw) {
			uint32_t room = r->w[wi].len - woff;
			uint32_t n = srclen[k] - done < room ? srclen[k] - done : room;
			uint8_t *p = fake_iova(fd, r->w[wi].iova + woff, n);

			if (p != NULL && n)
				memcpy(p, src[k] + done, n);
			done += n;
			woff += n;
			if (woff == r->w[wi].len) {
				wi++;
				woff = 0;
			}
		}
	}
	fd->answered++;
	fake_push_used(fd, r->head, used_len == UINT32_MAX ? 8 + res_len : used_len);
}

#define OK	VPF_ADMIN_STATUS_OK
#define EINV	VPF_ADMIN_STATUS_EINVAL

static void
fail(struct fake_dev *fd, struct fake_req *r, uint16_t q)
{
	fake_complete(fd, r, EINV, q, 0, NULL, 0, UINT32_MAX);
}

static uint64_t
supported(struct fake_dev *fd)
{
	uint64_t s = VPF_ADMIN_OPS_LIST | VPF_ADMIN_OPS_MIGRATION;

	if (!(fd->flags & FAKE_NO_FIELDS))
		s |= VPF_ADMIN_OP_BIT(VPF_ADMIN_OP_DEV_CTX_FIELDS_QUERY);
	if (!(fd->flags & FAKE_NO_WR))
		s |= VPF_ADMIN_OPS_WRITE_RECORD;
	if (fd->flags & FAKE_V14)
		s |= VPF_ADMIN_OP_BIT(0xe);
	if (fd->flags & FAKE_NO_MIGRATION)
		s &= ~(VPF_ADMIN_OP_BIT(VPF_ADMIN_OP_DEV_CTX_WRITE) |
		       VPF_ADMIN_OP_BIT(VPF_ADMIN_OP_DEV_CTX_DISCARD));
	return s & ~fd->ops_hidden;
}

void
fake_handle(struct fake_dev *fd, struct fake_req *r)
{
	uint32_t posted = r->wr_len >= 8 ? r->wr_len - 8 : 0;
	const uint8_t *data = r->rd + 24;
	uint32_t dlen = r->rd_len >= 24 ? r->rd_len - 24 : 0;
	struct fake_vf *v;
	uint8_t res[512];

	if (r->rd_len < 24 || r->wr_len < 8) {
		fail(fd, r, VPF_ADMIN_SQ_INVALID_FIELD);
		return;
	}
	if (fd->hang_next && (fd->hang_vf == 0 || fd->hang_vf == r->member) &&
	    r->opcode > VPF_ADMIN_OP_LIST_USE) {
		fd->hang_next--;
		if (fd->nheld < 1024)
			fd->held[fd->nheld++] = r->head;
		return;
	}
	if (fd->bad_id_next && r->opcode > VPF_ADMIN_OP_LIST_USE) {
		fd->bad_id_next--;
		fake_push_used(fd, fd->aq_size + 7u, 8);
		return;
	}
	if (fd->eagain_next && r->opcode > VPF_ADMIN_OP_LIST_USE) {
		fd->eagain_next--;
		fd->eagain_given++;
		fake_complete(fd, r, VPF_ADMIN_STATUS_EAGAIN, VPF_ADMIN_SQ_TRYAGAIN,
			      0, NULL, 0, UINT32_MAX);
		return;
	}
	if (r->group != VPF_ADMIN_GROUP_SRIOV || (fd->flags & FAKE_VF_DISABLED)) {
		fail(fd, r, VPF_ADMIN_SQ_INVALID_GROUP);
		return;
	}
	if (r->opcode >= 64 || !(fd->enabled & VPF_ADMIN_OP_BIT(r->opcode)) ||
	    !(supported(fd) & VPF_ADMIN_OP_BIT(r->opcode))) {
		fail(fd, r, VPF_ADMIN_SQ_INVALID_OPCODE);
		return;
	}
	if (r->opcode == VPF_ADMIN_OP_LIST_QUERY) {
		put64(res, supported(fd));
		fake_complete(fd, r, OK, 0, 0, res, 8, UINT32_MAX);
		return;
	}
	if (r->opcode == VPF_ADMIN_OP_LIST_USE) {
		uint64_t u = dlen >= 8 ? get64(data) : 0;

		if (u & ~supported(fd)) {
			fail(fd, r, VPF_ADMIN_SQ_INVALID_FIELD);
			return;
		}
		fd->enabled = u | VPF_ADMIN_OPS_LIST;
		fake_complete(fd, r, OK, 0, 0, NULL, 0, UINT32_MAX);
		return;
	}
	if (r->member == 0 || r->member > fd->num_vfs) {
		fail(fd, r, VPF_ADMIN_SQ_INVALID_MEMBER);
		return;
	}
	v = &fd->vf[r->member];
	switch (r->opcode) {
	case VPF_ADMIN_OP_DEV_MODE_GET:
		res[0] = v->mode;
		fake_complete(fd, r, OK, 0, 0, res, 1, UINT32_MAX);
		break;
	case VPF_ADMIN_OP_DEV_MODE_SET:
		if (dlen < 1 || data[0] > 2) {
			fail(fd, r, VPF_ADMIN_SQ_INVALID_FIELD);
			break;
		}
		if (data[0] != VPF_DEV_MODE_FREEZE &&
		    ((v->rd_pos > 0 && v->rd_pos < v->ctx_len) ||
		     (v->wlen > 0 && v->mode == VPF_DEV_MODE_FREEZE && data[0] != v->mode &&
		      v->wlen % 8))) {
			fail(fd, r, VPF_ADMIN_SQ_INVALID_COMMAND);
			break;
		}
		if (data[0] != v->mode) {
			if (v->mode == VPF_DEV_MODE_FREEZE && v->wlen) {
				memcpy(v->ctx, v->wctx, v->wlen);
				v->ctx_len = v->wlen;
				v->wlen = 0;
			}
			v->mode = data[0];
			v->rd_pos = 0;
		}
		fake_complete(fd, r, OK, 0, 0, NULL, 0, UINT32_MAX);
		break;
	case VPF_ADMIN_OP_DEV_CTX_SIZE_GET:
		if (dlen < 1 || data[0] > 1) {
			fail(fd, r, VPF_ADMIN_SQ_INVALID_FIELD);
			break;
		}
		put64(res, data[0] ? v->ctx_len : v->ctx_len - v->rd_pos);
		fake_complete(fd, r, OK, 0, 0, res, 8, UINT32_MAX);
		break;
	case VPF_ADMIN_OP_DEV_CTX_READ: {
		uint32_t n = v->ctx_len - v->rd_pos;

		if (n > posted)
			n = posted;
		if (posted % 8) {
			fail(fd, r, VPF_ADMIN_SQ_INVALID_FIELD);
			break;
		}
		fake_complete(fd, r, OK, 0, n, v->ctx + v->rd_pos, n, UINT32_MAX);
		v->rd_pos += n;
		break;
	}
	case VPF_ADMIN_OP_DEV_CTX_WRITE:
		if (v->mode != VPF_DEV_MODE_FREEZE) {
			fail(fd, r, VPF_ADMIN_SQ_INVALID_COMMAND);
			break;
		}
		if (v->wlen + dlen > FAKE_CTX_MAX) {
			v->wlen = 0;
			fail(fd, r, VPF_ADMIN_SQ_INVALID_FIELD);
			break;
		}
		memcpy(v->wctx + v->wlen, data, dlen);
		v->wlen += dlen;
		fake_complete(fd, r, OK, 0, 0, NULL, 0, UINT32_MAX);
		break;
	case VPF_ADMIN_OP_DEV_CTX_FIELDS_QUERY: {
		uint32_t n = 0;

		memset(res, 0, 32);
		put16(res, VPF_CTX_DEV_FEATURES);
		put64(res + 8, 8);
		put16(res + 16, VPF_CTX_DEV_CFG);
		put64(res + 24, 12);
		n = posted >= 32 ? 32 : posted / 16 * 16;
		fake_complete(fd, r, OK, 0, 0, res, n, UINT32_MAX);
		break;
	}
	case VPF_ADMIN_OP_DEV_CTX_DISCARD:
		v->rd_pos = 0;
		v->wlen = 0;
		fake_complete(fd, r, OK, 0, 0, NULL, 0, UINT32_MAX);
		break;
	case VPF_ADMIN_OP_DEV_WRITE_RECORD_CAP_QUERY:
		put32(res, fd->wr_cap_custom ? fd->wr_cap_bitmap : 0x1);
		put32(res + 4, fd->wr_cap_custom ? fd->wr_cap_ranges : 4);
		fake_complete(fd, r, OK, 0, 0, res, 8, UINT32_MAX);
		break;
	case VPF_ADMIN_OP_DEV_WRITE_RECORDS_START:
		if (v->wr_on) {
			fail(fd, r, VPF_ADMIN_SQ_INVALID_COMMAND);
			break;
		}
		if (dlen < 16 || get64(data) != 4096) {
			fail(fd, r, VPF_ADMIN_SQ_INVALID_FIELD);
			break;
		}
		v->wr_on = true;
		v->wr_page_size = 4096;
		fake_complete(fd, r, OK, 0, 0, NULL, 0, UINT32_MAX);
		break;
	case VPF_ADMIN_OP_DEV_WRITE_RECORDS_STOP:
		v->wr_on = false;
		v->ndirty = 0;
		fake_complete(fd, r, OK, 0, 0, NULL, 0, UINT32_MAX);
		break;
	case VPF_ADMIN_OP_DEV_WRITE_RECORDS_READ: {
		uint32_t fit = posted / 8, n, i;

		if (!v->wr_on) {
			fail(fd, r, VPF_ADMIN_SQ_INVALID_COMMAND);
			break;
		}
		n = v->ndirty < fit ? v->ndirty : fit;
		if (n > 64)
			n = 64;
		for (i = 0; i < n; i++)
			put64(res + 8 * i, v->dirty[i]);
		memmove(v->dirty, v->dirty + n, (v->ndirty - n) * sizeof(v->dirty[0]));
		v->ndirty -= n;
		fake_complete(fd, r, OK, 0, n, res, 8 * n, UINT32_MAX);
		break;
	}
	default:
		fail(fd, r, VPF_ADMIN_SQ_INVALID_OPCODE);
		break;
	}
}

void
fake_process(struct fake_dev *fd)
{
	struct fake_req *r = &fd->req;
	uint32_t guard;
	int rc;

	for (guard = 0; guard < 4096; guard++) {
		rc = fake_pop(fd, r);
		if (rc <= 0)
			return;
		if (fd->bad_len_next && r->opcode > VPF_ADMIN_OP_LIST_USE) {
			fd->bad_len_next--;
			fake_complete(fd, r, OK, 0, 0, NULL, 0, r->wr_len + 8);
			continue;
		}
		if (fd->dup_next && r->opcode > VPF_ADMIN_OP_LIST_USE) {
			fd->dup_next--;
			fake_handle(fd, r);
			fake_push_used(fd, r->head, 8);
			continue;
		}
		fake_handle(fd, r);
	}
}
