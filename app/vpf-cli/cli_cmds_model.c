/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * vpf-cli commands: model guest|digest|compare|dirty|dump-config|fault,
 * what only a software model can do (doc/model.md).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "vpf_common.h"
#include "vpf_model.h"
#include "vpf_vfio.h"
#include "cli_cmds.h"

static int
cmd_model_guest(struct cli_args *a)
{
	uint64_t ops;
	int rc;

	if (cli_parse_range(cli_arg(a, "ops"), true, 0, UINT32_MAX, &ops) < 0)
		return cli_fail(-EINVAL, "bad operation count '%s'",
				cli_arg(a, "ops"));
	vpf_error_clear();
	rc = vpf_model_guest_step(a->p->model, a->vf, (uint32_t)ops);
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

int
cli_digest_compare(struct cli_pf *s, uint16_t svf, struct cli_pf *d,
		   uint16_t dvf)
{
	char sh[65], dh[65];
	int rc;

	if ((rc = digest_of(s, svf, sh)) < 0 || (rc = digest_of(d, dvf, dh)) < 0)
		return rc;
	printf("src-digest: %s\n", sh);
	printf("dst-digest: %s\n", dh);
	printf("digest: %s\n", strcmp(sh, dh) == 0 ? "equal" : "different");
	return strcmp(sh, dh) != 0;
}

static int
cmd_model_digest(struct cli_args *a)
{
	char hex[65];
	int rc;

	rc = digest_of(a->p, a->vf, hex);
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
	int rc;

	rc = cli_pf_vf(a, "src-pf", "src-vf", &s, &svf);
	if (rc < 0 || (rc = cli_need_model(s)) < 0)
		return rc;
	rc = cli_pf_vf(a, "dst-pf", "dst-vf", &d, &dvf);
	if (rc < 0 || (rc = cli_need_model(d)) < 0)
		return rc;
	rc = cli_digest_compare(s, svf, d, dvf);
	if (rc > 0)
		return cli_fail(-EIO, "%s vf %u and %s vf %u differ", s->name,
				svf, d->name, dvf);
	return rc;
}

static int
cmd_model_dirty(struct cli_args *a)
{
	uint64_t pages;
	int rc;

	vpf_error_clear();
	rc = vpf_model_dirty_count(a->p->model, a->vf, &pages);
	if (rc < 0)
		return cli_fail(rc, "dirty pages: %s", vpf_last_error());
	printf("pages: %" PRIu64 "\n", pages);
	return 0;
}

/* The address `model dump-config` writes without bdf=. */
#define DUMP_BDF_DEFAULT	"0000:3b:00.0"

static int
cmd_model_dump_config(struct cli_args *a)
{
	const char *bdf = cli_kv_get(&a->kv, "bdf");
	char norm[VPF_PCI_BDF_LEN];
	int rc;

	if (bdf == NULL)
		bdf = DUMP_BDF_DEFAULT;
	/* The model writes the BDF into the dump as given: one libpci
	 * cannot parse makes a file nothing can read. Normalised:
	 * "3b:00.0" -> "0000:3b:00.0". */
	if (vpf_pci_bdf_parse(bdf, norm) < 0)
		return cli_fail(-EINVAL, "bad PCI address '%s' (dddd:bb:dd.f)",
				bdf);
	bdf = norm;
	vpf_error_clear();
	rc = vpf_model_dump_config(a->p->model, bdf, cli_arg(a, "file"));
	if (rc < 0)
		return cli_fail(rc, "cannot write '%s'%s%s", cli_arg(a, "file"),
				vpf_last_error()[0] ? ": " : "",
				vpf_last_error());
	printf("file: %s\nbdf: %s\n", cli_arg(a, "file"), bdf);
	return 0;
}

/* "unknown fault" with the list of the kinds there are. */
static int
fault_unknown(const char *kname)
{
	char list[256] = "";
	int k;

	for (k = VPF_MODEL_FAULT_NONE + 1; k < VPF_MODEL_FAULT_MAX; k++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
			 "%s%s", list[0] ? " " : "",
			 vpf_model_fault_name((enum vpf_model_fault_kind)k));
	return cli_fail(-EINVAL, "unknown fault '%s' (%s, or clear)", kname,
			list);
}

static int
cmd_model_fault(struct cli_args *a)
{
	const char *kname = cli_arg(a, "kind");
	enum vpf_model_fault_kind kind;
	struct cli_pf *p = a->p;
	uint64_t count = 1, vf;
	int rc;

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
	if (vpf_model_fault_parse(kname, &kind) < 0)
		return fault_unknown(kname);
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

/* Dialect 1.4: ring positions are guest memory, not device parts; a
 * hypervisor moves them with the guest's RAM. Between two models this
 * command is that move (vpf_model_guest_ring_export/import). */
static int
cmd_model_ring_move(struct cli_args *a)
{
	uint8_t buf[VPF_MODEL_GUEST_RING_SIZE(2 * 256 + 8)];	/* vqs=256 */
	struct cli_pf *s, *d;
	uint16_t svf, dvf, nq, q;
	size_t len = 0;
	int rc;

	rc = cli_pf_vf(a, "src-pf", "src-vf", &s, &svf);
	if (rc < 0 || (rc = cli_need_model(s)) < 0)
		return rc;
	rc = cli_pf_vf(a, "dst-pf", "dst-vf", &d, &dvf);
	if (rc < 0 || (rc = cli_need_model(d)) < 0)
		return rc;
	vpf_error_clear();
	rc = vpf_model_guest_ring_export(s->model, svf, buf, sizeof(buf), &len);
	if (rc < 0)
		return cli_fail(rc, "ring state of %s vf %u: %s", s->name, svf,
				vpf_last_error());
	rc = vpf_model_guest_ring_import(d->model, dvf, buf, len);
	if (rc < 0) {
		cli_fail(rc, "ring state into %s vf %u: %s", d->name, dvf,
			 vpf_last_error());
		if (rc == -EBUSY)
			cli_hint("the destination must be stopped: 'mode set "
				 "%s %u stop'", d->name, dvf);
		return rc;
	}
	/* export wrote the layout of include/vpf_model.h: le16 queues at
	 * 10, then 8 bytes per queue from 16 */
	memcpy(&nq, buf + 10, 2);
	nq = rte_le_to_cpu_16(nq);
	printf("queues: %u\n", nq);
	for (q = 0; q < nq && VPF_MODEL_GUEST_RING_SIZE(q + 1u) <= len; q++) {
		uint16_t v[3];

		memcpy(v, buf + 16 + 8u * q, sizeof(v));
		printf("vq: %u avail %u used %u size %u\n", q,
		       rte_le_to_cpu_16(v[0]), rte_le_to_cpu_16(v[1]),
		       rte_le_to_cpu_16(v[2]));
	}
	return 0;
}

/* ---- the table ---------------------------------------------------------- */

static const struct cli_opt dump_opts[] = {
	{ "bdf=<bdf>", DUMP_BDF_DEFAULT, NULL },
	{ NULL, NULL, NULL },
};

static const struct cli_opt fault_opts[] = {
	{ "<count>", "1", "the next command only" },
	{ NULL, NULL, NULL },
};

static const struct cli_cmd cmds[] = {
	{ "model guest <pf> <vf> <ops>",
	  "advance the VF's simulated workload by <ops> operations",
	  cmd_model_guest, NULL, CLI_ON_MODEL_VF },
	{ "model digest <pf> <vf>", "digest of the VF's migratable state",
	  cmd_model_digest, NULL, CLI_ON_MODEL_VF },
	{ "model compare <src-pf> <src-vf> <dst-pf> <dst-vf>",
	  "compare two VFs' digests; fails unless equal", cmd_model_compare,
	  NULL, CLI_ON_ARGS },
	{ "model ring-move <src-pf> <src-vf> <dst-pf> <dst-vf>",
	  "1.4: move the guest's ring positions (guest memory, not device "
	  "parts) from a VF to a stopped VF, as moving the guest's RAM would",
	  cmd_model_ring_move, NULL, CLI_ON_ARGS },
	{ "model dirty <pf> <vf>",
	  "pages the VF wrote since write recording started (ground truth)",
	  cmd_model_dirty, NULL, CLI_ON_MODEL_VF },
	{ "model dump-config <pf> <file> [bdf=<bdf>]",
	  "write the model's config space as `lspci -xxxx` does (for "
	  "'pf scan dump=<file>')", cmd_model_dump_config, dump_opts,
	  CLI_ON_MODEL_PF },
	{ "model fault <pf> <vf> <kind> [<count>]",
	  "the VF's next <count> commands get fault <kind> (hang delay eagain "
	  "einval flr reset dma bad-id bad-len dup; clear removes all; vf 0: "
	  "the PF)", cmd_model_fault, fault_opts, CLI_ON_MODEL_PF },
};

const struct cli_cmd_group cli_group_model = {
	"model", "software models only: workload, digests, faults", cmds,
	RTE_DIM(cmds)
};
