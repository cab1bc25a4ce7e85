/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * The FIELDS_QUERY list (wire format) of the destination that the
 * migration-stream tests and the fuzz_mig_stream target parse against:
 * every known type, a 256-entry queue's own-descriptor field.
 */

#ifndef MIG_DST_FIELDS_H
#define MIG_DST_FIELDS_H

#include "vpf_ctx.h"
#include "vpf_spec.h"

static const struct vpf_admin_ctx_field_info dst_fields[] = {
	{ .type = VPF_CTX_PCI_COMMON_CFG, .length = 64 },
	{ .type = VPF_CTX_DEV_FEATURES, .length = 16 },
	{ .type = VPF_CTX_PCI_VQ_CFG, .length = 30 },
	{ .type = VPF_CTX_VQ_SPLIT_RUNTIME_CFG, .length = 5 },
	{ .type = VPF_CTX_VQ_SPLIT_DEV_OWN_DESC, .length = 4 + 2 * 256 },
	{ .type = VPF_CTX_DEV_CFG, .length = 12 },
};
#define NDST (sizeof(dst_fields) / sizeof(dst_fields[0]))

#endif
