/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * The 1.4 dialect (doc/protocol.md §10.7): the per-PF device-parts object
 * allocator (D-DRV14.5 to D-DRV14.8), the checks of 1.4 completions, the
 * request builders and the typed synchronous commands. Command data and
 * results go through lib/parts (vpf_parts.h); every result is checked
 * before it is handed up.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "vpf_parts.h"
#include "admin_internal.h"

/* A DESTROY whose outcome is unknown (timed out, cancelled by a queue
 * recovery) is sent again this often before the id is blocked. */
#define DESTROY_TRIES	3u

const char *
vpf_admin_v14_opcode_name(uint16_t opcode)
{
	switch (opcode) {
	case VPF_ADMIN_OP_LIST_QUERY: return "LIST_QUERY";
	case VPF_ADMIN_OP_LIST_USE: return "LIST_USE";
	case VPF_ADMIN_V14_OP_CAP_ID_LIST_QUERY: return "CAP_ID_LIST_QUERY";
	case VPF_ADMIN_V14_OP_DEVICE_CAP_GET: return "DEVICE_CAP_GET";
	case VPF_ADMIN_V14_OP_DRIVER_CAP_SET: return "DRIVER_CAP_SET";
	case VPF_ADMIN_V14_OP_RESOURCE_OBJ_CREATE: return "RESOURCE_OBJ_CREATE";
	case VPF_ADMIN_V14_OP_RESOURCE_OBJ_MODIFY: return "RESOURCE_OBJ_MODIFY";
	case VPF_ADMIN_V14_OP_RESOURCE_OBJ_QUERY: return "RESOURCE_OBJ_QUERY";
	case VPF_ADMIN_V14_OP_RESOURCE_OBJ_DESTROY: return "RESOURCE_OBJ_DESTROY";
	case VPF_ADMIN_V14_OP_DEV_PARTS_METADATA_GET:
		return "DEV_PARTS_METADATA_GET";
	case VPF_ADMIN_V14_OP_DEV_PARTS_GET: return "DEV_PARTS_GET";
	case VPF_ADMIN_V14_OP_DEV_PARTS_SET: return "DEV_PARTS_SET";
	case VPF_ADMIN_V14_OP_DEV_MODE_SET: return "DEV_MODE_SET";
	default: return "UNKNOWN";
	}
}

int
admin_v14_dialect_error(struct vpf_pf *pf, const struct vpf_admin_cmd *c)
{
	if (pf->dialect == VPF_DIALECT_V14_PARTS)
		return vpf_error(-ENOTSUP, "PF %s speaks the virtio 1.4 device-parts dialect: opcode 0x%x was not built by a vpf_admin_v14_* call (a draft command would mean another one there)",
				 pf->name, c->opcode);
	return vpf_error(-ENOTSUP, "PF %s speaks the draft dialect: %s is a virtio 1.4 command",
			 pf->name, vpf_admin_v14_opcode_name(c->opcode));
}

static int
v14_proto(struct vpf_pf *pf, const struct vpf_admin_cmd *c, const char *what,
	  uint64_t a, uint64_t b)
{
	pf->protocol_errors++;
	ADMIN_LOG(ERR, pf, "%s on member %" PRIu64 ": device error: %s (%" PRIu64
		  " vs %" PRIu64 ")", vpf_admin_v14_opcode_name(c->opcode), c->member,
		  what, a, b);
	return vpf_error(-EIO, "%s on VF %" PRIu64 ": device error: %s (%" PRIu64
			 " vs %" PRIu64 ")", vpf_admin_v14_opcode_name(c->opcode),
			 c->member, what, a, b);
}

int
admin_v14_check_result(struct vpf_pf *pf, struct vpf_admin_cmd *c,
		       const uint8_t *res, uint32_t written, uint32_t posted)
{
	uint32_t v, rsv;
	uint8_t type;

	RTE_SET_USED(posted);
	switch (c->opcode) {
	case VPF_ADMIN_OP_LIST_QUERY:
	case VPF_ADMIN_V14_OP_CAP_ID_LIST_QUERY:
		if (written < 8)
			return v14_proto(pf, c, "result shorter than 8 bytes", written, 8);
		break;
	case VPF_ADMIN_V14_OP_DEVICE_CAP_GET:
		if (written < 2)
			return v14_proto(pf, c, "device-parts capability shorter than 2 bytes",
					 written, 2);
		break;
	case VPF_ADMIN_V14_OP_DEV_PARTS_METADATA_GET:
		if (written < VPF_PARTS_META_RESULT_SIZE)
			return v14_proto(pf, c, "METADATA_GET result shorter than 8 bytes",
					 written, VPF_PARTS_META_RESULT_SIZE);
		memcpy(&v, res, 4);
		memcpy(&rsv, res + 4, 4);
		v = rte_le_to_cpu_32(v);
		/* All-ones in both words is the driver's poison: never
		 * written (D-DRV.7). */
		if (v == UINT32_MAX && rsv == UINT32_MAX)
			return v14_proto(pf, c, "METADATA_GET result not written, still the driver's poison",
					 written, 8);
		type = c->data_len > 8 ? ((const uint8_t *)c->data)[8] : 0;
		if (type == VPF_PARTS_META_LIST &&
		    8 + (uint64_t)v * VPF_PARTS_HDR_SIZE > written)
			return v14_proto(pf, c, "LIST count needs more bytes than the result written",
					 8 + (uint64_t)v * VPF_PARTS_HDR_SIZE, written);
		break;
	default:
		/* PARTS_GET is validated whole by its caller; the others
		 * have no result. */
		break;
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * Object allocator (D-DRV14.5): one id space 0 .. get + set - 1 per PF,
 * live objects counted per kind against the negotiated limits.
 * --------------------------------------------------------------------- */

void
admin_v14_objs_reset(struct vpf_pf *pf)
{
	struct pf_v14 *v = &pf->v14;

	v->gen++;
	memset(v->objs, 0, sizeof(v->objs));
	v->nget = v->nset = v->nquar = 0;
	v->next = 0;
}

static int
v14_check(struct vpf_pf *pf, uint16_t vf)
{
	if (pf == NULL)
		return vpf_error(-EINVAL, "no PF");
	if (pf->dialect != VPF_DIALECT_V14_PARTS)
		return vpf_error(-ENOTSUP, "PF %s does not speak the virtio 1.4 device-parts dialect",
				 pf->name);
	if (vf == 0 || vf > pf->num_vfs)
		return vpf_error(-EINVAL, "VF %u does not exist (PF %s has %u VFs)",
				 vf, pf->name, pf->num_vfs);
	return 0;
}

static uint32_t *
kind_count(struct pf_v14 *v, uint8_t kind)
{
	return kind == VPF_PARTS_OBJ_GET ? &v->nget : &v->nset;
}

bool
admin_v14_obj_current(const struct vpf_pf *pf,
		      const struct vpf_admin_v14_obj *obj)
{
	return obj->valid && obj->gen == pf->v14.gen &&
	       obj->id < PF_V14_MAX_OBJS &&
	       pf->v14.objs[obj->id].state != PF_V14_FREE;
}

int
admin_v14_obj_take(struct vpf_pf *pf, uint16_t vf, uint8_t kind,
		   struct vpf_admin_v14_obj *obj)
{
	struct pf_v14 *v = &pf->v14;
	uint32_t n, i, id, limit;
	int rc;

	memset(obj, 0, sizeof(*obj));
	rc = v14_check(pf, vf);
	if (rc < 0)
		return rc;
	if (kind != VPF_PARTS_OBJ_GET && kind != VPF_PARTS_OBJ_SET)
		return vpf_error(-EINVAL, "device-parts object kind %u (0 GET, 1 SET)", kind);
	limit = kind == VPF_PARTS_OBJ_GET ? v->get_limit : v->set_limit;
	if (*kind_count(v, kind) >= limit)
		return vpf_error(-ENOSPC, "PF %s: no device-parts %s object left: %u of %u in use",
				 pf->name, kind == VPF_PARTS_OBJ_GET ? "GET" : "SET",
				 *kind_count(v, kind), limit);
	n = (uint32_t)v->get_limit + v->set_limit;
	/* Round robin from the last id given: a just-freed id is the last to
	 * be reused, so a late answer about it cannot name a new object. */
	for (i = 0; i < n; i++) {
		id = (v->next + i) % n;
		if (v->objs[id].state != PF_V14_FREE)
			continue;
		v->objs[id].state = PF_V14_LIVE;
		v->objs[id].vf = vf;
		v->objs[id].kind = kind;
		(*kind_count(v, kind))++;
		v->next = (id + 1) % n;
		obj->id = id;
		obj->vf = vf;
		obj->kind = kind;
		obj->valid = 1;
		obj->gen = v->gen;
		return 0;
	}
	return vpf_error(-ENOSPC, "PF %s: all %u device-parts object ids are in use or blocked (%u blocked until the next reset)",
			 pf->name, n, v->nquar);
}

/* Outcome unknown: the device may or may not have executed it. */
static bool
outcome_unknown(int rc)
{
	return rc == -ETIMEDOUT || rc == -ECANCELED || rc == -EIO;
}

static void
obj_free(struct pf_v14 *v, uint32_t id)
{
	struct pf_v14_obj *o = &v->objs[id];

	if (o->state == PF_V14_QUAR && v->nquar > 0)
		v->nquar--;
	if (o->state != PF_V14_FREE && *kind_count(v, o->kind) > 0)
		(*kind_count(v, o->kind))--;
	memset(o, 0, sizeof(*o));
}

int
admin_v14_create_done(struct vpf_pf *pf, struct vpf_admin_v14_obj *obj,
		      int rc)
{
	struct pf_v14 *v = &pf->v14;
	struct pf_v14_obj *o;
	char keep[200];

	if (rc == 0 || !admin_v14_obj_current(pf, obj)) {
		if (rc != 0)
			obj->valid = 0;	/* a reset destroyed everything */
		return rc;
	}
	o = &v->objs[obj->id];
	if (rc == -EEXIST) {
		/* Attach reset the device and vpf gave the id to nobody
		 * else: the device holds an object it should not. The id is
		 * not vpf's to destroy (another VF's? a dead owner's that a
		 * reset should have destroyed?): it stays blocked until the
		 * device is next reset (D-DRV14.7). */
		if (*kind_count(v, o->kind) > 0)
			(*kind_count(v, o->kind))--;
		o->state = PF_V14_QUAR;
		o->kind = 0xff;
		v->nquar++;
		obj->valid = 0;
		return vpf_error(-EIO, "RESOURCE_OBJ_CREATE of object %u on VF %u: device error: EEXIST for an id vpf holds for no other object (the device was reset at attach); the id is blocked until the next reset",
				 obj->id, obj->vf);
	}
	if (outcome_unknown(rc))
		return rc;	/* the caller destroys it */
	snprintf(keep, sizeof(keep), "%s", vpf_last_error());
	obj_free(v, obj->id);
	obj->valid = 0;
	return vpf_error(rc, "%s", keep);
}

int
admin_v14_destroy_done(struct vpf_pf *pf, struct vpf_admin_v14_obj *obj,
		       int rc)
{
	struct pf_v14 *v = &pf->v14;
	char keep[200];

	if (!admin_v14_obj_current(pf, obj)) {
		obj->valid = 0;
		return 0;	/* the device was reset: nothing left */
	}
	if (rc == 0 || rc == -ENXIO) {
		/* ENXIO: the object was not there (a CREATE that never ran). */
		obj_free(v, obj->id);
		obj->valid = 0;
		return 0;
	}
	snprintf(keep, sizeof(keep), "%s", vpf_last_error());
	if (v->objs[obj->id].state != PF_V14_QUAR) {
		v->objs[obj->id].state = PF_V14_QUAR;
		v->nquar++;
	}
	obj->valid = 0;
	ADMIN_LOG(WARNING, pf, "object %u of VF %u not destroyed (%s): id blocked until the next reset",
		  obj->id, obj->vf, keep);
	return vpf_error(rc, "object %u of VF %u not destroyed (id blocked until the next device reset): %s",
			 obj->id, obj->vf, keep);
}

int
vpf_admin_v14_obj_usage(const struct vpf_pf *pf, uint32_t *get, uint32_t *set,
			uint32_t *quarantined)
{
	if (pf == NULL)
		return vpf_error(-EINVAL, "no PF");
	if (pf->dialect != VPF_DIALECT_V14_PARTS)
		return vpf_error(-ENOTSUP, "PF %s does not speak the virtio 1.4 device-parts dialect",
				 pf->name);
	if (get != NULL)
		*get = pf->v14.nget;
	if (set != NULL)
		*set = pf->v14.nset;
	if (quarantined != NULL)
		*quarantined = pf->v14.nquar;
	return 0;
}

int
vpf_admin_v14_obj_list(const struct vpf_pf *pf, struct vpf_admin_v14_obj *out,
		       uint32_t max)
{
	const struct pf_v14 *v;
	uint32_t i, n = 0;

	if (pf == NULL || (out == NULL && max != 0))
		return vpf_error(-EINVAL, "no PF or no output");
	if (pf->dialect != VPF_DIALECT_V14_PARTS)
		return vpf_error(-ENOTSUP, "PF %s does not speak the virtio 1.4 device-parts dialect",
				 pf->name);
	v = &pf->v14;
	for (i = 0; i < (uint32_t)v->get_limit + v->set_limit; i++) {
		if (v->objs[i].state != PF_V14_LIVE)
			continue;
		if (n < max) {
			out[n].id = i;
			out[n].vf = v->objs[i].vf;
			out[n].kind = v->objs[i].kind;
			out[n].valid = 1;
			out[n].gen = v->gen;
		}
		n++;
	}
	return (int)n;
}

/* ------------------------------------------------------------------------
 * Request builders (every command data a multiple of 8 bytes)
 * --------------------------------------------------------------------- */

void
admin_v14_prep(struct vpf_admin_cmd *c, uint16_t op, uint16_t group,
	       uint64_t member)
{
	c->opcode = op;
	c->group_type = group;
	c->member = member;
	c->data = NULL;
	c->data_len = 0;
	c->result = NULL;
	c->result_len = 0;
	c->priv[2] = CMD_F_V14;
}

static void
put_hdr(uint8_t *p, uint32_t id)
{
	struct vpf_parts_obj_hdr h;

	memset(&h, 0, sizeof(h));
	h.type = rte_cpu_to_le_16(VPF_PARTS_OBJ_TYPE_DEV_PARTS);
	h.id = rte_cpu_to_le_32(id);
	memcpy(p, &h, sizeof(h));
}

void
admin_v14_prep_create(struct vpf_admin_cmd *c, const struct vpf_admin_v14_obj *obj)
{
	struct vpf_parts_obj_create_data d;

	RTE_BUILD_BUG_ON(sizeof(d) > sizeof(c->inline_data));
	admin_v14_prep(c, VPF_ADMIN_V14_OP_RESOURCE_OBJ_CREATE,
		       VPF_ADMIN_GROUP_SRIOV, obj->vf);
	memset(&d, 0, sizeof(d));
	put_hdr((uint8_t *)&d.hdr, obj->id);
	d.flags = 0;
	d.type = obj->kind;
	memcpy(c->inline_data, &d, sizeof(d));
	c->data = c->inline_data;
	c->data_len = sizeof(d);	/* 24 */
}

void
admin_v14_prep_destroy(struct vpf_admin_cmd *c,
		       const struct vpf_admin_v14_obj *obj)
{
	admin_v14_prep(c, VPF_ADMIN_V14_OP_RESOURCE_OBJ_DESTROY,
		       VPF_ADMIN_GROUP_SRIOV, obj->vf);
	memset(c->inline_data, 0, 8);
	put_hdr(c->inline_data, obj->id);
	c->data = c->inline_data;
	c->data_len = VPF_PARTS_OBJ_HDR_SIZE;
}

void
admin_v14_prep_meta(struct vpf_admin_cmd *c, const struct vpf_admin_v14_obj *obj,
		    uint8_t type, void *res, uint32_t res_len)
{
	admin_v14_prep(c, VPF_ADMIN_V14_OP_DEV_PARTS_METADATA_GET,
		       VPF_ADMIN_GROUP_SRIOV, obj->vf);
	memset(c->inline_data, 0, 16);
	put_hdr(c->inline_data, obj->id);
	c->inline_data[8] = type;
	c->data = c->inline_data;
	c->data_len = sizeof(struct vpf_parts_meta_get_data);	/* 16 */
	c->result = res;
	c->result_len = res_len;
}

void
admin_v14_prep_get_all(struct vpf_admin_cmd *c,
		       const struct vpf_admin_v14_obj *obj, void *buf,
		       uint32_t len)
{
	admin_v14_prep(c, VPF_ADMIN_V14_OP_DEV_PARTS_GET, VPF_ADMIN_GROUP_SRIOV,
		       obj->vf);
	memset(c->inline_data, 0, 16);
	put_hdr(c->inline_data, obj->id);
	c->inline_data[8] = VPF_PARTS_GET_ALL;
	c->data = c->inline_data;
	c->data_len = VPF_PARTS_GET_DATA_SIZE;	/* 16 */
	c->result = buf;
	c->result_len = len;
}

void
vpf_admin_v14_prep_mode_set(struct vpf_admin_cmd *c, uint16_t vf, bool stopped)
{
	admin_v14_prep(c, VPF_ADMIN_V14_OP_DEV_MODE_SET, VPF_ADMIN_GROUP_SRIOV, vf);
	memset(c->inline_data, 0, 8);	/* u8 flags, padded to 8 (not 25
					 * bytes in all, as Linux sends) */
	c->inline_data[0] = stopped ? VPF_ADMIN_V14_MODE_STOPPED : 0;
	c->data = c->inline_data;
	c->data_len = 8;
}

int
admin_v14_check_parts(struct vpf_pf *pf, uint16_t vf, const void *buf,
		      uint32_t len, uint32_t size)
{
	struct vpf_parts_error err;
	char msg[160];
	int64_t n;

	RTE_SET_USED(size);
	n = vpf_parts_validate(buf, len, VPF_PARTS_F_CARRY, &err);
	if (n >= 0)
		return 0;
	vpf_parts_error_str(&err, msg, sizeof(msg));
	pf->protocol_errors++;
	ADMIN_LOG(ERR, pf, "DEV_PARTS_GET on VF %u: device error: malformed parts set of %u bytes: %s",
		  vf, len, msg);
	return vpf_error(-EIO, "DEV_PARTS_GET on VF %u: device error: malformed parts set of %u bytes: %s",
			 vf, len, msg);
}

/* ------------------------------------------------------------------------
 * Typed synchronous commands
 * --------------------------------------------------------------------- */

static int
obj_check(struct vpf_pf *pf, const struct vpf_admin_v14_obj *obj, int kind)
{
	int rc;

	if (obj == NULL)
		return vpf_error(-EINVAL, "no object");
	rc = v14_check(pf, obj->vf);
	if (rc < 0)
		return rc;
	if (!admin_v14_obj_current(pf, obj))
		return vpf_error(-ENXIO, "object %u of VF %u does not exist (destroyed, or the device was reset since)",
				 obj->id, obj->vf);
	if (kind >= 0 && obj->kind != kind)
		return vpf_error(-EINVAL, "object %u is a %s object", obj->id,
				 obj->kind == VPF_PARTS_OBJ_GET ? "GET" : "SET");
	return 0;
}

int
vpf_admin_v14_obj_destroy(struct vpf_pf *pf, struct vpf_admin_v14_obj *obj)
{
	struct vpf_admin_cmd c;
	uint32_t t;
	int rc = 0;

	if (pf == NULL || obj == NULL)
		return vpf_error(-EINVAL, "no PF or no object");
	if (pf->dialect != VPF_DIALECT_V14_PARTS)
		return vpf_error(-ENOTSUP, "PF %s does not speak the virtio 1.4 device-parts dialect",
				 pf->name);
	for (t = 0; t < DESTROY_TRIES && admin_v14_obj_current(pf, obj); t++) {
		memset(&c, 0, sizeof(c));
		admin_v14_prep_destroy(&c, obj);
		rc = admin_cmd_run(pf, &c);
		if (rc != -ETIMEDOUT && rc != -ECANCELED)
			break;
	}
	return admin_v14_destroy_done(pf, obj, rc);
}

int
vpf_admin_v14_obj_create(struct vpf_pf *pf, uint16_t vf, uint8_t kind,
			 struct vpf_admin_v14_obj *obj)
{
	struct vpf_admin_cmd c;
	char keep[256];
	int rc;

	if (obj == NULL)
		return vpf_error(-EINVAL, "no object");
	rc = admin_v14_obj_take(pf, vf, kind, obj);
	if (rc < 0)
		return rc;
	memset(&c, 0, sizeof(c));
	admin_v14_prep_create(&c, obj);
	rc = admin_cmd_run(pf, &c);
	rc = admin_v14_create_done(pf, obj, rc);
	if (rc < 0 && obj->valid) {
		/* The device may hold it: destroy before reporting. */
		snprintf(keep, sizeof(keep), "%s", vpf_last_error());
		vpf_admin_v14_obj_destroy(pf, obj);
		vpf_error(rc, "%s", keep);
	}
	return rc;
}

static int
meta_value(struct vpf_pf *pf, const struct vpf_admin_v14_obj *obj,
	   uint8_t type, uint32_t *out)
{
	struct vpf_admin_cmd c;
	uint32_t r[2] = { 0, 0 };
	int rc;

	rc = obj_check(pf, obj, -1);
	if (rc < 0)
		return rc;
	memset(&c, 0, sizeof(c));
	admin_v14_prep_meta(&c, obj, type, r, sizeof(r));
	rc = admin_cmd_run(pf, &c);
	if (rc == 0 && out != NULL)
		*out = rte_le_to_cpu_32(r[0]);
	return rc;
}

int
vpf_admin_v14_meta_size(struct vpf_pf *pf, const struct vpf_admin_v14_obj *obj,
			uint32_t *size)
{
	return meta_value(pf, obj, VPF_PARTS_META_SIZE, size);
}

int
vpf_admin_v14_meta_count(struct vpf_pf *pf, const struct vpf_admin_v14_obj *obj,
			 uint32_t *count)
{
	return meta_value(pf, obj, VPF_PARTS_META_COUNT, count);
}

int
vpf_admin_v14_meta_list(struct vpf_pf *pf, const struct vpf_admin_v14_obj *obj,
			void *buf, uint32_t cap, uint32_t *count, uint32_t *len)
{
	struct vpf_admin_cmd c;
	struct vpf_parts_error err;
	uint32_t n = 0, t, got;
	uint64_t need;
	char msg[160];
	int rc;

	if (buf == NULL)
		return vpf_error(-EINVAL, "METADATA_GET LIST: no buffer");
	for (t = 0; t <= VPF_ADMIN_V14_ENOMEM_RETRIES; t++) {
		rc = meta_value(pf, obj, VPF_PARTS_META_COUNT, &n);
		if (rc < 0)
			return rc;
		need = 8 + (uint64_t)n * VPF_PARTS_HDR_SIZE;
		if (need > cap || need > pf->params.max_chunk)
			return vpf_error(-ENOSPC, "METADATA_GET LIST of VF %u: %u parts need %" PRIu64
					 " bytes, the buffer has %u (max_chunk %u)",
					 obj->vf, n, need, cap, pf->params.max_chunk);
		memset(&c, 0, sizeof(c));
		admin_v14_prep_meta(&c, obj, VPF_PARTS_META_LIST, buf, (uint32_t)need);
		rc = admin_cmd_run(pf, &c);
		if (rc == -ENOMEM)
			continue;	/* more parts since COUNT */
		if (rc < 0)
			return rc;
		got = RTE_MIN(c.result_written, (uint32_t)need);
		if (vpf_parts_meta_list_check(buf, got, VPF_PARTS_F_CARRY, &n, NULL,
					      &err) < 0) {
			vpf_parts_error_str(&err, msg, sizeof(msg));
			pf->protocol_errors++;
			return vpf_error(-EIO, "METADATA_GET LIST on VF %u: device error: %s",
					 obj->vf, msg);
		}
		if (count != NULL)
			*count = n;
		if (len != NULL)
			*len = 8 + n * VPF_PARTS_HDR_SIZE;
		return 0;
	}
	return vpf_error(-ENOMEM, "METADATA_GET LIST on VF %u: result still too small after %u sizings",
			 obj->vf, VPF_ADMIN_V14_ENOMEM_RETRIES + 1);
}

int
vpf_admin_v14_parts_get(struct vpf_pf *pf, const struct vpf_admin_v14_obj *obj,
			void *buf, uint32_t cap, uint32_t *len)
{
	struct vpf_admin_cmd c;
	uint32_t size = 0, post, t, got;
	int rc;

	rc = obj_check(pf, obj, VPF_PARTS_OBJ_GET);
	if (rc < 0)
		return rc;
	if (buf == NULL)
		return vpf_error(-EINVAL, "DEV_PARTS_GET: no buffer");
	for (t = 0; t <= VPF_ADMIN_V14_ENOMEM_RETRIES; t++) {
		rc = vpf_admin_v14_meta_size(pf, obj, &size);
		if (rc < 0)
			return rc;
		post = RTE_MAX(ROUND8((uint64_t)size), 8u);
		if ((uint64_t)ROUND8((uint64_t)size) > cap || post > pf->params.max_chunk)
			return vpf_error(-ENOSPC, "DEV_PARTS_GET of VF %u: the parts are up to %u bytes, the buffer has %u (max_chunk %u)",
					 obj->vf, size, cap, pf->params.max_chunk);
		memset(&c, 0, sizeof(c));
		admin_v14_prep_get_all(&c, obj, buf, RTE_MIN(post, cap));
		rc = admin_cmd_run(pf, &c);
		if (rc == -ENOMEM)
			continue;	/* grew since SIZE (D-DRV14.9) */
		if (rc < 0)
			return rc;
		got = RTE_MIN(c.result_written, c.result_len);
		rc = admin_v14_check_parts(pf, obj->vf, buf, got, size);
		if (rc < 0)
			return rc;
		if (len != NULL)
			*len = got;
		return 0;
	}
	return vpf_error(-ENOMEM, "DEV_PARTS_GET on VF %u: the parts outgrew SIZE %u times (last SIZE %u bytes)",
			 obj->vf, VPF_ADMIN_V14_ENOMEM_RETRIES + 1, size);
}

/* Build PARTS_SET data (object header, @p parts, zero padding to 8) into
 * @p out of @p cap bytes; @p parts validated first. */
static int
build_set(struct vpf_pf *pf, const struct vpf_admin_v14_obj *obj,
	  const void *parts, uint32_t len, void *out, size_t cap,
	  uint32_t *dlen)
{
	struct vpf_parts_builder b;
	struct vpf_parts_error err;
	char msg[160];

	if (parts == NULL && len != 0)
		return vpf_error(-EINVAL, "DEV_PARTS_SET: no parts");
	if (vpf_parts_validate(parts, len, VPF_PARTS_F_CARRY, &err) < 0) {
		vpf_parts_error_str(&err, msg, sizeof(msg));
		return vpf_error(-EBADMSG, "DEV_PARTS_SET of VF %u: malformed parts set, nothing sent: %s",
				 obj->vf, msg);
	}
	if ((uint64_t)ROUND8((uint64_t)len + VPF_PARTS_OBJ_HDR_SIZE) > cap ||
	    (uint64_t)ROUND8((uint64_t)len + VPF_PARTS_OBJ_HDR_SIZE) > pf->params.max_chunk)
		return vpf_error(-EINVAL, "DEV_PARTS_SET of VF %u: %u bytes of parts exceed max_chunk %u",
				 obj->vf, len, pf->params.max_chunk);
	if (vpf_parts_builder_init_set(&b, out, cap, obj->id) < 0)
		return -EINVAL;
	if (len != 0)
		memcpy((uint8_t *)out + VPF_PARTS_OBJ_HDR_SIZE, parts, len);
	/* The parts were validated: append them as one block. */
	memset((uint8_t *)out + VPF_PARTS_OBJ_HDR_SIZE + len, 0,
	       ROUND8(len + VPF_PARTS_OBJ_HDR_SIZE) - len - VPF_PARTS_OBJ_HDR_SIZE);
	*dlen = ROUND8(len + VPF_PARTS_OBJ_HDR_SIZE);
	return 0;
}

int
vpf_admin_v14_parts_set(struct vpf_pf *pf, const struct vpf_admin_v14_obj *obj,
			const void *parts, uint32_t len)
{
	struct vpf_admin_cmd c;
	uint32_t dlen = 0;
	int rc;

	rc = obj_check(pf, obj, VPF_PARTS_OBJ_SET);
	if (rc < 0)
		return rc;
	rc = build_set(pf, obj, parts, len, pf->scratch, pf->scratch_len, &dlen);
	if (rc < 0)
		return rc;
	memset(&c, 0, sizeof(c));
	admin_v14_prep(&c, VPF_ADMIN_V14_OP_DEV_PARTS_SET, VPF_ADMIN_GROUP_SRIOV,
		       obj->vf);
	c.data = pf->scratch;
	c.data_len = dlen;
	return admin_cmd_run(pf, &c);
}

int
admin_v14_build_set(struct vpf_pf *pf, const struct vpf_admin_v14_obj *obj,
		    const void *parts, uint32_t len, void *out, size_t cap,
		    uint32_t *dlen)
{
	return build_set(pf, obj, parts, len, out, cap, dlen);
}

int
vpf_admin_v14_mode_set(struct vpf_pf *pf, uint16_t vf, bool stopped)
{
	struct vpf_admin_cmd c;
	int rc;

	rc = v14_check(pf, vf);
	if (rc < 0)
		return rc;
	memset(&c, 0, sizeof(c));
	vpf_admin_v14_prep_mode_set(&c, vf, stopped);
	return admin_cmd_run(pf, &c);
}

/* ------------------------------------------------------------------------
 * Single commands for callers that pipeline them (vpf_admin.h)
 * --------------------------------------------------------------------- */

int
vpf_admin_v14_obj_alloc(struct vpf_pf *pf, uint16_t vf, uint8_t kind,
			struct vpf_admin_v14_obj *obj)
{
	if (obj == NULL)
		return vpf_error(-EINVAL, "no object");
	return admin_v14_obj_take(pf, vf, kind, obj);
}

void
vpf_admin_v14_prep_obj_create(struct vpf_admin_cmd *c,
			      const struct vpf_admin_v14_obj *obj)
{
	admin_v14_prep_create(c, obj);
}

int
vpf_admin_v14_obj_create_done(struct vpf_pf *pf, struct vpf_admin_v14_obj *obj,
			      int rc)
{
	if (pf == NULL || obj == NULL)
		return vpf_error(-EINVAL, "no PF or no object");
	return admin_v14_create_done(pf, obj, rc);
}

void
vpf_admin_v14_prep_obj_destroy(struct vpf_admin_cmd *c,
			       const struct vpf_admin_v14_obj *obj)
{
	admin_v14_prep_destroy(c, obj);
}

int
vpf_admin_v14_obj_destroy_done(struct vpf_pf *pf, struct vpf_admin_v14_obj *obj,
			       int rc)
{
	if (pf == NULL || obj == NULL)
		return vpf_error(-EINVAL, "no PF or no object");
	return admin_v14_destroy_done(pf, obj, rc);
}

bool
vpf_admin_v14_obj_live(const struct vpf_pf *pf,
		       const struct vpf_admin_v14_obj *obj)
{
	return pf != NULL && obj != NULL && admin_v14_obj_current(pf, obj);
}

void
vpf_admin_v14_prep_meta_get(struct vpf_admin_cmd *c,
			    const struct vpf_admin_v14_obj *obj, uint8_t type,
			    void *res, uint32_t res_len)
{
	admin_v14_prep_meta(c, obj, type, res, res_len);
}

void
vpf_admin_v14_prep_parts_get_all(struct vpf_admin_cmd *c,
				 const struct vpf_admin_v14_obj *obj, void *buf,
				 uint32_t len)
{
	admin_v14_prep_get_all(c, obj, buf, len);
}

int
vpf_admin_v14_parts_check(struct vpf_pf *pf, uint16_t vf, const void *buf,
			  uint32_t len)
{
	if (pf == NULL || (buf == NULL && len != 0))
		return vpf_error(-EINVAL, "no PF or no buffer");
	return admin_v14_check_parts(pf, vf, buf, len, 0);
}

int
vpf_admin_v14_parts_set_build(struct vpf_pf *pf,
			      const struct vpf_admin_v14_obj *obj,
			      const void *parts, uint32_t len, void *out,
			      size_t cap, uint32_t *dlen)
{
	if (pf == NULL || obj == NULL || out == NULL || dlen == NULL)
		return vpf_error(-EINVAL, "DEV_PARTS_SET: bad arguments");
	return build_set(pf, obj, parts, len, out, cap, dlen);
}

void
vpf_admin_v14_prep_parts_set(struct vpf_admin_cmd *c,
			     const struct vpf_admin_v14_obj *obj,
			     const void *data, uint32_t dlen)
{
	admin_v14_prep(c, VPF_ADMIN_V14_OP_DEV_PARTS_SET, VPF_ADMIN_GROUP_SRIOV,
		       obj->vf);
	c->data = data;
	c->data_len = dlen;
}
