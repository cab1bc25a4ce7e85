/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/* PF registry, error reporting, and the exit rule (report VFs outside
 * Active, restore those vpf-cli moved unless a migration completed). */

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "vpf_common.h"
#include "vpf_model.h"
#include "vpf_vfio.h"
#include "cli.h"

struct cli_state cli = {
	/* recursive: commands hold it and may attach or detach */
	.lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP,
};
char cli_where[32];
const char *cli_journal_dir;
enum vpf_dialect cli_model_dialect = VPF_DIALECT_DRAFT_2023;

static void
print_error(int err, const char *text, const char *dev)
{
	fflush(stdout);
	fprintf(stderr, "error: %s%s%s: %s%s\n", cli_where,
		cli_where[0] ? ": " : "", text, cli_errno_name(err), dev);
	fflush(stderr);
}

int
cli_fail(int err, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	print_error(err, text, "");
	return err;
}

void
cli_hint(const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fprintf(stderr, "hint: %s\n", text);
	fflush(stderr);
}

static uint64_t
sum_u64(const uint64_t *v, size_t n)
{
	uint64_t s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += v[i];
	return s;
}

uint64_t
cli_stats_cmds(const struct vpf_admin_stats *st)
{
	return sum_u64(st->cmds, RTE_DIM(st->cmds));
}

uint64_t
cli_stats_dev_errors(const struct vpf_admin_stats *st)
{
	return sum_u64(st->errors_by_status, RTE_DIM(st->errors_by_status));
}

static uint64_t
dev_error_count(struct cli_pf *p)
{
	struct vpf_admin_stats st;

	if (vpf_admin_stats_get(p->pf, 0, &st) < 0)
		return 0;
	return cli_stats_dev_errors(&st);
}

void
cli_dev_begin(struct cli_pf *p)
{
	vpf_error_clear();
	p->dev_errors = dev_error_count(p);
}

bool
cli_dev_status(struct cli_pf *p, char *dev, size_t len)
{
	uint16_t st = 0, q = 0;

	/* The device answered with an error status only if its error
	 * counter moved; otherwise vpf refused locally (nothing sent). */
	if (dev_error_count(p) == p->dev_errors)
		return false;
	vpf_admin_last_status(p->pf, &st, &q);
	snprintf(dev, len, " (device status %s, qualifier %s)",
		 vpf_admin_status_name(st), vpf_admin_qualifier_name(q));
	return true;
}

int
cli_fail_text(int err, const char *dev, const char *text)
{
	print_error(err, text, dev ? dev : "");
	return err;
}

int
cli_fail_dev(struct cli_pf *p, int err, const char *what)
{
	char text[1024], dev[128] = "";
	const char *why = vpf_last_error();

	cli_dev_status(p, dev, sizeof(dev));
	/* @p what is context ("DEV_CTX_READ chunk 3 at offset 128") or, when
	 * it is a single word, only the name of the command to use if vpf
	 * gave no sentence (its sentences name the command already). */
	if (why == NULL || why[0] == '\0')
		snprintf(text, sizeof(text), "%s failed", what);
	else if (strchr(what, ' ') == NULL)
		snprintf(text, sizeof(text), "%s", why);
	else
		snprintf(text, sizeof(text), "%s: %s", what, why);
	print_error(err, text, dev);
	return err;
}

struct cli_pf *
cli_pf_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < cli.npf; i++)
		if (strcmp(cli.pfs[i]->name, name) == 0)
			return cli.pfs[i];
	return NULL;
}

static int
pf_lookup(const char *name, struct cli_pf **pp)
{
	*pp = cli_pf_find(name);
	if (*pp == NULL) {
		char list[CLI_MAX_PF * (CLI_NAME_LEN + 1)] = "";
		unsigned int i;

		for (i = 0; i < cli.npf; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list),
				 "%s%s", i ? " " : "", cli.pfs[i]->name);
		return cli_fail(-ENOENT, "unknown PF '%s' (attached: %s)", name,
				cli.npf ? list : "none");
	}
	return 0;
}

int
cli_pf_vf(const struct cli_args *a, const char *pfkey, const char *vfkey,
	  struct cli_pf **pp, uint16_t *vf)
{
	uint64_t v;
	int rc;

	rc = pf_lookup(cli_arg(a, pfkey), pp);
	if (rc < 0)
		return rc;
	if (vfkey == NULL)
		return 0;
	if (cli_parse_u64(cli_arg(a, vfkey), false, &v) < 0)
		return cli_fail(-EINVAL, "bad VF number '%s'", cli_arg(a, vfkey));
	if (v < 1 || v > (*pp)->num_vfs)
		return cli_fail(-ENOENT, "unknown VF %s on %s (VFs 1..%u)",
				cli_arg(a, vfkey), (*pp)->name,
				(*pp)->num_vfs);
	*vf = (uint16_t)v;
	return 0;
}

bool
cli_pf_v14(const struct cli_pf *p)
{
	struct vpf_pf_info in;

	return p->pf != NULL && vpf_pf_info_get(p->pf, &in) == 0 &&
	       in.dialect == VPF_DIALECT_V14_PARTS;
}

int
cli_mode_get(struct cli_pf *p, uint16_t vf, uint8_t *mode, bool *recorded)
{
	struct vpf_mig_vf_info vi;

	if (recorded != NULL)
		*recorded = false;
	if (!cli_pf_v14(p))
		return vpf_admin_mode_get(p->pf, vf, mode);
	if (vf < 1 || vf > p->num_vfs)
		return vpf_error(-EINVAL, "VF %u does not exist", vf);
	/* A 1.4 device has no command that reports a VF's mode: the
	 * driver's record is what vpf-cli sent, or what the migration
	 * layer sent when it moved the VF (`migrate`, `mig`). */
	*mode = p->vfs[vf].stopped14 ? VPF_DEV_MODE_STOP : VPF_DEV_MODE_ACTIVE;
	if (p->mig != NULL && vpf_mig_vf_info_get(p->mig, vf, &vi) == 0 &&
	    vi.moved && (vi.mode == VPF_DEV_MODE_STOP ||
			 vi.mode == VPF_DEV_MODE_FREEZE))
		*mode = VPF_DEV_MODE_STOP;
	if (recorded != NULL)
		*recorded = true;
	return 0;
}

int
cli_mode_set(struct cli_pf *p, uint16_t vf, uint8_t mode)
{
	int rc;

	if (!cli_pf_v14(p))
		return vpf_admin_mode_set(p->pf, vf, mode);
	if (mode != VPF_DEV_MODE_ACTIVE && mode != VPF_DEV_MODE_STOP)
		return vpf_error(-ENOTSUP, "a virtio 1.4 VF is running or stopped: there is no %s (stop is where its parts are read and set)",
				 vpf_dev_mode_name(mode));
	if (vf < 1 || vf > p->num_vfs)
		return vpf_error(-EINVAL, "VF %u does not exist", vf);
	rc = vpf_admin_v14_mode_set(p->pf, vf, mode == VPF_DEV_MODE_STOP);
	if (rc == 0)
		p->vfs[vf].stopped14 = mode == VPF_DEV_MODE_STOP;
	return rc;
}

int
cli_pf_can_add(const char *name)
{
	if (cli_pf_find(name) != NULL)
		return cli_fail(-EEXIST, "a PF named '%s' is attached", name);
	if (cli.npf == CLI_MAX_PF)
		return cli_fail(-ENOSPC, "at most %d PFs", CLI_MAX_PF);
	return 0;
}

struct cli_pf *
cli_pf_add(const char *name, struct vpf_pf *pf, struct vpf_model *m,
	   void *backend, void (*backend_free)(void *backend),
	   uint32_t max_chunk)
{
	struct cli_pf *p;

	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->pf = pf;
	p->model = m;
	p->backend = backend;
	p->backend_free = backend_free;
	p->num_vfs = vpf_pf_num_vfs(pf);
	p->max_chunk = max_chunk;
	p->vfs = calloc(p->num_vfs + 1u, sizeof(*p->vfs));
	if (p->vfs == NULL) {
		free(p);
		return NULL;
	}
	pthread_mutex_lock(&cli.lock);
	cli.pfs[cli.npf++] = p;
	pthread_mutex_unlock(&cli.lock);
	return p;
}

int
cli_pf_attach_model(const struct cli_model_spec *s)
{
	const char *name = s->name;
	struct vpf_model_params mp;
	struct vpf_pf_params pp;
	struct vpf_model *m;
	struct vpf_pf *pf;
	const char *c;
	int rc;

	if (name == NULL || *name == '\0' || strlen(name) >= CLI_NAME_LEN)
		return cli_fail(-EINVAL, "PF name must have 1 to %d characters",
				CLI_NAME_LEN - 1);
	for (c = name; *c; c++)
		if (!(*c == '-' || *c == '_' || (*c >= '0' && *c <= '9') ||
		      (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')))
			return cli_fail(-EINVAL,
					"bad PF name '%s' (letters, digits, - and _)",
					name);
	rc = cli_pf_can_add(name);
	if (rc < 0)
		return rc;

	vpf_model_params_init(&mp);
	cli_model_params(s, &mp);
	vpf_error_clear();
	m = vpf_model_create(&mp);
	if (m == NULL) {
		rc = -errno;
		return cli_fail(rc ? rc : -EINVAL, "cannot create model '%s': %s",
				name, vpf_last_error());
	}
	vpf_pf_params_init(&pp);
	pp.name = name;
	pf = vpf_pf_attach(&vpf_model_ops, m, &pp);
	if (pf == NULL) {
		rc = -errno;
		vpf_model_destroy(m);
		return cli_fail(rc ? rc : -EIO, "cannot attach model '%s': %s",
				name, vpf_last_error());
	}
	if (cli_pf_add(name, pf, m, NULL, NULL, pp.max_chunk) == NULL) {
		vpf_pf_detach(pf);
		vpf_model_destroy(m);
		return cli_fail(-ENOMEM, "cannot attach '%s'", name);
	}
	/* A model created just now has every VF in Active: no scan. */
	return 0;
}

unsigned int
cli_pf_report_found(struct cli_pf *p)
{
	unsigned int found = 0;
	uint16_t vf;

	for (vf = 1; vf <= p->num_vfs; vf++) {
		uint8_t mode = 0;
		int rc = cli_mode_get(p, vf, &mode, NULL);

		if (rc < 0) {
			printf("attach: %s vf %u: mode unknown (%s: %s)\n",
			       p->name, vf, cli_errno_name(rc),
			       vpf_last_error());
			continue;
		}
		if (mode == VPF_DEV_MODE_ACTIVE)
			continue;
		/* Left by a process that died mid-migration: whether the VF
		 * should resume is the operator's call, so only say how
		 * (the way back of vpf_mig_recover()). */
		printf("attach: %s vf %u: %s (found outside active; way back: "
		       "wr stop %s %u, ctx discard %s %u, mode set %s %u active)\n",
		       p->name, vf, cli_mode_name(p, mode), p->name, vf,
		       p->name, vf, p->name, vf);
		found++;
	}
	if (found)
		printf("found-outside-active: %u\n", found);
	fflush(stdout);
	return found;
}

/* The migration layer's parameters of vpf-cli: @p scan at attach (with
 * @p resume), the journal in --journal's directory. */
static struct vpf_mig *
mig_attach(struct cli_pf *p, bool scan, bool resume)
{
	struct vpf_mig_params mp;

	vpf_mig_params_init(&mp);
	mp.scan = scan;
	mp.recover_orphans = resume;
	/* vpf-cli restores (or leaves) VFs itself: cli_pf_leave(). */
	mp.restore_on_detach = false;
	mp.journal_dir = cli_journal_dir;
	if (p->max_chunk && mp.chunk > p->max_chunk)
		mp.chunk = p->max_chunk & ~7u;
	vpf_error_clear();
	return vpf_mig_attach(p->pf, &mp);
}

/* What vpf-cli remembers of a VF the journal lists as migrated away. */
static void
note_journal(struct cli_pf *p, uint16_t vf)
{
	struct cli_vf *v = &p->vfs[vf];

	v->migrated = true;
	snprintf(v->migrated_to, sizeof(v->migrated_to),
		 "its destination, per the journal");
}

unsigned int
cli_pf_attach_scan(struct cli_pf *p, bool resume)
{
	struct vpf_mig_journal_info ji;
	struct vpf_mig_orphan *o;
	unsigned int i, left = 0;
	int n;

	if (p->mig != NULL) {
		vpf_mig_detach(p->mig);
		p->mig = NULL;
	}
	p->mig = mig_attach(p, true, resume);
	if (p->mig == NULL) {
		printf("attach: %s: no migration layer (%s); VFs only reported\n",
		       p->name, vpf_last_error());
		return cli_pf_report_found(p);
	}
	if (vpf_mig_journal_info_get(p->mig, &ji) == 0) {
		printf("journal: %s\n", !ji.enabled ? "off" : ji.path);
		if (ji.error[0])
			printf("journal-error: %s\n", ji.error);
	}
	/* 1.4: the scan resumed every VF the journal does not hold (a
	 * device cannot say which were stopped); the record starts from
	 * there, and the orphans below say which stay stopped. */
	if (cli_pf_v14(p))
		for (i = 1; i <= p->num_vfs; i++)
			p->vfs[i].stopped14 = false;
	n = vpf_mig_orphans(p->mig, NULL, 0);
	if (n <= 0) {
		fflush(stdout);
		return 0;
	}
	o = calloc((size_t)n, sizeof(*o));
	if (o == NULL) {
		cli_fail(-ENOMEM, "out of memory");
		return 0;
	}
	n = vpf_mig_orphans(p->mig, o, (unsigned int)n);
	for (i = 0; i < (unsigned int)n; i++) {
		const char *mode = cli_mode_name(p, o[i].mode);
		uint16_t vf = o[i].vf;

		if (cli_pf_v14(p) && vf <= p->num_vfs)
			p->vfs[vf].stopped14 =
				o[i].fate != VPF_MIG_ORPHAN_RESUMED &&
				o[i].fate != VPF_MIG_ORPHAN_STALE;
		switch (o[i].fate) {
		case VPF_MIG_ORPHAN_MIGRATED:
			note_journal(p, vf);
			printf("attach: %s vf %u: %s (migrated away per journal; left stopped)\n",
			       p->name, vf, mode);
			break;
		case VPF_MIG_ORPHAN_UNKNOWN:
			note_journal(p, vf);
			printf("attach: %s vf %u: %s (journal unreadable: may have migrated away; left stopped)\n",
			       p->name, vf, mode);
			break;
		case VPF_MIG_ORPHAN_RESUMED:
			printf("attach: %s vf %u: %s -> active (left mid-migration; resumed)\n",
			       p->name, vf, mode);
			break;
		case VPF_MIG_ORPHAN_RESUME_FAILED:
			printf("attach: %s vf %u: %s (left mid-migration; resume failed: %s)\n",
			       p->name, vf, mode, vpf_mig_vf_error(p->mig, vf));
			left++;
			break;
		case VPF_MIG_ORPHAN_STALE:
			printf("attach: %s vf %u: %s (stale journal entry dropped)\n",
			       p->name, vf, mode);
			break;
		case VPF_MIG_ORPHAN_LEFT:
		default:
			/* Whether it should resume is the operator's call
			 * (no journal, or resume=no): say how. The layer
			 * knows it now, so its way back is the layer's. */
			printf("attach: %s vf %u: %s (found outside active; left as is; "
			       "way back: mig abort %s %u)\n",
			       p->name, vf, mode, p->name, vf);
			left++;
			break;
		}
	}
	free(o);
	if (left)
		printf("found-outside-active: %u\n", left);
	fflush(stdout);
	return (unsigned int)n;
}

int
cli_pf_journal_has(struct cli_pf *p, uint16_t vf)
{
	struct vpf_mig_journal_info ji;
	struct vpf_mig_vf_info vi;

	if (p->mig == NULL) {
		/* Quietly: a PF without the migration commands has none. */
		p->mig = mig_attach(p, false, false);
		if (p->mig == NULL)
			return -1;
	}
	if (vpf_mig_journal_info_get(p->mig, &ji) < 0 || !ji.usable ||
	    vpf_mig_vf_info_get(p->mig, vf, &vi) < 0)
		return -1;
	return vi.journal ? 1 : 0;
}

int
cli_pf_reattach(struct cli_pf *p, bool resume)
{
	const struct vpf_pf_ops *ops = &vpf_model_ops;
	void *dev = p->model;
	struct vpf_pf_params pp;
	struct vpf_pf *pf;
	int rc;

	if (p->model == NULL) {
		ops = &vpf_vfio_ops;
		dev = p->backend;
	}
	/* A restarted owner: the old migration layer dies with it, without
	 * restoring anything. */
	if (p->mig != NULL) {
		vpf_mig_detach(p->mig);
		p->mig = NULL;
	}
	vpf_pf_detach(p->pf);
	p->pf = NULL;
	vpf_pf_params_init(&pp);
	pp.name = p->name;
	vpf_error_clear();
	pf = vpf_pf_attach(ops, dev, &pp);
	if (pf == NULL) {
		rc = errno ? -errno : -EIO;
		/* Without a driver the PF cannot stay in the list. */
		cli_pf_detach(p);
		return cli_fail(rc, "cannot re-attach: %s", vpf_last_error());
	}
	pthread_mutex_lock(&cli.lock);
	p->pf = pf;
	/* A new process knows nothing of what the old one did. */
	memset(p->vfs, 0, (p->num_vfs + 1u) * sizeof(*p->vfs));
	pthread_mutex_unlock(&cli.lock);
	printf("reattached: %s\n", p->name);
	cli_pf_attach_scan(p, resume);
	return 0;
}

void
cli_pf_leave(struct cli_pf *p, const char *why)
{
	uint16_t vf;

	for (vf = 1; vf <= p->num_vfs; vf++) {
		struct cli_vf *v = &p->vfs[vf];
		struct vpf_mig_vf_info vi;
		uint8_t mode = 0;
		int rc;

		if (v->wr_on) {
			/* The driver must stop recording it started,
			 * also when leaving (doc/protocol.md §6.4). */
			rc = vpf_admin_wr_stop(p->pf, vf);
			printf("%s: %s vf %u: write recording %s\n", why, p->name,
			       vf, rc == 0 ? "stopped" : "could not be stopped");
			v->wr_on = false;
		}
		rc = cli_mode_get(p, vf, &mode, NULL);
		if (rc < 0) {
			printf("%s: %s vf %u: mode unknown (%s: %s)\n", why,
			       p->name, vf, cli_errno_name(rc), vpf_last_error());
			continue;
		}
		if (mode == VPF_DEV_MODE_ACTIVE)
			continue;
		/* The library's mark (the journal's entry) decides too: a
		 * source that migrated away is never resumed. */
		if (!v->migrated && p->mig != NULL &&
		    vpf_mig_vf_info_get(p->mig, vf, &vi) == 0 &&
		    (vi.complete || vi.journal))
			note_journal(p, vf);
		if (v->migrated) {
			printf("%s: %s vf %u: %s (migrated to %s; left as is)\n",
			       why, p->name, vf, cli_mode_name(p, mode),
			       v->migrated_to);
			continue;
		}
		if (!v->moved) {
			printf("%s: %s vf %u: %s (not moved by vpf-cli; left as is)\n",
			       why, p->name, vf, cli_mode_name(p, mode));
			continue;
		}
		/* A partial read or write blocks the way back to Active
		 * (doc/protocol.md §4.10): drop it first. */
		if (!cli_pf_v14(p))
			(void)vpf_admin_ctx_discard(p->pf, vf);
		rc = cli_mode_set(p, vf, VPF_DEV_MODE_ACTIVE);
		if (rc == 0) {
			v->moved = false;
			printf("%s: %s vf %u: %s -> active (restored)\n", why,
			       p->name, vf, cli_mode_name(p, mode));
		} else {
			printf("%s: %s vf %u: %s (restore failed: %s: %s)\n", why,
			       p->name, vf, cli_mode_name(p, mode),
			       cli_errno_name(rc), vpf_last_error());
		}
	}
	fflush(stdout);
}

struct vpf_mig *
cli_pf_mig(struct cli_pf *p)
{
	if (p->mig != NULL)
		return p->mig;
	/* No scan: a model created by this process has every VF in
	 * Active; a device found otherwise was scanned at its attach
	 * (cli_pf_attach_scan()). The journal is loaded either way. */
	p->mig = mig_attach(p, false, false);
	if (p->mig == NULL)
		cli_fail(errno ? -errno : -EIO, "%s: migration layer: %s",
			 p->name, vpf_last_error());
	return p->mig;
}

void
cli_pf_detach(struct cli_pf *p)
{
	unsigned int i;

	pthread_mutex_lock(&cli.lock);
	for (i = 0; i < cli.npf; i++) {
		if (cli.pfs[i] == p) {
			memmove(&cli.pfs[i], &cli.pfs[i + 1],
				(cli.npf - i - 1) * sizeof(cli.pfs[0]));
			cli.npf--;
			break;
		}
	}
	pthread_mutex_unlock(&cli.lock);
	/* A model dies with this PF: its journal could never be read again
	 * (a new model has a new instance), so it goes too. */
	if (p->model != NULL && p->mig != NULL)
		(void)vpf_mig_journal_remove(p->mig);
	vpf_mig_detach(p->mig);
	p->mig = NULL;
	vpf_pf_detach(p->pf);
	if (p->model != NULL)
		vpf_model_destroy(p->model);
	if (p->backend_free != NULL)
		p->backend_free(p->backend);
	free(p->vfs);
	free(p);
}

uint8_t
cli_mode_fold(const struct cli_pf *p, uint8_t mode)
{
	return cli_pf_v14(p) && mode == VPF_DEV_MODE_FREEZE ?
	       VPF_DEV_MODE_STOP : mode;
}

const char *
cli_mode_name(const struct cli_pf *p, uint8_t mode)
{
	return vpf_dev_mode_name(cli_mode_fold(p, mode));
}
