/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Internal to lib/admin: what the engine's files need of the virtio 1.4
 * device-parts dialect (doc/protocol.md §10.7, doc/driver.md "The 1.4
 * dialect"). Included by admin_internal.h.
 */

#ifndef VPF_ADMIN_V14_H
#define VPF_ADMIN_V14_H

#include <stdbool.h>
#include <stdint.h>

#include "pf/pf_internal.h"

/* Opcodes usable in @p group on @p pf now. A draft PF keeps one list for
 * every group (the device refuses a wrong group); a 1.4 PF has the
 * capability commands on the self group and the device-parts commands on
 * the SR-IOV group (D-DRV14.2). */
static inline uint64_t
admin_enabled(const struct vpf_pf *pf, uint16_t group)
{
	if (pf->dialect == VPF_DIALECT_V14_PARTS &&
	    group == VPF_ADMIN_GROUP_SELF)
		return pf->v14.self_enabled;
	return pf->cmds_enabled;
}

/* A 1.4 METADATA_GET or PARTS_GET: ENOMEM means "result buffer too small",
 * which a retry of the same command cannot cure: the caller sizes again
 * (D-DRV14.9). */
static inline bool
admin_v14_enomem_sizes(const struct vpf_admin_cmd *c)
{
	return (c->priv[2] & CMD_F_V14) &&
	       (c->opcode == VPF_ADMIN_V14_OP_DEV_PARTS_METADATA_GET ||
		c->opcode == VPF_ADMIN_V14_OP_DEV_PARTS_GET);
}

/* vpf_admin_v14_neg.c: after the SR-IOV LIST_QUERY reported bitmap @p sup
 * with bit 0xe: self group, capabilities, object limits, SR-IOV LIST_USE.
 * Resets the object allocator (the device was just reset). */
int admin_v14_negotiate(struct vpf_pf *pf, uint64_t sup);

/* vpf_admin_v14_objs.c */
/* The command was built for the other dialect than @p pf speaks. */
int admin_v14_dialect_error(struct vpf_pf *pf, const struct vpf_admin_cmd *c);
/* Opcode-specific checks of an OK 1.4 completion (the counterpart of
 * the draft's check_result()). */
int admin_v14_check_result(struct vpf_pf *pf, struct vpf_admin_cmd *c,
			   const uint8_t *res, uint32_t written,
			   uint32_t posted);
/* Forget every object: the device was reset (generation + 1). */
void admin_v14_objs_reset(struct vpf_pf *pf);
/* Builders of the internal commands (CMD_F_V14 set). @p data must stay
 * valid while the command is in flight. */
void admin_v14_prep(struct vpf_admin_cmd *c, uint16_t op, uint16_t group,
		    uint64_t member);
/* Allocator steps shared by the synchronous calls and the transfers. */
int admin_v14_obj_take(struct vpf_pf *pf, uint16_t vf, uint8_t kind,
		       struct vpf_admin_v14_obj *obj);
void admin_v14_prep_create(struct vpf_admin_cmd *c,
			   const struct vpf_admin_v14_obj *obj);
void admin_v14_prep_destroy(struct vpf_admin_cmd *c,
			    const struct vpf_admin_v14_obj *obj);
void admin_v14_prep_meta(struct vpf_admin_cmd *c,
			 const struct vpf_admin_v14_obj *obj, uint8_t type,
			 void *res, uint32_t res_len);
void admin_v14_prep_get_all(struct vpf_admin_cmd *c,
			    const struct vpf_admin_v14_obj *obj, void *buf,
			    uint32_t len);
/* The outcome of a CREATE (rc of its completion): the id becomes live,
 * free, or blocked. Returns the rc to report. */
int admin_v14_create_done(struct vpf_pf *pf, struct vpf_admin_v14_obj *obj,
			  int rc);
/* The outcome of a DESTROY (or none needed): the id is freed or blocked;
 * @p obj is invalid afterwards. Returns the rc to report. */
int admin_v14_destroy_done(struct vpf_pf *pf, struct vpf_admin_v14_obj *obj,
			   int rc);
/* Whether @p obj still names an object of the device's current
 * generation (false: a reset destroyed it). */
bool admin_v14_obj_current(const struct vpf_pf *pf,
			   const struct vpf_admin_v14_obj *obj);
/* PARTS_SET data (object header, the validated @p parts, zero padding to
 * 8) into @p out of @p cap bytes; @p dlen receives its length. */
int admin_v14_build_set(struct vpf_pf *pf, const struct vpf_admin_v14_obj *obj,
			const void *parts, uint32_t len, void *out, size_t cap,
			uint32_t *dlen);
/* Check a PARTS_GET result of @p len bytes (SIZE said @p size). */
int admin_v14_check_parts(struct vpf_pf *pf, uint16_t vf, const void *buf,
			  uint32_t len, uint32_t size);

#endif /* VPF_ADMIN_V14_H */
