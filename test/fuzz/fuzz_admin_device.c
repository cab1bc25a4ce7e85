/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * libFuzzer target: a hostile device on the admin queue. The input is a
 * script: the driver submits commands of every kind for many VFs, and the
 * "device" (test/pf/fake_dev.c, driven by hand) takes requests off the
 * avail ring and answers them with arbitrary used ids, lengths, statuses,
 * qualifiers, outputs and result bytes, duplicates, impossible used
 * indices, DEVICE_NEEDS_RESET and surprise removal. The driver must never
 * crash, read or write out of bounds (ASan), or lose a command: every
 * submitted command completes exactly once, at the latest at detach.
 *
 * And a command may complete with a device status (rc 0 or a status errno)
 * only if the device wrote a status into the buffer it posted after it was
 * posted: a duplicate or stray used entry naming its head must not complete
 * it with what an earlier command left there. An input starting with 0xa4
 * uses an admin queue of 4 (one command slot, heads reused at once) for
 * that; one starting with 0xa5 a device without RING_RESET, so that every
 * recovery re-initialises it and negotiates LIST_QUERY / LIST_USE.
 *
 * The device also misbehaves while the driver recovers: every doorbell the
 * recovery rings (its LIST_QUERY / LIST_USE) takes the next input byte to
 * decide how the device answers: normally, with an impossible used index,
 * not at all (deadline forced), by setting DEVICE_NEEDS_RESET, with a
 * stray used entry, or by disappearing. An exhausted input answers
 * normally, so that the recovery can end; the driver must never nest
 * recoveries (the stack would overflow) and must give up after
 * VPF_ADMIN_RECOVERY_MAX attempts.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../pf/fake_dev.c"

#include "vpf_pf.h"
#include "pf/pf_internal.h"

#define NCMD	48
#define NVF	8
#define NHELD	64

struct fcmd {
	struct vpf_admin_cmd c;
	uint8_t *res;		/* exact-size heap buffer: ASan sees overruns */
	uint8_t *data;
	uint64_t small;
	int busy;
	int completions;
	int written;		/* the device wrote a status into its buffer */
	uint32_t written_retries; /* ... while cmd->retries had this value */
};

static struct fcmd cmds[NCMD];
static struct fake_req held[NHELD];
static uint32_t nheld;
static struct vpf_pf *cur_pf;
static struct in *cur_in;

static void
on_done(struct vpf_admin_cmd *c)
{
	struct fcmd *f = c->arg;

	f->completions++;
	if (f->completions != 1 || !f->busy)
		abort();	/* completed twice, or never submitted */
	/* Everything the engine reports was checked against what it posted. */
	if (c->rc == 0 && c->result_written > ((c->result_len + 7u) & ~7u))
		abort();
	if (c->rc == 0 && c->opcode == VPF_ADMIN_OP_DEV_CTX_READ &&
	    c->output > c->result_len + 7u)
		abort();
	/* A device answer needs a status the device wrote for this post. */
	if (c->rc != -EIO && c->rc != -ETIMEDOUT && c->rc != -ECANCELED &&
	    c->rc != -ENODEV &&
	    (!f->written || f->written_retries != c->retries))
		abort();
	free(f->res);
	free(f->data);
	f->res = NULL;
	f->data = NULL;
	f->busy = 0;
}

struct in {
	const uint8_t *p;
	size_t n;
};

static uint8_t
u8(struct in *in)
{
	uint8_t v;

	if (in->n == 0)
		return 0;
	v = *in->p++;
	in->n--;
	return v;
}

static uint16_t
u16(struct in *in)
{
	return (uint16_t)(u8(in) | u8(in) << 8);
}

static uint32_t
u32(struct in *in)
{
	return (uint32_t)u16(in) | (uint32_t)u16(in) << 16;
}

/* Doorbells rung from inside a recovery: the script decides. */
static bool
recovery_kick(struct fake_dev *fd, void *arg)
{
	struct vpf_pf *pf = cur_pf;
	struct in *in = cur_in;
	uint8_t how;

	(void)arg;
	if (pf == NULL || in == NULL || !pf->recovering)
		return false;
	how = u8(in);
	switch (how % 6) {
	case 1:
		fake_bad_used_idx(fd);
		return true;
	case 2:
		/* Never answered: its deadline passes at the next poll. */
		if (pf->tail != NULL)
			pf->tail->deadline_tk = 0;
		return true;
	case 3:
		/* DEVICE_NEEDS_RESET, seen by the next poll's stall check;
		 * the device reset of the next attempt clears it. */
		fd->status |= VPF_STATUS_DEVICE_NEEDS_RESET;
		pf->stall_tk = 0;
		pf->last_check_tk = 0;
		pf->last_progress_tk = 0;
		return true;
	case 4:
		fake_process(fd);
		fake_push_used(fd, u8(in), u8(in));
		return true;
	case 5:
		if (u8(in) == 0x5a) {
			fd->flags |= FAKE_GONE;
			return true;
		}
		return false;
	default:
		fake_process(fd);
		return true;
	}
}

static void
submit(struct vpf_pf *pf, struct in *in)
{
	struct fcmd *f = &cmds[u8(in) % NCMD];
	uint16_t vf = (uint16_t)(u8(in) % (NVF + 1));	/* 0 is refused */
	uint8_t kind = u8(in);
	uint32_t len = ((uint32_t)(u8(in) % 64) + 1) * 8;

	if (f->busy)
		return;
	memset(&f->c, 0, sizeof(f->c));
	f->completions = 0;
	f->written = 0;
	switch (kind % 10) {
	case 0:
		f->res = malloc(1);
		vpf_admin_prep_mode_get(&f->c, vf, f->res);
		break;
	case 1:
		vpf_admin_prep_mode_set(&f->c, vf, kind >> 4);
		break;
	case 2:
		f->res = malloc(8);
		vpf_admin_prep_ctx_size_get(&f->c, vf, kind & 0x10, (uint64_t *)(void *)f->res);
		break;
	case 3:
		f->res = malloc(len);
		vpf_admin_prep_ctx_read(&f->c, vf, f->res, len);
		break;
	case 4:
		f->data = calloc(1, len);
		vpf_admin_prep_ctx_write(&f->c, vf, f->data, len);
		break;
	case 5:
		vpf_admin_prep_ctx_discard(&f->c, vf);
		break;
	case 6:
		f->res = malloc(len);
		f->c.opcode = VPF_ADMIN_OP_DEV_CTX_FIELDS_QUERY;
		f->c.group_type = VPF_ADMIN_GROUP_SRIOV;
		f->c.member = vf;
		f->c.result = f->res;
		f->c.result_len = len;
		break;
	case 7:
		f->res = malloc(len);
		f->data = calloc(1, 16);
		f->c.opcode = VPF_ADMIN_OP_DEV_WRITE_RECORDS_READ;
		f->c.group_type = VPF_ADMIN_GROUP_SRIOV;
		f->c.member = vf;
		f->c.data = f->data;
		f->c.data_len = 16;
		f->c.result = f->res;
		f->c.result_len = len;
		break;
	case 8:
		f->res = malloc(8);
		f->c.opcode = VPF_ADMIN_OP_DEV_WRITE_RECORD_CAP_QUERY;
		f->c.group_type = VPF_ADMIN_GROUP_SRIOV;
		f->c.member = vf;
		f->c.result = f->res;
		f->c.result_len = 5;	/* odd: posted as 8, 5 copied */
		break;
	default:
		/* Arbitrary raw request: opcode and sizes from the input. */
		f->c.opcode = u8(in);
		f->c.group_type = u8(in) & 1;
		f->c.member = vf;
		f->res = malloc(len);
		f->c.result = f->res;
		f->c.result_len = len - (u8(in) & 7);
		break;
	}
	f->c.done = on_done;
	f->c.arg = f;
	f->busy = 1;
	if (vpf_admin_submit(pf, &f->c) != 0) {
		free(f->res);
		free(f->data);
		f->res = NULL;
		f->data = NULL;
		f->busy = 0;
	}
}

/* The device is about to write a status at @p iova: note it for the
 * command (if any) whose posted writable buffer starts there. */
static void
mark_written(struct vpf_pf *pf, uint64_t iova)
{
	uint32_t i;

	for (i = 0; i < pf->nslots; i++) {
		struct vpf_admin_slot *s = &pf->slots[i];
		struct fcmd *f;

		if (s->state != SLOT_RING || s->cmd == NULL ||
		    s->cmd->done != on_done || s->wr_post_iova != iova)
			continue;
		f = s->cmd->arg;
		f->written = 1;
		f->written_retries = s->cmd->retries;
	}
}

static void
answer(struct vpf_pf *pf, struct fake_dev *fd, struct in *in)
{
	struct fake_req *r;
	uint8_t res[1024];
	uint32_t rlen, used;
	uint16_t st, q;
	uint32_t out;
	uint8_t how;

	if (nheld == 0)
		return;
	r = &held[u8(in) % nheld];
	how = u8(in);
	st = (how & 1) ? u16(in) : 0;
	q = (how & 2) ? u16(in) : 0;
	out = (how & 4) ? u32(in) : u8(in);
	rlen = u16(in) % sizeof(res);
	memset(res, u8(in), rlen);
	used = (how & 8) ? u32(in) : UINT32_MAX;
	if (how & 16) {
		/* An answer with a wrong id. */
		fake_push_used(fd, (how & 32) ? u16(in) : (uint32_t)r->head ^ 1, used == UINT32_MAX ? 8 + rlen : used);
	} else {
		if (r->nw > 0)
			mark_written(pf, r->w[0].iova);
		fake_complete(fd, r, st, q, out, res, rlen, used);
		if (how & 64)	/* and again */
			fake_push_used(fd, r->head, 8 + rlen);
	}
	if (!(how & 128)) {
		/* Drop it from the held list (answered). */
		*r = held[--nheld];
	}
}

/* One poll recovers at most once, and a recovery makes at most
 * VPF_ADMIN_RECOVERY_MAX attempts, each with one device reset: more resets
 * in one poll is a recovery entered from within a recovery. */
static void
poll(struct vpf_pf *pf, struct fake_dev *fd)
{
	uint32_t resets = fd->resets;

	(void)vpf_admin_poll(pf);
	if (fd->resets - resets > VPF_ADMIN_RECOVERY_MAX)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fake_dev fd;
	struct vpf_pf_params p;
	struct in in = { data, size };
	struct vpf_pf *pf;
	uint32_t steps = 0, i;
	uint32_t flags = 0;
	uint64_t stall;

	vpf_pf_params_init(&p);
	p.name = "fuzz";
	p.admin_queue_size = 64;
	if (in.n > 0 && in.p[0] == 0xa4) {
		p.admin_queue_size = 4;
		u8(&in);
	} else if (in.n > 0 && in.p[0] == 0xa5) {
		flags |= FAKE_NO_RING_RESET;
		u8(&in);
	}
	fake_init(&fd, NVF, flags);
	fd.on_kick = recovery_kick;
	cur_pf = NULL;
	cur_in = &in;
	p.max_chunk = 4096;
	p.retry_max = 2;
	p.retry_backoff_us = 1;
	p.cmd_timeout_us = 200000;	/* deadlines are forced by the script */
	p.reset_timeout_us = 1000;
	pf = vpf_pf_attach(&fake_ops, &fd, &p);
	if (pf == NULL)
		abort();
	cur_pf = pf;
	stall = pf->stall_tk;
	fd.auto_answer = false;
	nheld = 0;
	memset(cmds, 0, sizeof(cmds));

	while (in.n > 0 && steps++ < 2000) {
		uint8_t op = u8(&in);

		pf->stall_tk = stall;	/* a recovery_kick() may have forced it */

		switch (op % 12) {
		case 0:
		case 1:
		case 2:
			submit(pf, &in);
			break;
		case 3:
			vpf_admin_kick(pf);
			break;
		case 4:
			if (nheld < NHELD && fake_pop(&fd, &held[nheld]) == 1)
				nheld++;
			break;
		case 5:
		case 6:
			answer(pf, &fd, &in);
			break;
		case 7:
			poll(pf, &fd);
			break;
		case 8: {
			/* Raw used entry, or an impossible used index. */
			uint32_t id = u16(&in), len = u32(&in);

			if (id & 0x8000) {
				uint8_t *used = fake_iova(&fd, fd.aq_used, 4);

				if (used != NULL) {
					fd.used_idx = (uint16_t)(fd.used_idx + (id & 0x7fff));
					put16(used + 2, fd.used_idx);
				}
			} else {
				fake_push_used(&fd, id, len);
			}
			break;
		}
		case 9: {
			/* Force the oldest deadline to pass: recovery. */
			uint64_t t = pf->timeout_tk;

			pf->timeout_tk = 0;
			if (pf->head != NULL)
				pf->head->deadline_tk = 0;
			nheld = 0;	/* the queue is reset under the device */
			poll(pf, &fd);
			pf->timeout_tk = t;
			break;
		}
		case 10: {
			/* DEVICE_NEEDS_RESET, noticed by the stall check. */
			uint64_t s = pf->stall_tk;

			fd.status |= VPF_STATUS_DEVICE_NEEDS_RESET;
			pf->stall_tk = 0;
			pf->last_check_tk = 0;
			pf->last_progress_tk = 0;
			nheld = 0;
			fd.auto_answer = true;	/* re-init negotiates again */
			poll(pf, &fd);
			fd.auto_answer = false;
			/* Not noticed (nothing in flight): the device gets over it,
			 * else a later re-init would wait for a hand answer. */
			fd.status &= (uint8_t)~VPF_STATUS_DEVICE_NEEDS_RESET;
			pf->stall_tk = s;
			break;
		}
		case 11:
			if (u8(&in) == 0x5a) {
				fd.flags |= FAKE_GONE;	/* surprise removal */
				pf->stall_tk = 0;
				pf->last_progress_tk = 0;
				pf->last_check_tk = 0;
				poll(pf, &fd);
			}
			break;
		}
	}
	cur_pf = NULL;
	vpf_pf_detach(pf);
	/* Every command completed exactly once. */
	for (i = 0; i < NCMD; i++)
		if (cmds[i].busy)
			abort();
	fake_fini(&fd);
	return 0;
}
