/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Scripted 1.4 device (see fake_v14.h).
 */

#include <string.h>

#include "fake_v14.h"
#include "vpf_admin.h"
#include "vpf_parts.h"
#include "vpf_spec.h"

#define OK	VPF_ADMIN_STATUS_OK
#define EINV	VPF_ADMIN_STATUS_EINVAL

static uint16_t
g16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
g32(const uint8_t *p)
{
	return (uint32_t)g16(p) | (uint32_t)g16(p + 2) << 16;
}

static uint64_t
g64(const uint8_t *p)
{
	return (uint64_t)g32(p) | (uint64_t)g32(p + 4) << 32;
}

static void
p64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

#define SRIOV_OPS (VPF_ADMIN_OPS_LIST | VPF_ADMIN_V14_OPS_CAP | \
		   VPF_ADMIN_V14_OPS_PARTS | VPF_ADMIN_OP_BIT(0xb) | \
		   VPF_ADMIN_OP_BIT(0xc))
#define SELF_OPS (VPF_ADMIN_OPS_LIST | VPF_ADMIN_V14_OPS_CAP)

void
fv14_default_parts(struct fv14 *f, uint16_t vf)
{
	struct vpf_parts_builder b;
	struct vpf_parts_vq_cfg q;
	struct vpf_parts_vq_notify nq;
	uint64_t w = 0x130000000ull | vf;
	uint16_t i;

	vpf_parts_builder_init(&b, f->parts[vf], FV14_PARTS_MAX);
	vpf_parts_add_dev_features(&b, &w, 1);
	vpf_parts_add_drv_features(&b, &w, 1);
	vpf_parts_add_status(&b, 0xf);
	for (i = 0; i < 2; i++) {
		memset(&q, 0, sizeof(q));
		q.vq_index = i;
		q.queue_size = 256;
		q.enabled = 1;
		q.desc = 0x100000ull * vf + 0x1000 * i;
		vpf_parts_add_vq_cfg(&b, &q);
	}
	for (i = 0; i < 2; i++) {
		memset(&nq, 0, sizeof(nq));
		nq.vq_index = i;
		nq.queue_notify_off = i;
		vpf_parts_add_vq_notify(&b, &nq);
	}
	f->parts_len[vf] = (uint32_t)vpf_parts_builder_len(&b);
}

uint32_t
fv14_live(const struct fv14 *f)
{
	uint32_t i, n = 0;

	for (i = 0; i < 512; i++)
		n += f->obj[i].live;
	return n;
}

static void
dev_reset(struct fv14 *f)
{
	uint16_t v;

	if (!f->keep_objs_on_reset)
		memset(f->obj, 0, sizeof(f->obj));
	f->drv_get = f->drv_set = 0;
	f->self_enabled = f->sriov_enabled = VPF_ADMIN_OPS_LIST;
	f->self_list_used = false;
	for (v = 0; v <= FV14_MAX_VFS; v++) {
		f->stopped[v] = false;
		f->set_len[v] = 0;
	}
}

static void
st(struct fake_dev *fd, struct fake_req *r, uint16_t s, uint16_t q)
{
	fake_complete(fd, r, s, q, 0, NULL, 0, UINT32_MAX);
}

static void
handle_self(struct fv14 *f, struct fake_req *r, const uint8_t *d, uint32_t dlen,
	    uint32_t posted)
{
	struct fake_dev *fd = f->fd;
	uint8_t res[16];
	uint64_t u;

	f->nself[r->opcode & 31]++;
	if (r->opcode == VPF_ADMIN_OP_LIST_QUERY) {
		if (f->refuse_self_lq) {
			st(fd, r, EINV, VPF_ADMIN_SQ_INVALID_GROUP);
			return;
		}
		p64(res, SELF_OPS);
		fake_complete(fd, r, OK, 0, 0, res, 8, UINT32_MAX);
		return;
	}
	if (r->opcode == VPF_ADMIN_OP_LIST_USE) {
		u = dlen >= 8 ? g64(d) : 0;
		if (u & ~SELF_OPS) {
			st(fd, r, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
			return;
		}
		f->self_enabled = u | VPF_ADMIN_OPS_LIST;
		f->self_list_used = true;
		f->seq_self_use = f->seq;
		st(fd, r, OK, 0);
		return;
	}
	if (r->opcode < 7 || r->opcode > 9) {
		st(fd, r, EINV, VPF_ADMIN_SQ_INVALID_OPCODE);
		return;
	}
	if (!f->self_list_used)
		f->caps_before_self_use = true;
	/* Enabled by the self-group LIST_USE; a device that refuses the
	 * self-group LIST_QUERY takes them enabled by the SR-IOV LIST_USE,
	 * as Linux sends them. */
	if (!((f->refuse_self_lq ? f->sriov_enabled : f->self_enabled) &
	      VPF_ADMIN_OP_BIT(r->opcode))) {
		st(fd, r, EINV, VPF_ADMIN_SQ_INVALID_OPCODE);
		return;
	}
	if (r->member != 0) {
		st(fd, r, EINV, VPF_ADMIN_SQ_INVALID_MEMBER);
		return;
	}
	switch (r->opcode) {
	case 7:
		p64(res, 1);
		fake_complete(fd, r, OK, 0, 0, res, posted < 8 ? posted : 8, UINT32_MAX);
		return;
	case 8:
		if (dlen < 2 || g16(d) != 0) {
			st(fd, r, VPF_ADMIN_STATUS_ENXIO, VPF_ADMIN_SQ_INVALID_FIELD);
			return;
		}
		res[0] = f->get_limit;
		res[1] = f->set_limit;
		if (f->cap_get_short) {
			f->cap_get_short--;
			fake_complete(fd, r, OK, 0, 0, res, 1, UINT32_MAX);
			return;
		}
		fake_complete(fd, r, OK, 0, 0, res, 2, UINT32_MAX);
		return;
	default:
		if (dlen < 10 || g16(d) != 0 || d[8] > f->get_limit ||
		    d[9] > f->set_limit) {
			st(fd, r, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
			return;
		}
		f->drv_get = d[8];
		f->drv_set = d[9];
		st(fd, r, OK, 0);
		return;
	}
}

static struct fv14_obj *
obj_of(struct fv14 *f, const uint8_t *d, uint32_t dlen, uint64_t vf)
{
	uint32_t id;

	if (dlen < 8 || g16(d) != 0)
		return NULL;
	id = g32(d + 4);
	if (id >= 512 || !f->obj[id].live || f->obj[id].vf != vf)
		return NULL;
	return &f->obj[id];
}

static void
handle_sriov(struct fv14 *f, struct fake_req *r, const uint8_t *d, uint32_t dlen,
	     uint32_t posted)
{
	struct fake_dev *fd = f->fd;
	uint16_t vf = (uint16_t)r->member;
	struct fv14_obj *o;
	uint8_t res[FV14_PARTS_MAX + 64];
	uint32_t id, n, i;
	uint64_t u;

	if (r->opcode == VPF_ADMIN_OP_LIST_QUERY) {
		p64(res, SRIOV_OPS);
		fake_complete(fd, r, OK, 0, 0, res, 8, UINT32_MAX);
		return;
	}
	if (r->opcode == VPF_ADMIN_OP_LIST_USE) {
		u = dlen >= 8 ? g64(d) : 0;
		if (u & ~SRIOV_OPS) {
			st(fd, r, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
			return;
		}
		if (u & VPF_ADMIN_V14_OPS_CAP)
			f->caps_on_sriov_use = true;
		f->sriov_enabled = u | VPF_ADMIN_OPS_LIST;
		st(fd, r, OK, 0);
		return;
	}
	if (r->opcode >= 64 || !(f->sriov_enabled & VPF_ADMIN_OP_BIT(r->opcode)) ||
	    (r->opcode >= 7 && r->opcode <= 9)) {
		st(fd, r, EINV, r->opcode >= 7 && r->opcode <= 9 ?
		   VPF_ADMIN_SQ_INVALID_GROUP : VPF_ADMIN_SQ_INVALID_OPCODE);
		return;
	}
	if (vf == 0 || vf > fd->num_vfs || vf > FV14_MAX_VFS) {
		st(fd, r, EINV, VPF_ADMIN_SQ_INVALID_MEMBER);
		return;
	}
	switch (r->opcode) {
	case VPF_ADMIN_V14_OP_RESOURCE_OBJ_CREATE: {
		uint32_t nk = 0;
		uint8_t kind;

		if (dlen < 24 || g16(d) != 0 || g64(d + 8) != 0 || d[16] > 1) {
			st(fd, r, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
			return;
		}
		id = g32(d + 4);
		kind = d[16];
		if (id >= (uint32_t)f->drv_get + f->drv_set) {
			st(fd, r, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
			return;
		}
		if (f->obj[id].live) {
			st(fd, r, VPF_ADMIN_V14_STATUS_EEXIST, 0);
			return;
		}
		for (i = 0; i < 512; i++)
			nk += f->obj[i].live && f->obj[i].kind == kind;
		if (nk >= (kind ? f->drv_set : f->drv_get)) {
			st(fd, r, VPF_ADMIN_STATUS_ENOSPC, 0);
			return;
		}
		f->obj[id].live = true;
		f->obj[id].vf = vf;
		f->obj[id].kind = kind;
		st(fd, r, OK, 0);
		return;
	}
	case VPF_ADMIN_V14_OP_RESOURCE_OBJ_DESTROY:
		o = obj_of(f, d, dlen, vf);
		if (o == NULL) {
			st(fd, r, VPF_ADMIN_STATUS_ENXIO, 0);
			return;
		}
		memset(o, 0, sizeof(*o));
		st(fd, r, OK, 0);
		return;
	case VPF_ADMIN_V14_OP_DEV_PARTS_METADATA_GET: {
		struct vpf_parts_iter it;
		struct vpf_parts_part p;
		size_t w = 0;

		o = obj_of(f, d, dlen, vf);
		if (o == NULL || dlen < 16 || d[8] > 2) {
			st(fd, r, o == NULL ? VPF_ADMIN_STATUS_ENXIO : EINV,
			   VPF_ADMIN_SQ_INVALID_FIELD);
			return;
		}
		memset(res, 0, 16);
		if (d[8] == VPF_PARTS_META_SIZE) {
			res[0] = (uint8_t)f->parts_len[vf];
			res[1] = (uint8_t)(f->parts_len[vf] >> 8);
			fake_complete(fd, r, OK, 0, 0, res, 8,
				      f->meta_short ? 12 : UINT32_MAX);
			if (f->meta_short)
				f->meta_short--;
			if (f->grow_after_size) {
				struct vpf_parts_builder b;
				uint8_t mac[8] = { 2, 0, 0, 0, 0, 1, 0, 0 };

				/* The VF's state grows: a control-queue part. */
				f->grow_after_size--;
				vpf_parts_builder_init(&b, f->parts[vf], FV14_PARTS_MAX);
				b.len = f->parts_len[vf];
				if (vpf_parts_add_cvq(&b, 1, 1, mac, 8) == 0)
					f->parts_len[vf] = (uint32_t)vpf_parts_builder_len(&b);
			}
			return;
		}
		n = 0;
		vpf_parts_iter_init(&it, f->parts[vf], f->parts_len[vf], VPF_PARTS_F_CARRY);
		while (vpf_parts_iter_next(&it, &p) == 1)
			n++;
		if (d[8] == VPF_PARTS_META_COUNT) {
			res[0] = (uint8_t)n;
			fake_complete(fd, r, OK, 0, 0, res, 8,
				      f->meta_short ? 12 : UINT32_MAX);
			if (f->meta_short)
				f->meta_short--;
			return;
		}
		if (vpf_parts_meta_list_build(res, posted, f->parts[vf], f->parts_len[vf],
					      VPF_PARTS_F_CARRY, &w) < 0) {
			st(fd, r, VPF_ADMIN_STATUS_ENOMEM, 0);
			return;
		}
		if (f->list_lie) {
			f->list_lie--;
			res[0] = (uint8_t)(res[0] + 3);
		}
		fake_complete(fd, r, OK, 0, 0, res, (uint32_t)w, UINT32_MAX);
		return;
	}
	case VPF_ADMIN_V14_OP_DEV_PARTS_GET:
		o = obj_of(f, d, dlen, vf);
		if (o == NULL || o->kind != 0 || dlen < 16 || d[8] != VPF_PARTS_GET_ALL) {
			st(fd, r, o == NULL ? VPF_ADMIN_STATUS_ENXIO : EINV,
			   VPF_ADMIN_SQ_INVALID_FIELD);
			return;
		}
		n = f->parts_len[vf];
		if (posted < n) {
			/* Too small; NORESOURCE, which the draft engine would
			 * take for "try the same again". */
			st(fd, r, VPF_ADMIN_STATUS_ENOMEM, VPF_ADMIN_SQ_NORESOURCE);
			return;
		}
		memcpy(res, f->parts[vf], n);
		switch (f->get_mangle) {
		case FV14_GET_SHORT:
			fake_complete(fd, r, OK, 0, 0, res, n - 5, UINT32_MAX);
			return;
		case FV14_GET_LONG:
			/* Junk up to the end of the posted buffer. */
			if (posted > n) {
				memset(res + n, 0x5a, posted - n);
				fake_complete(fd, r, OK, 0, 0, res, posted, UINT32_MAX);
				return;
			}
			break;
		case FV14_GET_LIE:
			fake_complete(fd, r, OK, 0, 0, res, n - 16, 8 + posted);
			return;
		default:
			break;
		}
		fake_complete(fd, r, OK, 0, 0, res, n, UINT32_MAX);
		return;
	case VPF_ADMIN_V14_OP_DEV_PARTS_SET: {
		const uint8_t *parts;
		size_t plen;
		uint32_t oid;

		o = obj_of(f, d, dlen, vf);
		if (o == NULL || o->kind != 1) {
			st(fd, r, o == NULL ? VPF_ADMIN_STATUS_ENXIO : EINV,
			   VPF_ADMIN_SQ_INVALID_FIELD);
			return;
		}
		if (!f->stopped[vf] ||
		    vpf_parts_set_data_check(d, dlen, 0, &oid, &parts, &plen, NULL) < 0 ||
		    plen > FV14_PARTS_MAX) {
			st(fd, r, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
			return;
		}
		memcpy(f->set_parts[vf], parts, plen);
		f->set_len[vf] = (uint32_t)plen;
		st(fd, r, OK, 0);
		return;
	}
	case VPF_ADMIN_V14_OP_DEV_MODE_SET:
		f->stopped[vf] = dlen >= 1 && (d[0] & 1);
		st(fd, r, OK, 0);
		return;
	default:
		st(fd, r, EINV, VPF_ADMIN_SQ_INVALID_OPCODE);
		return;
	}
}

static bool
fv14_kick(struct fake_dev *fd, void *arg)
{
	struct fv14 *f = arg;
	struct fake_req *r = &fd->req;
	uint32_t batch = 0, guard;
	const uint8_t *d;
	uint32_t dlen, posted;

	if (fd->resets != f->resets_seen) {
		f->resets_seen = fd->resets;
		dev_reset(f);
	}
	for (guard = 0; guard < 4096; guard++) {
		if (fake_pop(fd, r) <= 0)
			break;
		batch++;
		f->seq++;
		if (r->rd_len < 24 || r->wr_len < 8) {
			st(fd, r, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
			continue;
		}
		if (r->rd_len % 8 || r->wr_len % 8)
			f->unaligned = true;
		d = r->rd + 24;
		dlen = r->rd_len - 24;
		posted = r->wr_len - 8;
		f->ncmd[r->opcode & 31]++;
		f->last_op = r->opcode;
		if (f->hold_n && r->opcode == f->hold_op) {
			f->hold_n--;
			continue;	/* never answered */
		}
		if (f->eagain_n && r->opcode == f->eagain_op) {
			f->eagain_n--;
			st(fd, r, VPF_ADMIN_STATUS_EAGAIN, 0);
			continue;
		}
		if (f->fail_n && r->opcode == f->fail_op) {
			f->fail_n--;
			st(fd, r, f->fail_status, 0);
			continue;
		}
		if (r->group == VPF_ADMIN_GROUP_SELF)
			handle_self(f, r, d, dlen, posted);
		else if (r->group == VPF_ADMIN_GROUP_SRIOV)
			handle_sriov(f, r, d, dlen, posted);
		else
			st(fd, r, EINV, VPF_ADMIN_SQ_INVALID_GROUP);
	}
	if (batch > f->max_batch)
		f->max_batch = batch;
	return true;
}

void
fv14_init(struct fv14 *f, struct fake_dev *fd, uint8_t get_limit,
	  uint8_t set_limit)
{
	uint16_t v;

	memset(f, 0, sizeof(*f));
	f->fd = fd;
	f->get_limit = get_limit;
	f->set_limit = set_limit;
	f->resets_seen = fd->resets;
	dev_reset(f);
	for (v = 1; v <= FV14_MAX_VFS; v++)
		fv14_default_parts(f, v);
	fd->on_kick = fv14_kick;
	fd->on_kick_arg = f;
}
