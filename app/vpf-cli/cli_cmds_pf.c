/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * vpf-cli commands: pf attach|scan|detach|reattach.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "vpf_common.h"
#include "vpf_vfio.h"
#include "cli_cmds.h"

/* "bdf: <address>" and "instance: <hex>" of @p p (vpf_pf_identity()). */
static void
print_identity(struct cli_pf *p)
{
	char addr[VPF_PF_ADDR_LEN];
	uint64_t inst;

	if (vpf_pf_identity(p->pf, addr, sizeof(addr), &inst) == 0)
		printf("bdf: %s\ninstance: %016" PRIx64 "\n", addr, inst);
}

static int
cmd_pf_attach_model(struct cli_args *a)
{
	struct cli_model_spec ms = { .dialect = cli_model_dialect };
	enum vpf_dialect dialect;
	struct cli_pf *p;
	char err[256];
	int rc;

	if (cli_model_spec_get(&a->kv, false, &ms, err, sizeof(err)) < 0)
		return cli_fail(-EINVAL, "%s", err);
	ms.name = cli_arg(a, "name");
	dialect = ms.dialect;
	rc = cli_pf_attach_model(&ms);
	if (rc < 0)
		return rc;
	p = cli_pf_find(cli_arg(a, "name"));
	printf("pf: %s\nbackend: model\nvfs: %u\ndialect: %s\n", p->name,
	       p->num_vfs, cli_dialect_name(dialect));
	print_identity(p);
	return 0;
}

static int
cmd_pf_detach(struct cli_args *a)
{
	char name[CLI_NAME_LEN];

	snprintf(name, sizeof(name), "%s", a->p->name);
	cli_pf_leave(a->p, "detach");
	cli_pf_detach(a->p);
	printf("detached: %s\n", name);
	return 0;
}

static int
cmd_pf_reattach(struct cli_args *a)
{
	const char *s = cli_kv_get(&a->kv, "resume");

	if (s != NULL && strcmp(s, "yes") != 0 && strcmp(s, "no") != 0)
		return cli_fail(-EINVAL, "bad resume '%s' (yes or no)", s);
	return cli_pf_reattach(a->p, s == NULL || strcmp(s, "yes") == 0);
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

/* PCI address of VF member @p vf of a VFIO PF (doc/protocol.md §3.7). */
void
cli_pf_vf_bdf(struct cli_pf *p, uint16_t vf, char *bdf, size_t len)
{
	bdf[0] = '\0';
	if (p->backend != NULL && p->backend_free == vfio_close_cb) {
		const struct vpf_pci_func *f = vpf_vfio_func(p->backend);
		char b[VPF_PCI_BDF_LEN];

		if (f != NULL && vpf_pci_vf_bdf(f, vf, b) == 0)
			snprintf(bdf, len, "%s", b);
	}
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
	rc = cli_pf_can_add(name);
	if (rc < 0)
		return rc;
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
	p = cli_pf_add(name, pf, NULL, dev, vfio_close_cb, pp.max_chunk);
	if (p == NULL) {
		vpf_pf_detach(pf);
		vpf_vfio_close(dev);
		return cli_fail(-ENOMEM, "out of memory");
	}
	printf("pf: %s\nbackend: vfio\nbdf: %s\nvfs: %u\n", p->name, norm,
	       p->num_vfs);
	/* A device another owner may have left: the scan and the journal
	 * decide, as for `pf reattach`. */
	cli_pf_attach_scan(p, true);
	return 0;
}

static int
cmd_pf_attach_vfio(struct cli_args *a)
{
	return cli_pf_attach_vfio(cli_arg(a, "bdf"), cli_kv_get(&a->kv, "name"),
				  cli_kv_get(&a->kv, "vf-token"));
}

/* ---- the table ---------------------------------------------------------- */

static const struct cli_opt attach_model_opts[] = {
	{ "vfs=<n>", "4", "VFs; 1..256" },
	{ "vqs=<n>", "2", "queue pairs per VF; 1..256" },
	{ "seed=<n>", "1", "the simulated workload's seed" },
	{ "dialect=seed-2023|1.4", "seed-2023", "the admin command dialect: "
	  "the draft vpf speaks, or virtio 1.4 device parts" },
	{ "bdf=<dddd:bb:dd.f>", "one unique in this process",
	  "the model's synthetic PCI address, which keys its journal with a "
	  "random instance number" },
	{ "service_us=<n>", "0", "timed model: each admin command takes n us "
	  "(0: commands complete when polled)" },
	{ "concurrency=<n>", "1", "timed model: commands worked on at once" },
	{ "act_us=<n>", "0", "timed model: cost of resuming, per field that "
	  "differs from the previous state" },
	{ NULL, NULL, NULL },
};

static const struct cli_opt reattach_opts[] = {
	{ "resume=yes|no", "yes", "resume VFs left mid-migration (outside "
	  "active, not in the journal); no: only report them" },
	{ NULL, NULL, NULL },
};

static const struct cli_opt attach_vfio_opts[] = {
	{ "name=<n>", "the PF's PCI address", NULL },
	{ "vf-token=<uuid>", "none", "vfio-pci's VF token, needed when its VFs "
	  "are in use" },
	{ NULL, NULL, NULL },
};

static const struct cli_opt scan_opts[] = {
	{ "dump=<file>", "none", "the PCI functions of this machine" },
	{ NULL, NULL, NULL },
};

static const struct cli_cmd cmds[] = {
	{ "pf attach model <name> [vfs=<n>] [vqs=<n>] [seed=<n>] "
	  "[dialect=seed-2023|1.4] [bdf=<a>] [service_us=<n>] "
	  "[concurrency=<n>] [act_us=<n>]",
	  "create a software PF model with n VFs, vqs queue pairs per VF, "
	  "a workload seed and an admin command dialect", cmd_pf_attach_model, attach_model_opts,
	  CLI_ON_ARGS },
	{ "pf attach vfio <bdf> [name=<n>] [vf-token=<uuid>]",
	  "attach a real PF bound to vfio-pci", cmd_pf_attach_vfio,
	  attach_vfio_opts, CLI_ON_ARGS },
	{ "pf scan [dump=<file>]",
	  "list virtio PCI functions (or those of an lspci -xxxx dump)",
	  cmd_pf_scan, scan_opts, CLI_ON_ARGS },
	{ "pf detach <pf>", "detach a PF (VFs vpf-cli moved go back to active)",
	  cmd_pf_detach, NULL, CLI_ON_PF },
	{ "pf reattach <pf> [resume=yes|no]",
	  "drop the driver without restoring anything and attach again, as a "
	  "restarted process would: VFs that migrated away (journal) stay "
	  "stopped, VFs left mid-migration are resumed",
	  cmd_pf_reattach, reattach_opts, CLI_ON_PF },
};

const struct cli_cmd_group cli_group_pf = {
	"pf", "attaching and detaching PFs", cmds, RTE_DIM(cmds)
};
