/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * vpf-cli commands: ctx size|fields|read|write|discard|dump
 * (doc/protocol.md §4.4 - §4.8, §5).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "vpf_common.h"
#include "vpf_ctx.h"
#include "cli_cmds.h"

/* ---- size, fields, discard ---------------------------------------------- */

static int
cmd_ctx_size(struct cli_args *a)
{
	bool freeze = cli_arg(a, "freeze") != NULL;
	uint64_t size;
	int rc;

	rc = cli_vf_call(a->p, a->vf, VPF_ADMIN_OP_DEV_CTX_SIZE_GET,
			 vpf_admin_ctx_size_get(a->p->pf, a->vf, freeze, &size),
			 NULL);
	if (rc < 0)
		return rc;
	printf("size: %" PRIu64 "\n", size);
	return 0;
}

static int
cmd_ctx_fields(struct cli_args *a)
{
	struct vpf_admin_ctx_field_info info[64];
	uint32_t n = 0, i;
	int rc;

	rc = cli_vf_call(a->p, a->vf, VPF_ADMIN_OP_DEV_CTX_FIELDS_QUERY,
			 vpf_admin_ctx_fields_query(a->p->pf, a->vf, info,
						    RTE_DIM(info), &n), NULL);
	if (rc < 0)
		return rc;
	printf("fields: %u\n", n);
	for (i = 0; i < RTE_MIN(n, (uint32_t)RTE_DIM(info)); i++)
		printf("%s: %" PRIu64 "\n",
		       vpf_ctx_type_name(rte_le_to_cpu_16(info[i].type)),
		       rte_le_to_cpu_64(info[i].length));
	return 0;
}

static int
cmd_ctx_discard(struct cli_args *a)
{
	int rc;

	rc = cli_vf_call(a->p, a->vf, VPF_ADMIN_OP_DEV_CTX_DISCARD,
			 vpf_admin_ctx_discard(a->p->pf, a->vf), NULL);
	if (rc < 0)
		return rc;
	printf("discarded: yes\n");
	return 0;
}

/* What a cancelled read or write says of its partial context. */
struct ctx_partial_said {
	const char *none;	/* no chunk was moved */
	const char *dropped;
	const char *kept;	/* the discard failed: the fix */
};

/* A cancelled read or write left a partial context, which blocks Active
 * and Stop (the way back): drop it. @return which of @p said applies. */
static const char *
drop_partial(struct cli_pf *p, uint16_t vf, uint32_t chunks,
	     const struct ctx_partial_said *said)
{
	if (chunks == 0)
		return said->none;
	return vpf_admin_ctx_discard(p->pf, vf) == 0 ? said->dropped :
	       said->kept;
}

static int
ctx_cancelled(const char *verb)
{
	return cli_fail(-ECANCELED, "ctx %s cancelled by %s", verb,
			cli_signal_name(cli_signal));
}

/* ---- read --------------------------------------------------------------- */

/* Where a `ctx read` is. */
struct ctx_read {
	struct cli_pf *p;
	uint16_t vf;
	const char *path;
	struct cli_atomic_file f;
	uint32_t chunk;
	uint32_t chunks;
	uint64_t total;
	double t0;
};

static int
ctx_read_cancel(const struct ctx_read *r)
{
	static const struct ctx_partial_said said = {
		"nothing was read", "partial read discarded",
		"partial read NOT discarded (ctx discard)",
	};
	/* so that the next read starts afresh */
	const char *fate = drop_partial(r->p, r->vf, r->chunks, &said);

	printf("cancelled: ctx read %s vf %u after %.3f s at "
	       "offset %" PRIu64 "; %s; '%s' not written\n",
	       r->p->name, r->vf, cli_now() - r->t0, r->total, fate, r->path);
	return ctx_cancelled("read");
}

/* DEV_CTX_READ chunks into the file until a short one. */
static int
ctx_read_chunks(struct ctx_read *r, uint8_t *buf)
{
	uint32_t got;
	int rc;

	for (;;) {
		if (cli_cancelled())
			return ctx_read_cancel(r);
		cli_dev_begin(r->p);
		rc = vpf_admin_ctx_read_chunk(r->p->pf, r->vf, buf, r->chunk,
					      &got);
		if (rc < 0) {
			char what[96];

			snprintf(what, sizeof(what),
				 "DEV_CTX_READ chunk %u at offset %" PRIu64,
				 r->chunks + 1, r->total);
			return cli_vf_call(r->p, r->vf,
					   VPF_ADMIN_OP_DEV_CTX_READ, rc, what);
		}
		r->chunks++;
		if (got > 0) {
			rc = cli_atomic_write(&r->f, buf, got);
			if (rc < 0)
				return cli_fail(rc, "cannot write '%s'", r->path);
		}
		r->total += got;
		if (r->total > CLI_CTX_MAX)
			return cli_fail(-EFBIG, "context larger than %u bytes",
					CLI_CTX_MAX);
		/* a short (or empty) chunk ends the context
		 * (doc/protocol.md §4.5) */
		if (got < r->chunk)
			return 0;
	}
}

static int
cmd_ctx_read(struct cli_args *a)
{
	struct ctx_read r = {
		.p = a->p, .vf = a->vf, .path = cli_arg(a, "file"),
		.t0 = cli_now(),
	};
	uint8_t *buf, mode;
	int rc;

	rc = cli_opt_chunk(a, r.p->max_chunk, &r.chunk);
	if (rc < 0)
		return rc;
	/* Check the target and create the temporary file first: a directory,
	 * a device node or an unwritable path fails before the device's
	 * context is consumed. */
	rc = cli_atomic_open(&r.f, r.path);
	if (rc < 0)
		return cli_fail(rc, "cannot write '%s'%s%s", r.path,
				r.f.why[0] ? ": " : "", r.f.why);
	buf = malloc(r.chunk);
	if (buf == NULL) {
		cli_atomic_abort(&r.f);
		return cli_fail(-ENOMEM, "out of memory");
	}
	rc = ctx_read_chunks(&r, buf);
	free(buf);
	if (rc < 0) {
		cli_atomic_abort(&r.f);
		return rc;
	}
	rc = cli_atomic_commit(&r.f);
	if (rc < 0)
		return cli_fail(rc, "cannot write '%s'", r.path);
	cli_manual_read(r.path, r.p, r.vf);
	printf("read: %" PRIu64 "\n", r.total);
	printf("chunk: %u\n", r.chunk);
	printf("chunks: %u\n", r.chunks);
	printf("file: %s\n", r.path);
	/* Outside Freeze the VF keeps running: what was read is a snapshot
	 * (a precopy context), not what a destination must resume from. */
	if (cli_vf_mode(r.p, r.vf, &mode) == 0 && mode != VPF_DEV_MODE_FREEZE)
		printf("note: %s vf %u is %s: this context is a snapshot of a "
		       "VF that still changes; 'mode set %s %u freeze' first "
		       "for the final one\n", r.p->name, r.vf,
		       vpf_dev_mode_name(mode), r.p->name, r.vf);
	return 0;
}

/* ---- write -------------------------------------------------------------- */

/* Where a `ctx write` is. */
struct ctx_write {
	struct cli_pf *p;
	uint16_t vf;
	const char *path;
	const uint8_t *data;
	size_t len;
	size_t off;
	uint32_t chunk;
	uint32_t chunks;
	double t0;
};

/* A file that is not a context (a stream, a bitmap, any other file) is
 * refused before anything is sent: a write the device refuses halfway
 * leaves a partial context that blocks the VF's way back (doc/protocol.md
 * D-CLI.6). force=yes sends it anyway, to see what the device does. */
static int
ctx_write_check(const char *path, const uint8_t *data, size_t len)
{
	struct vpf_ctx_error cerr;
	char why[256];
	int rc;

	memset(&cerr, 0, sizeof(cerr));
	if (vpf_ctx_validate(data, len, VPF_CTX_F_ALLOW_PAD, &cerr) == 0)
		return 0;
	vpf_ctx_error_str(&cerr, why, sizeof(why));
	rc = cli_fail(-EBADMSG, "'%s' is not a device context: %s at "
		      "byte offset %" PRIu64 ": %s; nothing sent", path,
		      vpf_ctx_err_name(cerr.code), cerr.offset, why);
	cli_hint("'ctx dump %s' decodes it up to the problem; a "
		 "context comes from 'ctx read'; force=yes sends it "
		 "anyway", path);
	return rc;
}

static int
ctx_write_cancel(const struct ctx_write *w)
{
	static const struct ctx_partial_said said = {
		"nothing was sent", "partial context discarded, nothing applied",
		"partial context NOT discarded (ctx discard)",
	};
	/* Nothing of a partial write may be applied: drop it (a failed
	 * discard is said, with the fix). */
	const char *fate = drop_partial(w->p, w->vf, w->chunks, &said);

	printf("cancelled: ctx write %s vf %u after %.3f s at "
	       "offset %zu of %zu; %s\n", w->p->name, w->vf,
	       cli_now() - w->t0, w->off, w->len, fate);
	return ctx_cancelled("write");
}

static int
ctx_write_failed(const struct ctx_write *w, int rc)
{
	char what[96], dev[128];
	uint16_t st = 0, q = 0;

	snprintf(what, sizeof(what), "DEV_CTX_WRITE chunk %u at offset %zu",
		 w->chunks + 1, w->off);
	if (cli_dev_status(w->p, dev, sizeof(dev)))
		vpf_admin_last_status(w->p->pf, &st, &q);
	rc = cli_vf_call(w->p, w->vf, VPF_ADMIN_OP_DEV_CTX_WRITE, rc, what);
	if (q == VPF_ADMIN_SQ_INVALID_FIELD)
		cli_hint("the device refused the context's contents: "
			 "'ctx dump %s' decodes it, 'ctx fields %s %u' lists "
			 "the fields this VF takes", w->path, w->p->name,
			 w->vf);
	return rc;
}

/* DEV_CTX_WRITE the file in chunks; @p pad holds one chunk. */
static int
ctx_write_chunks(struct ctx_write *w, uint8_t *pad)
{
	int rc;

	while (w->off < w->len) {
		uint32_t n = (uint32_t)RTE_MIN((size_t)w->chunk,
					       w->len - w->off);
		const uint8_t *src = w->data + w->off;
		uint32_t post = n;

		/* the last chunk is padded with zeros to a multiple of 8
		 * (doc/protocol.md D-1.2) */
		if (n % 8 != 0) {
			post = RTE_ALIGN_CEIL(n, 8u);
			memset(pad, 0, post);
			memcpy(pad, src, n);
			src = pad;
		}
		if (cli_cancelled())
			return ctx_write_cancel(w);
		cli_dev_begin(w->p);
		rc = vpf_admin_ctx_write_chunk(w->p->pf, w->vf, src, post);
		if (rc < 0)
			return ctx_write_failed(w, rc);
		w->chunks++;
		w->off += n;
	}
	return 0;
}

static int
cmd_ctx_write(struct cli_args *a)
{
	struct ctx_write w = {
		.p = a->p, .vf = a->vf, .path = cli_arg(a, "file"),
		.t0 = cli_now(),
	};
	uint8_t *data = NULL, *pad;
	bool force;
	int rc;

	rc = cli_opt_chunk(a, w.p->max_chunk, &w.chunk);
	if (rc < 0)
		return rc;
	rc = cli_opt_force(a, &force);
	if (rc < 0)
		return rc;
	rc = cli_read_file(w.path, CLI_CTX_MAX, &data, &w.len);
	if (rc < 0)
		return cli_fail(rc, "cannot read '%s'", w.path);
	w.data = data;
	if (w.len == 0) {
		rc = cli_fail(-EINVAL, "'%s' is empty", w.path);
		goto out;
	}
	if (!force && (rc = ctx_write_check(w.path, data, w.len)) < 0)
		goto out;
	pad = malloc(w.chunk);
	if (pad == NULL) {
		rc = cli_fail(-ENOMEM, "out of memory");
		goto out;
	}
	rc = ctx_write_chunks(&w, pad);
	free(pad);
	if (rc < 0)
		goto out;
	cli_manual_write(w.path, w.p, w.vf);
	printf("written: %zu\n", w.len);
	printf("chunk: %u\n", w.chunk);
	printf("chunks: %u\n", w.chunks);
out:
	free(data);
	return rc;
}

/* ---- dump --------------------------------------------------------------- */

static int
cmd_ctx_dump(struct cli_args *a)
{
	const char *path = cli_arg(a, "file");
	struct vpf_ctx_error err;
	char why[512];
	uint8_t *data;
	size_t len;
	int rc;

	rc = cli_read_file(path, CLI_CTX_MAX, &data, &len);
	if (rc < 0)
		return cli_fail(rc, "cannot read '%s'", path);
	printf("file: %s\nbytes: %zu\n", path, len);
	memset(&err, 0, sizeof(err));
	/* Up to 7 zero bytes may follow a context that was written with a
	 * padded last chunk (doc/protocol.md D-1.3). */
	rc = vpf_ctx_print(stdout, data, len, VPF_CTX_F_ALLOW_PAD, &err);
	free(data);
	if (rc == -EBADMSG) {
		vpf_ctx_error_str(&err, why, sizeof(why));
		return cli_fail(rc, "malformed context at byte offset %" PRIu64
				" (%s): %s", err.offset,
				vpf_ctx_err_name(err.code), why);
	}
	if (rc < 0)
		return cli_fail(rc, "cannot print the context");
	return 0;
}

/* ---- the table ---------------------------------------------------------- */

static const struct cli_opt size_opts[] = {
	{ "freeze", "off", "what remains of the current mode's context" },
	{ NULL, NULL, NULL },
};

static const struct cli_opt read_opts[] = {
	{ "chunk=<bytes>", "4096", "or the PF's largest chunk if smaller; a "
	  "multiple of 8" },
	{ NULL, NULL, NULL },
};

static const struct cli_opt write_opts[] = {
	{ "chunk=<bytes>", "4096", "or the PF's largest chunk if smaller; a "
	  "multiple of 8" },
	{ "force=yes|no", "no", "a file that is not a context is refused" },
	{ NULL, NULL, NULL },
};

static const struct cli_cmd cmds[] = {
	{ "ctx size <pf> <vf> [freeze]",
	  "DEV_CTX_SIZE_GET: what remains of the current context, or with "
	  "freeze the estimate in Freeze -> size: <bytes>", cmd_ctx_size,
	  size_opts, CLI_ON_VF },
	{ "ctx fields <pf> <vf>",
	  "DEV_CTX_FIELDS_QUERY: field types and lengths the VF supports",
	  cmd_ctx_fields, NULL, CLI_ON_VF },
	{ "ctx read <pf> <vf> <file> [chunk=<bytes>]",
	  "DEV_CTX_READ the rest of the context into <file> (written "
	  "atomically) -> read: <bytes>", cmd_ctx_read, read_opts,
	  CLI_ON_VF },
	{ "ctx write <pf> <vf> <file> [chunk=<bytes>] [force=yes|no]",
	  "DEV_CTX_WRITE the raw context in <file> (Freeze only; a file that "
	  "is not a well-formed context is refused unless force=yes) -> "
	  "written: <bytes>", cmd_ctx_write, write_opts, CLI_ON_VF },
	{ "ctx discard <pf> <vf>",
	  "DEV_CTX_DISCARD a partial read or write, or an unapplied context",
	  cmd_ctx_discard, NULL, CLI_ON_VF },
	{ "ctx dump <file>",
	  "decode a context file; fails naming the byte offset if malformed",
	  cmd_ctx_dump, NULL, CLI_ON_ARGS },
};

const struct cli_cmd_group cli_group_ctx = {
	"ctx", "device contexts: the manual migration steps", cmds,
	RTE_DIM(cmds)
};
