/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * The admin commands of doc/protocol.md §2, §4 and §6, executed at
 * completion time (synchronous model) or when the device fetches them
 * (timed model, model_aq.c), with the validation order group -> opcode
 * -> member (§1.5) and the status/qualifier table of §4.10. Nothing the driver wrote is
 * trusted: every length and value is checked before use.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "common/vpf_le.h"
#include "model_internal.h"

/* Per-command context. */
struct xcmd {
	struct vpf_model *m;
	struct model_cmd *c;
	struct model_vf *vf;
	const uint8_t *data;
	uint64_t dlen;
	uint64_t rcap;
	struct model_result *r;
};

static void
fail(struct xcmd *x, uint16_t status, uint16_t qual)
{
	x->r->status = status;
	x->r->qualifier = qual;
}

static void
fail_field(struct xcmd *x)
{
	fail(x, VPF_ADMIN_STATUS_EINVAL, VPF_ADMIN_SQ_INVALID_FIELD);
}

static void
fail_command(struct xcmd *x)
{
	fail(x, VPF_ADMIN_STATUS_EINVAL, VPF_ADMIN_SQ_INVALID_COMMAND);
}

/*
 * A refused CTX_WRITE drops the VF's whole partial write, whatever refused
 * it: the framing checks (parts not multiples of 8, a part too large), the
 * command's own checks, the mode, the context bytes, or an injected
 * failure (doc/protocol.md, context write). The driver must then start
 * the context again. Only a transient lack of resources (EAGAIN, ENOMEM:
 * no side effect, the driver retries the same chunk) keeps it. A complete
 * written context not yet applied is not touched. Called once the VF is
 * known; a refusal before that (group, opcode, member) belongs to no VF.
 */
static void
ctx_write_refused(struct model_vf *vf, const struct model_result *r)
{
	if (vf == NULL || r->status == VPF_ADMIN_STATUS_OK ||
	    r->status == VPF_ADMIN_STATUS_EAGAIN ||
	    r->status == VPF_ADMIN_STATUS_ENOMEM)
		return;
	vf->wr = WR_NONE;
	vf->wr_len = 0;
}

/* Write the result; false (and a DMA fault) if that failed. */
static bool
result(struct xcmd *x, uint64_t off, const void *buf, uint64_t len)
{
	if (model_cmd_write(x->m, x->c, 8 + off, buf, len) != 0)
		return false;
	if (off + len > x->r->result_len)
		x->r->result_len = (uint32_t)(off + len);
	return true;
}

/* Opcodes LIST_QUERY reports. */
static uint64_t
supported_ops(const struct vpf_model *m)
{
	uint64_t ops = VPF_ADMIN_OPS_LIST | VPF_ADMIN_OPS_MIGRATION;

	if (m->p.off & VPF_MODEL_V14_DIALECT) {
		/* A virtio 1.4 "device parts" device: 0x7-0x11 with 0xe. */
		uint32_t op;

		for (op = 0x7; op <= 0x11; op++)
			ops |= VPF_ADMIN_OP_BIT(op);
		return ops;
	}
	if (!(m->p.off & VPF_MODEL_OFF_FIELDS_QUERY))
		ops |= VPF_ADMIN_OP_BIT(VPF_ADMIN_OP_DEV_CTX_FIELDS_QUERY);
	if (!(m->p.off & VPF_MODEL_OFF_WRITE_RECORD))
		ops |= VPF_ADMIN_OPS_WRITE_RECORD;
	return ops;
}

/* Fixed-size command data (mode, freeze_mode): exactly 8 bytes, the
 * padding zero (doc/protocol.md §1.2). */
static bool
fixed8(struct xcmd *x, uint8_t *v)
{
	uint32_t i;

	if (x->dlen != 8)
		return false;
	for (i = 1; i < 8; i++)
		if (x->data[i] != 0)
			return false;
	*v = x->data[0];
	return true;
}

/* ---------------------------------------------------------------------
 * 2. Command list negotiation
 * ------------------------------------------------------------------ */

static bool
cmd_list_query(struct xcmd *x)
{
	uint64_t v = rte_cpu_to_le_64(supported_ops(x->m));

	/* Result buffer: (max_opcode / 64 + 1) * 8 bytes (doc/protocol.md
	 * §2.1). */
	if (x->dlen != 0 || x->rcap < 8) {
		fail_field(x);
		return true;
	}
	return result(x, 0, &v, 8);
}

static bool
cmd_list_use(struct xcmd *x)
{
	uint64_t w0, i;

	if (x->dlen < 8) {
		fail_field(x);
		return true;
	}
	w0 = vpf_le64_load(x->data);
	/* Only opcodes LIST_QUERY reported (doc/protocol.md §2.2). */
	if (w0 & ~supported_ops(x->m)) {
		fail_field(x);
		return true;
	}
	for (i = 8; i < x->dlen; i++) {
		if (x->data[i] != 0) {
			fail_field(x);
			return true;
		}
	}
	/* Not while other commands are outstanding (doc/protocol.md
	 * §2.2, D-MOD.1): anything
	 * fetched and not completed, or posted behind it. */
	if (model_aq_others_outstanding(x->m, x->c) > 0) {
		fail_command(x);
		return true;
	}
	/* LIST_QUERY and LIST_USE stay usable whatever the bitmap says. */
	x->m->enabled_ops = w0 | VPF_ADMIN_OPS_LIST;
	return true;
}

/* ---------------------------------------------------------------------
 * 4. Device migration commands
 * ------------------------------------------------------------------ */

static bool
cmd_mode_get(struct xcmd *x)
{
	if (x->dlen != 0 || x->rcap < 1) {
		fail_field(x);
		return true;
	}
	return result(x, 0, &x->vf->mode, 1);
}

/* Baseline of the activation cost: the complete written context the
 * pending one replaced, else the last applied one (none on a fresh VF). A
 * discarded context is never a baseline (DISCARD: as if never written). */
static uint32_t
activation_diff(struct vpf_model *m, struct model_vf *vf)
{
	/* Computed for the activation cost when the MODE_SET is fetched and
	 * again when it applies: once, unless a context changed between. */
	if (vf->diff_gen == vf->ctx_gen)
		return vf->diff_val;
	if (vf->base)
		vf->diff_val = model_ctx_diff(m, vf->pend_buf, vf->pend_len,
					      vf->base_buf, vf->base_len);
	else
		vf->diff_val = model_ctx_diff(m, vf->pend_buf, vf->pend_len,
					      vf->app ? vf->app_buf : NULL,
					      vf->app ? vf->app_len : 0);
	vf->diff_gen = vf->ctx_gen;
	return vf->diff_val;
}

/* Leaving Freeze applies the most recent complete written context
 * (doc/protocol.md §4.3). */
static void
activate(struct vpf_model *m, struct model_vf *vf)
{
	uint8_t *t;
	size_t tl;
	uint32_t diff;

	if (!vf->pend)
		return;
	diff = activation_diff(m, vf);
	/* Validated (dry run) when the write completed. */
	if (model_ctx_activate(m, vf) != 0)
		MODEL_LOG(ERR, m, "VF %u: applying a validated context "
			  "failed", vf->id);
	vf->stats.activations++;
	vf->stats.fields_applied_diff += diff;
	m->pf_stats.activations++;
	m->pf_stats.fields_applied_diff += diff;
	/* The applied context is the baseline of the next activation;
	 * the written one it replaced is no longer of interest. */
	t = vf->app_buf;
	tl = vf->app_len;
	vf->app_buf = vf->pend_buf;
	vf->app_len = vf->pend_len;
	vf->app = true;
	vf->pend_buf = t;
	vf->pend_len = tl;
	vf->pend = false;
	vf->pend_checked = false;
	vf->base = false;
	vf->ctx_gen++;
}

static bool
cmd_mode_set(struct xcmd *x)
{
	struct model_vf *vf = x->vf;
	uint8_t mode;

	if (!fixed8(x, &mode) || mode > VPF_DEV_MODE_MAX) {
		fail_field(x);
		return true;
	}
	/* Setting the current mode succeeds and changes nothing. */
	if (mode == vf->mode)
		return true;
	/* Active/Stop not during a partial read or write
	 * (doc/protocol.md §4.3). */
	if (mode != VPF_DEV_MODE_FREEZE &&
	    (vf->rd == RD_PARTIAL || vf->wr == WR_PARTIAL)) {
		fail_command(x);
		return true;
	}
	if (vf->mode == VPF_DEV_MODE_FREEZE)
		activate(x->m, vf);
	vf->mode = mode;
	/* Each mode has its own context: the next read starts fresh. */
	vf->rd = RD_NONE;
	vf->wr = WR_NONE;
	return true;
}

static bool
cmd_size_get(struct xcmd *x)
{
	struct model_vf *vf = x->vf;
	uint8_t fm;
	uint64_t size;

	if (!fixed8(x, &fm) || fm > 1 || x->rcap < 8) {
		fail_field(x);
		return true;
	}
	if (fm == 1 && vf->mode != VPF_DEV_MODE_FREEZE) {
		/* What the Freeze context would be now. */
		size = model_ctx_size(x->m, vf);
	} else if (vf->rd == RD_NONE) {
		size = model_ctx_size(x->m, vf);
	} else {
		/* Decreases as the context is read; 0 once complete. */
		size = vf->rd_len - vf->rd_pos;
	}
	size = rte_cpu_to_le_64(size);
	return result(x, 0, &size, 8);
}

/*
 * A VF's context buffers, each ctx_max bytes, come in two groups: the
 * source's (read) and the destination's (write, pending, baseline,
 * applied). A group is set up together at the VF's first context command
 * that needs one of its buffers, and touched once, so that later commands
 * (the ones inside a migration's downtime) neither allocate nor
 * page-fault; activation and writes then only swap the destination's. A
 * VF that is only ever read does not pay for the four it never uses (on
 * the device thread, at fetch: a first CTX_READ inside the stop-copy set
 * up and cleared all five, 3.5 us a VF).
 */
static int
ensure_buf(struct vpf_model *m, struct model_vf *vf, uint8_t **p)
{
	uint8_t **src[] = { &vf->rd_buf };
	uint8_t **dst[] = { &vf->wr_buf, &vf->pend_buf, &vf->base_buf,
			    &vf->app_buf };
	uint8_t ***grp = p == &vf->rd_buf ? src : dst;
	size_t i, n = p == &vf->rd_buf ? RTE_DIM(src) : RTE_DIM(dst);

	if (*p != NULL)
		return 0;
	for (i = 0; i < n; i++) {
		if (*grp[i] != NULL)
			continue;
		*grp[i] = malloc(m->ctx_max + 8);
		if (*grp[i] != NULL)
			memset(*grp[i], 0, m->ctx_max + 8);
	}
	return *p == NULL ? -ENOMEM : 0;
}

static bool
cmd_ctx_read(struct xcmd *x)
{
	struct model_vf *vf = x->vf;
	uint64_t n;

	if (x->dlen != 0 || x->rcap == 0) {
		fail_field(x);
		return true;
	}
	if (vf->rd == RD_DONE) {
		/* Read again after the end: OK with context_len 0. */
		x->r->output = 0;
		return true;
	}
	if (vf->rd == RD_NONE) {
		if (ensure_buf(x->m, vf, &vf->rd_buf) != 0) {
			fail(x, VPF_ADMIN_STATUS_EAGAIN,
			     VPF_ADMIN_SQ_NORESOURCE);
			return true;
		}
		/* The first read in a mode starts a complete context of
		 * the state at this moment (doc/protocol.md §4.4). */
		vf->rd_len = model_ctx_build(x->m, vf, vf->rd_buf,
					     x->m->ctx_max);
		vf->rd_pos = 0;
		vf->rd = RD_PARTIAL;
	}
	n = vf->rd_len - vf->rd_pos;
	if (n > x->rcap)
		n = x->rcap;
	if (n > 0 && !result(x, 0, vf->rd_buf + vf->rd_pos, n))
		return false;
	vf->rd_pos += n;
	/* Everything delivered: the read is complete, even if the driver
	 * has not yet seen a short chunk (doc/model.md). */
	if (vf->rd_pos == vf->rd_len)
		vf->rd = RD_DONE;
	x->r->output = (uint32_t)n;
	return true;
}

/* Each field as it completes: type and length against FIELDS_QUERY. */
static int
stream_field_cb(const struct vpf_ctx_field *f, void *arg)
{
	return model_ctx_check_field(arg, f);
}

/*
 * Look at every TLV header as soon as it has arrived: an unsupported type
 * or a length the device cannot take fails the write now rather than when
 * the (possibly huge) value has been streamed in.
 */
static int
early_headers(struct vpf_model *m, struct model_vf *vf)
{
	uint32_t count;

	if (vf->wr_len < VPF_CTX_HDR_SIZE)
		return 0;
	count = (uint32_t)vf->wr_buf[0] | (uint32_t)vf->wr_buf[1] << 8 |
		(uint32_t)vf->wr_buf[2] << 16 | (uint32_t)vf->wr_buf[3] << 24;
	if (vf->wr_scan == 0)
		vf->wr_scan = VPF_CTX_HDR_SIZE;
	while (vf->wr_fields < count && vf->wr_scan <= vf->wr_len &&
	       vf->wr_len - vf->wr_scan >= VPF_CTX_TLV_HDR_SIZE) {
		const uint8_t *h = vf->wr_buf + vf->wr_scan;
		struct vpf_ctx_field f = { .type = (uint16_t)(h[0] | h[1] << 8),
					   .length = vpf_le64_load(h + 8) };

		if (model_ctx_check_field(m, &f) != 0)
			return -EINVAL;
		vf->wr_scan += VPF_CTX_TLV_HDR_SIZE + f.length;
		vf->wr_fields++;
	}
	return 0;
}

static bool
cmd_ctx_write(struct xcmd *x)
{
	struct vpf_model *m = x->m;
	struct model_vf *vf = x->vf;
	uint8_t *t;
	size_t tl;
	int rc;

	/* Every refusal below drops the partial write (ctx_write_refused,
	 * model_cmd_exec); a complete pending one stays. */
	if (x->dlen == 0) {
		fail_field(x);
		return true;
	}
	/* Only in Freeze (doc/protocol.md §4.6). */
	if (vf->mode != VPF_DEV_MODE_FREEZE) {
		fail_command(x);
		return true;
	}
	if (ensure_buf(m, vf, &vf->wr_buf) != 0 ||
	    ensure_buf(m, vf, &vf->pend_buf) != 0) {
		fail(x, VPF_ADMIN_STATUS_EAGAIN, VPF_ADMIN_SQ_NORESOURCE);
		return true;
	}
	if (vf->wr == WR_NONE) {
		/* A chunk with no write in progress starts a new context. */
		vpf_ctx_stream_init(&vf->stream, VPF_CTX_F_ALLOW_PAD,
				    stream_field_cb, m);
		vf->wr_len = 0;
		vf->wr_scan = 0;
		vf->wr_fields = 0;
		vf->wr = WR_PARTIAL;
	}
	if (x->dlen > m->ctx_max + VPF_CTX_MAX_PAD - vf->wr_len) {
		/* Longer than any context this device accepts. */
		goto bad;
	}
	memcpy(vf->wr_buf + vf->wr_len, x->data, x->dlen);
	vf->wr_len += x->dlen;
	/* Validate as the chunk arrives; the last chunk may carry up to 7
	 * zero bytes after the complete context (doc/protocol.md
	 * §1.2, D-1.3). */
	rc = vpf_ctx_stream_feed(&vf->stream, x->data, x->dlen);
	if (rc != 0)
		goto bad;
	if (!vpf_ctx_stream_complete(&vf->stream)) {
		if (early_headers(m, vf) != 0)
			goto bad;
		return true;
	}
	/* Complete with this chunk: stream_field_cb() has checked every
	 * field, so the early look at the headers would find nothing more
	 * (it is for a write that spans chunks). */
	if (vpf_ctx_stream_finish(&vf->stream, NULL) != 0)
		goto bad;
	tl = (size_t)vpf_ctx_stream_ctx_len(&vf->stream);
	if (model_ctx_apply(m, vf, vf->wr_buf, tl, true) != 0)
		goto bad;
	model_ctx_keep_check(m, vf);
	vf->ctx_gen++;
	/* Complete: the most recent complete context is what leaving
	 * Freeze applies; the one it replaces becomes the baseline of the
	 * activation cost ("previously written"). */
	if (vf->pend) {
		if (ensure_buf(m, vf, &vf->base_buf) == 0) {
			t = vf->base_buf;
			vf->base_buf = vf->pend_buf;
			vf->base_len = vf->pend_len;
			vf->base = true;
			vf->pend_buf = t;
		}
	}
	t = vf->pend_buf;
	vf->pend_buf = vf->wr_buf;
	vf->pend_len = tl;
	vf->pend = true;
	vf->wr_buf = t;
	vf->wr_len = 0;
	vf->wr = WR_NONE;
	return true;
bad:
	/* The partial write is dropped by ctx_write_refused(). */
	fail_field(x);
	return true;
}

static bool
cmd_fields_query(struct xcmd *x)
{
	struct vpf_admin_ctx_field_info info[8];
	uint32_t n, fit;

	if (x->dlen != 0 || x->rcap < sizeof(info[0])) {
		fail_field(x);
		return true;
	}
	n = model_fields_query(x->m, info, RTE_DIM(info));
	fit = (uint32_t)(x->rcap / sizeof(info[0]));
	if (n > fit)
		n = fit;
	return result(x, 0, info, n * sizeof(info[0]));
}

static bool
cmd_discard(struct xcmd *x)
{
	struct model_vf *vf = x->vf;

	if (x->dlen != 0) {
		fail_field(x);
		return true;
	}
	/* Drops a partial or complete read, a partial write and a complete
	 * written context not yet applied (doc/protocol.md §4.8). */
	vf->rd = RD_NONE;
	vf->wr = WR_NONE;
	vf->wr_len = 0;
	vf->pend = false;
	vf->pend_checked = false;
	/* The written context the dropped one replaced was never applied
	 * either: the next activation compares with the last applied. */
	vf->base = false;
	vf->ctx_gen++;
	return true;
}

/* ---------------------------------------------------------------------
 * 6. Write recording
 * ------------------------------------------------------------------ */

static bool
cmd_wr_cap(struct xcmd *x)
{
	struct vpf_admin_wr_cap cap;

	if (x->dlen != 0 || x->rcap < sizeof(cap)) {
		fail_field(x);
		return true;
	}
	cap.supported_page_size_bitmap = rte_cpu_to_le_32(MODEL_WR_PAGE_BITMAP);
	cap.supported_ranges = rte_cpu_to_le_32(MODEL_WR_MAX_RANGES);
	return result(x, 0, &cap, sizeof(cap));
}

static int
range_cmp(const void *a, const void *b)
{
	const struct vpf_admin_wr_range *ra = a, *rb = b;

	return ra->page_address < rb->page_address ? -1 :
		ra->page_address > rb->page_address;
}

static bool
page_size_ok(uint64_t ps)
{
	uint32_t bit;

	if (ps < VPF_WR_PAGE_SIZE_BASE || (ps & (ps - 1)) != 0)
		return false;
	bit = (uint32_t)__builtin_ctzll(ps / VPF_WR_PAGE_SIZE_BASE);
	return bit < 32 && (MODEL_WR_PAGE_BITMAP & (1u << bit));
}

static bool
cmd_wr_start(struct xcmd *x)
{
	struct model_vf *vf = x->vf;
	struct vpf_admin_wr_range r[MODEL_WR_MAX_RANGES];
	uint64_t ps;
	uint32_t n, i;

	if (x->dlen < 16) {
		fail_field(x);
		return true;
	}
	ps = vpf_le64_load(x->data);
	n = vpf_le32_load(x->data + 8);
	if (!page_size_ok(ps) || n == 0 || n > MODEL_WR_MAX_RANGES ||
	    x->dlen != 16 + 16ull * n || vpf_le32_load(x->data + 12) != 0) {
		fail_field(x);
		return true;
	}
	for (i = 0; i < n; i++) {
		r[i].page_address = vpf_le64_load(x->data + 16 + 16 * i);
		r[i].page_count = vpf_le64_load(x->data + 24 + 16 * i);
		/* The last page's last byte is at most 2^64 - 1: a range
		 * may end exactly at the top of the address space. */
		if (r[i].page_count == 0 || (r[i].page_address & (ps - 1)) ||
		    r[i].page_count - 1 >
		    (UINT64_MAX - r[i].page_address) / ps) {
			fail_field(x);
			return true;
		}
	}
	/* Ranges must not overlap (doc/protocol.md §6.3, D-6.7). */
	qsort(r, n, sizeof(r[0]), range_cmp);
	for (i = 1; i < n; i++) {
		/* In pages: page_count * ps is 2^64 for a range that
		 * covers everything, which wraps to 0. */
		if ((r[i].page_address - r[i - 1].page_address) / ps <
		    r[i - 1].page_count) {
			fail_field(x);
			return true;
		}
	}
	if (vf->wr_on) {
		fail_command(x);
		return true;
	}
	vf->wr_on = true;
	vf->wr_page = ps;
	vf->wr_nranges = n;
	memcpy(vf->wr_ranges, r, n * sizeof(r[0]));
	model_wr_clear(vf);
	return true;
}

static bool
cmd_wr_stop(struct xcmd *x)
{
	if (x->dlen != 0) {
		fail_field(x);
		return true;
	}
	/* Always succeeds; records not yet read are dropped
	 * (doc/protocol.md §6.4, D-6.6). */
	x->vf->wr_on = false;
	memset(x->vf->rec, 0, (x->vf->rec_bits + 63) / 64 * 8);
	return true;
}

static bool
cmd_wr_read(struct xcmd *x)
{
	struct model_vf *vf = x->vf;
	uint64_t addr, len, ps, first, last, bit, fit, cnt = 0, end = 0;

	if (x->dlen != 16 || x->rcap < 8) {
		fail_field(x);
		return true;
	}
	/* READ before START fails (doc/protocol.md §6.5, D-6.5). */
	if (!vf->wr_on) {
		fail_command(x);
		return true;
	}
	addr = vpf_le64_load(x->data);
	len = vpf_le64_load(x->data + 8);
	ps = vf->wr_page;
	if (len == 0 || (addr & (ps - 1)) || (len & (ps - 1)) ||
	    len - 1 > UINT64_MAX - addr) {
		fail_field(x);
		return true;
	}
	fit = x->rcap / 8;
	first = addr / ps;
	last = (addr + (len - 1)) / ps;	/* inclusive */
	if (last >= vf->rec_bits)
		last = vf->rec_bits ? vf->rec_bits - 1 : 0;
	/* Report at most what fits and clear exactly those
	 * (doc/protocol.md §6.5, D-6.4). */
	for (bit = first; vf->rec_bits > 0 && bit <= last && cnt < fit; bit++) {
		uint64_t w = vf->rec[bit / 64] >> (bit % 64);
		uint64_t a;

		if (w == 0) {
			bit |= 63;
			continue;
		}
		bit += (uint64_t)__builtin_ctzll(w);
		if (bit > last)
			break;
		a = rte_cpu_to_le_64(bit * ps);
		if (!result(x, cnt * 8, &a, 8))
			return false;	/* DMA fault: nothing cleared */
		cnt++;
		end = bit;
	}
	/* Clear exactly what was reported, only once every entry is
	 * written: the reported records are the set bits of first..end. */
	for (bit = first; cnt > 0 && bit <= end; bit++) {
		if (vf->rec[bit / 64] == 0) {
			bit |= 63;
			continue;
		}
		vf->rec[bit / 64] &= ~(1ull << (bit % 64));
	}
	x->r->output = (uint32_t)cnt;
	return true;
}

/* ---------------------------------------------------------------------
 * Dispatch
 * ------------------------------------------------------------------ */

bool
model_cmd_delayed_by_busy(const struct vpf_model *m, uint16_t op)
{
	/* 1.4: MODE_SET and PARTS_SET complete after an FLR or reset. */
	if (model_v14_on(&m->p))
		return op == MODEL_V14_OP_MODE_SET ||
		       op == MODEL_V14_OP_PARTS_SET;
	return op == VPF_ADMIN_OP_DEV_MODE_SET ||
	       op == VPF_ADMIN_OP_DEV_CTX_READ ||
	       op == VPF_ADMIN_OP_DEV_CTX_WRITE;
}

uint64_t
model_cmd_pre_cost_ns(struct vpf_model *m, struct model_cmd *c)
{
	const struct vpf_admin_cmd_hdr *h = (const void *)c->data;
	struct model_vf *vf;
	const uint8_t *d;

	if (m->p.activation_us_per_field == 0 || c->too_big || c->nomem ||
	    c->r_total != sizeof(*h) + 8 ||
	    rte_le_to_cpu_16(h->opcode) != VPF_ADMIN_OP_DEV_MODE_SET ||
	    rte_le_to_cpu_16(h->group_type) != VPF_ADMIN_GROUP_SRIOV)
		return 0;
	vf = model_vf_get(m, rte_le_to_cpu_64(h->group_member_id));
	d = c->data + sizeof(*h);
	if (vf == NULL || !vf->pend || vf->mode != VPF_DEV_MODE_FREEZE ||
	    d[0] == VPF_DEV_MODE_FREEZE || d[0] > VPF_DEV_MODE_MAX ||
	    vf->rd == RD_PARTIAL || vf->wr == WR_PARTIAL)
		return 0;
	/* Activation cost: fields that differ from the previously applied
	 * or written context (doc/model.md "Timing model", D-MOD.19). */
	return 1000ull * m->p.activation_us_per_field * activation_diff(m, vf);
}

static void
account(struct vpf_model *m, struct model_vf *vf, uint16_t op,
	const struct model_result *r)
{
	if (op <= VPF_ADMIN_OP_MAX) {
		m->pf_stats.cmds[op]++;
		if (vf != NULL)
			vf->stats.cmds[op]++;
	}
	if (r->status != VPF_ADMIN_STATUS_OK) {
		m->pf_stats.errors++;
		if (vf != NULL)
			vf->stats.errors++;
	}
}

bool
model_cmd_exec(struct vpf_model *m, struct model_cmd *c,
	       struct model_result *r)
{
	const struct vpf_admin_cmd_hdr *h = (const void *)c->data;
	struct xcmd x = { .m = m, .c = c, .r = r };
	uint16_t op = 0xffff, group;
	uint64_t member;
	bool ok = true;

	r->status = VPF_ADMIN_STATUS_OK;
	r->qualifier = VPF_ADMIN_SQ_OK;
	if (c->r_total < sizeof(*h)) {
		/* No complete header: nothing else can be checked. */
		fail_field(&x);
		goto out;
	}
	op = rte_le_to_cpu_16(h->opcode);
	group = rte_le_to_cpu_16(h->group_type);
	member = rte_le_to_cpu_64(h->group_member_id);
	/* The 1.4 device parts dialect: its own commands (model_v14.c). */
	if (model_v14_on(&m->p)) {
		ok = model_v14_exec(m, c, r, &x.vf);
		goto out;
	}

	/* Validation order: group, opcode, member (doc/protocol.md
	 * §1.5). */
	if (group != VPF_ADMIN_GROUP_SRIOV || model_num_vfs(m) == 0) {
		fail(&x, VPF_ADMIN_STATUS_EINVAL, VPF_ADMIN_SQ_INVALID_GROUP);
		goto out;
	}
	if (op >= 64 || !(supported_ops(m) & VPF_ADMIN_OP_BIT(op)) ||
	    !(m->enabled_ops & VPF_ADMIN_OP_BIT(op)) ||
	    op == VPF_ADMIN_OP_V14_DEV_PARTS_METADATA_GET ||
	    (op > VPF_ADMIN_OP_DEV_WRITE_RECORDS_READ)) {
		fail(&x, VPF_ADMIN_STATUS_EINVAL, VPF_ADMIN_SQ_INVALID_OPCODE);
		goto out;
	}
	if (op != VPF_ADMIN_OP_LIST_QUERY && op != VPF_ADMIN_OP_LIST_USE) {
		if (member == 0 || member > model_num_vfs(m)) {
			fail(&x, VPF_ADMIN_STATUS_EINVAL,
			     VPF_ADMIN_SQ_INVALID_MEMBER);
			goto out;
		}
		x.vf = model_vf_get(m, member);
	}
	/* Only the header was copied (model_aq.c chain_parse): a part
	 * larger than the device takes is a bad value, no buffer for it a
	 * transient lack of resources (doc/protocol.md D-4.11). */
	if (c->too_big) {
		fail_field(&x);
		goto out;
	}
	if (c->nomem) {
		fail(&x, VPF_ADMIN_STATUS_EAGAIN, VPF_ADMIN_SQ_NORESOURCE);
		goto out;
	}
	/* Each part a multiple of 8 bytes (doc/protocol.md §1.2). */
	if ((c->r_total % VPF_ADMIN_ALIGN) != 0 ||
	    (c->w_total % VPF_ADMIN_ALIGN) != 0) {
		fail_field(&x);
		goto out;
	}
	x.data = c->data + sizeof(*h);
	x.dlen = c->r_total - sizeof(*h);
	x.rcap = c->w_total - sizeof(struct vpf_admin_cmd_status);

	switch (op) {
	case VPF_ADMIN_OP_LIST_QUERY: ok = cmd_list_query(&x); break;
	case VPF_ADMIN_OP_LIST_USE: ok = cmd_list_use(&x); break;
	case VPF_ADMIN_OP_DEV_MODE_GET: ok = cmd_mode_get(&x); break;
	case VPF_ADMIN_OP_DEV_MODE_SET: ok = cmd_mode_set(&x); break;
	case VPF_ADMIN_OP_DEV_CTX_SIZE_GET: ok = cmd_size_get(&x); break;
	case VPF_ADMIN_OP_DEV_CTX_READ: ok = cmd_ctx_read(&x); break;
	case VPF_ADMIN_OP_DEV_CTX_WRITE: ok = cmd_ctx_write(&x); break;
	case VPF_ADMIN_OP_DEV_CTX_FIELDS_QUERY: ok = cmd_fields_query(&x); break;
	case VPF_ADMIN_OP_DEV_CTX_DISCARD: ok = cmd_discard(&x); break;
	case VPF_ADMIN_OP_DEV_WRITE_RECORD_CAP_QUERY: ok = cmd_wr_cap(&x); break;
	case VPF_ADMIN_OP_DEV_WRITE_RECORDS_START: ok = cmd_wr_start(&x); break;
	case VPF_ADMIN_OP_DEV_WRITE_RECORDS_STOP: ok = cmd_wr_stop(&x); break;
	case VPF_ADMIN_OP_DEV_WRITE_RECORDS_READ: ok = cmd_wr_read(&x); break;
	default:
		fail(&x, VPF_ADMIN_STATUS_EINVAL, VPF_ADMIN_SQ_INVALID_OPCODE);
		break;
	}
out:
	if (ok && op == VPF_ADMIN_OP_DEV_CTX_WRITE && !model_v14_on(&m->p))
		ctx_write_refused(x.vf, r);
	if (ok)
		account(m, x.vf, op, r);
	return ok;
}

/*
 * An injected failure counts like a processed command and, on a CTX_WRITE,
 * has the effect of a refused one (ctx_write_refused) when the command
 * would have got past the group, opcode and member checks.
 */
void
model_cmd_account_fault(struct vpf_model *m, struct model_cmd *c,
			const struct model_result *r)
{
	const struct vpf_admin_cmd_hdr *h = (const void *)c->data;
	struct model_vf *vf = NULL;
	uint16_t op = 0xffff;
	uint64_t member;

	if (!c->too_big && c->r_total >= sizeof(*h)) {
		op = rte_le_to_cpu_16(h->opcode);
		member = rte_le_to_cpu_64(h->group_member_id);
		if (rte_le_to_cpu_16(h->group_type) == VPF_ADMIN_GROUP_SRIOV)
			vf = model_vf_get(m, member);
		if (op == VPF_ADMIN_OP_DEV_CTX_WRITE && vf != NULL &&
		    !model_v14_on(&m->p) &&
		    (m->enabled_ops & VPF_ADMIN_OP_BIT(op)) &&
		    member <= model_num_vfs(m))
			ctx_write_refused(vf, r);
	}
	account(m, vf, op, r);
}

/* Owner (PF) reset (doc/protocol.md §4.9, D-4.2 … D-4.4): modes, applied state and write
 * recording are unchanged; partial reads and writes are dropped. */
void
model_owner_reset_vfs(struct vpf_model *m)
{
	uint16_t i;

	for (i = 0; i < m->total_vfs; i++) {
		struct model_vf *vf = &m->vf[i];

		if (vf->rd == RD_PARTIAL)
			vf->rd = RD_NONE;
		vf->wr = WR_NONE;
		vf->wr_len = 0;
	}
}
