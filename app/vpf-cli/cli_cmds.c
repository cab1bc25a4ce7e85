/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * The commands of vpf-cli (DESIGN.md §CLI). Each prints stable `key: value`
 * result lines on stdout and returns 0, or reports one error line through
 * cli_fail() / cli_fail_dev() and returns the negative errno.
 */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <cmdline.h>

#include "vpf_common.h"
#include "vpf_ctx.h"
#include "vpf_mig.h"
#include "vpf_model.h"
#include "cli.h"
#include "vpf_vfio.h"

/* Largest context or file vpf-cli reads into memory. */
#define CLI_CTX_MAX		(64u << 20)
/* Default DEV_CTX_READ / DEV_CTX_WRITE chunk. */
#define CLI_CHUNK_DEFAULT	4096u
/* Most write-recording ranges one `wr start` takes. */
#define CLI_WR_RANGES_MAX	64
/* Largest `wr read` span in pages (a 128 MiB bitmap). */
#define CLI_WR_PAGES_MAX	(UINT64_C(1) << 30)
/* `wr read` reads this many pages per DEV_WRITE_RECORDS_READ loop, so
 * that Ctrl-C stops it between windows (a multiple of 64: whole bitmap
 * words). */
#define CLI_WR_WINDOW_PAGES	(UINT64_C(1) << 15)

struct cmdline *cli_interactive;

/* ---- helpers ------------------------------------------------------------ */

static int
need_model(struct cli_pf *p)
{
	if (p->model == NULL)
		return cli_fail(-ENOTSUP, "%s is not a software model", p->name);
	return 0;
}

static int
parse_mode(const char *s, uint8_t *mode)
{
	if (strcmp(s, "active") == 0)
		*mode = VPF_DEV_MODE_ACTIVE;
	else if (strcmp(s, "stop") == 0)
		*mode = VPF_DEV_MODE_STOP;
	else if (strcmp(s, "freeze") == 0)
		*mode = VPF_DEV_MODE_FREEZE;
	else
		return cli_fail(-EINVAL,
				"bad mode '%s' (expected active, stop or freeze)",
				s);
	return 0;
}

static int
parse_chunk(const struct cli_args *a, struct cli_pf *p, uint32_t *chunk)
{
	const char *s = cli_kv_get(&a->kv, "chunk");
	uint64_t v;

	*chunk = RTE_MIN(CLI_CHUNK_DEFAULT, p->max_chunk);
	if (s == NULL)
		return 0;
	/* FACTS.md 1 (decision): context chunks are multiples of 8 bytes. */
	if (cli_parse_u64(s, true, &v) < 0 || v == 0 || v % 8 != 0 ||
	    v > p->max_chunk)
		return cli_fail(-EINVAL,
				"bad chunk '%s' (a multiple of 8 bytes, 8..%u)",
				s, p->max_chunk);
	*chunk = (uint32_t)v;
	return 0;
}

static const char *
dialect_name(enum vpf_dialect d)
{
	switch (d) {
	case VPF_DIALECT_SEED_2023:
		return "seed-2023";
	case VPF_DIALECT_V14_PARTS:
		return "virtio-1.4-parts";
	default:
		return "unknown";
	}
}

static const char *
yes_no(bool b)
{
	return b ? "yes" : "no";
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A running command stops at its next safe point when this is true (a
 * signal arrived: Ctrl-C, SIGTERM, SIGHUP). */
static bool
cancel_requested(void)
{
	return cli_signal != 0;
}

static int vf_mode(struct cli_pf *p, uint16_t vf, uint8_t *mode);

/* ---- refusals that say what to do --------------------------------------- */

static bool
op_enabled(struct cli_pf *p, uint8_t op)
{
	struct vpf_pf_info in;

	if (vpf_pf_info_get(p->pf, &in) < 0)
		return true;	/* unknown: no hint rather than a wrong one */
	return (in.cmds_enabled & VPF_ADMIN_OP_BIT(op)) != 0;
}

int
cli_fail_op(struct cli_pf *p, uint16_t vf, uint8_t op, int err,
	    const char *what)
{
	const char *name = vpf_admin_opcode_name(op);
	const char *pf = p->name;
	char dev[128];
	uint16_t st = 0, q = 0;
	bool devst;
	uint8_t mode;

	devst = cli_dev_status(p, dev, sizeof(dev));
	if (devst)
		vpf_admin_last_status(p->pf, &st, &q);
	cli_fail_dev(p, err, what);
	/* The mode is read after the error line: a VFIO PF answers with
	 * one more admin command. */
	if (devst && q == VPF_ADMIN_SQ_INVALID_COMMAND) {
		if (vf_mode(p, vf, &mode) < 0)
			return err;
		switch (op) {
		case VPF_ADMIN_OP_DEV_CTX_WRITE:
			if (mode != VPF_DEV_MODE_FREEZE)
				cli_hint("%s vf %u is %s: %s needs Freeze "
					 "(mode set %s %u freeze)", pf, vf,
					 vpf_dev_mode_name(mode), name, pf, vf);
			break;
		case VPF_ADMIN_OP_DEV_MODE_SET:
			cli_hint("a context of %s vf %u is partly read or "
				 "written, which blocks active and stop: finish "
				 "it, or 'ctx discard %s %u' (drops it)", pf, vf,
				 pf, vf);
			break;
		case VPF_ADMIN_OP_DEV_WRITE_RECORDS_START:
			cli_hint("write recording is already on for %s vf %u: "
				 "'wr read %s %u ...' reads it, 'wr stop %s %u' "
				 "ends it before a new start", pf, vf, pf, vf,
				 pf, vf);
			break;
		case VPF_ADMIN_OP_DEV_WRITE_RECORDS_READ:
			cli_hint("write recording is not on for %s vf %u: "
				 "'wr start %s %u <page_size> <addr>:<pages>' "
				 "first", pf, vf, pf, vf);
			break;
		default:
			cli_hint("the device refused %s for %s vf %u in %s "
				 "('help' for the order of the steps)", name, pf,
				 vf, vpf_dev_mode_name(mode));
			break;
		}
	} else if (devst && q == VPF_ADMIN_SQ_INVALID_OPCODE) {
		cli_hint("the device does not take %s: 'show cmds %s' lists "
			 "the commands it supports and vpf enabled", name, pf);
	} else if (!devst && err == -ENOTSUP && !op_enabled(p, op)) {
		cli_hint("%s is not enabled on %s (the device does not offer "
			 "it): 'show cmds %s' lists what it supports", name, pf,
			 pf);
	} else if (devst && q == VPF_ADMIN_SQ_INVALID_MEMBER) {
		cli_hint("the device does not know VF %u of %s: 'show pf' says "
			 "num-vfs and vf-enabled; if NumVFs changed, "
			 "'pf reattach %s'", vf, pf, pf);
	} else if (devst && q == VPF_ADMIN_SQ_INVALID_GROUP) {
		cli_hint("the device refused the SR-IOV group of %s: are its "
			 "VFs enabled ('show pf': vf-enabled)?", pf);
	} else if (devst && (st == VPF_ADMIN_STATUS_EAGAIN ||
			     q == VPF_ADMIN_SQ_NORESOURCE ||
			     q == VPF_ADMIN_SQ_TRYAGAIN)) {
		cli_hint("the device stayed busy through vpf's retries: run "
			 "the command again");
	} else if (err == -ETIMEDOUT) {
		cli_hint("the device did not answer %s in time and vpf reset "
			 "the admin queue: run it again; 'stats %s' counts "
			 "timeouts", name, pf);
	}
	return err;
}

/* ---- help, quit --------------------------------------------------------- */

static int
cmd_help(struct cli_args *a)
{
	const char *topic = cli_arg(a, "topic");
	unsigned int i, shown = 0;
	size_t tl = topic ? strlen(topic) : 0;

	for (i = 0; i < cli_ncmds; i++) {
		const char *s = cli_cmds[i].syntax;

		if (topic != NULL && (strncmp(s, topic, tl) != 0 ||
				      (s[tl] != ' ' && s[tl] != '\0')))
			continue;
		if (topic == NULL)
			printf("%-62s %s\n", s, cli_cmds[i].help);
		else
			printf("%s\n    %s\n", s, cli_cmds[i].help);
		shown++;
	}
	if (shown == 0)
		return cli_fail(-ENOENT, "no command starts with '%s'", topic);
	if (topic == NULL)
		printf("\nTab completes, '?' lists what may come next, "
		       "'help <command>' explains one.\n");
	return 0;
}

/* What leaving would do to each VF outside Active (as cli_pf_leave()
 * does it). @return how many VFs are outside Active. */
static unsigned int
quit_preview(void)
{
	unsigned int i, n = 0;
	uint16_t vf;

	for (i = 0; i < cli.npf; i++) {
		struct cli_pf *p = cli.pfs[i];

		for (vf = 1; vf <= p->num_vfs; vf++) {
			struct cli_vf *v = &p->vfs[vf];
			uint8_t mode;

			if (vf_mode(p, vf, &mode) < 0 ||
			    mode == VPF_DEV_MODE_ACTIVE)
				continue;
			n++;
			printf("quit: %s vf %u: %s: %s\n", p->name, vf,
			       vpf_dev_mode_name(mode),
			       v->migrated ? "migrated, will be left as is" :
			       v->moved ? "will be restored to active "
					  "(a partial context is discarded)" :
			       "not moved by vpf-cli, will be left as is");
		}
	}
	return n;
}

/* y/N from the terminal (raw: cmdline's settings). Anything but y or Y,
 * Ctrl-C, Ctrl-D or a signal is no. */
static bool
quit_confirm(void)
{
	char c, ans[8] = "";
	size_t k = 0;

	printf("Leave now? [y/N] ");
	fflush(stdout);
	for (;;) {
		struct pollfd pfd = { .fd = 0, .events = POLLIN };
		ssize_t n;

		if (cli_signal != 0 || poll(&pfd, 1, -1) < 0)
			break;
		n = read(0, &c, 1);
		if (n <= 0 || c == 3 || c == 4) {
			if (n < 0 && errno == EINTR && cli_signal == 0)
				continue;
			break;
		}
		if (c == '\r' || c == '\n')
			break;
		if (c >= ' ' && c < 127) {
			if (k < sizeof(ans) - 1)
				ans[k++] = c;
			putchar(c);
			fflush(stdout);
		}
	}
	printf("\n");
	return strcasecmp(ans, "y") == 0 || strcasecmp(ans, "yes") == 0;
}

static int
cmd_quit(struct cli_args *a)
{
	RTE_SET_USED(a);
	/* At the prompt, leaving with VFs outside Active changes them (or
	 * leaves a guest stopped): ask. A script (-f) never asks. */
	if (cli_interactive != NULL && quit_preview() > 0 && !quit_confirm()) {
		printf("quit: not confirmed; nothing changed\n");
		return 0;
	}
	cli.quit = true;
	if (cli_interactive != NULL)
		cmdline_quit(cli_interactive);
	return 0;
}

/* ---- show, stats -------------------------------------------------------- */

static void
print_pf(struct cli_pf *p)
{
	struct vpf_pf_info in;

	if (vpf_pf_info_get(p->pf, &in) < 0) {
		printf("pf: %s\nerror: %s\n", p->name, vpf_last_error());
		return;
	}
	printf("pf: %s\n", p->name);
	printf("backend: %s\n", in.backend ? in.backend : "unknown");
	printf("vendor-id: 0x%04x\n", in.vendor_id);
	printf("device-id: 0x%04x\n", in.device_id);
	printf("num-vfs: %u\n", in.num_vfs);
	printf("total-vfs: %u\n", in.total_vfs);
	printf("vf-enabled: %s\n", yes_no(in.vf_enabled));
	printf("vf-offset: %u\n", in.vf_offset);
	printf("vf-stride: %u\n", in.vf_stride);
	printf("device-features: 0x%016" PRIx64 "\n", in.device_features);
	printf("driver-features: 0x%016" PRIx64 "\n", in.driver_features);
	printf("admin-queue-index: %u\n", in.admin_queue_index);
	printf("admin-queue-size: %u\n", in.admin_queue_size);
	printf("dialect: %s\n", dialect_name(in.dialect));
	printf("fields-query: %s\n", yes_no(in.has_fields_query));
	printf("write-recording: %s\n", yes_no(in.has_write_record));
	printf("inflight: %u\n", in.inflight);
	printf("recoveries: %u\n", in.recoveries);
}

static int
cmd_show_pf(struct cli_args *a)
{
	unsigned int i;

	RTE_SET_USED(a);
	printf("pfs: %u\n", cli.npf);
	for (i = 0; i < cli.npf; i++) {
		printf("\n");
		print_pf(cli.pfs[i]);
	}
	return 0;
}

static void vfio_close_cb(void *dev);

/* PCI address of VF member @p vf of a VFIO PF (FACTS.md 3), or "" for other
 * backends or when the PF's SR-IOV capability cannot say. */
static void
vf_bdf(struct cli_pf *p, uint16_t vf, char *bdf, size_t len)
{
	bdf[0] = '\0';
	if (p->backend != NULL && p->backend_free == vfio_close_cb) {
		const struct vpf_pci_func *f = vpf_vfio_func(p->backend);
		char b[VPF_PCI_BDF_LEN];

		if (f != NULL && vpf_pci_vf_bdf(f, vf, b) == 0)
			snprintf(bdf, len, "%s", b);
	}
}

static int
print_vf(struct cli_pf *p, uint16_t vf)
{
	struct cli_vf *v = &p->vfs[vf];
	struct vpf_admin_stats st;
	uint64_t cmds = 0, errs = 0;
	char bdf[32];
	uint8_t mode;
	unsigned int i;
	int rc;

	cli_dev_begin(p);
	rc = vpf_admin_mode_get(p->pf, vf, &mode);
	if (rc < 0)
		return cli_fail_dev(p, rc, "DEV_MODE_GET");
	printf("vf: %u\n", vf);
	vf_bdf(p, vf, bdf, sizeof(bdf));
	if (bdf[0] != '\0')
		printf("bdf: %s\n", bdf);
	printf("mode: %s\n", vpf_dev_mode_name(mode));
	printf("moved-by-cli: %s\n", yes_no(v->moved));
	printf("migrated-to: %s\n", v->migrated ? v->migrated_to : "none");
	printf("migrated-from: %s\n", v->target ? v->target_of : "none");
	printf("write-recording: %s\n", v->wr_on ? "on" : "off");
	if (vpf_admin_stats_get(p->pf, vf, &st) == 0) {
		for (i = 0; i < RTE_DIM(st.cmds); i++)
			cmds += st.cmds[i];
		for (i = 0; i < RTE_DIM(st.errors_by_status); i++)
			errs += st.errors_by_status[i];
		printf("cmds: %" PRIu64 "\n", cmds);
		printf("errors: %" PRIu64 "\n", errs + st.errors_local);
	}
	return 0;
}

static int
cmd_show_vf(struct cli_args *a)
{
	struct cli_pf *p;
	uint16_t vf;
	int rc;

	if (cli_arg(a, "vf") != NULL) {
		rc = cli_pf_vf(a, "pf", "vf", &p, &vf);
		return rc < 0 ? rc : print_vf(p, vf);
	}
	rc = cli_pf_vf(a, "pf", NULL, &p, NULL);
	if (rc < 0)
		return rc;
	printf("pf: %s\nvfs: %u\n", p->name, p->num_vfs);
	for (vf = 1; vf <= p->num_vfs; vf++) {
		printf("\n");
		rc = print_vf(p, vf);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
cmd_show_cmds(struct cli_args *a)
{
	struct vpf_pf_info in;
	struct cli_pf *p;
	unsigned int op;
	int rc;

	rc = cli_pf_vf(a, "pf", NULL, &p, NULL);
	if (rc < 0)
		return rc;
	rc = vpf_pf_info_get(p->pf, &in);
	if (rc < 0)
		return cli_fail(rc, "%s", vpf_last_error());
	printf("dialect: %s\n", dialect_name(in.dialect));
	printf("supported: 0x%016" PRIx64 "\n", in.cmds_supported);
	printf("enabled: 0x%016" PRIx64 "\n", in.cmds_enabled);
	for (op = 0; op < 64; op++) {
		uint64_t bit = UINT64_C(1) << op;

		if (!(in.cmds_supported & bit))
			continue;
		printf("0x%02x %s: %s\n", op, vpf_admin_opcode_name(op),
		       (in.cmds_enabled & bit) ? "enabled" : "supported");
	}
	return 0;
}

static void
print_stats(struct cli_pf *p)
{
	struct vpf_admin_stats st;
	uint64_t total = 0;
	unsigned int i;

	printf("pf: %s\n", p->name);
	if (vpf_admin_stats_get(p->pf, 0, &st) < 0) {
		printf("error: %s\n", vpf_last_error());
		return;
	}
	for (i = 0; i < RTE_DIM(st.cmds); i++)
		total += st.cmds[i];
	printf("cmds: %" PRIu64 "\n", total);
	for (i = 0; i < RTE_DIM(st.cmds); i++)
		if (st.cmds[i])
			printf("cmds.%s: %" PRIu64 "\n",
			       vpf_admin_opcode_name(i), st.cmds[i]);
	for (i = 0; i < RTE_DIM(st.errors_by_status); i++)
		if (st.errors_by_status[i])
			printf("errors.%s: %" PRIu64 "\n",
			       vpf_admin_status_name(i), st.errors_by_status[i]);
	printf("errors-local: %" PRIu64 "\n", st.errors_local);
	printf("retries: %" PRIu64 "\n", st.retries);
	printf("timeouts: %" PRIu64 "\n", st.timeouts);
	printf("bytes-read: %" PRIu64 "\n", st.bytes_read);
	printf("bytes-written: %" PRIu64 "\n", st.bytes_written);
	printf("latency-min-ns: %" PRIu64 "\n", st.lat_count ? st.lat_min_ns : 0);
	printf("latency-avg-ns: %" PRIu64 "\n",
	       st.lat_count ? st.lat_sum_ns / st.lat_count : 0);
	printf("latency-max-ns: %" PRIu64 "\n", st.lat_max_ns);
}

static int
cmd_stats(struct cli_args *a)
{
	struct cli_pf *p;
	unsigned int i;
	int rc;

	if (cli_arg(a, "pf") != NULL) {
		rc = cli_pf_vf(a, "pf", NULL, &p, NULL);
		if (rc < 0)
			return rc;
		print_stats(p);
		return 0;
	}
	for (i = 0; i < cli.npf; i++) {
		if (i)
			printf("\n");
		print_stats(cli.pfs[i]);
	}
	return 0;
}

static int
cmd_stats_reset(struct cli_args *a)
{
	struct cli_pf *p;
	int rc;

	rc = cli_pf_vf(a, "pf", NULL, &p, NULL);
	if (rc < 0)
		return rc;
	vpf_admin_stats_reset(p->pf);
	printf("stats: reset\n");
	return 0;
}

/* ---- pf ----------------------------------------------------------------- */

static int
cmd_pf_attach_model(struct cli_args *a)
{
	uint64_t vfs = 0, vqs = 0, seed = 1;
	const char *s;
	struct cli_pf *p;
	int rc;

	if ((s = cli_kv_get(&a->kv, "vfs")) != NULL &&
	    cli_parse_range(s, false, 1, 256, &vfs) < 0)
		return cli_fail(-EINVAL, "bad vfs '%s' (1..256)", s);
	if ((s = cli_kv_get(&a->kv, "vqs")) != NULL &&
	    cli_parse_range(s, false, 1, 256, &vqs) < 0)
		return cli_fail(-EINVAL, "bad vqs '%s' (queue pairs, 1..256)", s);
	if ((s = cli_kv_get(&a->kv, "seed")) != NULL &&
	    cli_parse_u64(s, false, &seed) < 0)
		return cli_fail(-EINVAL, "bad seed '%s'", s);
	rc = cli_pf_attach_model(cli_arg(a, "name"), (uint16_t)vfs,
				 (uint16_t)vqs, seed);
	if (rc < 0)
		return rc;
	p = cli_pf_find(cli_arg(a, "name"));
	printf("pf: %s\nbackend: model\nvfs: %u\n", p->name, p->num_vfs);
	return 0;
}

static int
cmd_pf_detach(struct cli_args *a)
{
	struct cli_pf *p;
	char name[CLI_NAME_LEN];
	int rc;

	rc = cli_pf_vf(a, "pf", NULL, &p, NULL);
	if (rc < 0)
		return rc;
	snprintf(name, sizeof(name), "%s", p->name);
	cli_pf_leave(p, "detach");
	cli_pf_detach(p);
	printf("detached: %s\n", name);
	return 0;
}

static int
cmd_pf_reattach(struct cli_args *a)
{
	struct cli_pf *p;
	int rc;

	rc = cli_pf_vf(a, "pf", NULL, &p, NULL);
	if (rc < 0)
		return rc;
	return cli_pf_reattach(p);
}

static int
cmd_pf_scan(struct cli_args *a)
{
	struct vpf_pci_func *f;
	const char *dump = cli_kv_get(&a->kv, "dump");
	unsigned int n = 0, i, max = 256;
	size_t cap = 8192;
	char *text;
	int rc;

	f = calloc(max, sizeof(*f));
	text = malloc(cap);
	if (f == NULL || text == NULL) {
		free(f);
		free(text);
		return cli_fail(-ENOMEM, "out of memory");
	}
	vpf_error_clear();
	rc = vpf_pci_scan(dump, f, max, &n);
	if (rc < 0) {
		cli_fail(rc, "scan failed: %s", vpf_last_error());
		goto out;
	}
	printf("functions: %u\n", n);
	for (i = 0; i < RTE_MIN(n, max); i++) {
		int need = vpf_pci_describe(&f[i], text, cap);

		if (need < 0)
			continue;
		if ((size_t)need >= cap) {
			/* a PF with many VFs: one vf<n>_bdf line each */
			char *t = realloc(text, (size_t)need + 1);

			if (t == NULL) {
				rc = cli_fail(-ENOMEM, "out of memory");
				goto out;
			}
			text = t;
			cap = (size_t)need + 1;
			if (vpf_pci_describe(&f[i], text, cap) < 0)
				continue;
		}
		printf("\n%s", text);
		if (text[0] && text[strlen(text) - 1] != '\n')
			printf("\n");
	}
out:
	free(f);
	free(text);
	return rc;
}

static void
vfio_close_cb(void *dev)
{
	vpf_vfio_close(dev);
}

int
cli_pf_attach_vfio(const char *bdf, const char *name, const char *token)
{
	struct vpf_vfio_params vp;
	struct vpf_pf_params pp;
	struct vpf_vfio_dev *dev = NULL;
	struct vpf_pf *pf;
	struct cli_pf *p;
	char norm[VPF_PCI_BDF_LEN];
	int rc;

	if (vpf_pci_bdf_parse(bdf, norm) < 0)
		return cli_fail(-EINVAL, "bad PCI address '%s' (dddd:bb:dd.f)",
				bdf);
	if (name == NULL)
		name = norm;
	if (strlen(name) >= CLI_NAME_LEN)
		return cli_fail(-EINVAL, "PF name too long");
	if (cli_pf_find(name) != NULL)
		return cli_fail(-EEXIST, "a PF named '%s' is attached", name);
	if (cli.npf == CLI_MAX_PF)
		return cli_fail(-ENOSPC, "at most %d PFs", CLI_MAX_PF);
	vpf_vfio_params_init(&vp);
	vp.vf_token = token;
	vpf_pf_params_init(&pp);
	pp.name = name;
	vpf_error_clear();
	pf = vpf_vfio_pf_attach(norm, &vp, &pp, &dev);
	if (pf == NULL) {
		rc = errno ? -errno : -EIO;
		return cli_fail(rc, "cannot attach %s: %s", norm,
				vpf_last_error());
	}
	p = calloc(1, sizeof(*p));
	if (p != NULL)
		p->vfs = calloc(vpf_pf_num_vfs(pf) + 1u, sizeof(*p->vfs));
	if (p == NULL || p->vfs == NULL) {
		free(p);
		vpf_pf_detach(pf);
		vpf_vfio_close(dev);
		return cli_fail(-ENOMEM, "out of memory");
	}
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->pf = pf;
	p->backend = dev;
	p->backend_free = vfio_close_cb;
	p->num_vfs = vpf_pf_num_vfs(pf);
	p->max_chunk = pp.max_chunk;
	cli.pfs[cli.npf++] = p;
	printf("pf: %s\nbackend: vfio\nbdf: %s\nvfs: %u\n", p->name, norm,
	       p->num_vfs);
	cli_pf_report_found(p);
	return 0;
}

static int
cmd_pf_attach_vfio(struct cli_args *a)
{
	return cli_pf_attach_vfio(cli_arg(a, "bdf"), cli_kv_get(&a->kv, "name"),
				  cli_kv_get(&a->kv, "vf-token"));
}

/* ---- mode --------------------------------------------------------------- */

static int
cmd_mode_get(struct cli_args *a)
{
	struct cli_pf *p;
	uint16_t vf;
	uint8_t mode;
	int rc;

	rc = cli_pf_vf(a, "pf", "vf", &p, &vf);
	if (rc < 0)
		return rc;
	cli_dev_begin(p);
	rc = vpf_admin_mode_get(p->pf, vf, &mode);
	if (rc < 0)
		return cli_fail_op(p, vf, VPF_ADMIN_OP_DEV_MODE_GET, rc,
				   "DEV_MODE_GET");
	printf("mode: %s\n", vpf_dev_mode_name(mode));
	return 0;
}

/* The manual flow: `mode set <dst> active` after `ctx write` of a file that
 * `ctx read` took from a source completes that source's migration. */
static void
note_manual_migration(struct cli_pf *dst, uint16_t dst_vf)
{
	unsigned int i;

	for (i = 0; i < cli.nwritten; i++) {
		struct cli_pf *src;

		if (!cli.written[i].valid || cli.written[i].dst_vf != dst_vf ||
		    strcmp(cli.written[i].dst_pf, dst->name) != 0)
			continue;
		cli.written[i].valid = false;
		src = cli_pf_find(cli.written[i].src_pf);
		if (src == NULL || cli.written[i].src_vf > src->num_vfs ||
		    (src == dst && cli.written[i].src_vf == dst_vf))
			continue;
		src->vfs[cli.written[i].src_vf].migrated = true;
		snprintf(src->vfs[cli.written[i].src_vf].migrated_to,
			 sizeof(src->vfs[0].migrated_to), "%s vf %u", dst->name,
			 dst_vf);
		/* the guest moved away from the source, into dst_vf */
		src->vfs[cli.written[i].src_vf].target = false;
		dst->vfs[dst_vf].target = true;
		snprintf(dst->vfs[dst_vf].target_of,
			 sizeof(dst->vfs[0].target_of), "%s vf %u", src->name,
			 cli.written[i].src_vf);
	}
}

static int
cmd_mode_set(struct cli_args *a)
{
	struct cli_pf *p;
	uint16_t vf;
	uint8_t mode = 0;
	int rc;

	rc = cli_pf_vf(a, "pf", "vf", &p, &vf);
	if (rc < 0)
		return rc;
	rc = parse_mode(cli_arg(a, "choice"), &mode);
	if (rc < 0)
		return rc;
	cli_dev_begin(p);
	rc = vpf_admin_mode_set(p->pf, vf, mode);
	if (rc < 0)
		return cli_fail_op(p, vf, VPF_ADMIN_OP_DEV_MODE_SET, rc,
				   "DEV_MODE_SET");
	if (mode == VPF_DEV_MODE_ACTIVE) {
		p->vfs[vf].moved = false;
		p->vfs[vf].migrated = false;
		note_manual_migration(p, vf);
	} else {
		p->vfs[vf].moved = true;
	}
	printf("mode: %s\n", vpf_dev_mode_name(mode));
	return 0;
}

/* ---- ctx ---------------------------------------------------------------- */

static int
cmd_ctx_size(struct cli_args *a)
{
	bool freeze = cli_arg(a, "freeze") != NULL;
	struct cli_pf *p;
	uint64_t size;
	uint16_t vf;
	int rc;

	rc = cli_pf_vf(a, "pf", "vf", &p, &vf);
	if (rc < 0)
		return rc;
	cli_dev_begin(p);
	rc = vpf_admin_ctx_size_get(p->pf, vf, freeze, &size);
	if (rc < 0)
		return cli_fail_op(p, vf, VPF_ADMIN_OP_DEV_CTX_SIZE_GET, rc,
				   "DEV_CTX_SIZE_GET");
	printf("size: %" PRIu64 "\n", size);
	return 0;
}

static int
cmd_ctx_fields(struct cli_args *a)
{
	struct vpf_admin_ctx_field_info info[64];
	struct cli_pf *p;
	uint32_t n = 0, i;
	uint16_t vf;
	int rc;

	rc = cli_pf_vf(a, "pf", "vf", &p, &vf);
	if (rc < 0)
		return rc;
	cli_dev_begin(p);
	rc = vpf_admin_ctx_fields_query(p->pf, vf, info, RTE_DIM(info), &n);
	if (rc < 0)
		return cli_fail_op(p, vf, VPF_ADMIN_OP_DEV_CTX_FIELDS_QUERY, rc,
				   "DEV_CTX_FIELDS_QUERY");
	printf("fields: %u\n", n);
	for (i = 0; i < RTE_MIN(n, (uint32_t)RTE_DIM(info)); i++)
		printf("%s: %" PRIu64 "\n",
		       vpf_ctx_type_name(rte_le_to_cpu_16(info[i].type)),
		       rte_le_to_cpu_64(info[i].length));
	return 0;
}

static void
remember_file(const char *path, struct cli_pf *p, uint16_t vf)
{
	char real[PATH_MAX];
	unsigned int i, slot;

	if (realpath(path, real) == NULL || strlen(real) >= CLI_ARG_LEN)
		return;
	for (i = 0; i < cli.nfiles; i++)
		if (strcmp(cli.files[i].path, real) == 0)
			break;
	if (i == cli.nfiles) {
		if (cli.nfiles < RTE_DIM(cli.files))
			cli.nfiles++;
		else
			memmove(&cli.files[0], &cli.files[1],
				(RTE_DIM(cli.files) - 1) * sizeof(cli.files[0]));
		i = cli.nfiles - 1;
	}
	slot = i;
	/* strlen(real) < CLI_ARG_LEN was checked above. */
	memcpy(cli.files[slot].path, real, strlen(real) + 1);
	snprintf(cli.files[slot].pf, sizeof(cli.files[slot].pf), "%s", p->name);
	cli.files[slot].vf = vf;
}

static void
remember_write(const char *path, struct cli_pf *dst, uint16_t dst_vf)
{
	char real[PATH_MAX];
	unsigned int i, slot;

	if (realpath(path, real) == NULL)
		return;
	for (i = 0; i < cli.nfiles; i++)
		if (strcmp(cli.files[i].path, real) == 0)
			break;
	if (i == cli.nfiles)
		return;
	slot = cli.nwritten < RTE_DIM(cli.written) ? cli.nwritten++ :
		RTE_DIM(cli.written) - 1;
	memcpy(cli.written[slot].dst_pf, dst->name, sizeof(dst->name));
	cli.written[slot].dst_vf = dst_vf;
	memcpy(cli.written[slot].src_pf, cli.files[i].pf,
	       sizeof(cli.files[i].pf));
	cli.written[slot].src_vf = cli.files[i].vf;
	cli.written[slot].valid = true;
}

static int
cmd_ctx_read(struct cli_args *a)
{
	const char *path = cli_arg(a, "file");
	struct cli_atomic_file f;
	struct cli_pf *p;
	uint64_t total = 0;
	uint32_t chunk, got, chunks = 0;
	double t0 = now_s();
	uint8_t *buf, mode;
	uint16_t vf;
	int rc;

	rc = cli_pf_vf(a, "pf", "vf", &p, &vf);
	if (rc < 0)
		return rc;
	rc = parse_chunk(a, p, &chunk);
	if (rc < 0)
		return rc;
	/* Check the target and create the temporary file first: a directory,
	 * a device node or an unwritable path fails before the device's
	 * context is consumed. */
	rc = cli_atomic_open(&f, path);
	if (rc < 0)
		return cli_fail(rc, "cannot write '%s'%s%s", path,
				f.why[0] ? ": " : "", f.why);
	buf = malloc(chunk);
	if (buf == NULL) {
		cli_atomic_abort(&f);
		return cli_fail(-ENOMEM, "out of memory");
	}
	for (;;) {
		if (cancel_requested()) {
			/* A partial read blocks Active and Stop (the way
			 * back): drop it, so the next read starts afresh. */
			bool dropped = chunks == 0 ||
				       vpf_admin_ctx_discard(p->pf, vf) == 0;

			printf("cancelled: ctx read %s vf %u after %.3f s at "
			       "offset %" PRIu64 "; %s; '%s' not written\n",
			       p->name, vf, now_s() - t0, total,
			       chunks == 0 ? "nothing was read" : dropped ?
			       "partial read discarded" :
			       "partial read NOT discarded (ctx discard)",
			       path);
			rc = cli_fail(-ECANCELED, "ctx read cancelled by %s",
				      cli_signal_name(cli_signal));
			goto fail;
		}
		cli_dev_begin(p);
		rc = vpf_admin_ctx_read_chunk(p->pf, vf, buf, chunk, &got);
		if (rc < 0) {
			char what[96];

			snprintf(what, sizeof(what),
				 "DEV_CTX_READ chunk %u at offset %" PRIu64,
				 chunks + 1, total);
			rc = cli_fail_op(p, vf, VPF_ADMIN_OP_DEV_CTX_READ, rc,
					 what);
			goto fail;
		}
		chunks++;
		if (got > 0) {
			rc = cli_atomic_write(&f, buf, got);
			if (rc < 0) {
				rc = cli_fail(rc, "cannot write '%s'", path);
				goto fail;
			}
		}
		total += got;
		if (total > CLI_CTX_MAX) {
			rc = cli_fail(-EFBIG, "context larger than %u bytes",
				      CLI_CTX_MAX);
			goto fail;
		}
		/* a short (or empty) chunk ends the context (FACTS.md 4) */
		if (got < chunk)
			break;
	}
	free(buf);
	rc = cli_atomic_commit(&f);
	if (rc < 0)
		return cli_fail(rc, "cannot write '%s'", path);
	remember_file(path, p, vf);
	printf("read: %" PRIu64 "\n", total);
	printf("chunk: %u\n", chunk);
	printf("chunks: %u\n", chunks);
	printf("file: %s\n", path);
	/* Outside Freeze the VF keeps running: what was read is a snapshot
	 * (a precopy context), not what a destination must resume from. */
	if (vf_mode(p, vf, &mode) == 0 && mode != VPF_DEV_MODE_FREEZE)
		printf("note: %s vf %u is %s: this context is a snapshot of a "
		       "VF that still changes; 'mode set %s %u freeze' first "
		       "for the final one\n", p->name, vf,
		       vpf_dev_mode_name(mode), p->name, vf);
	return 0;
fail:
	free(buf);
	cli_atomic_abort(&f);
	return rc;
}

static int
parse_force(const struct cli_args *a, bool *force)
{
	const char *s = cli_kv_get(&a->kv, "force");

	*force = false;
	if (s == NULL)
		return 0;
	if (strcmp(s, "yes") != 0 && strcmp(s, "no") != 0)
		return cli_fail(-EINVAL, "bad force '%s' (yes or no)", s);
	*force = strcmp(s, "yes") == 0;
	return 0;
}

static int
cmd_ctx_write(struct cli_args *a)
{
	const char *path = cli_arg(a, "file");
	struct vpf_ctx_error cerr;
	struct cli_pf *p;
	uint32_t chunk, chunks = 0;
	uint8_t *data = NULL, *pad = NULL;
	size_t len = 0, off = 0;
	double t0 = now_s();
	uint16_t vf;
	bool force;
	int rc;

	rc = cli_pf_vf(a, "pf", "vf", &p, &vf);
	if (rc < 0)
		return rc;
	rc = parse_chunk(a, p, &chunk);
	if (rc < 0)
		return rc;
	rc = parse_force(a, &force);
	if (rc < 0)
		return rc;
	rc = cli_read_file(path, CLI_CTX_MAX, &data, &len);
	if (rc < 0)
		return cli_fail(rc, "cannot read '%s'", path);
	if (len == 0) {
		free(data);
		return cli_fail(-EINVAL, "'%s' is empty", path);
	}
	/* A file that is not a context (a stream, a bitmap, any other file)
	 * is refused before anything is sent: a write the device refuses
	 * halfway leaves a partial context that blocks the VF's way back.
	 * force=yes sends it anyway, to see what the device does with it. */
	memset(&cerr, 0, sizeof(cerr));
	if (!force && vpf_ctx_validate(data, len, VPF_CTX_F_ALLOW_PAD,
				       &cerr) != 0) {
		char why[256];

		free(data);
		vpf_ctx_error_str(&cerr, why, sizeof(why));
		rc = cli_fail(-EBADMSG, "'%s' is not a device context: %s at "
			      "byte offset %" PRIu64 ": %s; nothing sent", path,
			      vpf_ctx_err_name(cerr.code), cerr.offset, why);
		cli_hint("'ctx dump %s' decodes it up to the problem; a "
			 "context comes from 'ctx read'; force=yes sends it "
			 "anyway", path);
		return rc;
	}
	pad = malloc(chunk);
	if (pad == NULL) {
		free(data);
		return cli_fail(-ENOMEM, "out of memory");
	}
	while (off < len) {
		uint32_t n = (uint32_t)RTE_MIN((size_t)chunk, len - off);
		const uint8_t *src = data + off;
		uint32_t post = n;

		/* FACTS.md 1: the last chunk is padded with zeros to 8. */
		if (n % 8 != 0) {
			post = RTE_ALIGN_CEIL(n, 8u);
			memset(pad, 0, post);
			memcpy(pad, src, n);
			src = pad;
		}
		if (cancel_requested()) {
			/* Nothing of a partial write may be applied: drop
			 * it (a failed discard is said, with the fix). */
			bool dropped = chunks == 0 ||
				       vpf_admin_ctx_discard(p->pf, vf) == 0;

			printf("cancelled: ctx write %s vf %u after %.3f s at "
			       "offset %zu of %zu; %s\n", p->name, vf,
			       now_s() - t0, off, len,
			       chunks == 0 ? "nothing was sent" : dropped ?
			       "partial context discarded, nothing applied" :
			       "partial context NOT discarded (ctx discard)");
			rc = cli_fail(-ECANCELED, "ctx write cancelled by %s",
				      cli_signal_name(cli_signal));
			goto out;
		}
		cli_dev_begin(p);
		rc = vpf_admin_ctx_write_chunk(p->pf, vf, src, post);
		if (rc < 0) {
			char what[96];
			uint16_t st = 0, q = 0;
			char dev[128];

			snprintf(what, sizeof(what),
				 "DEV_CTX_WRITE chunk %u at offset %zu",
				 chunks + 1, off);
			if (cli_dev_status(p, dev, sizeof(dev)))
				vpf_admin_last_status(p->pf, &st, &q);
			rc = cli_fail_op(p, vf, VPF_ADMIN_OP_DEV_CTX_WRITE, rc,
					 what);
			if (q == VPF_ADMIN_SQ_INVALID_FIELD)
				cli_hint("the device refused the context's "
					 "contents: 'ctx dump %s' decodes it, "
					 "'ctx fields %s %u' lists the fields "
					 "this VF takes", path, p->name, vf);
			goto out;
		}
		chunks++;
		off += n;
	}
	remember_write(path, p, vf);
	printf("written: %zu\n", len);
	printf("chunk: %u\n", chunk);
	printf("chunks: %u\n", chunks);
	rc = 0;
out:
	free(pad);
	free(data);
	return rc;
}

static int
cmd_ctx_discard(struct cli_args *a)
{
	struct cli_pf *p;
	uint16_t vf;
	int rc;

	rc = cli_pf_vf(a, "pf", "vf", &p, &vf);
	if (rc < 0)
		return rc;
	cli_dev_begin(p);
	rc = vpf_admin_ctx_discard(p->pf, vf);
	if (rc < 0)
		return cli_fail_op(p, vf, VPF_ADMIN_OP_DEV_CTX_DISCARD, rc,
				   "DEV_CTX_DISCARD");
	printf("discarded: yes\n");
	return 0;
}

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
	 * padded last chunk (FACTS.md 1). */
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

/* ---- write recording ---------------------------------------------------- */

static int
cmd_wr_cap(struct cli_args *a)
{
	struct vpf_wr_cap cap;
	struct cli_pf *p;
	char sizes[256] = "", one[16];
	unsigned int b;
	uint16_t vf;
	int rc;

	rc = cli_pf_vf(a, "pf", "vf", &p, &vf);
	if (rc < 0)
		return rc;
	cli_dev_begin(p);
	rc = vpf_admin_wr_cap_query(p->pf, vf, &cap);
	if (rc < 0)
		return cli_fail_op(p, vf, VPF_ADMIN_OP_DEV_WRITE_RECORD_CAP_QUERY,
				   rc, "DEV_WRITE_RECORD_CAP_QUERY");
	for (b = 0; b < 32; b++) {
		if (!(cap.page_size_bitmap & (1u << b)))
			continue;
		/* FACTS.md 6: bit n is 4 KiB << n */
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
	struct cli_pf *p;
	uint64_t ps, pages = 0;
	char err[256];
	uint16_t vf;
	int n, i, rc;

	rc = cli_pf_vf(a, "pf", "vf", &p, &vf);
	if (rc < 0)
		return rc;
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
	cli_dev_begin(p);
	rc = vpf_admin_wr_start(p->pf, vf, ps, r, (uint32_t)n);
	if (rc < 0)
		return cli_fail_op(p, vf, VPF_ADMIN_OP_DEV_WRITE_RECORDS_START,
				   rc, "DEV_WRITE_RECORDS_START");
	p->vfs[vf].wr_on = true;
	p->vfs[vf].wr_page_size = ps;
	printf("recording: on\n");
	printf("page-size: %" PRIu64 "\n", ps);
	printf("ranges: %d\n", n);
	printf("pages: %" PRIu64 "\n", pages);
	return 0;
}

static int
cmd_wr_read(struct cli_args *a)
{
	const char *bitmap_path = cli_kv_get(&a->kv, "bitmap");
	struct cli_atomic_file f;
	struct cli_pf *p;
	uint64_t addr, len, ps, npages, records = 0, dirty = 0, off, win, n;
	double t0 = now_s();
	uint64_t *bitmap;
	size_t words, i;
	uint16_t vf;
	int rc;

	rc = cli_pf_vf(a, "pf", "vf", &p, &vf);
	if (rc < 0)
		return rc;
	if (cli_parse_u64(cli_arg(a, "addr"), false, &addr) < 0)
		return cli_fail(-EINVAL, "bad address '%s'", cli_arg(a, "addr"));
	if (cli_parse_u64(cli_arg(a, "length"), true, &len) < 0 || len == 0)
		return cli_fail(-EINVAL, "bad length '%s'", cli_arg(a, "length"));
	/* page size of the recording vpf-cli started, else 4 KiB */
	ps = p->vfs[vf].wr_page_size ? p->vfs[vf].wr_page_size : 4096;
	npages = len / ps + (len % ps != 0);
	if (npages > CLI_WR_PAGES_MAX)
		return cli_fail(-E2BIG, "span of %" PRIu64 " pages is too large",
				npages);
	words = (size_t)((npages + 63) / 64);
	if (bitmap_path != NULL) {
		/* before DEV_WRITE_RECORDS_READ clears the records */
		rc = cli_atomic_open(&f, bitmap_path);
		if (rc < 0)
			return cli_fail(rc, "cannot write '%s'%s%s", bitmap_path,
					f.why[0] ? ": " : "", f.why);
	}
	bitmap = calloc(words, sizeof(*bitmap));
	if (bitmap == NULL) {
		rc = cli_fail(-ENOMEM, "out of memory");
		goto out;
	}
	/* In windows of whole bitmap words, so that Ctrl-C stops between
	 * them; a misaligned span goes in one call, which explains it. */
	win = len % ps == 0 && addr % ps == 0 &&
	      ps <= UINT64_MAX / CLI_WR_WINDOW_PAGES ?
	      CLI_WR_WINDOW_PAGES * ps : len;
	for (off = 0; off < len; off += n) {
		uint64_t rec = 0;

		n = RTE_MIN(win, len - off);
		if (cancel_requested()) {
			printf("cancelled: wr read %s vf %u after %.3f s at "
			       "0x%" PRIx64 " of [0x%" PRIx64 ", 0x%" PRIx64
			       "); %" PRIu64 " records read before were cleared "
			       "on the device and are not reported%s; recording "
			       "goes on\n", p->name, vf, now_s() - t0,
			       addr + off, addr, addr + len, records,
			       bitmap_path ? ", the bitmap file not written" : "");
			rc = cli_fail(-ECANCELED, "wr read cancelled by %s",
				      cli_signal_name(cli_signal));
			goto out;
		}
		cli_dev_begin(p);
		rc = vpf_admin_wr_read(p->pf, vf, addr + off, n, ps,
				       bitmap + off / ps / 64, &rec);
		if (rc < 0) {
			rc = cli_fail_op(p, vf, VPF_ADMIN_OP_DEV_WRITE_RECORDS_READ,
					 rc, "DEV_WRITE_RECORDS_READ");
			goto out;
		}
		records += rec;
	}
	for (i = 0; i < words; i++)
		dirty += (uint64_t)__builtin_popcountll(bitmap[i]);
	if (bitmap_path != NULL) {
		/* u64 words, least significant bit first, little endian
		 * (the VFIO DMA-logging report layout) */
		for (i = 0; i < words; i++)
			bitmap[i] = rte_cpu_to_le_64(bitmap[i]);
		rc = cli_atomic_write(&f, bitmap, words * sizeof(*bitmap));
		if (rc == 0)
			rc = cli_atomic_commit(&f);	/* aborts on failure */
		else
			cli_atomic_abort(&f);
		bitmap_path = NULL;
		if (rc < 0) {
			rc = cli_fail(rc, "cannot write '%s'",
				      cli_kv_get(&a->kv, "bitmap"));
			goto out;
		}
	}
	printf("records: %" PRIu64 "\n", records);
	printf("pages: %" PRIu64 "\n", dirty);
	printf("page-size: %" PRIu64 "\n", ps);
	if (cli_kv_get(&a->kv, "bitmap") != NULL)
		printf("bitmap: %s\n", cli_kv_get(&a->kv, "bitmap"));
	rc = 0;
out:
	if (bitmap_path != NULL)
		cli_atomic_abort(&f);
	free(bitmap);
	return rc;
}

static int
cmd_wr_stop(struct cli_args *a)
{
	struct cli_pf *p;
	uint16_t vf;
	int rc;

	rc = cli_pf_vf(a, "pf", "vf", &p, &vf);
	if (rc < 0)
		return rc;
	cli_dev_begin(p);
	rc = vpf_admin_wr_stop(p->pf, vf);
	if (rc < 0)
		return cli_fail_op(p, vf, VPF_ADMIN_OP_DEV_WRITE_RECORDS_STOP,
				   rc, "DEV_WRITE_RECORDS_STOP");
	p->vfs[vf].wr_on = false;
	printf("recording: off\n");
	return 0;
}

/* ---- model -------------------------------------------------------------- */

static int
cmd_model_guest(struct cli_args *a)
{
	struct cli_pf *p;
	uint64_t ops;
	uint16_t vf;
	int rc;

	rc = cli_pf_vf(a, "pf", "vf", &p, &vf);
	if (rc < 0 || (rc = need_model(p)) < 0)
		return rc;
	if (cli_parse_range(cli_arg(a, "ops"), true, 0, UINT32_MAX, &ops) < 0)
		return cli_fail(-EINVAL, "bad operation count '%s'",
				cli_arg(a, "ops"));
	vpf_error_clear();
	rc = vpf_model_guest_step(p->model, vf, (uint32_t)ops);
	if (rc < 0)
		return cli_fail(rc, "guest step: %s", vpf_last_error());
	printf("ops: %" PRIu64 "\n", ops);
	return 0;
}

static int
digest_of(struct cli_pf *p, uint16_t vf, char hex[65])
{
	uint8_t d[32];
	int rc;

	vpf_error_clear();
	rc = vpf_model_digest(p->model, vf, d);
	if (rc < 0)
		return cli_fail(rc, "digest of %s vf %u: %s", p->name, vf,
				vpf_last_error());
	vpf_model_digest_hex(d, hex);
	return 0;
}

static int
cmd_model_digest(struct cli_args *a)
{
	struct cli_pf *p;
	char hex[65];
	uint16_t vf;
	int rc;

	rc = cli_pf_vf(a, "pf", "vf", &p, &vf);
	if (rc < 0 || (rc = need_model(p)) < 0)
		return rc;
	rc = digest_of(p, vf, hex);
	if (rc < 0)
		return rc;
	printf("digest: %s\n", hex);
	return 0;
}

static int
cmd_model_compare(struct cli_args *a)
{
	struct cli_pf *s, *d;
	uint16_t svf, dvf;
	char sh[65], dh[65];
	int rc;

	rc = cli_pf_vf(a, "src-pf", "src-vf", &s, &svf);
	if (rc < 0 || (rc = need_model(s)) < 0)
		return rc;
	rc = cli_pf_vf(a, "dst-pf", "dst-vf", &d, &dvf);
	if (rc < 0 || (rc = need_model(d)) < 0)
		return rc;
	if ((rc = digest_of(s, svf, sh)) < 0 || (rc = digest_of(d, dvf, dh)) < 0)
		return rc;
	printf("src-digest: %s\n", sh);
	printf("dst-digest: %s\n", dh);
	printf("digest: %s\n", strcmp(sh, dh) == 0 ? "equal" : "different");
	if (strcmp(sh, dh) != 0)
		return cli_fail(-EIO, "%s vf %u and %s vf %u differ", s->name,
				svf, d->name, dvf);
	return 0;
}

static int
cmd_model_dirty(struct cli_args *a)
{
	struct cli_pf *p;
	uint64_t pages;
	uint16_t vf;
	int rc;

	rc = cli_pf_vf(a, "pf", "vf", &p, &vf);
	if (rc < 0 || (rc = need_model(p)) < 0)
		return rc;
	vpf_error_clear();
	rc = vpf_model_dirty_count(p->model, vf, &pages);
	if (rc < 0)
		return cli_fail(rc, "dirty pages: %s", vpf_last_error());
	printf("pages: %" PRIu64 "\n", pages);
	return 0;
}

/* Normalise a BDF ("3b:00.0" -> "0000:3b:00.0"). @return 0 or -EINVAL. */
#define CLI_BDF_LEN	16

static int
bdf_parse(const char *s, char out[CLI_BDF_LEN])
{
	RTE_BUILD_BUG_ON(VPF_PCI_BDF_LEN != CLI_BDF_LEN);
	return vpf_pci_bdf_parse(s, out);
}

static int
cmd_model_dump_config(struct cli_args *a)
{
	const char *bdf = cli_kv_get(&a->kv, "bdf");
	struct cli_pf *p;
	char norm[CLI_BDF_LEN];
	int rc;

	rc = cli_pf_vf(a, "pf", NULL, &p, NULL);
	if (rc < 0 || (rc = need_model(p)) < 0)
		return rc;
	if (bdf == NULL)
		bdf = "0000:3b:00.0";
	/* The model writes the BDF into the dump as given: one libpci
	 * cannot parse makes a file nothing can read. */
	if (bdf_parse(bdf, norm) < 0)
		return cli_fail(-EINVAL, "bad PCI address '%s' (dddd:bb:dd.f)",
				bdf);
	bdf = norm;
	vpf_error_clear();
	rc = vpf_model_dump_config(p->model, bdf, cli_arg(a, "file"));
	if (rc < 0)
		return cli_fail(rc, "cannot write '%s'%s%s", cli_arg(a, "file"),
				vpf_last_error()[0] ? ": " : "",
				vpf_last_error());
	printf("file: %s\nbdf: %s\n", cli_arg(a, "file"), bdf);
	return 0;
}

static int
cmd_model_fault(struct cli_args *a)
{
	const char *kname = cli_arg(a, "kind");
	enum vpf_model_fault_kind kind;
	uint64_t count = 1, vf;
	struct cli_pf *p;
	int rc;

	rc = cli_pf_vf(a, "pf", NULL, &p, NULL);
	if (rc < 0 || (rc = need_model(p)) < 0)
		return rc;
	/* VF 0 addresses the whole PF (any command, LIST_* included). */
	if (cli_parse_u64(cli_arg(a, "vf"), false, &vf) < 0 ||
	    vf > p->num_vfs)
		return cli_fail(-ENOENT,
				"unknown VF %s on %s (VFs 1..%u, 0 for the PF)",
				cli_arg(a, "vf"), p->name, p->num_vfs);
	if (strcmp(kname, "clear") == 0) {
		vpf_model_fault_clear(p->model);
		printf("faults: cleared\n");
		return 0;
	}
	if (vpf_model_fault_parse(kname, &kind) < 0) {
		char list[256] = "";
		int k;

		for (k = VPF_MODEL_FAULT_NONE + 1; k < VPF_MODEL_FAULT_MAX; k++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list),
				 "%s%s", list[0] ? " " : "",
				 vpf_model_fault_name((enum vpf_model_fault_kind)k));
		return cli_fail(-EINVAL, "unknown fault '%s' (%s, or clear)",
				kname, list);
	}
	if (cli_arg(a, "count") != NULL &&
	    cli_parse_range(cli_arg(a, "count"), false, 1, UINT32_MAX, &count) < 0)
		return cli_fail(-EINVAL, "bad count '%s' (1 or more)",
				cli_arg(a, "count"));
	vpf_error_clear();
	rc = vpf_model_fault_inject(p->model, (uint16_t)vf, kind,
				    (uint32_t)count, 0);
	if (rc < 0)
		return cli_fail(rc, "fault: %s", vpf_last_error());
	printf("fault: %s\n", vpf_model_fault_name(kind));
	printf("vf: %" PRIu64 "\n", vf);
	printf("count: %" PRIu64 "\n", count);
	return 0;
}

/* ---- migrate ------------------------------------------------------------ */

struct mig_ctx {
	struct cli_pf *src;
	uint16_t src_vf;
	uint32_t guest_ops;
};

/* vpf_mig_opts::cancel: polled while the migration's commands are in
 * flight. */
static bool
mig_cancel(void *arg)
{
	RTE_SET_USED(arg);
	return cancel_requested();
}

/* The manual flow in progress: a context read from another VF was written
 * to @p p's VF @p vf, not yet applied. @return true, with that VF named in
 * @p from. */
static bool
manual_target(struct cli_pf *p, uint16_t vf, char *from, size_t len)
{
	unsigned int i;

	for (i = 0; i < cli.nwritten; i++)
		if (cli.written[i].valid && cli.written[i].dst_vf == vf &&
		    strcmp(cli.written[i].dst_pf, p->name) == 0) {
			snprintf(from, len, "%s vf %u", cli.written[i].src_pf,
				 cli.written[i].src_vf);
			return true;
		}
	return false;
}

static int
mig_progress(const struct vpf_mig_progress *pr, void *arg)
{
	struct mig_ctx *mc = arg;

	switch (pr->phase) {
	case VPF_MIG_PHASE_PRECOPY:
		printf("progress: precopy round %u: bytes=%" PRIu64
		       " dirty-pages=%" PRIu64 " initial-bytes=%" PRIu64
		       " dirty-bytes=%" PRIu64 " time-us=%.1f\n", pr->round,
		       pr->bytes, pr->dirty_pages, pr->initial_bytes,
		       pr->dirty_bytes, pr->phase_ns / 1e3);
		/* The guest keeps running between rounds: that is what
		 * makes the next round and the dirty log non-empty. */
		if (mc->guest_ops && mc->src->model != NULL)
			(void)vpf_model_guest_step(mc->src->model, mc->src_vf,
						   mc->guest_ops);
		break;
	case VPF_MIG_PHASE_STOP_COPY:
		printf("progress: stop-copy: bytes=%" PRIu64
		       " dirty-pages=%" PRIu64 " time-us=%.1f\n", pr->bytes,
		       pr->dirty_pages, pr->phase_ns / 1e3);
		break;
	case VPF_MIG_PHASE_DONE:
		break;
	default:
		printf("progress: %s: time-us=%.1f%s\n",
		       vpf_mig_phase_name(pr->phase), pr->phase_ns / 1e3,
		       pr->failed ? " (failed)" : "");
		break;
	}
	fflush(stdout);
	return 0;
}

static int
vf_mode(struct cli_pf *p, uint16_t vf, uint8_t *mode)
{
	if (p->model != NULL)
		return vpf_model_vf_mode(p->model, vf, mode);
	return vpf_admin_mode_get(p->pf, vf, mode);
}

static int
mig_layer(struct cli_pf *p, struct vpf_mig **m)
{
	struct vpf_mig_params mp;

	vpf_mig_params_init(&mp);
	/* vpf-cli keeps its own view of what it moved by hand; the layer
	 * lives for one `migrate` and puts back what it moved unless the
	 * migration completed. */
	mp.scan = false;
	mp.restore_on_detach = true;
	vpf_error_clear();
	*m = vpf_mig_attach(p->pf, &mp);
	if (*m == NULL)
		return cli_fail(errno ? -errno : -EIO,
				"no migration layer on %s%s%s", p->name,
				vpf_last_error()[0] ? ": " : "",
				vpf_last_error());
	return 0;
}

static int
cmd_migrate(struct cli_args *a)
{
	struct vpf_mig *ms = NULL, *md = NULL;
	struct vpf_mig_result res;
	struct vpf_mig_pair pair;
	struct vpf_mig_opts o;
	struct mig_ctx mc;
	struct cli_pf *s, *d;
	uint16_t svf, dvf;
	uint64_t v;
	const char *opt;
	char from[CLI_NAME_LEN + 16];
	double t0;
	uint8_t mode, dmode;
	bool force;
	int rc;

	rc = cli_pf_vf(a, "src-pf", "src-vf", &s, &svf);
	if (rc < 0)
		return rc;
	rc = cli_pf_vf(a, "dst-pf", "dst-vf", &d, &dvf);
	if (rc < 0)
		return rc;
	if (s == d && svf == dvf)
		return cli_fail(-EINVAL, "source and destination are the same VF");
	vpf_mig_opts_init(&o);
	memset(&mc, 0, sizeof(mc));
	if ((opt = cli_kv_get(&a->kv, "precopy")) != NULL) {
		if (cli_parse_range(opt, false, 0, 1000, &v) < 0)
			return cli_fail(-EINVAL, "bad precopy '%s' (rounds, 0..1000)",
					opt);
		o.precopy_rounds = (uint32_t)v;
		o.precopy_to_dst = v > 0;
	}
	if ((opt = cli_kv_get(&a->kv, "dirty")) != NULL) {
		if (strcmp(opt, "on") != 0 && strcmp(opt, "off") != 0)
			return cli_fail(-EINVAL, "bad dirty '%s' (on or off)", opt);
		o.dirty = strcmp(opt, "on") == 0;
	}
	if ((opt = cli_kv_get(&a->kv, "guest")) != NULL) {
		if (cli_parse_range(opt, false, 0, UINT32_MAX, &v) < 0)
			return cli_fail(-EINVAL, "bad guest '%s' (operations)", opt);
		if (s->model == NULL)
			return cli_fail(-ENOTSUP, "guest= needs a model source");
		mc.guest_ops = (uint32_t)v;
	}
	if ((opt = cli_kv_get(&a->kv, "chunk")) != NULL) {
		if (cli_parse_u64(opt, true, &v) < 0 || v == 0 || v % 8 != 0 ||
		    v > RTE_MIN(s->max_chunk, d->max_chunk))
			return cli_fail(-EINVAL,
					"bad chunk '%s' (a multiple of 8 bytes, 8..%u)",
					opt, RTE_MIN(s->max_chunk, d->max_chunk));
		o.chunk = (uint32_t)v;
	}
	rc = parse_force(a, &force);
	if (rc < 0)
		return rc;
	/* A destination that already received a guest would lose it: refuse
	 * unless the operator says so. */
	if (!force && d->vfs[dvf].target)
		return cli_fail(-EBUSY, "destination %s vf %u is the target of "
				"a completed migration (from %s): the guest runs "
				"there; force=yes to overwrite it", d->name, dvf,
				d->vfs[dvf].target_of);
	if (!force && manual_target(d, dvf, from, sizeof(from)))
		return cli_fail(-EBUSY, "destination %s vf %u is the target of "
				"a migration in progress (a context of %s was "
				"written to it with ctx write); force=yes to "
				"overwrite it", d->name, dvf, from);
	if (s->vfs[svf].wr_on || d->vfs[dvf].wr_on)
		return cli_fail(-EBUSY,
				"write recording started with 'wr start' is on: 'wr stop' first");
	/* The migration layer starts from running VFs: refuse VFs moved by
	 * hand rather than guess their state. (A model tells its modes
	 * without an admin command, so injected faults hit the migration.) */
	cli_dev_begin(s);
	rc = vf_mode(s, svf, &mode);
	if (rc < 0)
		return cli_fail_dev(s, rc, "DEV_MODE_GET (source)");
	if (mode != VPF_DEV_MODE_ACTIVE)
		return cli_fail(-EBUSY, "source %s vf %u is in %s, not active "
				"(mode set %s %u active)", s->name, svf,
				vpf_dev_mode_name(mode), s->name, svf);
	cli_dev_begin(d);
	rc = vf_mode(d, dvf, &mode);
	if (rc < 0)
		return cli_fail_dev(d, rc, "DEV_MODE_GET (destination)");
	if (mode != VPF_DEV_MODE_ACTIVE)
		return cli_fail(-EBUSY, "destination %s vf %u is in %s, not active "
				"(mode set %s %u active)", d->name, dvf,
				vpf_dev_mode_name(mode), d->name, dvf);

	rc = mig_layer(s, &ms);
	if (rc < 0)
		return rc;
	if (d == s) {
		md = ms;
	} else {
		rc = mig_layer(d, &md);
		if (rc < 0) {
			vpf_mig_detach(ms);
			return rc;
		}
	}
	mc.src = s;
	mc.src_vf = svf;
	o.progress = mig_progress;
	o.cancel = mig_cancel;
	o.arg = &mc;
	memset(&pair, 0, sizeof(pair));
	pair.src = ms;
	pair.src_vf = svf;
	pair.dst = md;
	pair.dst_vf = dvf;
	memset(&res, 0, sizeof(res));
	printf("migrate: %s vf %u -> %s vf %u (precopy %u, dirty %s)\n",
	       s->name, svf, d->name, dvf, o.precopy_rounds,
	       o.dirty ? "on" : "off");
	fflush(stdout);
	cli_dev_begin(s);
	cli_dev_begin(d);
	vpf_error_clear();
	t0 = now_s();
	rc = vpf_mig_migrate(&o, &pair, 1, &res);
	if (rc == 0) {
		s->vfs[svf].migrated = true;
		s->vfs[svf].moved = true;
		snprintf(s->vfs[svf].migrated_to, sizeof(s->vfs[svf].migrated_to),
			 "%s vf %u", d->name, dvf);
		s->vfs[svf].target = false;
		d->vfs[dvf].moved = false;
		d->vfs[dvf].migrated = false;
		d->vfs[dvf].target = true;
		snprintf(d->vfs[dvf].target_of, sizeof(d->vfs[dvf].target_of),
			 "%s vf %u", s->name, svf);
	}
	if (md != ms)
		vpf_mig_detach(md);
	vpf_mig_detach(ms);

	printf("status: %s\n", rc == 0 ? "ok" :
	       rc == -ECANCELED && cancel_requested() ? "cancelled" : "failed");
	printf("total-time-us: %.1f\n", res.total_ns / 1e3);
	printf("downtime-us: %.1f\n", res.downtime_ns / 1e3);
	printf("bytes: %" PRIu64 "\n", res.bytes);
	printf("precopy-bytes: %" PRIu64 "\n", res.precopy_bytes);
	printf("context-bytes: %" PRIu64 "\n", pair.ctx_bytes);
	printf("precopy-rounds: %u\n", res.precopy_rounds);
	printf("pages: %" PRIu64 "\n", res.pages);
	printf("cmds: %" PRIu64 "\n", res.cmds);
	if (rc == -ECANCELED && cancel_requested()) {
		/* Say what the library left, as the devices tell it. */
		bool sok = vf_mode(s, svf, &mode) == 0;
		bool dok = vf_mode(d, dvf, &dmode) == 0;
		char where[48];

		if (pair.failed_phase == VPF_MIG_PHASE_PRECOPY)
			snprintf(where, sizeof(where), "precopy round %u",
				 res.precopy_rounds);
		else
			snprintf(where, sizeof(where), "%s",
				 vpf_mig_phase_name(pair.failed_phase));

		if (sok && mode != VPF_DEV_MODE_ACTIVE)
			s->vfs[svf].moved = true;	/* restored at exit */
		if (dok && dmode != VPF_DEV_MODE_ACTIVE)
			d->vfs[dvf].moved = true;
		printf("cancelled: migrate %s vf %u -> %s vf %u after %.3f s "
		       "(in %s); source %s vf %u %s, destination %s vf %u "
		       "%s\n", s->name, svf, d->name, dvf, now_s() - t0,
		       where, s->name, svf,
		       !sok ? "in an unknown mode" :
		       mode == VPF_DEV_MODE_ACTIVE ? "running (active)" :
		       vpf_dev_mode_name(mode), d->name, dvf,
		       !dok ? "in an unknown mode" :
		       dmode == VPF_DEV_MODE_ACTIVE ?
		       "discarded (active, nothing applied)" :
		       vpf_dev_mode_name(dmode));
		return cli_fail(-ECANCELED, "migrate cancelled by %s",
				cli_signal_name(cli_signal));
	}
	if (rc == 0 && cancel_requested())
		printf("note: %s came after %s vf %u was being activated: "
		       "too late to cancel; the migration completed\n",
		       cli_signal_name(cli_signal), d->name, dvf);
	if (rc < 0) {
		char text[512], dev[128] = "";

		/* name the device's answer if one of the PFs gave an error */
		if (!cli_dev_status(s, dev, sizeof(dev)) && d != s)
			cli_dev_status(d, dev, sizeof(dev));
		snprintf(text, sizeof(text), "migration failed in %s: %s",
			 vpf_mig_phase_name(pair.failed_phase),
			 pair.error[0] ? pair.error : vpf_last_error());
		return cli_fail_text(rc, dev, text);
	}
	if (s->model != NULL && d->model != NULL) {
		char sh[65], dh[65];

		if ((rc = digest_of(s, svf, sh)) < 0 ||
		    (rc = digest_of(d, dvf, dh)) < 0)
			return rc;
		printf("src-digest: %s\n", sh);
		printf("dst-digest: %s\n", dh);
		printf("digest: %s\n", strcmp(sh, dh) == 0 ? "equal" : "different");
		if (strcmp(sh, dh) != 0)
			return cli_fail(-EIO, "destination state differs from the source");
	} else {
		printf("digest: not-checked\n");
	}
	return 0;
}

/* ---- the table ---------------------------------------------------------- */

const struct cli_cmd cli_cmds[] = {
	{ "help", "list the commands", cmd_help },
	{ "help <topic...>", "explain the commands that start with <topic>",
	  cmd_help },
	{ "quit", "leave (VFs vpf-cli moved are put back to active; at the "
	  "prompt, asks first when a VF is outside active)", cmd_quit },
	{ "show pf", "attached PFs: ids, VFs, features, admin queue, dialect",
	  cmd_show_pf },
	{ "show vf <pf>", "every VF of <pf>: mode and what vpf-cli did to it",
	  cmd_show_vf },
	{ "show vf <pf> <vf>", "one VF: mode and what vpf-cli did to it",
	  cmd_show_vf },
	{ "show cmds <pf>", "admin commands the device supports and vpf enabled",
	  cmd_show_cmds },
	{ "stats", "admin command counters of every PF", cmd_stats },
	{ "stats <pf>", "admin command counters of <pf>", cmd_stats },
	{ "stats reset <pf>", "zero the counters of <pf>", cmd_stats_reset },
	{ "pf attach model <name> [vfs=<n>] [vqs=<n>] [seed=<n>]",
	  "create a software PF model with n VFs (default 4), vqs queue pairs "
	  "per VF (default 2) and a workload seed", cmd_pf_attach_model },
	{ "pf attach vfio <bdf> [name=<n>] [vf-token=<uuid>]",
	  "attach a real PF bound to vfio-pci (name defaults to the BDF)",
	  cmd_pf_attach_vfio },
	{ "pf scan [dump=<file>]",
	  "list virtio PCI functions (or those of an lspci -xxxx dump)",
	  cmd_pf_scan },
	{ "pf detach <pf>", "detach a PF (VFs vpf-cli moved go back to active)",
	  cmd_pf_detach },
	{ "pf reattach <pf>",
	  "drop the driver without restoring anything and attach again, as a "
	  "restarted process would; reports VFs found outside active",
	  cmd_pf_reattach },
	{ "mode get <pf> <vf>", "DEV_MODE_GET -> mode: active|stop|freeze",
	  cmd_mode_get },
	{ "mode set <pf> <vf> active|stop|freeze", "DEV_MODE_SET",
	  cmd_mode_set },
	{ "ctx size <pf> <vf> [freeze]",
	  "DEV_CTX_SIZE_GET: what remains of the current context, or with "
	  "freeze the estimate in Freeze -> size: <bytes>", cmd_ctx_size },
	{ "ctx fields <pf> <vf>",
	  "DEV_CTX_FIELDS_QUERY: field types and lengths the VF supports",
	  cmd_ctx_fields },
	{ "ctx read <pf> <vf> <file> [chunk=<bytes>]",
	  "DEV_CTX_READ the rest of the context into <file> (written "
	  "atomically; chunk: multiple of 8, default 4096) -> read: <bytes>",
	  cmd_ctx_read },
	{ "ctx write <pf> <vf> <file> [chunk=<bytes>] [force=yes|no]",
	  "DEV_CTX_WRITE the raw context in <file> (Freeze only; a file that "
	  "is not a well-formed context is refused unless force=yes) -> "
	  "written: <bytes>", cmd_ctx_write },
	{ "ctx discard <pf> <vf>",
	  "DEV_CTX_DISCARD a partial read or write, or an unapplied context",
	  cmd_ctx_discard },
	{ "ctx dump <file>",
	  "decode a context file; fails naming the byte offset if malformed",
	  cmd_ctx_dump },
	{ "wr cap <pf> <vf>", "DEV_WRITE_RECORD_CAP_QUERY: page sizes, ranges",
	  cmd_wr_cap },
	{ "wr start <pf> <vf> <page_size> <addr>:<pages>[,<addr>:<pages>...]",
	  "DEV_WRITE_RECORDS_START over the ranges", cmd_wr_start },
	{ "wr read <pf> <vf> <addr> <length> [bitmap=<file>]",
	  "DEV_WRITE_RECORDS_READ until drained -> records: <n> (bitmap: u64 "
	  "words, LSB first)", cmd_wr_read },
	{ "wr stop <pf> <vf>", "DEV_WRITE_RECORDS_STOP", cmd_wr_stop },
	{ "migrate <src-pf> <src-vf> <dst-pf> <dst-vf> [precopy=<rounds>] "
	  "[dirty=on|off] [guest=<ops>] [chunk=<bytes>] [force=yes|no]",
	  "migrate a VF with the migration API: progress per phase, then "
	  "time, downtime, bytes, pages and the digest check; a destination "
	  "that already received a migration is refused unless force=yes; "
	  "Ctrl-C cancels (the source keeps running)", cmd_migrate },
	{ "model guest <pf> <vf> <ops>",
	  "advance the VF's simulated workload by <ops> operations",
	  cmd_model_guest },
	{ "model digest <pf> <vf>", "digest of the VF's migratable state",
	  cmd_model_digest },
	{ "model compare <src-pf> <src-vf> <dst-pf> <dst-vf>",
	  "compare two VFs' digests; fails unless equal", cmd_model_compare },
	{ "model dirty <pf> <vf>",
	  "pages the VF wrote since write recording started (ground truth)",
	  cmd_model_dirty },
	{ "model dump-config <pf> <file> [bdf=<bdf>]",
	  "write the model's config space as `lspci -xxxx` does (for "
	  "'pf scan dump=<file>')", cmd_model_dump_config },
	{ "model fault <pf> <vf> <kind>",
	  "the VF's next command gets fault <kind> (hang delay eagain einval "
	  "flr reset dma bad-id bad-len dup; clear removes all; vf 0: the PF)",
	  cmd_model_fault },
	{ "model fault <pf> <vf> <kind> <count>",
	  "the VF's next <count> commands get fault <kind>", cmd_model_fault },
};

const unsigned int cli_ncmds = RTE_DIM(cli_cmds);
