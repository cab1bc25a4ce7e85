/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * vpfd's PFs: software models and VFIO PFs, their migration layers and
 * journals, VF addressing by PCI address, and the pf_* methods.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpf_admin.h"
#include "vpf_common.h"
#include "vpf_model.h"
#include "cli_util.h"
#include "vpfd.h"

struct vpfd_pf *
vpfd_pf_find(struct vpfd *d, const char *name)
{
	unsigned int i;

	for (i = 0; i < d->npf; i++)
		if (strcmp(d->pfs[i]->name, name) == 0)
			return d->pfs[i];
	return NULL;
}

/* The PCI view of a PF for VF addressing: the backend's identity and the
 * SR-IOV numbers the driver read. */
static void
pci_view(struct vpfd_pf *p)
{
	struct vpf_pci_func *f = &p->func;
	struct vpf_pf_info info;
	unsigned int dom, bus, dev, fn;

	if (p->vfio != NULL && vpf_vfio_func(p->vfio) != NULL) {
		*f = *vpf_vfio_func(p->vfio);
		snprintf(p->bdf, sizeof(p->bdf), "%s", f->bdf);
		return;
	}
	memset(f, 0, sizeof(*f));
	if (vpf_pf_identity(p->pf, p->bdf, sizeof(p->bdf), NULL) < 0 ||
	    sscanf(p->bdf, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4 ||
	    vpf_pf_info_get(p->pf, &info) < 0)
		return;
	snprintf(f->bdf, sizeof(f->bdf), "%s", p->bdf);
	f->domain = (uint16_t)dom;
	f->bus = (uint8_t)bus;
	f->dev = (uint8_t)dev;
	f->func = (uint8_t)fn;
	f->sriov.present = true;
	f->sriov.vf_enable = info.num_vfs > 0;
	f->sriov.total_vfs = info.total_vfs;
	f->sriov.num_vfs = info.num_vfs;
	f->sriov.vf_offset = info.vf_offset;
	f->sriov.vf_stride = info.vf_stride;
}

int
vpfd_vf_bdf(const struct vpfd_pf *p, uint16_t vf, char *bdf)
{
	return vpf_pci_vf_bdf(&p->func, vf, bdf);
}

int
vpfd_vf_by_bdf(struct vpfd *d, const char *bdf, struct vpfd_pf **p,
	       uint16_t *vf)
{
	unsigned int i;

	for (i = 0; i < d->npf; i++)
		if (vpf_pci_vf_member(&d->pfs[i]->func, bdf, vf) == 0 &&
		    *vf >= 1 && *vf <= d->pfs[i]->num_vfs) {
			*p = d->pfs[i];
			return 0;
		}
	return -ENOENT;
}

static struct vpf_mig *
mig_attach(struct vpfd *d, struct vpfd_pf *p, bool scan)
{
	struct vpf_mig_params mp;

	vpf_mig_params_init(&mp);
	mp.scan = scan;
	mp.recover_orphans = true;
	/* vpfd restores itself, at shutdown and detach (vpfd_pf_detach) */
	mp.restore_on_detach = false;
	mp.journal_dir = d->o.journal_dir;
	/* the engine's default max_chunk: a context moves in as few
	 * commands as the PF allows (the library's 4 KiB default would
	 * take two commands for a 5 KiB context, in the downtime) */
	mp.chunk = 65536;
	return vpf_mig_attach(p->pf, &mp);
}

static int
pf_name_ok(struct vpfd *d, const char *name)
{
	const char *c;

	if (name == NULL || *name == '\0' || strlen(name) >= VPFD_NAME_LEN)
		return vpf_error(-EINVAL, "PF name must have 1 to %d characters",
				 VPFD_NAME_LEN - 1);
	for (c = name; *c; c++)
		if (!(*c == '-' || *c == '_' || *c == '.' || *c == ':' ||
		      (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') ||
		      (*c >= 'A' && *c <= 'Z')))
			return vpf_error(-EINVAL, "bad PF name '%s' (letters, "
					 "digits, '-', '_', '.', ':')", name);
	if (vpfd_pf_find(d, name) != NULL)
		return vpf_error(-EEXIST, "a PF named '%s' is attached", name);
	if (d->npf == VPFD_MAX_PF)
		return vpf_error(-ENOSPC, "at most %d PFs", VPFD_MAX_PF);
	return 0;
}

static void
pf_free(struct vpfd_pf *p)
{
	free(p->vfs);
	free(p);
}

/* Whether PCI address @p bdf is @p q's own or one of its VFs'. */
static bool
addr_taken(const struct vpfd_pf *q, const char *bdf)
{
	uint16_t vf;

	return strcmp(q->bdf, bdf) == 0 ||
	       (vpf_pci_vf_member(&q->func, bdf, &vf) == 0 && vf >= 1 &&
		vf <= q->num_vfs);
}

/* Every address of @p p (its own, its VFs') names nothing else the
 * daemon owns: VFs are addressed by PCI address (D-VPFD.13). */
static int
addr_check(struct vpfd *d, const struct vpfd_pf *p)
{
	char bdf[VPF_PCI_BDF_LEN];
	unsigned int i;
	uint16_t vf;

	for (i = 0; i < d->npf; i++) {
		const struct vpfd_pf *q = d->pfs[i];

		if (addr_taken(q, p->bdf) || addr_taken(p, q->bdf))
			return vpf_error(-EEXIST, "%s's address %s collides "
					 "with %s (%s) or its VFs", p->name,
					 p->bdf, q->name, q->bdf);
		for (vf = 1; vf <= p->num_vfs; vf++)
			if (vpfd_vf_bdf(p, vf, bdf) == 0 && addr_taken(q, bdf))
				return vpf_error(-EEXIST, "%s vf %u's address "
						 "%s is %s's or one of its VFs'",
						 p->name, vf, bdf, q->name);
	}
	return 0;
}

/* Put an attached PF in the table. */
static int
pf_add(struct vpfd *d, const char *name, struct vpf_pf *pf,
       struct vpf_model *m, struct vpf_vfio_dev *vd, bool scan,
       struct vpfd_pf **out)
{
	struct vpfd_pf *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return vpf_error(-ENOMEM, "out of memory");
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->pf = pf;
	p->model = m;
	p->vfio = vd;
	p->num_vfs = vpf_pf_num_vfs(pf);
	p->vfs = calloc(p->num_vfs + 1u, sizeof(*p->vfs));
	if (p->vfs == NULL) {
		free(p);
		return vpf_error(-ENOMEM, "out of memory");
	}
	pci_view(p);
	if (addr_check(d, p) < 0) {
		pf_free(p);
		return -EEXIST;
	}
	/* A missing migration layer (a PF without the commands) is not
	 * fatal: the mig methods then say why. */
	p->mig = mig_attach(d, p, scan);
	if (p->mig == NULL)
		vpfd_log(d, "%s: no migration layer: %s", name,
			 vpf_last_error());
	d->pfs[d->npf++] = p;
	if (out != NULL)
		*out = p;
	vpfd_log(d, "attached %s (%s, %s, %u VFs)", name, p->bdf,
		 cli_dialect_name(vpfd_pf_dialect(p)), p->num_vfs);
	return 0;
}

enum vpf_dialect
vpfd_pf_dialect(const struct vpfd_pf *p)
{
	struct vpf_pf_info info;

	if (vpf_pf_info_get(p->pf, &info) < 0)
		return VPF_DIALECT_DRAFT_2023;
	return info.dialect;
}

int
vpfd_pf_attach_model(struct vpfd *d, const char *name, uint16_t vfs,
		     uint16_t vqs, uint64_t seed, enum vpf_dialect dialect,
		     const char *bdf, struct vpfd_pf **out)
{
	struct cli_model_spec ms = {
		.name = name, .vfs = vfs, .vqs = vqs, .seed = seed,
		.dialect = dialect, .bdf = bdf,
	};

	return vpfd_pf_attach_spec(d, &ms, out);
}

int
vpfd_pf_attach_spec(struct vpfd *d, const struct cli_model_spec *ms,
		    struct vpfd_pf **out)
{
	const char *name = ms->name;
	struct vpf_model_params mp;
	struct vpf_pf_params pp;
	struct vpf_model *m;
	struct vpf_pf *pf;
	int rc;

	rc = pf_name_ok(d, name);
	if (rc < 0)
		return rc;
	vpf_model_params_init(&mp);
	cli_model_params(ms, &mp);
	m = vpf_model_create(&mp);
	if (m == NULL)
		return vpf_error(errno ? -errno : -EINVAL,
				 "cannot create model '%s': %s", name,
				 vpf_last_error());
	vpf_pf_params_init(&pp);
	pp.name = name;
	pf = vpf_pf_attach(&vpf_model_ops, m, &pp);
	if (pf == NULL) {
		rc = errno ? -errno : -EIO;
		vpf_model_destroy(m);
		return vpf_error(rc, "cannot attach model '%s': %s", name,
				 vpf_last_error());
	}
	/* a model created now has every VF running: no scan */
	rc = pf_add(d, name, pf, m, NULL, false, out);
	if (rc < 0) {
		vpf_pf_detach(pf);
		vpf_model_destroy(m);
	}
	return rc;
}

int
vpfd_pf_attach_vfio(struct vpfd *d, const char *bdf, const char *name,
		    struct vpfd_pf **out)
{
	char norm[VPF_PCI_BDF_LEN];
	struct vpf_vfio_dev *vd = NULL;
	struct vpf_pf_params pp;
	struct vpf_pf *pf;
	int rc;

	if (vpf_pci_bdf_parse(bdf, norm) < 0)
		return vpf_error(-EINVAL, "'%s' is not a PCI address "
				 "(dddd:bb:dd.f)", bdf);
	if (name == NULL)
		name = norm;
	rc = pf_name_ok(d, name);
	if (rc < 0)
		return rc;
	vpf_pf_params_init(&pp);
	pp.name = name;
	pf = vpf_vfio_pf_attach(norm, NULL, &pp, &vd);
	if (pf == NULL)
		return vpf_error(errno ? -errno : -EIO, "cannot attach %s: %s",
				 norm, vpf_last_error());
	/* a device found in any state: scanned against the journal */
	rc = pf_add(d, name, pf, NULL, vd, true, out);
	if (rc < 0) {
		vpf_pf_detach(pf);
		vpf_vfio_close(vd);
	}
	return rc;
}

/* Put back in RUNNING every VF the library moved and whose migration did
 * not complete (the journal's rule: a source that migrated away is never
 * resumed). Logged per VF. */
static void
pf_restore(struct vpfd *d, struct vpfd_pf *p, const char *why)
{
	uint16_t vf;

	if (p->mig == NULL)
		return;
	for (vf = 1; vf <= p->num_vfs; vf++) {
		struct vpf_mig_vf_info vi;
		int rc;

		if (vpf_mig_vf_info_get(p->mig, vf, &vi) < 0 ||
		    vi.state == VPF_MIG_STATE_RUNNING)
			continue;
		if (vi.complete || vi.journal) {
			vpfd_log(d, "%s: %s vf %u: %s (migrated away per the "
				 "journal; left stopped)", why, p->name, vf,
				 vpf_mig_state_name(vi.state));
			continue;
		}
		if (!vi.moved)
			continue;
		if (p->vfs[vf].left_by[0] != '\0') {
			vpfd_log(d, "%s: %s vf %u: %s (%s)", why, p->name, vf,
				 vpf_mig_state_name(vi.state),
				 p->vfs[vf].left_by);
			continue;
		}
		rc = vpf_mig_abort(p->mig, vf);
		vpfd_log(d, "%s: %s vf %u: %s -> %s", why, p->name, vf,
			 vpf_mig_state_name(vi.state),
			 rc == 0 ? "RUNNING (restored)" : vpf_last_error());
	}
}

/* Take @p p out of the table (nothing else). */
static void
pf_unlink(struct vpfd *d, const struct vpfd_pf *p)
{
	unsigned int i;

	for (i = 0; i < d->npf; i++)
		if (d->pfs[i] == p) {
			memmove(&d->pfs[i], &d->pfs[i + 1],
				(d->npf - i - 1) * sizeof(d->pfs[0]));
			d->npf--;
			return;
		}
}

void
vpfd_pf_detach(struct vpfd *d, struct vpfd_pf *p)
{
	pf_restore(d, p, "detach");
	pf_unlink(d, p);
	/* A model dies with the daemon's PF: its journal could never be
	 * read again (a new model has a new instance). */
	if (p->model != NULL && p->mig != NULL)
		(void)vpf_mig_journal_remove(p->mig);
	vpf_mig_detach(p->mig);
	vpf_pf_detach(p->pf);
	if (p->model != NULL)
		vpf_model_destroy(p->model);
	vpf_vfio_close(p->vfio);
	vpfd_log(d, "detached %s", p->name);
	pf_free(p);
}

int
vpfd_pf_reattach(struct vpfd *d, struct vpfd_pf *p)
{
	const struct vpf_pf_ops *ops = &vpf_model_ops;
	void *dev = p->model;
	struct vpf_pf_params pp;
	struct vpf_pf *pf;

	if (p->model == NULL) {
		ops = &vpf_vfio_ops;
		dev = p->vfio;
	}
	/* the old owner's migration layer dies without restoring */
	vpf_mig_detach(p->mig);
	p->mig = NULL;
	vpf_pf_detach(p->pf);
	p->pf = NULL;
	vpf_pf_params_init(&pp);
	pp.name = p->name;
	pf = vpf_pf_attach(ops, dev, &pp);
	if (pf == NULL)
		return vpf_error(errno ? -errno : -EIO, "cannot re-attach %s: %s",
				 p->name, vpf_last_error());
	p->pf = pf;
	memset(p->vfs, 0, (p->num_vfs + 1u) * sizeof(*p->vfs));
	p->mig = mig_attach(d, p, true);
	if (p->mig == NULL)
		return vpf_error(errno ? -errno : -EIO, "%s: migration layer: %s",
				 p->name, vpf_last_error());
	vpfd_log(d, "reattached %s", p->name);
	return 0;
}

bool
vpfd_pf_busy(const struct vpfd *d, const struct vpfd_pf *p)
{
	uint16_t vf;

	(void)d;
	for (vf = 1; vf <= p->num_vfs; vf++)
		if (p->vfs[vf].holder != 0 || p->vfs[vf].job != 0)
			return true;
	return false;
}

int
vpfd_model_spec(struct vpfd *d, const char *spec, char *err, size_t errlen)
{
	struct cli_model_spec ms = { .dialect = VPF_DIALECT_DRAFT_2023 };
	struct cli_kv kv;
	int rc;

	if (cli_kv_parse(spec, ",", cli_model_keys, &kv, err, errlen) < 0 ||
	    cli_model_spec_get(&kv, true, &ms, err, errlen) < 0)
		return -EINVAL;
	rc = vpfd_pf_attach_spec(d, &ms, NULL);
	if (rc < 0)
		snprintf(err, errlen, "%s", vpf_last_error());
	return rc;
}

/* ---- methods ------------------------------------------------------------ */

json_t *
vpfd_pf_json(const struct vpfd_pf *p, bool full)
{
	struct vpf_mig_journal_info ji;
	struct vpf_pf_info info;
	json_t *o;

	if (vpf_pf_info_get(p->pf, &info) < 0)
		memset(&info, 0, sizeof(info));
	o = json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:s}", "name", p->name,
		      "bdf", p->bdf, "dialect", cli_dialect_name(info.dialect),
		      "num_vfs", p->num_vfs, "vf_offset", info.vf_offset,
		      "vf_stride", info.vf_stride, "backend",
		      p->model != NULL ? "model" : "vfio");
	if (o == NULL || !full)
		return o;
	json_object_set_new(o, "inflight", json_integer(info.inflight));
	json_object_set_new(o, "recoveries", json_integer(info.recoveries));
	json_object_set_new(o, "failed", json_boolean(info.failed));
	json_object_set_new(o, "migration", json_boolean(p->mig != NULL));
	if (p->mig != NULL && vpf_mig_journal_info_get(p->mig, &ji) == 0)
		json_object_set_new(o, "journal", ji.enabled ?
				    json_string(ji.path) : json_null());
	return o;
}

static int
m_pf_list(struct vpfd_req *r, json_t **res)
{
	unsigned int i;

	*res = json_array();
	for (i = 0; *res != NULL && i < r->d->npf; i++)
		json_array_append_new(*res, vpfd_pf_json(r->d->pfs[i], false));
	return 0;
}

static int
m_pf_get(struct vpfd_req *r, json_t **res)
{
	struct vpfd_pf *p;

	if (vpfd_p_pf(r, &p) < 0)
		return -1;
	*res = vpfd_pf_json(p, true);
	return 0;
}

static int
m_pf_attach_model(struct vpfd_req *r, json_t **res)
{
	struct cli_model_spec ms = { .dialect = VPF_DIALECT_DRAFT_2023,
				     .seed = 1 };
	const char *dial = NULL;
	uint64_t vfs = 0, vqs = 0, svc = 0, conc = 0, act = 0;
	struct vpfd_pf *p;
	int rc;

	if (vpfd_p_str(r, "name", true, &ms.name) < 0 ||
	    vpfd_p_u64(r, "vfs", false, 1, 256, &vfs) < 0 ||
	    vpfd_p_u64(r, "vqs", false, 1, 256, &vqs) < 0 ||
	    vpfd_p_u64(r, "seed", false, 0, UINT64_MAX, &ms.seed) < 0 ||
	    vpfd_p_str(r, "dialect", false, &dial) < 0 ||
	    vpfd_p_str(r, "bdf", false, &ms.bdf) < 0 ||
	    vpfd_p_u64(r, "service_us", false, 0, 1000000, &svc) < 0 ||
	    vpfd_p_u64(r, "concurrency", false, 1, 1024, &conc) < 0 ||
	    vpfd_p_u64(r, "act_us", false, 0, 1000000, &act) < 0)
		return -1;
	if (dial != NULL && cli_parse_dialect(dial, &ms.dialect) < 0)
		return vpfd_fail(r, VPFD_E_PARAMS, "bad dialect '%s' "
				 "(seed-2023 or 1.4)", dial);
	ms.vfs = (uint16_t)vfs;
	ms.vqs = (uint16_t)vqs;
	ms.service_us = (uint32_t)svc;
	ms.concurrency = (uint32_t)conc;
	ms.act_us = (uint32_t)act;
	rc = vpfd_pf_attach_spec(r->d, &ms, &p);
	if (rc < 0)
		return vpfd_fail_rc(r, rc, "pf_attach_model");
	*res = vpfd_pf_json(p, true);
	return 0;
}

static int
m_pf_attach_vfio(struct vpfd_req *r, json_t **res)
{
	const char *bdf = NULL, *name = NULL;
	struct vpfd_pf *p;
	int rc;

	if (vpfd_p_str(r, "bdf", true, &bdf) < 0 ||
	    vpfd_p_str(r, "name", false, &name) < 0)
		return -1;
	rc = vpfd_pf_attach_vfio(r->d, bdf, name, &p);
	if (rc < 0)
		return vpfd_fail_rc(r, rc, "pf_attach_vfio");
	*res = vpfd_pf_json(p, true);
	return 0;
}

static int
m_pf_detach(struct vpfd_req *r, json_t **res)
{
	struct vpfd_pf *p;

	if (vpfd_p_pf(r, &p) < 0)
		return -1;
	if (vpfd_pf_busy(r->d, p))
		return vpfd_fail(r, -EBUSY, "%s: a job or a client's migration "
				 "holds one of its VFs", p->name);
	vpfd_pf_detach(r->d, p);
	*res = json_true();
	return 0;
}

static int
m_pf_reattach(struct vpfd_req *r, json_t **res)
{
	struct vpf_mig_orphan o[64];
	struct vpfd_pf *p;
	int n, i, rc;

	if (vpfd_p_pf(r, &p) < 0)
		return -1;
	for (i = 1; i <= p->num_vfs; i++)
		if (p->vfs[i].job != 0)
			return vpfd_fail(r, -EBUSY, "%s vf %d belongs to job %u",
					 p->name, i, p->vfs[i].job);
	rc = vpfd_pf_reattach(r->d, p);
	if (rc < 0) {
		/* without a driver the PF cannot stay in the table */
		if (p->pf == NULL) {
			pf_unlink(r->d, p);
			if (p->model != NULL)
				vpf_model_destroy(p->model);
			vpf_vfio_close(p->vfio);
			pf_free(p);
		}
		return vpfd_fail_rc(r, rc, "pf_reattach");
	}
	*res = json_pack("{s:[]}", "orphans");
	n = vpf_mig_orphans(p->mig, o, 64);
	for (i = 0; *res != NULL && i < n && i < 64; i++)
		json_array_append_new(json_object_get(*res, "orphans"),
				      json_pack("{s:i, s:s, s:s}", "vf", o[i].vf,
						"mode", vpfd_mode_name(p, o[i].mode),
						"fate", vpf_mig_orphan_fate_name(o[i].fate)));
	return 0;
}

static int
m_stats(struct vpfd_req *r, json_t **res)
{
	struct vpf_admin_stats st;
	struct vpfd_pf *p;
	uint64_t cmds = 0, dev_err = 0;
	unsigned int i;

	if (vpfd_p_pf(r, &p) < 0)
		return -1;
	if (vpf_admin_stats_get(p->pf, 0, &st) < 0)
		return vpfd_fail_rc(r, -EIO, "stats");
	for (i = 0; i < sizeof(st.cmds) / sizeof(st.cmds[0]); i++)
		cmds += st.cmds[i];
	for (i = 0; i < 32; i++)
		dev_err += st.errors_by_status[i];
	*res = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "pf", p->name, "commands", (json_int_t)cmds,
			 "device_errors", (json_int_t)dev_err,
			 "local_errors", (json_int_t)st.errors_local,
			 "retries", (json_int_t)st.retries,
			 "timeouts", (json_int_t)st.timeouts,
			 "bytes_read", (json_int_t)st.bytes_read,
			 "bytes_written", (json_int_t)st.bytes_written,
			 "requests", (json_int_t)r->d->requests,
			 "request_errors", (json_int_t)r->d->errors);
	return 0;
}

static const char *const k_none[] = { NULL };
static const char *const k_pf[] = { "pf", NULL };
static const char *const k_model[] = { "name", "vfs", "vqs", "seed", "dialect",
				       "bdf", "service_us", "concurrency",
				       "act_us", NULL };
static const char *const k_vfio[] = { "bdf", "name", NULL };

const struct vpfd_method vpfd_methods_pf[] = {
	{ "pf_list", m_pf_list, 0, k_none },
	{ "pf_get", m_pf_get, 0, k_pf },
	{ "pf_attach_model", m_pf_attach_model, 0, k_model },
	{ "pf_attach_vfio", m_pf_attach_vfio, 0, k_vfio },
	{ "pf_detach", m_pf_detach, 0, k_pf },
	{ "pf_reattach", m_pf_reattach, 0, k_pf },
	{ "stats", m_stats, 0, k_pf },
	{ NULL, NULL, 0, NULL },
};
