/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef OOB_QEMU_H
#define OOB_QEMU_H

/*
 * Playing QEMU against vpf-oob-plugin.so (not installed; used by
 * test/oob and vpf-bench's oob group): start vpfd daemons as the two hosts
 * of a migration, load the plugin as QEMU does, and migrate a VF the way
 * QEMU's VFIO v1 migration drives the plugin, carrying the state as QEMU's
 * stream does (per piece a be64 size, then the bytes; a size of 0 ends the
 * device's section).
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "vfio-migration-plugin.h"

/* One vpfd process. */
struct oob_daemon {
	pid_t pid;		/* 0: not running */
	char sock[200];		/* its Unix socket */
	char addr[210];		/* "unix:" sock: the plugin's argument */
	char journal[200];
	char log[200];		/* its stdout and stderr */
};

/*
 * Start @p vpfd (the executable's path) with socket, journal directory and
 * log file named @p tag in directory @p dir, one model PF @p model (the
 * --model value), and @p extra (NULL-terminated, may be NULL) appended to
 * its arguments. Waits (at most 20 s) until the socket answers. The daemon
 * gets SIGTERM if the calling thread's process dies. @return 0, or -1 with
 * the reason in @p err (nothing left running).
 */
int oob_daemon_start(struct oob_daemon *d, const char *vpfd, const char *dir,
		     const char *tag, const char *model,
		     const char *const *extra, char *err, size_t errlen);

/* SIGTERM, then SIGKILL after @p grace_ms. @return its wait status, or -1
 * when it was not running. Idempotent. */
int oob_daemon_stop(struct oob_daemon *d, int grace_ms);

/*
 * One JSON-RPC call to daemon @p d on a fresh connection (@p params
 * stolen, NULL for {}); *result gets the result (new reference) when not
 * NULL. @return 0, or the error code (negative errno or as
 * oob_rpc_call()), with the message in @p err when not NULL.
 */
int oob_call(const struct oob_daemon *d, const char *method, json_t *params,
	     json_t **result, char *err, size_t errlen);

/* The plugin as QEMU loads it. */
struct oob_plugin {
	void *dl;
	int version;
	VFIOMigrationPluginOps *ops;
};

/* dlopen @p path (RTLD_NOW | RTLD_LOCAL) and take both entry points.
 * @return 0, or -1 with the reason in @p err. */
int oob_plugin_open(struct oob_plugin *p, const char *path, char *err,
		    size_t errlen);
void oob_plugin_close(struct oob_plugin *p);

/* The stream a migration writes: an unlinked temporary file the source
 * appends to and the destination reads behind it. */
struct oob_stream {
	int fd;
	uint64_t wr;		/* bytes written */
	uint64_t rd;		/* bytes read back */
	uint64_t payload;	/* state bytes carried */
	uint64_t pieces;
};

int oob_stream_open(struct oob_stream *s, const char *dir);
void oob_stream_close(struct oob_stream *s);

/* QEMU's piece size: save() and load() are called with at most this. */
#define OOB_PIECE_MAX	(1u << 20)

/*
 * One saving pass of handle @p h: update_pending(), then save() of exactly
 * that many bytes in pieces of at most OOB_PIECE_MAX, each written to @p s.
 * With @p until_empty, passes repeat until update_pending() reports 0
 * (stop-copy). @p bytes (may be NULL) receives the bytes saved. @return 0
 * or the failing op's return value (message in @p err).
 */
int oob_save_pass(const VFIOMigrationPluginOps *ops, void *h,
		  struct oob_stream *s, bool until_empty, uint64_t *bytes,
		  char *err, size_t errlen);

/* Write the end of the section (a size of 0). */
int oob_stream_end(struct oob_stream *s);

/*
 * Load into handle @p h every piece written to @p s and not yet read;
 * *ended (may be NULL) says whether the end of the section was read.
 * @return 0 or the failing op's value (message in @p err).
 */
int oob_load_pending(const VFIOMigrationPluginOps *ops, void *h,
		     struct oob_stream *s, bool *ended, char *err,
		     size_t errlen);

/* One VF's migration, the way QEMU drives the plugin on both hosts. */
struct oob_mig {
	const VFIOMigrationPluginOps *ops;
	void *src, *dst;		/* plugin handles (init done) */
	/* 1.4: the guest ring state moves as RAM before the destination
	 * runs (model_ring_export / model_ring_import) */
	bool move_ring;
	const struct oob_daemon *src_d, *dst_d;
	const char *src_bdf, *dst_bdf;
	unsigned int precopy_rounds;
	const char *dir;		/* for the stream's temporary file */
	/* called after each precopy round (the guest runs on), may be
	 * NULL; a non-zero return fails the migration */
	int (*round_hook)(void *arg, unsigned int round);
	void *hook_arg;
	/* results */
	uint64_t downtime_ns;	/* source set_state(SAVING) called to the
				 * destination's set_state(RUNNING)
				 * returned */
	uint64_t total_ns;
	/* the downtime's steps: source SAVING, its stop-copy pass (stream
	 * written), source STOP, the destination's load, the ring's move,
	 * destination RUNNING */
	uint64_t step_ns[6];
	uint64_t precopy_bytes, stopcopy_bytes;
	char err[256];
};

/*
 * Destination RESUMING; source RUNNING|SAVING and @p precopy_rounds
 * passes, each loaded on the destination as it arrives; source SAVING
 * until nothing is pending, then STOP; the destination loads the rest,
 * (the ring moves), destination RUNNING. Neither handle is cleaned up.
 * @return 0 or a negative value with m->err set.
 */
int oob_migrate(struct oob_mig *m);

/* Monotonic nanoseconds. */
uint64_t oob_now_ns(void);

#endif /* OOB_QEMU_H */
