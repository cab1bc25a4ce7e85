/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Command list negotiation (doc/protocol.md §2): LIST_QUERY, the dialect
 * and the optional command sets it reveals, then LIST_USE. Run at attach
 * and after every device re-initialisation (recovery, owner reset).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "admin_internal.h"

static void
names_of(uint64_t bits, char *buf, size_t len)
{
	size_t n = 0;
	unsigned int b;

	buf[0] = '\0';
	for (b = 0; b < 64 && n < len; b++) {
		if (!(bits & VPF_ADMIN_OP_BIT(b)))
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s(0x%x)", n ? ", " : "",
				      vpf_admin_opcode_name((uint16_t)b), b);
	}
}

int
vpf_admin_negotiate(struct vpf_pf *pf)
{
	struct vpf_admin_cmd c;
	uint64_t bm[8], sup, use, le;
	char names[256];
	int rc;

	memset(&c, 0, sizeof(c));
	memset(bm, 0, sizeof(bm));
	admin_cmd_prep(&c, VPF_ADMIN_OP_LIST_QUERY, 0);
	c.result = bm;
	c.result_len = sizeof(bm);	/* opcodes 0..511 */
	c.priv[2] = CMD_F_INTERNAL;
	c.done = NULL;
	rc = vpf_admin_exec(pf, &c);
	if (rc < 0) {
		if (c.status == VPF_ADMIN_STATUS_EINVAL &&
		    c.qualifier == VPF_ADMIN_SQ_INVALID_GROUP)
			return vpf_error(-ENOTSUP,
					 "LIST_QUERY refused for the SR-IOV group (INVALID_GROUP): VFs are not enabled (NumVFs %u, VF Enable %s)",
					 pf->vd.sriov.num_vfs,
					 pf->vd.sriov.vf_enabled ? "set" : "clear");
		/* The message is an argument: copy it before overwriting. */
		snprintf(names, sizeof(names), "%s", vpf_last_error());
		return vpf_error(rc, "LIST_QUERY failed: %s", names);
	}
	sup = rte_le_to_cpu_64(bm[0]);
	pf->cmds_supported = sup;

	/* Dialect from the whole bitmap (doc/protocol.md §2.3, D-2.1): bit
	 * 0xe is the 1.4 device-parts dialect (D-DRV14.1). */
	if (sup & VPF_ADMIN_OP_BIT(VPF_ADMIN_OP_V14_DEV_PARTS_METADATA_GET)) {
		pf->dialect = VPF_DIALECT_V14_PARTS;
		pf->has_fields_query = false;
		pf->has_write_record = false;
		return admin_v14_negotiate(pf, sup);
	}
	if ((sup & VPF_ADMIN_OPS_MIGRATION) != VPF_ADMIN_OPS_MIGRATION) {
		pf->dialect = VPF_DIALECT_UNKNOWN;
		names_of(VPF_ADMIN_OPS_MIGRATION & ~sup, names, sizeof(names));
		return vpf_error(-ENOTSUP,
				 "device lacks the base migration commands %s (LIST_QUERY bitmap 0x%" PRIx64 ")",
				 names, sup);
	}
	if (!(sup & VPF_ADMIN_OP_BIT(VPF_ADMIN_OP_LIST_USE)))
		return vpf_error(-ENOTSUP, "device does not report LIST_USE (bitmap 0x%" PRIx64 ")",
				 sup);
	pf->dialect = VPF_DIALECT_DRAFT_2023;
	use = VPF_ADMIN_OPS_LIST | VPF_ADMIN_OPS_MIGRATION;
	pf->has_fields_query =
		(sup & VPF_ADMIN_OP_BIT(VPF_ADMIN_OP_DEV_CTX_FIELDS_QUERY)) != 0;
	if (pf->has_fields_query)
		use |= VPF_ADMIN_OP_BIT(VPF_ADMIN_OP_DEV_CTX_FIELDS_QUERY);
	else
		ADMIN_LOG(WARNING, pf, "device has no DEV_CTX_FIELDS_QUERY: no compatibility check possible");
	/* Write recording is all or none; a partial set counts as absent
	 * (doc/protocol.md §2.4, D-DRV.14). */
	pf->has_write_record =
		(sup & VPF_ADMIN_OPS_WRITE_RECORD) == VPF_ADMIN_OPS_WRITE_RECORD;
	if (pf->has_write_record)
		use |= VPF_ADMIN_OPS_WRITE_RECORD;
	else if (sup & VPF_ADMIN_OPS_WRITE_RECORD)
		ADMIN_LOG(WARNING, pf, "device offers only part of write recording (bitmap 0x%" PRIx64
			  "): not used", sup);

	le = rte_cpu_to_le_64(use);
	memset(&c, 0, sizeof(c));
	admin_cmd_prep(&c, VPF_ADMIN_OP_LIST_USE, 0);
	c.data = &le;
	c.data_len = sizeof(le);
	c.priv[2] = CMD_F_INTERNAL;
	rc = vpf_admin_exec(pf, &c);
	if (rc < 0) {
		snprintf(names, sizeof(names), "%s", vpf_last_error());
		return vpf_error(rc, "LIST_USE failed: %s", names);
	}
	pf->cmds_enabled = use;
	return 0;
}
