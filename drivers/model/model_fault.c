/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Fault injection (doc/model.md "Faults"): the public API that arms a
 * fault for a VF or the whole PF, and the pick made when the device
 * fetches a command. What each fault does to the command is carried out
 * by the admin queue (model_aq.c).
 */

#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>

#include "model_internal.h"

/* Default parameter of FLR and reset faults whose param is 0. */
#define FAULT_BUSY_US_DEFAULT	2000u

static const char *const fault_names[VPF_MODEL_FAULT_MAX] = {
	[VPF_MODEL_FAULT_NONE] = "none",
	[VPF_MODEL_FAULT_HANG] = "hang",
	[VPF_MODEL_FAULT_DELAY] = "delay",
	[VPF_MODEL_FAULT_EAGAIN] = "eagain",
	[VPF_MODEL_FAULT_EINVAL] = "einval",
	[VPF_MODEL_FAULT_FLR] = "flr",
	[VPF_MODEL_FAULT_RESET] = "reset",
	[VPF_MODEL_FAULT_DMA] = "dma",
	[VPF_MODEL_FAULT_BAD_ID] = "bad-id",
	[VPF_MODEL_FAULT_BAD_LEN] = "bad-len",
	[VPF_MODEL_FAULT_DUP] = "dup",
};

int
vpf_model_fault_parse(const char *name, enum vpf_model_fault_kind *kind)
{
	int i;

	if (name == NULL || kind == NULL)
		return -EINVAL;
	for (i = 0; i < VPF_MODEL_FAULT_MAX; i++) {
		if (strcmp(name, fault_names[i]) == 0) {
			*kind = (enum vpf_model_fault_kind)i;
			return 0;
		}
	}
	return vpf_error(-EINVAL, "unknown fault '%s' (hang delay eagain "
			 "einval flr reset dma bad-id bad-len dup)", name);
}

const char *
vpf_model_fault_name(enum vpf_model_fault_kind kind)
{
	if ((int)kind < 0 || kind >= VPF_MODEL_FAULT_MAX)
		return "unknown";
	return fault_names[kind];
}

/* Arm VF @p vf_id's fault (the PF's for 0) under the model's lock, in one
 * go: a command fetched meanwhile by the device thread sees either the
 * old fault or the whole new one. @p ms 0: by count; @p op < 0: any
 * opcode. */
static int
fault_arm(struct vpf_model *m, uint16_t vf_id, enum vpf_model_fault_kind kind,
	  uint32_t count, uint32_t ms, int op, uint32_t param)
{
	struct model_fault *f;
	struct model_vf *vf;

	if (m == NULL || (int)kind < 0 || kind >= VPF_MODEL_FAULT_MAX)
		return vpf_error(-EINVAL, "model fault: bad arguments");
	if (vf_id == 0) {
		pthread_mutex_lock(&m->lock);
		f = &m->pf_fault;
	} else {
		if (model_lock_vf(m, vf_id, &vf) != 0)
			return -EINVAL;
		f = &vf->fault;
	}
	f->kind = kind;
	f->count = kind == VPF_MODEL_FAULT_NONE ? 0 : (count ? count : 1);
	f->until_ns = kind == VPF_MODEL_FAULT_NONE || ms == 0 ? 0 :
		      vpf_now_ns() + 1000000ull * ms;
	f->param = param;
	f->by_op = kind != VPF_MODEL_FAULT_NONE && op >= 0;
	f->op = f->by_op ? (uint16_t)op : 0;
	pthread_mutex_unlock(&m->lock);
	return 0;
}

int
vpf_model_fault_inject(struct vpf_model *m, uint16_t vf_id,
		       enum vpf_model_fault_kind kind, uint32_t count,
		       uint32_t param)
{
	return fault_arm(m, vf_id, kind, count, 0, -1, param);
}

int
vpf_model_fault_inject_op(struct vpf_model *m, uint16_t vf_id,
			  uint16_t opcode, enum vpf_model_fault_kind kind,
			  uint32_t count, uint32_t param)
{
	return fault_arm(m, vf_id, kind, count, 0, opcode, param);
}

int
vpf_model_fault_inject_for(struct vpf_model *m, uint16_t vf_id,
			   enum vpf_model_fault_kind kind, uint32_t ms,
			   uint32_t param)
{
	return fault_arm(m, vf_id, kind, 1, ms ? ms : 1, -1, param);
}

void
vpf_model_fault_clear(struct vpf_model *m)
{
	uint16_t i;

	if (m == NULL)
		return;
	pthread_mutex_lock(&m->lock);
	memset(&m->pf_fault, 0, sizeof(m->pf_fault));
	for (i = 0; i < m->total_vfs; i++) {
		memset(&m->vf[i].fault, 0, sizeof(m->vf[i].fault));
		m->vf[i].busy_until = 0;
	}
	pthread_mutex_unlock(&m->lock);
}


/* ---------------------------------------------------------------------
 * The pick at fetch time
 * ------------------------------------------------------------------ */

/* Whether @p f hits a command with opcode @p op (-1: the header could
 * not be read, which a fault aimed at an opcode never hits). */
static bool
fault_active(struct model_fault *f, int op)
{
	if (f->kind == VPF_MODEL_FAULT_NONE)
		return false;
	if (f->by_op && op != (int)f->op)
		return false;
	if (f->until_ns != 0) {
		if (vpf_now_ns() < f->until_ns)
			return true;
		f->kind = VPF_MODEL_FAULT_NONE;
		f->until_ns = 0;
		return false;
	}
	return f->count > 0;
}

/* Which fault (if any) the command gets: the VF's own first, then the
 * PF-wide one. */
void
model_fault_pick(struct vpf_model *m, struct model_cmd *c)
{
	struct model_fault *f = NULL;
	struct model_vf *vf = NULL;
	int op = -1;

	c->fault = VPF_MODEL_FAULT_NONE;
	c->fault_param = 0;
	if (!c->too_big && c->r_total >= sizeof(struct vpf_admin_cmd_hdr)) {
		const struct vpf_admin_cmd_hdr *h = (const void *)c->data;

		op = rte_le_to_cpu_16(h->opcode);
		if (rte_le_to_cpu_16(h->group_type) == VPF_ADMIN_GROUP_SRIOV)
			vf = model_vf_get(m, rte_le_to_cpu_64(h->group_member_id));
	}
	/* A fault aimed at another opcode leaves the command alone (and
	 * is not used up by it). */
	if (vf != NULL && fault_active(&vf->fault, op))
		f = &vf->fault;
	else if (fault_active(&m->pf_fault, op))
		f = &m->pf_fault;
	if (f == NULL)
		return;
	c->fault = f->kind;
	c->fault_param = f->param;
	if (f->until_ns == 0 && --f->count == 0)
		f->kind = VPF_MODEL_FAULT_NONE;

	if (c->fault == VPF_MODEL_FAULT_FLR || c->fault == VPF_MODEL_FAULT_RESET) {
		uint64_t until = vpf_now_ns() + 1000ull *
			(c->fault_param ? c->fault_param : FAULT_BUSY_US_DEFAULT);
		uint16_t i;

		if (vf != NULL && f == &vf->fault) {
			vf->busy_until = until;
		} else {
			/* A PF-wide reset/FLR keeps every VF busy. */
			for (i = 0; i < m->total_vfs; i++)
				m->vf[i].busy_until = until;
		}
	}
}
