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

static int
v14_exec(struct vpf_pf *pf, struct vpf_admin_cmd *c)
{
	c->priv[2] |= CMD_F_INTERNAL;
	c->done = NULL;
	c->arg = NULL;
	c->priv[0] = 0;
	c->priv[1] = 0;
	return vpf_admin_exec(pf, c);
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
