/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Admin command engine, submit side: local checks of a request, a slot and
 * its premapped buffers, the chain on the admin queue, the doorbell, and
 * vpf_admin_exec() (submit and poll until done). No allocation.
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_debug.h>
#include <rte_pause.h>

#include "admin_internal.h"

void
admin_slot_fill(struct vpf_pf *pf, struct vpf_admin_slot *s)
{
	struct vpf_admin_cmd *c = s->cmd;
	uint32_t dlen = ROUND8(c->data_len);
	uint8_t *rd = s->rd;
	uint64_t rd_iova = s->rd_iova;
	struct vpf_admin_cmd_hdr *h;

	s->rd_len = HDR_LEN + dlen;
	s->wr_len = STS_LEN + ROUND8(c->result_len);
	s->wr_post = s->wr;
	s->wr_post_iova = s->wr_iova;
	/* At most one part is big (submit_check): it takes the big buffer. */
	if (s->big >= 0) {
		uint8_t *b = (uint8_t *)pf->big_mem.va + (size_t)s->big * pf->big_len;
		uint64_t bi = pf->big_mem.iova + (uint64_t)s->big * pf->big_len;

		if (s->rd_len > SLOT_SMALL_RD) {
			rd = b;
			rd_iova = bi;
		} else {
			s->wr_post = b;
			s->wr_post_iova = bi;
		}
	}
	h = (struct vpf_admin_cmd_hdr *)rd;
	h->opcode = rte_cpu_to_le_16(c->opcode);
	h->group_type = rte_cpu_to_le_16(c->group_type);
	memset(h->reserved1, 0, sizeof(h->reserved1));
	h->group_member_id = rte_cpu_to_le_64(c->member);
	if (c->data_len)
		memcpy(rd + HDR_LEN, c->data, c->data_len);
	if (dlen != c->data_len)	/* zero padding to 8 (doc/protocol.md §1.2) */
		memset(rd + HDR_LEN + c->data_len, 0, dlen - c->data_len);
	s->rd_post_iova = rd_iova;
}

void
admin_slot_post(struct vpf_pf *pf, struct vpf_admin_slot *s)
{
	struct vpf_vq_buf out, in;
	int rc;

	out.iova = s->rd_post_iova;
	out.len = s->rd_len;
	in.iova = s->wr_post_iova;
	in.len = s->wr_len;
	/* Status sentinel and result poison: a device that claims to have
	 * written them but did not cannot make an earlier command's OK and
	 * result appear (D-DRV.7). */
	memset(s->wr_post, 0xff, STS_LEN + RTE_MIN(s->wr_len - STS_LEN, RES_POISON));
	rc = vpf_vq_add(&pf->aq, &out, 1, &in, 1, s);
	/* Cannot fail: there are never more slots than descriptor pairs. */
	RTE_VERIFY(rc >= 0);
	s->state = SLOT_RING;
	s->deadline_tk = UINT64_MAX;	/* set when the doorbell rings */
	s->ahead = pf->nring;
	if (s->ahead == 0)
		conc_burst_begin(pf, s->cmd->opcode);
	ring_append(pf, s);
	if (++pf->unkicked >= ADMIN_KICK_BATCH)
		vpf_admin_kick(pf);
}

static int
submit_check(struct vpf_pf *pf, const struct vpf_admin_cmd *c)
{
	uint32_t dlen, rlen;

	if (unlikely(pf->gone))
		return vpf_error(-ENODEV, "PF %s: device is gone", pf->name);
	if (unlikely(pf->detaching))
		return vpf_error(-ENODEV, "PF %s is being detached", pf->name);
	if (unlikely(pf->dead))
		return vpf_error(-EIO, "PF %s is failed: %s; detach and attach again",
				 pf->name, pf->dead_why);
	if (unlikely(pf->recovering && !(c->priv[2] & CMD_F_INTERNAL)))
		return vpf_error(-EBUSY, "PF %s: admin queue is being recovered",
				 pf->name);
	if (unlikely(c->priv[1] == CMD_BUSY))
		return vpf_error(-EINVAL, "%s: command is already in flight",
				 admin_opname(pf, c->opcode));
	if (unlikely(c->opcode >= 64 ||
		     !(admin_enabled(pf, c->group_type) & VPF_ADMIN_OP_BIT(c->opcode))))
		return vpf_error(-ENOTSUP, "command %s (0x%x) not enabled on this device",
				 admin_opname(pf, c->opcode), c->opcode);
	/* A command built for the other dialect never reaches the device
	 * (D-DRV14.4): a draft CTX_READ would be a 1.4 CREATE. */
	if (unlikely(c->opcode > VPF_ADMIN_OP_LIST_USE &&
		     (pf->dialect == VPF_DIALECT_V14_PARTS) !=
		     ((c->priv[2] & CMD_F_V14) != 0)))
		return admin_v14_dialect_error(pf, c);
	if (unlikely(c->opcode == VPF_ADMIN_OP_LIST_USE)) {
		/* The engine owns the command list: a LIST_USE from outside
		 * would leave its idea of what is enabled wrong. */
		if (!(c->priv[2] & CMD_F_INTERNAL))
			return vpf_error(-EPERM, "LIST_USE is sent by the driver at attach and recovery only");
		/* Only with nothing else outstanding (doc/protocol.md §2.2). */
		if (pf->nring != 0)
			return vpf_error(-EBUSY, "LIST_USE while %u commands are outstanding",
					 pf->nring);
	}
	if (unlikely(c->group_type == VPF_ADMIN_GROUP_SELF &&
		     (c->priv[2] & CMD_F_V14) && c->member != 0))
		return vpf_error(-EINVAL, "%s: the self group has member 0 only",
				 admin_opname(pf, c->opcode));
	if (c->opcode > VPF_ADMIN_OP_LIST_USE &&
	    c->group_type == VPF_ADMIN_GROUP_SRIOV &&
	    unlikely(c->member == 0 || c->member > pf->num_vfs))
		return vpf_error(-EINVAL, "VF %" PRIu64 " does not exist (PF %s has %u VFs)",
				 c->member, pf->name, pf->num_vfs);
	if (unlikely((c->data_len % VPF_ADMIN_ALIGN) && !(c->priv[2] & CMD_F_PAD)))
		return vpf_error(-EINVAL, "%s: data length %u is not a multiple of 8",
				 admin_opname(pf, c->opcode), c->data_len);
	/* Every CTX_READ result buffer is a non-zero multiple of 8 (D-1.1):
	 * the device fails any other, and context_len < posted would be
	 * taken for the end of the stream. */
	if (unlikely(c->opcode == VPF_ADMIN_OP_DEV_CTX_READ &&
		     !(c->priv[2] & CMD_F_V14) &&
		     (c->result_len == 0 || c->result_len % VPF_ADMIN_ALIGN)))
		return vpf_error(-EINVAL, "DEV_CTX_READ chunk of %u bytes: must be a non-zero multiple of 8",
				 c->result_len);
	if (unlikely((c->data_len && c->data == NULL) ||
		     (c->result_len && c->result == NULL)))
		return vpf_error(-EINVAL, "%s: length without a buffer",
				 admin_opname(pf, c->opcode));
	dlen = ROUND8(c->data_len);
	rlen = ROUND8(c->result_len);
	if (unlikely(c->data_len > pf->params.max_chunk ||
		     c->result_len > pf->params.max_chunk))
		return vpf_error(-EINVAL, "%s: data %u / result %u bytes exceed max_chunk %u",
				 admin_opname(pf, c->opcode), c->data_len, c->result_len,
				 pf->params.max_chunk);
	if (unlikely(HDR_LEN + dlen > SLOT_SMALL_RD && STS_LEN + rlen > SLOT_SMALL_WR))
		return vpf_error(-EINVAL, "%s: data and result both larger than %u bytes",
				 admin_opname(pf, c->opcode), SLOT_SMALL_RD - HDR_LEN);
	return 0;
}

int
vpf_admin_submit(struct vpf_pf *pf, struct vpf_admin_cmd *c)
{
	struct vpf_admin_slot *s;
	bool big;
	int rc;

	if (unlikely(pf == NULL || c == NULL))
		return vpf_error(-EINVAL, "no PF or no command");
	rc = submit_check(pf, c);
	if (unlikely(rc < 0)) {
		if (rc != -EBUSY)
			pf->stats[0].errors_local++;
		return rc;
	}
	big = HDR_LEN + ROUND8(c->data_len) > SLOT_SMALL_RD ||
	      STS_LEN + ROUND8(c->result_len) > SLOT_SMALL_WR;
	if (unlikely(big && pf->nfree_big == 0))
		return -EBUSY;
	if (unlikely((c->priv[2] & CMD_F_INTERNAL) && !pf->islot_busy)) {
		s = &pf->slots[pf->nslots];
		pf->islot_busy = true;
	} else if (likely(pf->nfree != 0)) {
		s = &pf->slots[pf->free_slots[--pf->nfree]];
	} else {
		return -EBUSY;
	}
	s->big = big ? pf->free_big[--pf->nfree_big] : -1;
	s->cmd = c;
	c->rc = 0;
	c->status = 0;
	c->qualifier = 0;
	c->output = 0;
	c->result_written = 0;
	c->retries = 0;
	c->latency_ns = 0;
	c->priv[0] = (uint64_t)(uintptr_t)s;
	c->priv[1] = CMD_BUSY;
	c->priv[3] = 0;
	pf->inflight++;
	admin_slot_fill(pf, s);
	admin_slot_post(pf, s);
	return 0;
}

void
vpf_admin_kick(struct vpf_pf *pf)
{
	struct vpf_admin_slot *s;
	uint64_t now;
	uint32_t n;
	int rc;

	if (pf->unkicked == 0)
		return;
	/* Deadlines (and latencies) start when the device is told: one clock
	 * read per batch. The commands of the batch are the newest on the
	 * in-flight list, so the list stays in deadline order. */
	now = vpf_ticks();
	for (s = pf->tail, n = pf->unkicked; s != NULL && n > 0; s = s->prev, n--) {
		s->deadline_tk = now + pf->timeout_tk;
		if (s->cmd->priv[3] == 0)
			s->cmd->priv[3] = now;
	}
	pf->unkicked = 0;
	rc = vpf_vq_kick(&pf->aq);
	if (unlikely(rc < 0))
		ADMIN_LOG(ERR, pf, "doorbell failed: %s", vpf_last_error());
}

int
vpf_admin_exec(struct vpf_pf *pf, struct vpf_admin_cmd *c)
{
	int rc;

	if (unlikely(pf == NULL || c == NULL))
		return vpf_error(-EINVAL, "no PF or no command");
	if (unlikely(pf->cb_depth != 0)) {
		c->rc = vpf_error(-EDEADLK, "PF %s: %s waits for its completion: not allowed in a completion callback",
				  pf->name, admin_opname(pf, c->opcode));
		return c->rc;
	}
	for (;;) {
		rc = vpf_admin_submit(pf, c);
		if (rc != -EBUSY || pf->recovering || pf->inflight == 0)
			break;
		/* Every slot is taken by asynchronous commands: make room. */
		rc = vpf_admin_poll(pf);
		if (rc < 0)
			break;
	}
	if (rc < 0) {
		if (rc == -EBUSY && pf->nfree == 0)
			vpf_error(rc, "PF %s: all %u admin command slots are in use",
				  pf->name, pf->nslots);
		c->rc = rc;
		return rc;
	}
	vpf_admin_kick(pf);
	while (c->priv[1] != CMD_DONE) {
		rc = vpf_admin_poll(pf);
		if (rc < 0 && c->priv[1] != CMD_DONE) {
			/* Cannot happen: a failing poll fails every command. */
			c->rc = rc;
			return rc;
		}
		if (rc == 0)
			rte_pause();
	}
	return c->rc;
}
