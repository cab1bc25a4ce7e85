/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * The 1.4 dialect's negotiation (doc/protocol.md §10.7, D-DRV14.1 to
 * D-DRV14.3), run by vpf_admin_negotiate() once the SR-IOV LIST_QUERY
 * showed bit 0xe: at attach and after every device re-initialisation
 * (a device reset clears the limits and destroys every object):
 *
 *   self-group LIST_QUERY, LIST_USE (or, if the device refuses the
 *   self-group LIST_QUERY with INVALID_GROUP, the Linux way: an SR-IOV
 *   LIST_USE that also enables 0x7-0x9, and no self-group LIST_USE);
 *   CAP_ID_LIST_QUERY, DEVICE_CAP_GET and DRIVER_CAP_SET of the
 *   device-parts capability; SR-IOV LIST_USE of the device-parts commands
 *   (without 0x7-0x9).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "admin_internal.h"
#include "vpf_parts.h"

/* A command of the engine's own (an internal slot; allowed while the
 * queue is being brought up). */
static int
v14_exec(struct vpf_pf *pf, struct vpf_admin_cmd *c)
{
	c->priv[2] |= CMD_F_INTERNAL;
	return admin_cmd_run(pf, c);
}

/* Every refusal names the dialect: the device is a 1.4 device vpf cannot
 * use. A device status becomes -ENOTSUP; a local or transport failure
 * (-ETIMEDOUT, -EIO, -ENODEV, ...) keeps its errno. */
/* LIST_USE of @p use on the SR-IOV group. */
static int
sriov_list_use(struct vpf_pf *pf, uint64_t use)
{
	struct vpf_admin_cmd c;
	uint64_t le = rte_cpu_to_le_64(use);
	int rc;

	memset(&c, 0, sizeof(c));
	admin_v14_prep(&c, VPF_ADMIN_OP_LIST_USE, VPF_ADMIN_GROUP_SRIOV, 0);
	c.data = &le;
	c.data_len = sizeof(le);
	rc = v14_exec(pf, &c);
	if (rc == 0)
		pf->cmds_enabled = use;
	return rc;
}

static int
v14_refuse(struct vpf_pf *pf, int rc, uint64_t sup, const char *what)
{
	char keep[256];

	snprintf(keep, sizeof(keep), "%s", what);
	if (rc != -ETIMEDOUT && rc != -EIO && rc != -ENODEV && rc != -ECANCELED &&
	    rc != -ENOMEM)
		rc = -ENOTSUP;
	ADMIN_LOG(ERR, pf, "virtio 1.4 device-parts dialect: %s", keep);
	return vpf_error(rc, "device speaks the virtio 1.4 device-parts dialect (LIST_QUERY bit 0xe set, bitmap 0x%" PRIx64
			 ") but %s", sup, keep);
}

int
admin_v14_negotiate(struct vpf_pf *pf, uint64_t sup)
{
	struct pf_v14 *v = &pf->v14;
	struct vpf_admin_cmd c;
	uint64_t bm[8], use, le, capw;
	uint8_t data[16], res[8];
	char why[200];
	int rc;

	admin_v14_objs_reset(pf);
	v->caps_no_self_list = false;
	v->self_supported = 0;
	v->self_enabled = VPF_ADMIN_OPS_LIST;
	v->caps = 0;
	v->dev_get_limit = v->dev_set_limit = 0;
	v->get_limit = v->set_limit = 0;
	pf->cmds_enabled = VPF_ADMIN_OPS_LIST;

	if ((sup & VPF_ADMIN_V14_OPS_PARTS) != VPF_ADMIN_V14_OPS_PARTS) {
		snprintf(why, sizeof(why), "lacks device-parts commands (needs 0xa, 0xd-0x11: 0x%" PRIx64
			 " missing)", VPF_ADMIN_V14_OPS_PARTS & ~sup);
		return v14_refuse(pf, -ENOTSUP, sup, why);
	}
	if (!(sup & VPF_ADMIN_OP_BIT(VPF_ADMIN_OP_LIST_USE)))
		return v14_refuse(pf, -ENOTSUP, sup, "does not report LIST_USE");

	/* Self group: LIST_QUERY, then LIST_USE of the capability commands
	 * (D-DRV14.2). */
	memset(bm, 0, sizeof(bm));
	memset(&c, 0, sizeof(c));
	admin_v14_prep(&c, VPF_ADMIN_OP_LIST_QUERY, VPF_ADMIN_GROUP_SELF, 0);
	c.result = bm;
	c.result_len = sizeof(bm);
	rc = v14_exec(pf, &c);
	if (rc < 0 && c.status == VPF_ADMIN_STATUS_EINVAL &&
	    c.qualifier == VPF_ADMIN_SQ_INVALID_GROUP) {
		/* The device does not know the self group in LIST_QUERY: it
		 * is of the kind Linux drives, and so driven the Linux way:
		 * the capability commands it reports in the SR-IOV
		 * LIST_QUERY go into the SR-IOV LIST_USE, sent first, and
		 * are then sent on the self group without a self-group
		 * LIST_USE. Only here (D-DRV14.2). */
		v->caps_no_self_list = true;
		v->self_enabled = VPF_ADMIN_OPS_LIST | VPF_ADMIN_V14_OPS_CAP;
		ADMIN_LOG(WARNING, pf, "device refuses the self-group LIST_QUERY (INVALID_GROUP): capability commands are sent without a self-group LIST_USE");
		rc = sriov_list_use(pf, VPF_ADMIN_OPS_LIST | VPF_ADMIN_V14_OPS_PARTS |
				    (sup & VPF_ADMIN_V14_OPS_CAP));
		if (rc < 0) {
			snprintf(why, sizeof(why), "its SR-IOV LIST_USE failed: %.150s",
				 vpf_last_error());
			return v14_refuse(pf, rc, sup, why);
		}
	} else if (rc < 0) {
		snprintf(why, sizeof(why), "its self-group LIST_QUERY failed: %.150s",
			 vpf_last_error());
		return v14_refuse(pf, rc, sup, why);
	} else {
		v->self_supported = rte_le_to_cpu_64(bm[0]);
		if ((v->self_supported & VPF_ADMIN_V14_OPS_CAP) != VPF_ADMIN_V14_OPS_CAP) {
			snprintf(why, sizeof(why), "its self group lacks the capability commands 0x7-0x9 (bitmap 0x%" PRIx64 ")",
				 v->self_supported);
			return v14_refuse(pf, -ENOTSUP, sup, why);
		}
		use = VPF_ADMIN_OPS_LIST | VPF_ADMIN_V14_OPS_CAP;
		le = rte_cpu_to_le_64(use);
		memset(&c, 0, sizeof(c));
		admin_v14_prep(&c, VPF_ADMIN_OP_LIST_USE, VPF_ADMIN_GROUP_SELF, 0);
		c.data = &le;
		c.data_len = sizeof(le);
		rc = v14_exec(pf, &c);
		if (rc < 0) {
			snprintf(why, sizeof(why), "its self-group LIST_USE failed: %.150s",
				 vpf_last_error());
			return v14_refuse(pf, rc, sup, why);
		}
		v->self_enabled = use;
	}

	/* Capabilities, once per device generation. */
	memset(&c, 0, sizeof(c));
	capw = 0;
	admin_v14_prep(&c, VPF_ADMIN_V14_OP_CAP_ID_LIST_QUERY, VPF_ADMIN_GROUP_SELF, 0);
	c.result = &capw;
	c.result_len = sizeof(capw);
	rc = v14_exec(pf, &c);
	if (rc < 0) {
		snprintf(why, sizeof(why), "CAP_ID_LIST_QUERY failed: %.150s",
			 vpf_last_error());
		return v14_refuse(pf, rc, sup, why);
	}
	v->caps = rte_le_to_cpu_64(capw);
	if (!(v->caps & (UINT64_C(1) << VPF_ADMIN_V14_CAP_DEV_PARTS))) {
		snprintf(why, sizeof(why), "does not offer the device-parts capability (0x0000; capabilities 0x%" PRIx64 ")",
			 v->caps);
		return v14_refuse(pf, -ENOTSUP, sup, why);
	}
	memset(data, 0, sizeof(data));
	memset(res, 0, sizeof(res));
	memset(&c, 0, sizeof(c));
	admin_v14_prep(&c, VPF_ADMIN_V14_OP_DEVICE_CAP_GET, VPF_ADMIN_GROUP_SELF, 0);
	c.data = data;			/* le16 id 0, 6 reserved */
	c.data_len = 8;
	c.result = res;			/* u8 get_limit, u8 set_limit */
	c.result_len = sizeof(res);
	rc = v14_exec(pf, &c);
	if (rc < 0) {
		snprintf(why, sizeof(why), "DEVICE_CAP_GET of the device-parts capability failed: %.120s",
			 vpf_last_error());
		return v14_refuse(pf, rc, sup, why);
	}
	v->dev_get_limit = res[0];
	v->dev_set_limit = res[1];
	if (res[0] == 0 && res[1] == 0)
		return v14_refuse(pf, -ENOTSUP, sup,
				  "allows no device-parts object (get and set limits 0)");
	/* The driver takes what the device offers (D-DRV14.5). */
	memset(data, 0, sizeof(data));
	data[8] = res[0];
	data[9] = res[1];
	memset(&c, 0, sizeof(c));
	admin_v14_prep(&c, VPF_ADMIN_V14_OP_DRIVER_CAP_SET, VPF_ADMIN_GROUP_SELF, 0);
	c.data = data;			/* le16 id; 6 reserved; get; set; pad */
	c.data_len = sizeof(data);
	rc = v14_exec(pf, &c);
	if (rc < 0) {
		snprintf(why, sizeof(why), "DRIVER_CAP_SET of the device-parts limits (get %u, set %u) failed: %.100s",
			 res[0], res[1], vpf_last_error());
		return v14_refuse(pf, rc, sup, why);
	}
	v->get_limit = res[0];
	v->set_limit = res[1];

	/* SR-IOV group: the device-parts commands, never the capability
	 * commands (D-DRV14.2); the fallback sent its LIST_USE already. */
	if (!v->caps_no_self_list) {
		rc = sriov_list_use(pf, VPF_ADMIN_OPS_LIST | VPF_ADMIN_V14_OPS_PARTS);
		if (rc < 0) {
			snprintf(why, sizeof(why), "its SR-IOV LIST_USE failed: %.150s",
				 vpf_last_error());
			return v14_refuse(pf, rc, sup, why);
		}
	}
	ADMIN_LOG(INFO, pf, "virtio 1.4 device parts: object limits get %u, set %u%s",
		  v->get_limit, v->set_limit,
		  v->caps_no_self_list ? " (capabilities without self-group LIST_USE)" : "");
	return 0;
}

/* ------------------------------------------------------------------------
 * The capability commands for tools (include/vpf_admin.h: cap_list,
 * cap_get, cap_set) and object creation at a chosen id (D-CLI14.1,
 * D-CLI14.2)
 * --------------------------------------------------------------------- */

static int
v14_cap_check(struct vpf_pf *pf)
{
	if (pf == NULL)
		return vpf_error(-EINVAL, "no PF");
	if (pf->dialect != VPF_DIALECT_V14_PARTS)
		return vpf_error(-ENOTSUP, "PF %s does not speak the virtio 1.4 device-parts dialect",
				 pf->name);
	return 0;
}

int
vpf_admin_v14_cap_list(struct vpf_pf *pf, uint64_t *ids)
{
	struct vpf_admin_cmd c;
	uint64_t w = 0;
	int rc;

	if (ids == NULL)
		return vpf_error(-EINVAL, "no output");
	rc = v14_cap_check(pf);
	if (rc < 0)
		return rc;
	memset(&c, 0, sizeof(c));
	admin_v14_prep(&c, VPF_ADMIN_V14_OP_CAP_ID_LIST_QUERY, VPF_ADMIN_GROUP_SELF, 0);
	c.result = &w;
	c.result_len = sizeof(w);
	rc = admin_cmd_run(pf, &c);
	if (rc < 0)
		return rc;
	/* admin_v14_check_result() refused a result under 8 bytes. */
	*ids = rte_le_to_cpu_64(w);
	return 0;
}

int
vpf_admin_v14_cap_get(struct vpf_pf *pf, uint16_t id, void *buf, uint32_t cap,
		      uint32_t *len)
{
	uint8_t data[8], res[VPF_ADMIN_V14_CAP_DATA_MAX];
	struct vpf_admin_cmd c;
	uint32_t n;
	uint16_t le = rte_cpu_to_le_16(id);
	int rc;

	if (len == NULL || (buf == NULL && cap > 0))
		return vpf_error(-EINVAL, "no output");
	*len = 0;
	rc = v14_cap_check(pf);
	if (rc < 0)
		return rc;
	memset(data, 0, sizeof(data));
	memcpy(data, &le, sizeof(le));		/* le16 id, 6 reserved */
	memset(res, 0, sizeof(res));
	memset(&c, 0, sizeof(c));
	admin_v14_prep(&c, VPF_ADMIN_V14_OP_DEVICE_CAP_GET, VPF_ADMIN_GROUP_SELF, 0);
	c.data = data;
	c.data_len = sizeof(data);
	c.result = res;
	c.result_len = sizeof(res);
	rc = admin_cmd_run(pf, &c);
	if (rc < 0)
		return rc;
	/* The engine never reports more than it posted; bounded again so
	 * that a wrong count cannot overrun @p res. */
	n = RTE_MIN(c.result_written, (uint32_t)sizeof(res));
	*len = n;
	if (cap > 0)
		memcpy(buf, res, RTE_MIN(n, cap));
	if (n > cap)
		return vpf_error(-ENOSPC, "DEVICE_CAP_GET of capability 0x%04x: %u bytes, room for %u",
				 id, n, cap);
	return 0;
}

int
vpf_admin_v14_cap_set(struct vpf_pf *pf, uint16_t id, const void *val,
		      uint32_t len)
{
	uint8_t data[8 + VPF_ADMIN_V14_CAP_DATA_MAX];
	struct pf_v14 *v;
	struct vpf_admin_cmd c;
	uint16_t le = rte_cpu_to_le_16(id);
	const uint8_t *b = val;
	int rc;

	rc = v14_cap_check(pf);
	if (rc < 0)
		return rc;
	if ((val == NULL && len > 0) || len > VPF_ADMIN_V14_CAP_DATA_MAX)
		return vpf_error(-EINVAL, "capability data of %u bytes (at most %u)",
				 len, VPF_ADMIN_V14_CAP_DATA_MAX);
	v = &pf->v14;
	if (id == VPF_ADMIN_V14_CAP_DEV_PARTS) {
		/* The allocator's id space is get + set of these limits:
		 * changing them under live or blocked ids could hand out an
		 * id the device still holds, or strand one (D-CLI14.2). */
		if (len != 2)
			return vpf_error(-EINVAL, "the device-parts capability is 2 bytes (get limit, set limit), not %u",
					 len);
		if (v->nget + v->nset + v->nquar > 0)
			return vpf_error(-EBUSY, "PF %s: %u GET and %u SET device-parts objects live, %u ids blocked: destroy them before changing the limits",
					 pf->name, v->nget, v->nset, v->nquar);
	}
	memset(data, 0, sizeof(data));
	memcpy(data, &le, sizeof(le));		/* le16 id, 6 reserved */
	if (len > 0)
		memcpy(data + 8, b, len);
	memset(&c, 0, sizeof(c));
	admin_v14_prep(&c, VPF_ADMIN_V14_OP_DRIVER_CAP_SET, VPF_ADMIN_GROUP_SELF, 0);
	c.data = data;
	c.data_len = 8 + RTE_ALIGN_CEIL(len, 8u);
	rc = admin_cmd_run(pf, &c);
	if (rc < 0)
		return rc;
	if (id == VPF_ADMIN_V14_CAP_DEV_PARTS) {
		/* The device enforces what the driver set: so does the
		 * allocator, until the next negotiation (a device reset or
		 * re-initialisation takes the device's limits again). No
		 * object was live, so the allocator starts over. */
		v->get_limit = b[0];
		v->set_limit = b[1];
		v->next = 0;
		ADMIN_LOG(INFO, pf, "device-parts object limits set to get %u, set %u",
			  v->get_limit, v->set_limit);
	}
	return 0;
}

int
vpf_admin_v14_obj_create_id(struct vpf_pf *pf, uint16_t vf, uint8_t kind,
			    uint32_t id, struct vpf_admin_v14_obj *obj)
{
	struct vpf_admin_cmd c;
	struct pf_v14 *v;
	struct pf_v14_obj *o;
	uint32_t *count, limit, n;
	char keep[256];
	int rc;

	if (obj == NULL)
		return vpf_error(-EINVAL, "no object");
	memset(obj, 0, sizeof(*obj));
	rc = v14_cap_check(pf);
	if (rc < 0)
		return rc;
	if (vf == 0 || vf > pf->num_vfs)
		return vpf_error(-EINVAL, "VF %u does not exist (PF %s has %u VFs)",
				 vf, pf->name, pf->num_vfs);
	if (kind != VPF_PARTS_OBJ_GET && kind != VPF_PARTS_OBJ_SET)
		return vpf_error(-EINVAL, "device-parts object kind %u (0 GET, 1 SET)", kind);
	v = &pf->v14;
	n = (uint32_t)v->get_limit + v->set_limit;
	if (id >= n)
		return vpf_error(-EINVAL, "object id %u out of range: PF %s has ids 0..%d (get limit %u + set limit %u)",
				 id, pf->name, (int)n - 1, v->get_limit, v->set_limit);
	o = &v->objs[id];
	if (o->state == PF_V14_LIVE)
		return vpf_error(-EEXIST, "object id %u is in use: a %s object of VF %u",
				 id, o->kind == VPF_PARTS_OBJ_GET ? "GET" : "SET", o->vf);
	if (o->state == PF_V14_QUAR)
		return vpf_error(-EBUSY, "object id %u is blocked until the next device reset (the device may hold it)",
				 id);
	count = kind == VPF_PARTS_OBJ_GET ? &v->nget : &v->nset;
	limit = kind == VPF_PARTS_OBJ_GET ? v->get_limit : v->set_limit;
	if (*count >= limit)
		return vpf_error(-ENOSPC, "PF %s: no device-parts %s object left: %u of %u in use",
				 pf->name, kind == VPF_PARTS_OBJ_GET ? "GET" : "SET",
				 *count, limit);
	/* Taken as admin_v14_obj_take() takes one, at this id. */
	o->state = PF_V14_LIVE;
	o->vf = vf;
	o->kind = kind;
	(*count)++;
	obj->id = id;
	obj->vf = vf;
	obj->kind = kind;
	obj->valid = 1;
	obj->gen = v->gen;
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
