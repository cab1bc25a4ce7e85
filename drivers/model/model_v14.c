/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * The admin commands of the virtio 1.4 "device parts" dialect
 * (doc/protocol.md §10, the model's rules in §10.7): command lists per
 * group type, capabilities on the self group, device-parts resource
 * objects, METADATA_GET, PARTS_GET, PARTS_SET and DEV_MODE_SET. Command
 * buffers shorter or longer than defined are truncated or zero-filled,
 * never refused for their length (§10.1); everything else the driver wrote
 * is checked before use. Parts are built and checked with lib/parts.
 */

#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "common/vpf_le.h"
#include "model_internal.h"
#include "vpf_parts.h"

/* Per-command context. */
struct v14x {
	struct vpf_model *m;
	struct model_cmd *c;
	struct model_vf *vf;
	const uint8_t *data;
	uint64_t dlen;
	uint64_t rcap;
	struct model_result *r;
};

#define V14_CAP_OPS \
	(VPF_ADMIN_OP_BIT(MODEL_V14_OP_CAP_ID_LIST_QUERY) | \
	 VPF_ADMIN_OP_BIT(MODEL_V14_OP_DEVICE_CAP_GET) | \
	 VPF_ADMIN_OP_BIT(MODEL_V14_OP_DRIVER_CAP_SET))

static void
fail(struct v14x *x, uint16_t status, uint16_t qual)
{
	x->r->status = status;
	x->r->qualifier = qual;
}

static void
fail_field(struct v14x *x)
{
	fail(x, VPF_ADMIN_STATUS_EINVAL, VPF_ADMIN_SQ_INVALID_FIELD);
}

/* The command's data truncated or zero-filled to @p n bytes (§10.1). */
static void
take(const struct v14x *x, void *out, size_t n)
{
	memset(out, 0, n);
	memcpy(out, x->data, RTE_MIN((uint64_t)n, x->dlen));
}

/* Write the result; false (and a DMA fault) if that failed. */
static bool
result(struct v14x *x, uint64_t off, const void *buf, uint64_t len)
{
	if (len == 0)
		return true;
	if (model_cmd_write(x->m, x->c, 8 + off, buf, len) != 0)
		return false;
	if (off + len > x->r->result_len)
		x->r->result_len = (uint32_t)(off + len);
	return true;
}

/* A fixed result truncated to the buffer the driver gave (§10.1). */
static bool
result_trunc(struct v14x *x, const void *buf, uint64_t len)
{
	return result(x, 0, buf, RTE_MIN(len, x->rcap));
}

uint64_t
model_v14_supported_ops(const struct vpf_model *m)
{
	uint64_t ops = VPF_ADMIN_OPS_LIST;
	uint32_t op;

	(void)m;
	/* 0x7-0x9 are reported in the SR-IOV list too, as Linux expects
	 * (D-MOD14.2); they execute on the self group only. */
	for (op = MODEL_V14_OP_CAP_ID_LIST_QUERY; op <= MODEL_V14_OP_MODE_SET;
	     op++)
		ops |= VPF_ADMIN_OP_BIT(op);
	return ops;
}

static uint64_t
self_ops(void)
{
	return VPF_ADMIN_OPS_LIST | V14_CAP_OPS;
}

/* ---------------------------------------------------------------------
 * Command lists
 * ------------------------------------------------------------------ */

static bool
cmd_list_query(struct v14x *x, bool self)
{
	uint8_t v[8];

	vpf_le64_store(v, self ? self_ops() : model_v14_supported_ops(x->m));
	return result_trunc(x, v, 8);
}

static bool
cmd_list_use(struct v14x *x, bool self)
{
	uint8_t d[8];
	uint64_t w0;

	take(x, d, 8);
	w0 = vpf_le64_load(d);
	if (w0 & ~(self ? self_ops() : model_v14_supported_ops(x->m))) {
		fail_field(x);
		return true;
	}
	if (model_aq_others_outstanding(x->m, x->c) > 0) {
		fail(x, VPF_ADMIN_STATUS_EINVAL, VPF_ADMIN_SQ_INVALID_COMMAND);
		return true;
	}
	if (self)
		x->m->v14->self_enabled = w0 | VPF_ADMIN_OPS_LIST;
	else
		x->m->enabled_ops = w0 | VPF_ADMIN_OPS_LIST;
	return true;
}

/* ---------------------------------------------------------------------
 * Capabilities (self group, member 0)
 * ------------------------------------------------------------------ */

static uint32_t
live_objects(const struct model_v14 *v, uint8_t kind)
{
	uint32_t i, n = 0;

	for (i = 0; i < v->nobj; i++)
		if (v->obj[i].live && v->obj[i].kind == kind)
			n++;
	return n;
}

static bool
cmd_cap_id_list(struct v14x *x)
{
	uint8_t v[8];

	vpf_le64_store(v, UINT64_C(1) << MODEL_V14_CAP_DEV_PARTS);
	return result_trunc(x, v, 8);
}

static bool
cmd_device_cap_get(struct v14x *x)
{
	uint8_t d[8], res[2];

	take(x, d, sizeof(d));
	if (vpf_le16_load(d) != MODEL_V14_CAP_DEV_PARTS) {
		fail(x, VPF_ADMIN_STATUS_ENXIO, VPF_ADMIN_SQ_INVALID_FIELD);
		return true;
	}
	res[0] = x->m->v14->dev_get;
	res[1] = x->m->v14->dev_set;
	return result_trunc(x, res, sizeof(res));
}

static bool
cmd_driver_cap_set(struct v14x *x)
{
	struct model_v14 *v = x->m->v14;
	uint8_t d[10];

	take(x, d, sizeof(d));
	if (vpf_le16_load(d) != MODEL_V14_CAP_DEV_PARTS) {
		fail(x, VPF_ADMIN_STATUS_ENXIO, VPF_ADMIN_SQ_INVALID_FIELD);
		return true;
	}
	if (d[8] > v->dev_get || d[9] > v->dev_set) {
		fail_field(x);
		return true;
	}
	/* Below the objects alive: EBUSY (disabling included). */
	if (d[8] < live_objects(v, VPF_PARTS_OBJ_GET) ||
	    d[9] < live_objects(v, VPF_PARTS_OBJ_SET)) {
		fail(x, VPF_ADMIN_STATUS_EBUSY, VPF_ADMIN_SQ_INVALID_COMMAND);
		return true;
	}
	v->drv_get = d[8];
	v->drv_set = d[9];
	return true;
}

/* ---------------------------------------------------------------------
 * Resource objects (SR-IOV group, member = VF)
 * ------------------------------------------------------------------ */

/* The live device-parts object the header at @p h names for this VF, or
 * NULL (the command then fails ENXIO). */
static struct model_v14_obj *
obj_find(struct v14x *x, const uint8_t *h)
{
	struct model_v14 *v = x->m->v14;
	uint32_t id = vpf_le32_load(h + 4);

	if (vpf_le16_load(h) != VPF_PARTS_OBJ_TYPE_DEV_PARTS ||
	    id >= v->nobj || !v->obj[id].live || v->obj[id].vf != x->vf->id) {
		fail(x, VPF_ADMIN_STATUS_ENXIO, VPF_ADMIN_SQ_INVALID_FIELD);
		return NULL;
	}
	return &v->obj[id];
}

static bool
cmd_obj_create(struct v14x *x)
{
	struct model_v14 *v = x->m->v14;
	uint8_t d[24], kind;
	uint32_t id;

	take(x, d, sizeof(d));
	kind = d[16];
	id = vpf_le32_load(d + 4);
	if (vpf_le16_load(d) != VPF_PARTS_OBJ_TYPE_DEV_PARTS ||
	    vpf_le64_load(d + 8) != 0 ||
	    (kind != VPF_PARTS_OBJ_GET && kind != VPF_PARTS_OBJ_SET)) {
		fail_field(x);
		return true;
	}
	/* Out of objects of that kind (the driver's limit: 0 until it set
	 * one), then the id space 0 .. get + set - 1, then the id in use
	 * (D-MOD14.4). */
	if (live_objects(v, kind) >=
	    (kind == VPF_PARTS_OBJ_GET ? v->drv_get : v->drv_set)) {
		fail(x, VPF_ADMIN_STATUS_ENOSPC, VPF_ADMIN_SQ_NORESOURCE);
		return true;
	}
	if (id >= (uint32_t)v->drv_get + v->drv_set) {
		fail_field(x);
		return true;
	}
	if (v->obj[id].live) {
		fail(x, MODEL_V14_STATUS_EEXIST, VPF_ADMIN_SQ_INVALID_FIELD);
		return true;
	}
	v->obj[id].live = true;
	v->obj[id].kind = kind;
	v->obj[id].vf = x->vf->id;
	return true;
}

static bool
cmd_obj_query(struct v14x *x)
{
	struct model_v14_obj *o;
	uint8_t d[8], res[8] = { 0 };

	take(x, d, sizeof(d));
	o = obj_find(x, d);
	if (o == NULL)
		return true;
	res[0] = o->kind;
	return result_trunc(x, res, sizeof(res));
}

static bool
cmd_obj_destroy(struct v14x *x)
{
	struct model_v14_obj *o;
	uint8_t d[8];

	take(x, d, sizeof(d));
	o = obj_find(x, d);
	if (o != NULL)
		memset(o, 0, sizeof(*o));
	return true;
}

/* ---------------------------------------------------------------------
 * Device parts
 * ------------------------------------------------------------------ */

static bool
cmd_metadata_get(struct v14x *x)
{
	struct vpf_model *m = x->m;
	uint8_t d[16], res[8] = { 0 };
	size_t len, written;
	int rc;

	take(x, d, sizeof(d));
	if (obj_find(x, d) == NULL)
		return true;
	if (d[8] > VPF_PARTS_META_LIST) {
		fail_field(x);
		return true;
	}
	model_v14_state_get(m, x->vf, &m->v14->scr);
	len = model_v14_parts_build(m, &m->v14->scr);
	if (d[8] == VPF_PARTS_META_LIST) {
		rc = vpf_parts_meta_list_build(m->v14->buf2,
					       RTE_MIN(x->rcap,
						       (uint64_t)m->v14->buf2_cap),
					       m->v14->buf, len, 0, &written);
		if (rc == -ENOSPC) {
			fail(x, VPF_ADMIN_STATUS_ENOMEM,
			     VPF_ADMIN_SQ_NORESOURCE);
			return true;
		}
		if (rc != 0) {
			MODEL_LOG(ERR, m, "own parts malformed (model bug)");
			fail(x, VPF_ADMIN_STATUS_EINVAL,
			     VPF_ADMIN_SQ_INVALID_COMMAND);
			return true;
		}
		return result(x, 0, m->v14->buf2, written);
	}
	if (x->rcap < sizeof(res)) {
		fail(x, VPF_ADMIN_STATUS_ENOMEM, VPF_ADMIN_SQ_NORESOURCE);
		return true;
	}
	if (d[8] == VPF_PARTS_META_SIZE)
		vpf_le32_store(res, (uint32_t)len);
	else
		vpf_le32_store(res, (uint32_t)vpf_parts_validate(m->v14->buf,
								 len, 0, NULL));
	return result(x, 0, res, sizeof(res));
}

/* Whether @p p is one of the wanted headers (type and selector). */
static bool
wanted(const struct vpf_parts_part *p, const uint8_t *list, size_t n)
{
	size_t i;

	for (i = 0; i + VPF_PARTS_HDR_SIZE <= n; i += VPF_PARTS_HDR_SIZE)
		if (vpf_le16_load(list + i) == p->type &&
		    memcmp(list + i + VPF_PARTS_HDR_SEL_OFF,
			   p->hdr + VPF_PARTS_HDR_SEL_OFF,
			   VPF_PARTS_SEL_SIZE) == 0)
			return true;
	return false;
}

static bool
cmd_parts_get(struct v14x *x)
{
	struct vpf_model *m = x->m;
	struct model_v14_obj *o;
	struct vpf_parts_iter it;
	struct vpf_parts_part p;
	const uint8_t *list = NULL;
	size_t len, nlist = 0, out = 0;
	uint8_t d[16];

	take(x, d, sizeof(d));
	o = obj_find(x, d);
	if (o == NULL)
		return true;
	if (o->kind != VPF_PARTS_OBJ_GET ||
	    (d[8] != VPF_PARTS_GET_ALL && d[8] != VPF_PARTS_GET_SELECTED)) {
		fail_field(x);
		return true;
	}
	if (d[8] == VPF_PARTS_GET_SELECTED && x->dlen > sizeof(d)) {
		list = x->data + sizeof(d);
		nlist = x->dlen - sizeof(d);
		/* Matching costs headers x parts: a bounded list
		 * (D-MOD14.5). */
		if (nlist > (uint64_t)MODEL_V14_SELECTED_MAX *
		    VPF_PARTS_HDR_SIZE + VPF_PARTS_MAX_PAD) {
			fail_field(x);
			return true;
		}
		/* Headers, in the set's order, padded with at most 7 zero
		 * bytes; parts the model does not have are skipped. */
		if (vpf_parts_validate(list, nlist, VPF_PARTS_F_HEADERS_ONLY |
				       VPF_PARTS_F_NO_LENGTH |
				       VPF_PARTS_F_ALLOW_UNKNOWN |
				       VPF_PARTS_F_ALLOW_PAD, NULL) < 0) {
			fail_field(x);
			return true;
		}
	}
	model_v14_state_get(m, x->vf, &m->v14->scr);
	len = model_v14_parts_build(m, &m->v14->scr);
	if (d[8] == VPF_PARTS_GET_ALL) {
		if (len > x->rcap) {
			fail(x, VPF_ADMIN_STATUS_ENOMEM,
			     VPF_ADMIN_SQ_NORESOURCE);
			return true;
		}
		return result(x, 0, m->v14->buf, len);
	}
	(void)vpf_parts_iter_init(&it, m->v14->buf, len, 0);
	while (vpf_parts_iter_next(&it, &p) == 1) {
		uint64_t sz = vpf_parts_part_size(&p);

		if (!wanted(&p, list, nlist))
			continue;
		if (out + sz > x->rcap) {
			fail(x, VPF_ADMIN_STATUS_ENOMEM,
			     VPF_ADMIN_SQ_NORESOURCE);
			return true;
		}
		memcpy(m->v14->buf2 + out, p.hdr, sz);
		out += sz;
	}
	return result(x, 0, m->v14->buf2, out);
}

static bool
cmd_parts_set(struct v14x *x)
{
	struct vpf_model *m = x->m;
	struct model_v14_vf *vv = x->vf->v14;
	struct model_v14_obj *o;
	struct vpf_parts_error err;
	const uint8_t *parts = NULL;
	size_t plen = 0;
	uint8_t h[8];

	take(x, h, sizeof(h));
	o = obj_find(x, h);
	if (o == NULL)
		return true;
	if (o->kind != VPF_PARTS_OBJ_SET) {
		fail_field(x);
		return true;
	}
	/* Only on a stopped device (doc/protocol.md §10.7). */
	if (x->vf->mode != VPF_DEV_MODE_STOP) {
		fail(x, VPF_ADMIN_STATUS_EINVAL, VPF_ADMIN_SQ_INVALID_COMMAND);
		return true;
	}
	/* The set: exact part lengths, order, duplicates, unknown parts
	 * only when OPTIONAL; up to 7 zero bytes of padding. */
	if (x->dlen > sizeof(h) &&
	    vpf_parts_set_data_check(x->data, x->dlen, 0, NULL, &parts, &plen,
				     &err) < 0) {
		fail_field(x);
		return true;
	}
	/* Onto what was set before while stopped (the last wins), else
	 * onto the VF's state; nothing changes unless all of it is good. */
	if (vv->pend_on)
		model_v14_state_copy(m, &m->v14->scr, &vv->pend);
	else
		model_v14_state_get(m, x->vf, &m->v14->scr);
	if (model_v14_parts_apply(m, &m->v14->scr, parts, plen) != 0) {
		fail_field(x);
		return true;
	}
	model_v14_state_copy(m, &vv->pend, &m->v14->scr);
	vv->pend_on = true;
	return true;
}

static bool
cmd_mode_set(struct v14x *x)
{
	uint8_t d[1];

	take(x, d, sizeof(d));
	if (d[0] & ~MODEL_V14_MODE_STOPPED) {
		fail_field(x);
		return true;
	}
	/* Stop when stopped and resume when running succeed. */
	if ((d[0] & MODEL_V14_MODE_STOPPED) &&
	    x->vf->mode != VPF_DEV_MODE_STOP)
		model_v14_stop(x->m, x->vf);
	else if (!(d[0] & MODEL_V14_MODE_STOPPED) &&
		 x->vf->mode != VPF_DEV_MODE_ACTIVE)
		model_v14_resume(x->m, x->vf);
	return true;
}

/* ---------------------------------------------------------------------
 * Dispatch
 * ------------------------------------------------------------------ */

bool
model_v14_exec(struct vpf_model *m, struct model_cmd *c,
	       struct model_result *r, struct model_vf **vfp)
{
	const struct vpf_admin_cmd_hdr *h = (const void *)c->data;
	struct v14x x = { .m = m, .c = c, .r = r };
	uint16_t op = rte_le_to_cpu_16(h->opcode);
	uint16_t group = rte_le_to_cpu_16(h->group_type);
	uint64_t member = rte_le_to_cpu_64(h->group_member_id);
	bool list = op == VPF_ADMIN_OP_LIST_QUERY ||
		op == VPF_ADMIN_OP_LIST_USE;
	bool self = group == VPF_ADMIN_GROUP_SELF;
	bool ok = true;

	*vfp = NULL;
	/* Group, opcode, member (doc/protocol.md §1.5). */
	if (self) {
		if (list && (m->p.off & VPF_MODEL_OFF_SELF_LIST)) {
			fail(&x, VPF_ADMIN_STATUS_EINVAL,
			     VPF_ADMIN_SQ_INVALID_GROUP);
			return true;
		}
		/* Capability commands are enabled by a self-group LIST_USE,
		 * or, as Linux does it, by the SR-IOV one (D-MOD14.2). */
		if (op >= 64 || !(self_ops() & VPF_ADMIN_OP_BIT(op)) ||
		    (!list && !((m->v14->self_enabled | m->enabled_ops) &
				VPF_ADMIN_OP_BIT(op)))) {
			fail(&x, VPF_ADMIN_STATUS_EINVAL,
			     VPF_ADMIN_SQ_INVALID_OPCODE);
			return true;
		}
		if (member != 0) {
			fail(&x, VPF_ADMIN_STATUS_EINVAL,
			     VPF_ADMIN_SQ_INVALID_MEMBER);
			return true;
		}
	} else if (group == VPF_ADMIN_GROUP_SRIOV && model_num_vfs(m) > 0) {
		if (op >= 64 ||
		    !(model_v14_supported_ops(m) & VPF_ADMIN_OP_BIT(op)) ||
		    !(m->enabled_ops & VPF_ADMIN_OP_BIT(op))) {
			fail(&x, VPF_ADMIN_STATUS_EINVAL,
			     VPF_ADMIN_SQ_INVALID_OPCODE);
			return true;
		}
		if (VPF_ADMIN_OP_BIT(op) & V14_CAP_OPS) {
			fail(&x, VPF_ADMIN_STATUS_EINVAL,
			     VPF_ADMIN_SQ_INVALID_GROUP);
			return true;
		}
		if (!list) {
			if (member == 0 || member > model_num_vfs(m)) {
				fail(&x, VPF_ADMIN_STATUS_EINVAL,
				     VPF_ADMIN_SQ_INVALID_MEMBER);
				return true;
			}
			x.vf = model_vf_get(m, member);
			*vfp = x.vf;
		}
	} else {
		fail(&x, VPF_ADMIN_STATUS_EINVAL, VPF_ADMIN_SQ_INVALID_GROUP);
		return true;
	}
	/* Only the header was copied (doc/protocol.md D-4.11). */
	if (c->too_big) {
		fail_field(&x);
		return true;
	}
	if (c->nomem) {
		fail(&x, VPF_ADMIN_STATUS_EAGAIN, VPF_ADMIN_SQ_NORESOURCE);
		return true;
	}
	/* No multiple-of-8 rule on the device side (§10.1). */
	x.data = c->data + sizeof(*h);
	x.dlen = c->r_total - sizeof(*h);
	x.rcap = c->w_total - sizeof(struct vpf_admin_cmd_status);

	switch (op) {
	case VPF_ADMIN_OP_LIST_QUERY: ok = cmd_list_query(&x, self); break;
	case VPF_ADMIN_OP_LIST_USE: ok = cmd_list_use(&x, self); break;
	case MODEL_V14_OP_CAP_ID_LIST_QUERY: ok = cmd_cap_id_list(&x); break;
	case MODEL_V14_OP_DEVICE_CAP_GET: ok = cmd_device_cap_get(&x); break;
	case MODEL_V14_OP_DRIVER_CAP_SET: ok = cmd_driver_cap_set(&x); break;
	case MODEL_V14_OP_OBJ_CREATE: ok = cmd_obj_create(&x); break;
	case MODEL_V14_OP_OBJ_MODIFY:
		/* A device-parts object has nothing to modify. */
		fail_field(&x);
		break;
	case MODEL_V14_OP_OBJ_QUERY: ok = cmd_obj_query(&x); break;
	case MODEL_V14_OP_OBJ_DESTROY: ok = cmd_obj_destroy(&x); break;
	case MODEL_V14_OP_METADATA_GET: ok = cmd_metadata_get(&x); break;
	case MODEL_V14_OP_PARTS_GET: ok = cmd_parts_get(&x); break;
	case MODEL_V14_OP_PARTS_SET: ok = cmd_parts_set(&x); break;
	case MODEL_V14_OP_MODE_SET: ok = cmd_mode_set(&x); break;
	default:
		fail(&x, VPF_ADMIN_STATUS_EINVAL, VPF_ADMIN_SQ_INVALID_OPCODE);
		break;
	}
	return ok;
}
