/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * vpf-cli commands: wr cap|start|read|stop, device write recording
 * (doc/protocol.md §6).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "vpf_common.h"
#include "cli_cmds.h"

/* Most write-recording ranges one `wr start` takes. */
#define CLI_WR_RANGES_MAX	64
/* Largest `wr read` span in pages (a 128 MiB bitmap). */
#define CLI_WR_PAGES_MAX	(UINT64_C(1) << 30)
/* `wr read` reads this many pages per DEV_WRITE_RECORDS_READ loop, so
 * that Ctrl-C stops it between windows (a multiple of 64: whole bitmap
 * words). */
#define CLI_WR_WINDOW_PAGES	(UINT64_C(1) << 15)

static int
cmd_wr_cap(struct cli_args *a)
{
	struct vpf_wr_cap cap;
	char sizes[256] = "", one[16];
	unsigned int b;
	int rc;

	rc = cli_vf_call(a->p, a->vf, VPF_ADMIN_OP_DEV_WRITE_RECORD_CAP_QUERY,
			 vpf_admin_wr_cap_query(a->p->pf, a->vf, &cap), NULL);
	if (rc < 0)
		return rc;
	for (b = 0; b < 32; b++) {
		if (!(cap.page_size_bitmap & (1u << b)))
			continue;
		/* bit n is 4 KiB << n (doc/protocol.md §6.2) */
		cli_fmt_size(UINT64_C(4096) << b, one, sizeof(one));
		snprintf(sizes + strlen(sizes), sizeof(sizes) - strlen(sizes),
			 "%s%s", sizes[0] ? " " : "", one);
	}
	printf("page-sizes: %s\n", sizes[0] ? sizes : "none");
	printf("page-size-bitmap: 0x%08x\n", cap.page_size_bitmap);
	printf("max-ranges: %u\n", cap.max_ranges);
	return 0;
}

static int
cmd_wr_start(struct cli_args *a)
{
	struct vpf_admin_wr_range r[CLI_WR_RANGES_MAX];
	struct cli_pf *p = a->p;
	uint64_t ps, pages = 0;
	uint16_t vf = a->vf;
	char err[256];
	int n, i, rc;

	if (cli_parse_u64(cli_arg(a, "page_size"), true, &ps) < 0 ||
	    ps < 4096 || (ps & (ps - 1)) != 0)
		return cli_fail(-EINVAL,
				"bad page size '%s' (a power of two >= 4096, e.g. 4K)",
				cli_arg(a, "page_size"));
	n = cli_parse_ranges(cli_arg(a, "addr"), r, RTE_DIM(r), err,
			     sizeof(err));
	if (n < 0)
		return cli_fail(n, "%s", err);
	for (i = 0; i < n; i++)
		pages += r[i].page_count;
	rc = cli_vf_call(p, vf, VPF_ADMIN_OP_DEV_WRITE_RECORDS_START,
			 vpf_admin_wr_start(p->pf, vf, ps, r, (uint32_t)n),
			 NULL);
	if (rc < 0)
		return rc;
	p->vfs[vf].wr_on = true;
	p->vfs[vf].wr_page_size = ps;
	printf("recording: on\n");
	printf("page-size: %" PRIu64 "\n", ps);
	printf("ranges: %d\n", n);
	printf("pages: %" PRIu64 "\n", pages);
	return 0;
}

/* ---- read --------------------------------------------------------------- */

/* Where a `wr read` is. */
struct wr_read {
	struct cli_pf *p;
	uint16_t vf;
	uint64_t addr;
	uint64_t len;
	uint64_t ps;		/* the recording's page size */
	size_t words;		/* of the bitmap */
	uint64_t records;
	const char *bitmap_path;	/* NULL: no file */
	double t0;
};

static int
wr_read_args(const struct cli_args *a, struct wr_read *w)
{
	uint64_t npages;

	w->p = a->p;
	w->vf = a->vf;
	if (cli_parse_u64(cli_arg(a, "addr"), false, &w->addr) < 0)
		return cli_fail(-EINVAL, "bad address '%s'", cli_arg(a, "addr"));
	if (cli_parse_u64(cli_arg(a, "length"), true, &w->len) < 0 ||
	    w->len == 0)
		return cli_fail(-EINVAL, "bad length '%s'", cli_arg(a, "length"));
	/* page size of the recording vpf-cli started, else 4 KiB */
	w->ps = w->p->vfs[w->vf].wr_page_size ? w->p->vfs[w->vf].wr_page_size :
		4096;
	npages = w->len / w->ps + (w->len % w->ps != 0);
	if (npages > CLI_WR_PAGES_MAX)
		return cli_fail(-E2BIG, "span of %" PRIu64 " pages is too large",
				npages);
	w->words = (size_t)((npages + 63) / 64);
	return 0;
}

static int
wr_read_cancel(const struct wr_read *w, uint64_t off)
{
	printf("cancelled: wr read %s vf %u after %.3f s at "
	       "0x%" PRIx64 " of [0x%" PRIx64 ", 0x%" PRIx64
	       "); %" PRIu64 " records read before were cleared "
	       "on the device and are not reported%s; recording "
	       "goes on\n", w->p->name, w->vf, cli_now() - w->t0,
	       w->addr + off, w->addr, w->addr + w->len, w->records,
	       w->bitmap_path ? ", the bitmap file not written" : "");
	return cli_fail(-ECANCELED, "wr read cancelled by %s",
			cli_signal_name(cli_signal));
}

/* DEV_WRITE_RECORDS_READ the span into @p bitmap. */
static int
wr_read_windows(struct wr_read *w, uint64_t *bitmap)
{
	uint64_t off, win, n;
	int rc;

	/* In windows of whole bitmap words, so that Ctrl-C stops between
	 * them; a misaligned span goes in one call, which explains it. */
	win = w->len % w->ps == 0 && w->addr % w->ps == 0 &&
	      w->ps <= UINT64_MAX / CLI_WR_WINDOW_PAGES ?
	      CLI_WR_WINDOW_PAGES * w->ps : w->len;
	for (off = 0; off < w->len; off += n) {
		uint64_t rec = 0;

		n = RTE_MIN(win, w->len - off);
		if (cli_cancelled())
			return wr_read_cancel(w, off);
		cli_dev_begin(w->p);
		rc = vpf_admin_wr_read(w->p->pf, w->vf, w->addr + off, n, w->ps,
				       bitmap + off / w->ps / 64, &rec);
		if (rc < 0)
			return cli_vf_call(w->p, w->vf,
					   VPF_ADMIN_OP_DEV_WRITE_RECORDS_READ,
					   rc, NULL);
		w->records += rec;
	}
	return 0;
}

/* u64 words, least significant bit first, little endian (the VFIO
 * DMA-logging report layout). The file is committed or aborted. */
static int
wr_read_save(const struct wr_read *w, struct cli_atomic_file *f,
	     uint64_t *bitmap)
{
	size_t i;
	int rc;

	for (i = 0; i < w->words; i++)
		bitmap[i] = rte_cpu_to_le_64(bitmap[i]);
	rc = cli_atomic_write(f, bitmap, w->words * sizeof(*bitmap));
	if (rc == 0)
		rc = cli_atomic_commit(f);	/* aborts on failure */
	else
		cli_atomic_abort(f);
	if (rc < 0)
		return cli_fail(rc, "cannot write '%s'", w->bitmap_path);
	return 0;
}

static int
cmd_wr_read(struct cli_args *a)
{
	struct wr_read w = {
		.bitmap_path = cli_kv_get(&a->kv, "bitmap"),
		.t0 = cli_now(),
	};
	struct cli_atomic_file f;
	uint64_t *bitmap, dirty = 0;
	size_t i;
	int rc;

	rc = wr_read_args(a, &w);
	if (rc < 0)
		return rc;
	if (w.bitmap_path != NULL) {
		/* before DEV_WRITE_RECORDS_READ clears the records */
		rc = cli_atomic_open(&f, w.bitmap_path);
		if (rc < 0)
			return cli_fail(rc, "cannot write '%s'%s%s",
					w.bitmap_path, f.why[0] ? ": " : "",
					f.why);
	}
	bitmap = calloc(w.words, sizeof(*bitmap));
	rc = bitmap == NULL ? cli_fail(-ENOMEM, "out of memory") :
	     wr_read_windows(&w, bitmap);
	if (rc < 0) {
		if (w.bitmap_path != NULL)
			cli_atomic_abort(&f);
		free(bitmap);
		return rc;
	}
	for (i = 0; i < w.words; i++)
		dirty += (uint64_t)__builtin_popcountll(bitmap[i]);
	if (w.bitmap_path != NULL)
		rc = wr_read_save(&w, &f, bitmap);
	free(bitmap);
	if (rc < 0)
		return rc;
	printf("records: %" PRIu64 "\n", w.records);
	printf("pages: %" PRIu64 "\n", dirty);
	printf("page-size: %" PRIu64 "\n", w.ps);
	if (w.bitmap_path != NULL)
		printf("bitmap: %s\n", w.bitmap_path);
	return 0;
}

static int
cmd_wr_stop(struct cli_args *a)
{
	int rc;

	rc = cli_vf_call(a->p, a->vf, VPF_ADMIN_OP_DEV_WRITE_RECORDS_STOP,
			 vpf_admin_wr_stop(a->p->pf, a->vf), NULL);
	if (rc < 0)
		return rc;
	a->p->vfs[a->vf].wr_on = false;
	printf("recording: off\n");
	return 0;
}

/* ---- the table ---------------------------------------------------------- */

static const struct cli_opt read_opts[] = {
	{ "bitmap=<file>", "none", "only the counts are printed" },
	{ NULL, NULL, NULL },
};

static const struct cli_cmd cmds[] = {
	{ "wr cap <pf> <vf>", "DEV_WRITE_RECORD_CAP_QUERY: page sizes, ranges",
	  cmd_wr_cap, NULL, CLI_ON_VF },
	{ "wr start <pf> <vf> <page_size> <addr>:<pages>[,<addr>:<pages>...]",
	  "DEV_WRITE_RECORDS_START over the ranges", cmd_wr_start, NULL,
	  CLI_ON_VF },
	{ "wr read <pf> <vf> <addr> <length> [bitmap=<file>]",
	  "DEV_WRITE_RECORDS_READ until drained -> records: <n> (bitmap: u64 "
	  "words, LSB first)", cmd_wr_read, read_opts, CLI_ON_VF },
	{ "wr stop <pf> <vf>", "DEV_WRITE_RECORDS_STOP", cmd_wr_stop, NULL,
	  CLI_ON_VF },
};

const struct cli_cmd_group cli_group_wr = {
	"wr", "device write recording (dirty pages)", cmds, RTE_DIM(cmds)
};
