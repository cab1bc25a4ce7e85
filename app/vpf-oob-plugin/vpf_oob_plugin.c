/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * vpf-oob-plugin.so: the out-of-band VFIO migration plugin
 * (vfio-migration-plugin.h) for VFs whose PF vpfd owns. QEMU keeps the VF
 * passed through with VFIO; the VF's state moves through vpfd's JSON-RPC
 * socket instead of a VFIO migration region.
 *
 * The plugin maps QEMU's v1 device states to vpfd's VFIO v2 states
 * (vf_mig_state_set):
 *   RUNNING           -> RUNNING
 *   RUNNING | SAVING  -> PRE_COPY   (each update_pending + save pass is one
 *                                    precopy round)
 *   SAVING            -> STOP_COPY
 *   STOP              -> STOP
 *   RESUMING          -> RESUMING   (then RUNNING: the load is complete)
 *   SAVING... -> RUNNING: QEMU cancelled the migration, vf_mig_abort.
 *
 * update_pending() fixes the next piece of the save stream: vpfd writes it
 * into the handle's memfd (vf_mig_save_next, or with the state change that
 * entered a saving state) and the plugin reports its exact length; save()
 * preads it. load() appends a piece to the memfd and sends vf_mig_load
 * without waiting for its answer, which the next call reads (doc/vpfd.md,
 * D-OOB.12-13: fewer round trips inside the downtime). One RPC connection
 * and one mutex per handle; failures are negative errno values with one
 * line on stderr.
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>

#include "oob_rpc.h"
#include "vfio-migration-plugin.h"

#define EXPORT __attribute__((visibility("default")))

/* Largest piece vpfd's vf_mig_load reads at once. */
#define LOAD_MAX	(16u << 20)
/* Requests sent and not yet answered (D-OOB.13); the memfd holds at most
 * this many load pieces at once. */
#define PEND_MAX	8
/* Bytes of load pieces the memfd holds before they are settled. */
#define LOAD_BUF_MAX	(64u << 20)
#define DEVID_LEN	12	/* "dddd:bb:dd.f" */

struct oob_handle {
	pthread_mutex_t lock;
	char devid[DEVID_LEN + 1];
	struct oob_rpc rpc;
	int memfd;
	uint32_t v1;		/* the state QEMU last set */
	/* the piece of the save stream in the memfd */
	uint64_t piece_len;
	uint64_t piece_off;	/* bytes of it saved */
	bool piece_valid;
	bool saving_seen;	/* SAVING (stop-copy) entered */
	bool end;		/* the stop-copy piece read was the last */
	bool fail_logged;
	/* requests whose answers are read later, oldest first */
	struct {
		uint64_t id;
		const char *method;
	} pend[PEND_MAX];
	unsigned int npend;
	uint64_t load_off;	/* where the next load piece goes */
};

static void __attribute__((format(printf, 2, 3)))
plog(const char *devid, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One write per line: handles of other threads do not interleave. */
	fprintf(stderr, "vpf-oob-plugin: %s: %s\n", devid ? devid : "?", line);
}

static bool
devid_valid(const char *s)
{
	/* dddd:bb:dd.f, hex digits, function 0..7 */
	static const char pat[] = "xxxx:xx:xx.f";

	if (s == NULL || strlen(s) != sizeof(pat) - 1)
		return false;
	for (size_t i = 0; pat[i]; i++) {
		char c = s[i];

		if (pat[i] == 'x') {
			if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			      (c >= 'A' && c <= 'F')))
				return false;
		} else if (pat[i] == 'f') {
			if (c < '0' || c > '7')
				return false;
		} else if (c != pat[i]) {
			return false;
		}
	}
	return true;
}

/* {"bdf": devid} plus, when @p key is set, one more string member. */
static json_t *
vf_params(const struct oob_handle *h, const char *key, const char *val)
{
	json_t *p = json_pack("{ss}", "bdf", h->devid);

	if (p != NULL && key != NULL)
		json_object_set_new(p, key, json_string(val));
	return p;
}

/* Read the answers of the requests sent ahead, in order. @return 0, or
 * the first failure (each one logged). */
static int
settle(struct oob_handle *h)
{
	int rc = 0, r;
	unsigned int i;

	for (i = 0; i < h->npend; i++) {
		r = oob_rpc_recv(&h->rpc, h->pend[i].method, h->pend[i].id,
				 NULL);
		if (r != 0) {
			plog(h->devid, "%s", h->rpc.err);
			if (rc == 0)
				rc = r;
		}
	}
	h->npend = 0;
	h->load_off = 0;
	return rc;
}

/* Send a request whose answer settle() reads later. */
static int
send_ahead(struct oob_handle *h, const char *method, json_t *params, int fd)
{
	int rc;

	if (h->npend == PEND_MAX) {
		rc = settle(h);
		if (rc != 0) {
			json_decref(params);
			return rc;
		}
	}
	rc = oob_rpc_send(&h->rpc, method, params, fd,
			  &h->pend[h->npend].id);
	if (rc != 0) {
		plog(h->devid, "%s", h->rpc.err);
		return rc;
	}
	h->pend[h->npend++].method = method;
	return 0;
}

/* One RPC on the handle's connection, after the answers sent ahead; a
 * failure is logged. */
static int
call(struct oob_handle *h, const char *method, json_t *params, int fd,
     json_t **result)
{
	int rc = settle(h);

	if (rc != 0) {
		json_decref(params);
		return rc;
	}
	rc = oob_rpc_call(&h->rpc, method, params, fd, result);
	if (rc != 0)
		plog(h->devid, "%s", h->rpc.err);
	return rc;
}

static int
state_set(struct oob_handle *h, const char *state)
{
	return call(h, "vf_mig_state_set", vf_params(h, "state", state), -1,
		    NULL);
}

static void *
op_init(char *devid, char *arg)
{
	struct oob_handle *h;
	json_t *res = NULL;
	const char *st;
	int rc;

	if (!devid_valid(devid)) {
		plog(devid, "not a PCI address (dddd:bb:dd.f)");
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		plog(devid, "out of memory");
		return NULL;
	}
	snprintf(h->devid, sizeof(h->devid), "%s", devid);
	h->memfd = memfd_create("vpf-oob-state", MFD_CLOEXEC);
	if (h->memfd < 0) {
		plog(devid, "memfd_create: %s", strerror(errno));
		free(h);
		return NULL;
	}
	rc = oob_rpc_open(&h->rpc, arg);
	if (rc != 0) {
		plog(devid, "%s", h->rpc.err);
		goto fail;
	}
	/* The daemon must know the VF; QEMU's device is running now. */
	rc = call(h, "vf_mig_state_get", vf_params(h, NULL, NULL), -1, &res);
	if (rc != 0)
		goto fail;
	st = json_string_value(json_object_get(res, "state"));
	if (st == NULL) {
		plog(devid, "vf_mig_state_get: no state in the answer");
		goto fail;
	}
	if (strcasecmp(st, "RUNNING") != 0) {
		/* Someone else migrates it (or left it stopped): refuse
		 * rather than take over. */
		plog(devid, "the VF is in state %s, not RUNNING", st);
		goto fail;
	}
	json_decref(res);
	res = NULL;
	h->v1 = VFIO_DEVICE_STATE_V1_RUNNING;
	if (pthread_mutex_init(&h->lock, NULL) != 0) {
		plog(devid, "pthread_mutex_init failed");
		goto fail;
	}
	return h;
fail:
	json_decref(res);
	oob_rpc_close(&h->rpc);
	close(h->memfd);
	free(h);
	return NULL;
}

static void
piece_reset(struct oob_handle *h)
{
	h->piece_valid = false;
	h->piece_len = 0;
	h->piece_off = 0;
}

/* The answer of vf_mig_save_next: the handle's next piece. */
static int
piece_take(struct oob_handle *h, json_t *res)
{
	json_t *jb = json_object_get(res, "bytes");
	json_t *je = json_object_get(res, "end");

	if (!json_is_integer(jb) || json_integer_value(jb) < 0 ||
	    !json_is_boolean(je)) {
		plog(h->devid, "vf_mig_save_next: answer without bytes/end");
		return -EPROTO;
	}
	h->piece_valid = true;
	h->piece_len = (uint64_t)json_integer_value(jb);
	h->piece_off = 0;
	if (h->saving_seen && json_is_true(je))
		h->end = true;
	return 0;
}

/* Enter a saving state and take its first piece from the same answer
 * (save=true: one round trip, not two, D-OOB.12). */
static int
enter_saving(struct oob_handle *h, const char *state)
{
	json_t *p = vf_params(h, "state", state), *res = NULL;
	int rc;

	if (p != NULL)
		json_object_set_new(p, "save", json_true());
	rc = call(h, "vf_mig_state_set", p, h->memfd, &res);
	if (rc == 0)
		rc = piece_take(h, res);
	json_decref(res);
	return rc;
}

/* SAVING: STOP_COPY. An unsaved precopy piece stays first in line: the
 * stream stays in order (then the stop-copy piece is asked for later). */
static int
enter_stop_copy(struct oob_handle *h)
{
	bool unsaved = h->piece_valid && h->piece_off < h->piece_len;
	int rc;

	h->saving_seen = true;
	h->end = false;
	rc = unsaved ? state_set(h, "STOP_COPY") :
		       enter_saving(h, "STOP_COPY");
	if (rc != 0)
		h->saving_seen = false;
	return rc;
}

static int
op_set_state(void *handle, uint32_t value)
{
	struct oob_handle *h = handle;
	uint32_t prev;
	int rc;

	if (h == NULL)
		return -EINVAL;
	pthread_mutex_lock(&h->lock);
	prev = h->v1;
	if (value == prev) {
		pthread_mutex_unlock(&h->lock);
		return 0;
	}
	switch (value) {
	case VFIO_DEVICE_STATE_V1_RUNNING:
		if (prev & VFIO_DEVICE_STATE_V1_SAVING ||
		    (prev == VFIO_DEVICE_STATE_V1_STOP && h->saving_seen)) {
			/* QEMU cancelled: the source runs again. */
			rc = call(h, "vf_mig_abort", vf_params(h, NULL, NULL),
				  -1, NULL);
			if (rc == 0) {
				piece_reset(h);
				h->saving_seen = false;
				h->end = false;
			}
		} else if (prev == VFIO_DEVICE_STATE_V1_RESUMING) {
			/* the loads sent ahead, then the resume, back to
			 * back; the daemon refuses to resume an incomplete
			 * or corrupt stream, so a failed piece never runs */
			rc = send_ahead(h, "vf_mig_state_set",
					vf_params(h, "state", "RUNNING"), -1);
			if (rc == 0)
				rc = settle(h);
		} else {
			rc = state_set(h, "RUNNING");
		}
		break;
	case VFIO_DEVICE_STATE_V1_RUNNING | VFIO_DEVICE_STATE_V1_SAVING:
		if (prev != VFIO_DEVICE_STATE_V1_RUNNING) {
			plog(h->devid, "set_state: precopy only from RUNNING "
			     "(state %#x)", prev);
			rc = -EINVAL;
			break;
		}
		piece_reset(h);
		h->saving_seen = false;
		h->end = false;
		rc = enter_saving(h, "PRE_COPY");
		break;
	case VFIO_DEVICE_STATE_V1_SAVING:
		if (prev & VFIO_DEVICE_STATE_V1_RESUMING) {
			plog(h->devid, "set_state: SAVING from RESUMING");
			rc = -EINVAL;
			break;
		}
		rc = enter_stop_copy(h);
		break;
	case VFIO_DEVICE_STATE_V1_STOP:
		/* after stop-copy the device is stopped already: the state's
		 * name changes, nothing waits for it (its answer is read by
		 * the next call, cleanup's) */
		if (prev == VFIO_DEVICE_STATE_V1_SAVING)
			rc = send_ahead(h, "vf_mig_state_set",
					vf_params(h, "state", "STOP"), -1);
		else
			rc = state_set(h, "STOP");
		break;
	case VFIO_DEVICE_STATE_V1_RESUMING:
		if (prev & VFIO_DEVICE_STATE_V1_SAVING) {
			plog(h->devid, "set_state: RESUMING while saving");
			rc = -EINVAL;
			break;
		}
		piece_reset(h);
		h->saving_seen = false;
		rc = state_set(h, "RESUMING");
		break;
	default:
		plog(h->devid, "set_state: state %#x is not supported", value);
		rc = -EINVAL;
		break;
	}
	if (rc == 0)
		h->v1 = value;
	pthread_mutex_unlock(&h->lock);
	return rc;
}

static int
op_get_state(void *handle, uint32_t *value)
{
	struct oob_handle *h = handle;

	if (h == NULL || value == NULL)
		return -EINVAL;
	pthread_mutex_lock(&h->lock);
	*value = h->v1;
	pthread_mutex_unlock(&h->lock);
	return 0;
}

static int
op_update_pending(void *handle, uint64_t *pending)
{
	struct oob_handle *h = handle;
	json_t *res = NULL;
	int rc = 0;

	if (h == NULL || pending == NULL)
		return -EINVAL;
	pthread_mutex_lock(&h->lock);
	*pending = 0;
	if (!(h->v1 & VFIO_DEVICE_STATE_V1_SAVING)) {
		plog(h->devid, "update_pending: not saving (state %#x)", h->v1);
		rc = -EINVAL;
		goto out;
	}
	if (h->piece_valid && h->piece_off < h->piece_len) {
		/* The last piece is not all saved: what is left of it. */
		*pending = h->piece_len - h->piece_off;
		goto out;
	}
	if (h->saving_seen && h->end)
		goto out;	/* the stop-copy state is all out */
	rc = call(h, "vf_mig_save_next", vf_params(h, NULL, NULL), h->memfd,
		  &res);
	if (rc == 0)
		rc = piece_take(h, res);
	if (rc == 0)
		*pending = h->piece_len;
out:
	json_decref(res);
	pthread_mutex_unlock(&h->lock);
	return rc;
}

static int
op_save(void *handle, uint8_t *state, uint64_t len)
{
	struct oob_handle *h = handle;
	uint64_t done = 0;
	int rc = 0;

	if (h == NULL || (state == NULL && len > 0))
		return -EINVAL;
	pthread_mutex_lock(&h->lock);
	if (!h->piece_valid || len > h->piece_len - h->piece_off) {
		plog(h->devid, "save: %" PRIu64 " bytes asked, %" PRIu64
		     " reported and not saved", len,
		     h->piece_valid ? h->piece_len - h->piece_off : 0);
		rc = -EINVAL;
		goto out;
	}
	while (done < len) {
		ssize_t n = pread(h->memfd, state + done, len - done,
				  (off_t)(h->piece_off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;
			plog(h->devid, "save: reading the piece: %s",
			     n < 0 ? strerror(errno) : "short file");
			goto out;
		}
		done += (uint64_t)n;
	}
	h->piece_off += len;
out:
	pthread_mutex_unlock(&h->lock);
	return rc;
}

static int
op_load(void *handle, uint8_t *state, uint64_t len)
{
	struct oob_handle *h = handle;
	uint64_t done = 0;
	json_t *p;
	int rc = 0;

	if (h == NULL || (state == NULL && len > 0))
		return -EINVAL;
	pthread_mutex_lock(&h->lock);
	if (h->v1 != VFIO_DEVICE_STATE_V1_RESUMING) {
		plog(h->devid, "load: not resuming (state %#x)", h->v1);
		rc = -EINVAL;
		goto out;
	}
	if (len > LOAD_MAX) {
		plog(h->devid, "load: piece of %" PRIu64 " bytes (at most %u)",
		     len, LOAD_MAX);
		rc = -EINVAL;
		goto out;
	}
	if (len == 0)
		goto out;
	/* pieces sent ahead stay in the memfd until answered: this one goes
	 * after them */
	if (h->npend == PEND_MAX || h->load_off + len > LOAD_BUF_MAX) {
		rc = settle(h);
		if (rc != 0)
			goto out;
	}
	while (done < len) {
		ssize_t n = pwrite(h->memfd, state + done, len - done,
				   (off_t)(h->load_off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;
			plog(h->devid, "load: writing the piece: %s",
			     n < 0 ? strerror(errno) : "no progress");
			goto out;
		}
		done += (uint64_t)n;
	}
	p = vf_params(h, NULL, NULL);
	if (p != NULL) {
		json_object_set_new(p, "bytes", json_integer((json_int_t)len));
		json_object_set_new(p, "offset",
				    json_integer((json_int_t)h->load_off));
	}
	/* answered by the next call: the next load's settle, or RUNNING's
	 * (D-OOB.13) */
	rc = send_ahead(h, "vf_mig_load", p, h->memfd);
	if (rc == 0)
		h->load_off += len;
	goto out;
out:
	pthread_mutex_unlock(&h->lock);
	return rc;
}

static int
op_cleanup(void *handle)
{
	struct oob_handle *h = handle;
	int rc = 0, early;

	if (h == NULL)
		return -EINVAL;
	pthread_mutex_lock(&h->lock);
	/* what was sent ahead (a STOP, loads) is answered first */
	early = settle(h);
	if (h->saving_seen && h->end &&
	    (!h->piece_valid || h->piece_off == h->piece_len) &&
	    (h->v1 == VFIO_DEVICE_STATE_V1_SAVING ||
	     h->v1 == VFIO_DEVICE_STATE_V1_STOP)) {
		/* Its whole state went to the destination: it must never
		 * run here again, whatever failed on the way. vpfd
		 * completes a stopped source: a QEMU that cleans up in
		 * SAVING, or a STOP sent ahead that failed, gets a STOP. */
		if (h->v1 == VFIO_DEVICE_STATE_V1_SAVING || early != 0)
			rc = state_set(h, "STOP");
		if (rc == 0)
			rc = call(h, "vf_mig_complete",
				  vf_params(h, NULL, NULL), -1, NULL);
	} else if (h->v1 != VFIO_DEVICE_STATE_V1_RUNNING || early != 0) {
		rc = call(h, "vf_mig_abort", vf_params(h, NULL, NULL), -1,
			  NULL);
	}
	if (rc == 0)
		rc = early;
	pthread_mutex_unlock(&h->lock);
	pthread_mutex_destroy(&h->lock);
	oob_rpc_close(&h->rpc);
	close(h->memfd);
	free(h);
	return rc;
}

static VFIOMigrationPluginOps oob_ops = {
	.init = op_init,
	.save = op_save,
	.load = op_load,
	.update_pending = op_update_pending,
	.set_state = op_set_state,
	.get_state = op_get_state,
	.cleanup = op_cleanup,
};

EXPORT int
vfio_lm_get_plugin_version(void)
{
	return VFIO_LM_PLUGIN_API_VERSION;
}

EXPORT VFIOMigrationPluginOps *
vfio_lm_get_plugin_ops(void)
{
	return &oob_ops;
}
