/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Request builders (vpf_admin_prep_*()) and the typed synchronous
 * commands of the migration set (doc/protocol.md §4): mode, context size,
 * read, write, fields, discard. Built on the engine's submit/exec; local
 * refusals send nothing. Write recording is vpf_admin_wr.c.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "admin_internal.h"

void
admin_cmd_prep(struct vpf_admin_cmd *c, uint16_t op, uint16_t vf)
{
	c->opcode = op;
	c->group_type = VPF_ADMIN_GROUP_SRIOV;
	c->member = vf;
	c->data = NULL;
	c->data_len = 0;
	c->result = NULL;
	c->result_len = 0;
	c->priv[2] = 0;
}

void
vpf_admin_prep_mode_get(struct vpf_admin_cmd *c, uint16_t vf, uint8_t *mode)
{
	admin_cmd_prep(c, VPF_ADMIN_OP_DEV_MODE_GET, vf);
	c->result = mode;
	c->result_len = 1;
}

void
vpf_admin_prep_mode_set(struct vpf_admin_cmd *c, uint16_t vf, uint8_t mode)
{
	admin_cmd_prep(c, VPF_ADMIN_OP_DEV_MODE_SET, vf);
	memset(c->inline_data, 0, 8);	/* mode, padded to 8 (doc/protocol.md §1.2) */
	c->inline_data[0] = mode;
	c->data = c->inline_data;
	c->data_len = 8;
}

void
vpf_admin_prep_ctx_size_get(struct vpf_admin_cmd *c, uint16_t vf, bool freeze,
			    uint64_t *size)
{
	admin_cmd_prep(c, VPF_ADMIN_OP_DEV_CTX_SIZE_GET, vf);
	memset(c->inline_data, 0, 8);
	c->inline_data[0] = freeze ? 1 : 0;
	c->data = c->inline_data;
	c->data_len = 8;
	c->result = size;
	c->result_len = sizeof(*size);
}

void
vpf_admin_prep_ctx_read(struct vpf_admin_cmd *c, uint16_t vf, void *buf,
			uint32_t len)
{
	admin_cmd_prep(c, VPF_ADMIN_OP_DEV_CTX_READ, vf);
	c->result = buf;
	c->result_len = len;
}

void
vpf_admin_prep_ctx_write(struct vpf_admin_cmd *c, uint16_t vf, const void *buf,
			 uint32_t len)
{
	admin_cmd_prep(c, VPF_ADMIN_OP_DEV_CTX_WRITE, vf);
	c->data = buf;
	c->data_len = len;
}

void
vpf_admin_prep_ctx_discard(struct vpf_admin_cmd *c, uint16_t vf)
{
	admin_cmd_prep(c, VPF_ADMIN_OP_DEV_CTX_DISCARD, vf);
}

/* Synchronous execution of a prepared command on the stack. */
int
admin_cmd_run(struct vpf_pf *pf, struct vpf_admin_cmd *c)
{
	c->done = NULL;
	c->arg = NULL;
	c->priv[0] = 0;
	c->priv[1] = 0;
	return vpf_admin_exec(pf, c);
}

int
admin_check_vf(struct vpf_pf *pf, uint16_t vf)
{
	if (pf == NULL)
		return vpf_error(-EINVAL, "no PF");
	if (pf->dialect == VPF_DIALECT_V14_PARTS)
		return vpf_error(-ENOTSUP, "PF %s speaks the virtio 1.4 device-parts dialect: the draft's commands do not exist there (use the vpf_admin_v14_* calls)",
				 pf->name);
	if (vf == 0 || vf > pf->num_vfs)
		return vpf_error(-EINVAL, "VF %u does not exist (PF %s has %u VFs)",
				 vf, pf->name, pf->num_vfs);
	return 0;
}

/* VF @p vf exists and @p len is a valid chunk for command @p what. */
static int
check_chunk(struct vpf_pf *pf, uint16_t vf, uint32_t len, const char *what)
{
	int rc = admin_check_vf(pf, vf);

	if (rc < 0)
		return rc;
	/* Context chunks are non-zero multiples of 8 (D-1.1, D-1.2), refused
	 * here before anything is sent (D-1.4). */
	if (len == 0 || len % VPF_ADMIN_ALIGN)
		return vpf_error(-EINVAL, "%s chunk of %u bytes: must be a non-zero multiple of 8",
				 what, len);
	if (len > pf->params.max_chunk)
		return vpf_error(-EINVAL, "%s chunk of %u bytes exceeds max_chunk %u",
				 what, len, pf->params.max_chunk);
	return 0;
}

/* ------------------------------------------------------------------------
 * Typed commands
 * --------------------------------------------------------------------- */

int
vpf_admin_mode_get(struct vpf_pf *pf, uint16_t vf, uint8_t *mode)
{
	struct vpf_admin_cmd c;
	uint8_t m = 0;
	int rc;

	rc = admin_check_vf(pf, vf);
	if (rc < 0)
		return rc;
	vpf_admin_prep_mode_get(&c, vf, &m);
	rc = admin_cmd_run(pf, &c);
	if (rc == 0 && mode != NULL)
		*mode = m;
	return rc;
}

int
vpf_admin_mode_set(struct vpf_pf *pf, uint16_t vf, uint8_t mode)
{
	struct vpf_admin_cmd c;
	int rc;

	rc = admin_check_vf(pf, vf);
	if (rc < 0)
		return rc;
	if (mode > VPF_DEV_MODE_MAX)
		return vpf_error(-EINVAL, "mode %u is reserved (0 active, 1 stop, 2 freeze)",
				 mode);
	vpf_admin_prep_mode_set(&c, vf, mode);
	return admin_cmd_run(pf, &c);
}

int
vpf_admin_ctx_size_get(struct vpf_pf *pf, uint16_t vf, bool freeze,
		       uint64_t *size)
{
	struct vpf_admin_cmd c;
	uint64_t v = 0;
	int rc;

	rc = admin_check_vf(pf, vf);
	if (rc < 0)
		return rc;
	vpf_admin_prep_ctx_size_get(&c, vf, freeze, &v);
	rc = admin_cmd_run(pf, &c);
	if (rc == 0 && size != NULL)
		*size = rte_le_to_cpu_64(v);
	return rc;
}

int
vpf_admin_ctx_read_chunk(struct vpf_pf *pf, uint16_t vf, void *buf,
			 uint32_t len, uint32_t *got)
{
	struct vpf_admin_cmd c;
	int rc;

	rc = check_chunk(pf, vf, len, "DEV_CTX_READ");
	if (rc < 0)
		return rc;
	if (buf == NULL)
		return vpf_error(-EINVAL, "DEV_CTX_READ: no buffer");
	vpf_admin_prep_ctx_read(&c, vf, buf, len);
	rc = admin_cmd_run(pf, &c);
	if (rc == 0 && got != NULL)
		*got = c.output;	/* checked against len and used.len */
	return rc;
}

/*
 * The chunk loop of vpf_admin_ctx_read() (@p grow false: @p *bufp holds
 * @p cap bytes) and of vpf_admin_ctx_read_alloc() (@p grow true: *@p bufp,
 * of unknown size, is grown with realloc() before a chunk lands in it, up
 * to VPF_ADMIN_CTX_ALLOC_MAX). *@p bufp and *@p len say what was read,
 * also on failure.
 */
static int
ctx_read_loop(struct vpf_pf *pf, uint16_t vf, uint32_t chunk, uint8_t **bufp,
	      size_t cap, bool grow, size_t *len)
{
	size_t lim = grow ? VPF_ADMIN_CTX_ALLOC_MAX : cap;
	uint8_t *b = *bufp;
	size_t n = 0;
	uint32_t got = 0, ask;
	uint64_t left;
	int rc;

	for (;;) {
		ask = (uint32_t)RTE_MIN((size_t)chunk, (lim - n) & ~(size_t)7);
		if (ask == 0) {
			/* No room left: the context may have ended exactly
			 * here; SIZE_GET says 0 once it was read completely
			 * (doc/protocol.md §4.4, D-DRV.16). A device that
			 * keeps returning full chunks must not grow the
			 * buffer forever: the read is left partial. */
			rc = vpf_admin_ctx_size_get(pf, vf, false, &left);
			if (rc == 0 && left != 0 && grow)
				rc = vpf_error(-EFBIG,
					       "context larger than %u bytes (%" PRIu64
					       " more); the read is left partial",
					       VPF_ADMIN_CTX_ALLOC_MAX, left);
			else if (rc == 0 && left != 0)
				rc = vpf_error(-ENOSPC,
					       "context does not fit the %zu-byte buffer (%" PRIu64
					       " more bytes); the read is left partial",
					       cap, left);
			break;
		}
		if (grow && cap - n < ask) {
			size_t ncap = RTE_MIN(RTE_MAX(cap * 2, n + ask), lim);
			uint8_t *nb = realloc(b, ncap);

			if (nb == NULL) {
				rc = vpf_error(-ENOMEM, "out of memory for a %zu-byte context",
					       ncap);
				break;
			}
			b = nb;
			cap = ncap;
		}
		rc = vpf_admin_ctx_read_chunk(pf, vf, b + n, ask, &got);
		if (rc < 0)
			break;
		n += got;
		/* 0, or less than posted: end of stream (doc/protocol.md §4.5). */
		if (got < ask)
			break;
	}
	*bufp = b;
	if (len != NULL)
		*len = n;
	return rc;
}

int
vpf_admin_ctx_read(struct vpf_pf *pf, uint16_t vf, uint32_t chunk, void *buf,
		   size_t cap, size_t *len)
{
	uint8_t *b = buf;
	int rc;

	rc = check_chunk(pf, vf, chunk, "DEV_CTX_READ");
	if (rc < 0)
		return rc;
	if (buf == NULL && cap != 0)
		return vpf_error(-EINVAL, "DEV_CTX_READ: no buffer");
	return ctx_read_loop(pf, vf, chunk, &b, cap, false, len);
}

int
vpf_admin_ctx_read_alloc(struct vpf_pf *pf, uint16_t vf, uint32_t chunk,
			 void **buf, size_t *len)
{
	uint8_t *b;
	int rc;

	if (buf == NULL)
		return vpf_error(-EINVAL, "DEV_CTX_READ: no buffer pointer");
	rc = check_chunk(pf, vf, chunk, "DEV_CTX_READ");
	if (rc < 0)
		return rc;
	b = *buf;
	rc = ctx_read_loop(pf, vf, chunk, &b, 0, true, len);
	*buf = b;
	return rc;
}

int
vpf_admin_ctx_write_chunk(struct vpf_pf *pf, uint16_t vf, const void *buf,
			  uint32_t len)
{
	struct vpf_admin_cmd c;
	int rc;

	rc = check_chunk(pf, vf, len, "DEV_CTX_WRITE");
	if (rc < 0)
		return rc;
	if (buf == NULL)
		return vpf_error(-EINVAL, "DEV_CTX_WRITE: no buffer");
	vpf_admin_prep_ctx_write(&c, vf, buf, len);
	return admin_cmd_run(pf, &c);
}

int
vpf_admin_ctx_write(struct vpf_pf *pf, uint16_t vf, const void *ctx, size_t len,
		    uint32_t chunk)
{
	struct vpf_admin_cmd c;
	size_t off = 0;
	uint32_t n;
	int rc;

	rc = check_chunk(pf, vf, chunk, "DEV_CTX_WRITE");
	if (rc < 0)
		return rc;
	if (ctx == NULL || len == 0)
		return vpf_error(-EINVAL, "DEV_CTX_WRITE: empty context");
	while (off < len) {
		n = (uint32_t)RTE_MIN((size_t)chunk, len - off);
		vpf_admin_prep_ctx_write(&c, vf, (const uint8_t *)ctx + off, n);
		/* The last chunk is zero-padded to 8 (D-1.2): the engine pads
		 * while copying into its premapped buffer (D-DRV.17). */
		c.priv[2] = CMD_F_PAD;
		rc = admin_cmd_run(pf, &c);
		if (rc < 0)
			return rc;
		off += n;
	}
	return 0;
}

int
vpf_admin_ctx_fields_query(struct vpf_pf *pf, uint16_t vf,
			   struct vpf_admin_ctx_field_info *out, uint32_t max,
			   uint32_t *n)
{
	struct vpf_admin_cmd c;
	uint32_t cnt, lim;
	int rc;

	rc = admin_check_vf(pf, vf);
	if (rc < 0)
		return rc;
	if (!pf->has_fields_query)
		return vpf_error(-ENOTSUP, "device has no DEV_CTX_FIELDS_QUERY: compatibility cannot be checked");
	if (out == NULL || max == 0)
		return vpf_error(-EINVAL, "DEV_CTX_FIELDS_QUERY: no output array");
	lim = pf->params.max_chunk / sizeof(*out);
	if (max > lim)
		max = lim;
	admin_cmd_prep(&c, VPF_ADMIN_OP_DEV_CTX_FIELDS_QUERY, vf);
	c.result = out;
	c.result_len = max * (uint32_t)sizeof(*out);
	rc = admin_cmd_run(pf, &c);
	if (rc < 0)
		return rc;
	cnt = c.result_written / (uint32_t)sizeof(*out);
	if (cnt > max)
		cnt = max;
	/* Left as wire entries (little-endian): struct
	 * vpf_admin_ctx_field_info is a wire struct, and
	 * vpf_ctx_compare_fields() / vpf_ctx_field_compat() and the
	 * migration stream take the list as the device sent it. */
	if (n != NULL)
		*n = cnt;
	return 0;
}

int
vpf_admin_ctx_discard(struct vpf_pf *pf, uint16_t vf)
{
	struct vpf_admin_cmd c;
	int rc;

	rc = admin_check_vf(pf, vf);
	if (rc < 0)
		return rc;
	vpf_admin_prep_ctx_discard(&c, vf);
	return admin_cmd_run(pf, &c);
}
