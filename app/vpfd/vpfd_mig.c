/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * vpfd's per-VF methods: vf_get, modes, and migration of one VF driven by
 * a client (the out-of-band plugin, or an operator with vpf-rpc): VFIO v2
 * states, the save stream handed out one piece per call through a passed
 * file, the load stream taken the same way (doc/vpfd.md, "Data channel").
 * A connection that moves a VF out of RUNNING holds it until it brings it
 * back, completes or aborts; one that vanishes leaves the VF as it is and
 * the VF says so (resuming it could run the guest twice).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vpf_admin.h"
#include "vpf_common.h"
#include "vpfd.h"

/* Bytes moved between the library and a client's file per step (no
 * allocation on this path: one thread serves every request). */
#define VPFD_IO_CHUNK	(64u << 10)
/* Most bytes one vf_mig_save_next hands out (a bound on its loop). */
#define VPFD_SAVE_MAX	(1ull << 32)
/* Largest offset vf_mig_load reads at. */
#define VPFD_OFFSET_MAX	(1ull << 40)

static uint8_t io_buf[VPFD_IO_CHUNK];

static int data_fd_check(struct vpfd_req *r, int fd);
static int save_piece(struct vpfd_req *r, struct vpfd_pf *p,
		      struct vpf_mig *m, uint16_t vf, json_t *res);

int
vpfd_p_mig(struct vpfd_req *r, struct vpfd_pf *p, struct vpf_mig **m)
{
	if (p->mig == NULL)
		return vpfd_fail(r, -ENOTSUP, "%s has no migration layer "
				 "(the PF lacks the migration commands, or its "
				 "attach failed)", p->name);
	*m = p->mig;
	return 0;
}

int
vpfd_vf_free(struct vpfd_req *r, struct vpfd_pf *p, uint16_t vf)
{
	if (p->vfs[vf].job != 0)
		return vpfd_fail(r, -EBUSY, "%s vf %u belongs to job %u",
				 p->name, vf, p->vfs[vf].job);
	return 0;
}

/* A source that migrated away is never resumed by accident: a request
 * that would move it needs force=true (D-VPFD.14). */
static int
not_migrated_away(struct vpfd_req *r, struct vpfd_pf *p, uint16_t vf)
{
	struct vpf_mig_vf_info vi;
	bool force = false;

	if (vpfd_p_bool(r, "force", false, &force) < 0)
		return -1;
	if (force || p->mig == NULL ||
	    vpf_mig_vf_info_get(p->mig, vf, &vi) < 0 ||
	    !(vi.complete || vi.journal))
		return 0;
	return vpfd_fail(r, -EBUSY, "%s vf %u migrated away (journaled): its "
			 "guest runs at the destination and resuming it here "
			 "would run it twice; pass force=true only if the "
			 "destination never ran it", p->name, vf);
}

/* The VF may be driven by this request's connection. */
static int
vf_mine(struct vpfd_req *r, struct vpfd_pf *p, uint16_t vf)
{
	uint64_t h = p->vfs[vf].holder;

	if (vpfd_vf_free(r, p, vf) < 0)
		return -1;
	if (h != 0 && h != r->conn_id)
		return vpfd_fail(r, -EBUSY, "%s vf %u is being migrated by "
				 "client %llu", p->name, vf,
				 (unsigned long long)h);
	return 0;
}

void
vpfd_conn_gone(struct vpfd *d, uint64_t conn_id)
{
	unsigned int i;
	uint16_t vf;

	if (conn_id == 0)
		return;
	for (i = 0; i < d->npf; i++) {
		struct vpfd_pf *p = d->pfs[i];

		for (vf = 1; vf <= p->num_vfs; vf++) {
			struct vpfd_vf *v = &p->vfs[vf];
			enum vpf_mig_state s = VPF_MIG_STATE_ERROR;

			if (v->holder != conn_id)
				continue;
			v->holder = 0;
			if (p->mig != NULL)
				(void)vpf_mig_get_state(p->mig, vf, &s);
			if (s == VPF_MIG_STATE_RUNNING)
				continue;
			snprintf(v->left_by, sizeof(v->left_by),
				 "client %llu disconnected with the VF in %s; "
				 "left as is (resuming it could run the guest "
				 "twice); way back: vf_mig_abort",
				 (unsigned long long)conn_id,
				 vpf_mig_state_name(s));
			vpfd_log(d, "%s vf %u: %s", p->name, vf, v->left_by);
		}
	}
}

const char *
vpfd_mode_name(const struct vpfd_pf *p, uint8_t mode)
{
	/* a 1.4 device is running or stopped: Freeze is the layer's name
	 * for the same stopped device */
	if (vpfd_pf_dialect(p) == VPF_DIALECT_V14_PARTS &&
	    mode == VPF_DEV_MODE_FREEZE)
		mode = VPF_DEV_MODE_STOP;
	return vpf_dev_mode_name(mode);
}

static int
m_vf_get(struct vpfd_req *r, json_t **res)
{
	struct vpf_mig_vf_info vi;
	char bdf[VPF_PCI_BDF_LEN];
	struct vpfd_pf *p;
	struct vpfd_vf *v;
	uint16_t vf;

	if (vpfd_p_vf(r, &p, &vf) < 0)
		return -1;
	v = &p->vfs[vf];
	if (vpfd_vf_bdf(p, vf, bdf) < 0)
		bdf[0] = '\0';
	*res = json_pack("{s:s, s:i, s:s}", "pf", p->name, "vf", vf, "bdf",
			 bdf);
	if (*res == NULL)
		return 0;
	if (p->mig != NULL && vpf_mig_vf_info_get(p->mig, vf, &vi) == 0) {
		json_object_set_new(*res, "state",
				    json_string(vpf_mig_state_name(vi.state)));
		json_object_set_new(*res, "mode",
				    json_string(vpfd_mode_name(p, vi.mode)));
		json_object_set_new(*res, "moved", json_boolean(vi.moved));
		json_object_set_new(*res, "complete", json_boolean(vi.complete));
		json_object_set_new(*res, "journal", json_boolean(vi.journal));
		json_object_set_new(*res, "busy", json_boolean(vi.busy));
		json_object_set_new(*res, "save_total",
				    json_integer((json_int_t)vi.save_total));
		json_object_set_new(*res, "load_total",
				    json_integer((json_int_t)vi.load_total));
	}
	json_object_set_new(*res, "held_by", v->holder ?
			    json_integer((json_int_t)v->holder) : json_null());
	json_object_set_new(*res, "job", v->job ? json_integer(v->job) :
			    json_null());
	json_object_set_new(*res, "left_by", v->left_by[0] ?
			    json_string(v->left_by) : json_null());
	return 0;
}

static int
m_vf_mode_get(struct vpfd_req *r, json_t **res)
{
	struct vpf_mig_vf_info vi;
	struct vpfd_pf *p;
	uint8_t mode = 0;
	uint16_t vf;
	int rc;

	if (vpfd_p_vf(r, &p, &vf) < 0)
		return -1;
	if (vpfd_pf_dialect(p) == VPF_DIALECT_V14_PARTS) {
		/* no MODE_GET in 1.4: the driver's record */
		if (p->mig == NULL || vpf_mig_vf_info_get(p->mig, vf, &vi) < 0)
			return vpfd_fail(r, -ENOTSUP, "a virtio 1.4 device "
					 "cannot report a VF's mode");
		mode = vi.mode;
	} else {
		rc = vpf_admin_mode_get(p->pf, vf, &mode);
		if (rc < 0)
			return vpfd_fail_rc(r, rc, "vf_mode_get");
	}
	*res = json_pack("{s:s}", "mode", vpfd_mode_name(p, mode));
	return 0;
}

static int
state_param(struct vpfd_req *r, enum vpf_mig_state *s)
{
	const char *name = NULL;

	if (vpfd_p_str(r, "state", true, &name) < 0)
		return -1;
	if (vpf_mig_state_parse(name, s) < 0 || *s == VPF_MIG_STATE_ERROR)
		return vpfd_fail(r, VPFD_E_PARAMS, "'%.32s' is not a VFIO "
				 "migration state (RUNNING, STOP, STOP_COPY, "
				 "RESUMING, RUNNING_P2P, PRE_COPY, "
				 "PRE_COPY_P2P)", name);
	return 0;
}

static int
m_vf_mig_state_get(struct vpfd_req *r, json_t **res)
{
	enum vpf_mig_state s;
	struct vpfd_pf *p;
	struct vpf_mig *m;
	uint16_t vf;
	int rc;

	if (vpfd_p_vf(r, &p, &vf) < 0 || vpfd_p_mig(r, p, &m) < 0)
		return -1;
	rc = vpf_mig_get_state(m, vf, &s);
	if (rc < 0)
		return vpfd_fail_rc(r, rc, "vf_mig_state_get");
	*res = json_pack("{s:s}", "state", vpf_mig_state_name(s));
	return 0;
}

static int
m_vf_mig_state_set(struct vpfd_req *r, json_t **res)
{
	enum vpf_mig_state s, now = VPF_MIG_STATE_ERROR;
	bool save = false;
	struct vpfd_pf *p;
	struct vpf_mig *m;
	uint16_t vf;
	int rc;

	if (vpfd_p_vf(r, &p, &vf) < 0 || state_param(r, &s) < 0 ||
	    vpfd_p_bool(r, "save", false, &save) < 0 ||
	    vpfd_p_mig(r, p, &m) < 0 || vf_mine(r, p, vf) < 0)
		return -1;
	if (save && (r->fd < 0 || (s != VPF_MIG_STATE_STOP_COPY &&
				   s != VPF_MIG_STATE_PRE_COPY &&
				   s != VPF_MIG_STATE_PRE_COPY_P2P)))
		return vpfd_fail(r, VPFD_E_PARAMS, "save=true needs a file "
				 "descriptor and a saving state (PRE_COPY, "
				 "PRE_COPY_P2P, STOP_COPY)");
	if (save && data_fd_check(r, r->fd) < 0)
		return -1;
	(void)vpf_mig_get_state(m, vf, &now);
	if (s != now && not_migrated_away(r, p, vf) < 0)
		return -1;
	/* 1.4: the stop's journal mark is written while the VF still runs,
	 * so that the stop itself waits for no write (downtime) */
	if (now == VPF_MIG_STATE_RUNNING && s != VPF_MIG_STATE_RUNNING &&
	    vpfd_pf_dialect(p) == VPF_DIALECT_V14_PARTS)
		(void)vpf_mig_stop_prepare(m, &vf, 1);
	rc = vpf_mig_set_state(m, vf, s);
	(void)vpf_mig_get_state(m, vf, &now);
	if (now == VPF_MIG_STATE_RUNNING) {
		p->vfs[vf].holder = 0;
	} else {
		p->vfs[vf].holder = r->conn_id;
		p->vfs[vf].left_by[0] = '\0';
	}
	if (rc < 0)
		return vpfd_fail_rc(r, rc, "vf_mig_state_set");
	*res = json_pack("{s:s}", "state", vpf_mig_state_name(now));
	/* save: the first piece of the state entered, in the same answer
	 * (one round trip less inside a stop-copy's downtime) */
	if (*res != NULL && save && save_piece(r, p, m, vf, *res) < 0) {
		json_decref(*res);
		*res = NULL;
		return -1;
	}
	return 0;
}

/* The client's file for the data channel: a regular file (a memfd is
 * one). Pipes and sockets would make the daemon wait on a client. */
static int
data_fd_check(struct vpfd_req *r, int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return vpfd_fail(r, VPFD_E_PARAMS, "the file descriptor must "
				 "be a regular file or a memfd (seekable)");
	return 0;
}

static int
save_out(struct vpfd_req *r, struct vpf_mig *m, uint16_t vf, uint64_t *total)
{
	size_t got;
	int rc;

	*total = 0;
	do {
		ssize_t w;
		size_t off = 0;

		rc = vpf_mig_save_read(m, vf, io_buf, sizeof(io_buf), &got);
		if (rc < 0)
			return vpfd_fail_rc(r, rc, "vf_mig_save_next");
		while (off < got) {
			w = pwrite(r->fd, io_buf + off, got - off,
				   (off_t)(*total + off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return vpfd_fail(r, -EIO, "vf_mig_save_next: "
						 "cannot write the client's "
						 "file: %s", strerror(errno));
			off += (size_t)w;
		}
		*total += got;
	} while (got > 0 && *total < VPFD_SAVE_MAX);
	return 0;
}

/* The next piece of VF @p vf's save stream into the request's file: one
 * precopy round in PRE_COPY(_P2P) (the round read on entry, else a new
 * one), everything to the end in STOP_COPY. Adds bytes, round and end to
 * @p res. */
static int
save_piece(struct vpfd_req *r, struct vpfd_pf *p, struct vpf_mig *m,
	   uint16_t vf, json_t *res)
{
	struct vpf_mig_precopy_info pi = { 0 };
	enum vpf_mig_state s = VPF_MIG_STATE_ERROR;
	uint64_t total = 0;
	bool pre;
	int rc;

	if (data_fd_check(r, r->fd) < 0)
		return -1;
	(void)vpf_mig_get_state(m, vf, &s);
	pre = s == VPF_MIG_STATE_PRE_COPY || s == VPF_MIG_STATE_PRE_COPY_P2P;
	if (!pre && s != VPF_MIG_STATE_STOP_COPY)
		return vpfd_fail(r, -EPERM, "vf_mig_save_next: %s vf %u is in "
				 "%s; the save stream exists in PRE_COPY, "
				 "PRE_COPY_P2P and STOP_COPY", p->name, vf,
				 vpf_mig_state_name(s));
	if (ftruncate(r->fd, 0) < 0)
		return vpfd_fail(r, -EIO, "vf_mig_save_next: cannot truncate "
				 "the client's file: %s", strerror(errno));
	if (pre) {
		/* one call, one round: the first round is read on entry;
		 * once it is handed out, the next call starts another */
		rc = vpf_mig_precopy_info(m, vf, &pi);
		if (rc == 0 && pi.pending_bytes == 0)
			rc = vpf_mig_precopy_round(m, vf);
		if (rc < 0)
			return vpfd_fail_rc(r, rc, "vf_mig_save_next: precopy "
					    "round");
		(void)vpf_mig_precopy_info(m, vf, &pi);
	}
	if (save_out(r, m, vf, &total) < 0)
		return -1;
	json_object_set_new(res, "bytes", json_integer((json_int_t)total));
	json_object_set_new(res, "round", json_integer(pi.round));
	json_object_set_new(res, "end", json_boolean(!pre));
	return 0;
}

static int
m_vf_mig_save_next(struct vpfd_req *r, json_t **res)
{
	enum vpf_mig_state s = VPF_MIG_STATE_ERROR;
	struct vpfd_pf *p;
	struct vpf_mig *m;
	uint16_t vf;

	if (vpfd_p_vf(r, &p, &vf) < 0 || vpfd_p_mig(r, p, &m) < 0 ||
	    vf_mine(r, p, vf) < 0 || data_fd_check(r, r->fd) < 0)
		return -1;
	(void)vpf_mig_get_state(m, vf, &s);
	*res = json_pack("{s:s}", "state", vpf_mig_state_name(s));
	if (*res == NULL)
		return 0;
	if (save_piece(r, p, m, vf, *res) < 0) {
		json_decref(*res);
		*res = NULL;
		return -1;
	}
	return 0;
}

static int
m_vf_mig_load(struct vpfd_req *r, json_t **res)
{
	enum vpf_mig_state s = VPF_MIG_STATE_ERROR;
	struct vpf_mig_vf_info vi;
	struct vpfd_pf *p;
	struct vpf_mig *m;
	uint64_t bytes = 0, off = 0, start = 0;
	struct stat st;
	uint16_t vf;
	int rc;

	if (vpfd_p_vf(r, &p, &vf) < 0 ||
	    vpfd_p_u64(r, "bytes", true, 0, VPFD_LOAD_MAX, &bytes) < 0 ||
	    vpfd_p_u64(r, "offset", false, 0, VPFD_OFFSET_MAX, &start) < 0 ||
	    vpfd_p_mig(r, p, &m) < 0 || vf_mine(r, p, vf) < 0 ||
	    data_fd_check(r, r->fd) < 0)
		return -1;
	if (fstat(r->fd, &st) < 0 || (uint64_t)st.st_size < start ||
	    (uint64_t)st.st_size - start < bytes)
		return vpfd_fail(r, VPFD_E_PARAMS, "vf_mig_load: the file "
				 "holds fewer than %llu bytes at offset %llu",
				 (unsigned long long)bytes,
				 (unsigned long long)start);
	(void)vpf_mig_get_state(m, vf, &s);
	if (s != VPF_MIG_STATE_RESUMING)
		return vpfd_fail(r, -EPERM, "vf_mig_load: %s vf %u is in %s; "
				 "the load stream exists in RESUMING", p->name,
				 vf, vpf_mig_state_name(s));
	while (off < bytes) {
		size_t n = bytes - off < sizeof(io_buf) ?
			   (size_t)(bytes - off) : sizeof(io_buf);
		ssize_t got = pread(r->fd, io_buf, n, (off_t)(start + off));

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return vpfd_fail(r, -EIO, "vf_mig_load: cannot read the "
					 "client's file at %llu",
					 (unsigned long long)off);
		rc = vpf_mig_load_write(m, vf, io_buf, (size_t)got);
		if (rc < 0)
			return vpfd_fail_rc(r, rc, "vf_mig_load");
		off += (uint64_t)got;
	}
	if (vpf_mig_vf_info_get(m, vf, &vi) < 0)
		vi.load_total = off;
	*res = json_pack("{s:I}", "loaded", (json_int_t)vi.load_total);
	return 0;
}

static int
m_vf_mig_precopy_info(struct vpfd_req *r, json_t **res)
{
	struct vpf_mig_precopy_info pi;
	struct vpfd_pf *p;
	struct vpf_mig *m;
	uint16_t vf;
	int rc;

	if (vpfd_p_vf(r, &p, &vf) < 0 || vpfd_p_mig(r, p, &m) < 0)
		return -1;
	rc = vpf_mig_precopy_info(m, vf, &pi);
	if (rc < 0)
		return vpfd_fail_rc(r, rc, "vf_mig_precopy_info");
	*res = json_pack("{s:I, s:I, s:i, s:I}", "initial_bytes",
			 (json_int_t)pi.initial_bytes, "dirty_bytes",
			 (json_int_t)pi.dirty_bytes, "round", pi.round,
			 "pending_bytes", (json_int_t)pi.pending_bytes);
	return 0;
}

static int
m_vf_mig_complete(struct vpfd_req *r, json_t **res)
{
	enum vpf_mig_state s = VPF_MIG_STATE_ERROR;
	struct vpfd_pf *p;
	struct vpf_mig *m;
	uint16_t vf;
	int rc;

	if (vpfd_p_vf(r, &p, &vf) < 0 || vpfd_p_mig(r, p, &m) < 0 ||
	    vf_mine(r, p, vf) < 0)
		return -1;
	(void)vpf_mig_get_state(m, vf, &s);
	if (s != VPF_MIG_STATE_STOP)
		return vpfd_fail(r, -EPERM, "vf_mig_complete: %s vf %u is in "
				 "%s; a source is complete in STOP, after its "
				 "whole stop-copy state was saved", p->name, vf,
				 vpf_mig_state_name(s));
	rc = vpf_mig_mark_complete(m, vf);
	if (rc < 0)
		return vpfd_fail_rc(r, rc, "vf_mig_complete");
	p->vfs[vf].holder = 0;
	p->vfs[vf].left_by[0] = '\0';
	*res = json_true();
	return 0;
}

/* Abort or adopt: @p op takes the VF back to RUNNING; whoever held it
 * holds it no longer once it runs (also when @p op failed after that). */
static int
vf_to_running(struct vpfd_req *r, json_t **res,
	      int (*op)(struct vpf_mig *m, uint16_t vf), const char *name,
	      bool away_check)
{
	enum vpf_mig_state s = VPF_MIG_STATE_ERROR;
	struct vpfd_pf *p;
	struct vpf_mig *m;
	uint16_t vf;
	int rc;

	if (vpfd_p_vf(r, &p, &vf) < 0 || vpfd_p_mig(r, p, &m) < 0 ||
	    vf_mine(r, p, vf) < 0 ||
	    (away_check && not_migrated_away(r, p, vf) < 0))
		return -1;
	rc = op(m, vf);
	(void)vpf_mig_get_state(m, vf, &s);
	if (s == VPF_MIG_STATE_RUNNING) {
		p->vfs[vf].holder = 0;
		p->vfs[vf].left_by[0] = '\0';
	}
	if (rc < 0)
		return vpfd_fail_rc(r, rc, name);
	*res = json_pack("{s:s}", "state", vpf_mig_state_name(s));
	return 0;
}

static int
m_vf_mig_abort(struct vpfd_req *r, json_t **res)
{
	return vf_to_running(r, res, vpf_mig_abort, "vf_mig_abort", true);
}

/* A destination whose activation outcome is unknown (a job's pair ended
 * -ENOTCONN; ERROR) runs the guest, or is to: resume it with what it
 * loaded, nothing dropped or set back (vpf_mig_adopt(), D-MIG.15 of
 * doc/migration.md). */
static int
m_vf_mig_adopt(struct vpfd_req *r, json_t **res)
{
	return vf_to_running(r, res, vpf_mig_adopt, "vf_mig_adopt", false);
}

static const char *const k_vf[] = { "pf", "vf", "bdf", NULL };
static const char *const k_state[] = { "pf", "vf", "bdf", "state", "force",
				       "save", NULL };
static const char *const k_abort[] = { "pf", "vf", "bdf", "force", NULL };
static const char *const k_load[] = { "pf", "vf", "bdf", "bytes", "offset",
				      NULL };

const struct vpfd_method vpfd_methods_mig[] = {
	{ "vf_get", m_vf_get, 0, k_vf },
	{ "vf_mode_get", m_vf_mode_get, 0, k_vf },
	{ "vf_mig_state_get", m_vf_mig_state_get, 0, k_vf },
	{ "vf_mig_state_set", m_vf_mig_state_set, VPFD_M_FD_OPT, k_state },
	{ "vf_mig_save_next", m_vf_mig_save_next, VPFD_M_FD, k_vf },
	{ "vf_mig_load", m_vf_mig_load, VPFD_M_FD, k_load },
	{ "vf_mig_precopy_info", m_vf_mig_precopy_info, 0, k_vf },
	{ "vf_mig_complete", m_vf_mig_complete, 0, k_vf },
	{ "vf_mig_abort", m_vf_mig_abort, 0, k_abort },
	{ "vf_mig_adopt", m_vf_mig_adopt, 0, k_vf },
	{ NULL, NULL, 0, NULL },
};
