/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPFD_H
#define VPFD_H

/*
 * vpfd internals: the PF table, the JSON-RPC server and the method tables.
 * Everything here but main.c runs without EAL (models need none), so the
 * fuzz target and the unit test drive the same request path the daemon
 * serves. One thread: the daemon's loop (doc/vpfd.md, "Threads").
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "vpf_mig.h"
#include "vpf_mig_job.h"
#include "vpf_pf.h"
#include "vpf_vfio.h"

#define VPFD_MAX_PF		16
#define VPFD_NAME_LEN		32
/* Largest request (bytes of one JSON value); a larger one closes the
 * connection. */
#define VPFD_REQ_MAX		(1u << 20)
/* Answers queued to a client that does not read them: beyond this the
 * client is dropped. */
#define VPFD_OUT_MAX		(4u << 20)
/* File descriptors queued on one connection. */
#define VPFD_CONN_FDS		4
/* Connections served at once; more are accepted and closed at once. */
#define VPFD_MAX_CONN		256
/* TCP connections at most (the rest stays for the Unix socket), of which
 * not yet authenticated; such a connection has VPFD_AUTH_MS to call auth
 * and may send at most VPFD_AUTH_REQ_MAX bytes until it has. */
#define VPFD_MAX_TCP		128
#define VPFD_MAX_UNAUTH		16
#define VPFD_AUTH_MS		5000
#define VPFD_AUTH_REQ_MAX	4096
/* Largest piece vf_mig_load reads from its fd. */
#define VPFD_LOAD_MAX		(16u << 20)
#define VPFD_MAX_JOBS		16
#define VPFD_TOKEN_MAX		256

/* JSON-RPC 2.0 error codes. */
#define VPFD_E_PARSE		(-32700)
#define VPFD_E_REQUEST		(-32600)
#define VPFD_E_METHOD		(-32601)
#define VPFD_E_PARAMS		(-32602)
#define VPFD_E_INTERNAL		(-32603)
/* Server-defined: TCP connection not authenticated. */
#define VPFD_E_AUTH		(-32001)

struct vpf_model;
struct vpfd_conn;

/* What vpfd remembers of one VF. */
struct vpfd_vf {
	/* connection that moved it out of RUNNING through vf_mig_state_set
	 * and has not brought it back (0: none) */
	uint64_t holder;
	/* a sentence when its holder vanished without cleanup, else "" */
	char left_by[160];
	/* a job owns it (job id, 0: none) */
	uint32_t job;
};

struct vpfd_pf {
	char name[VPFD_NAME_LEN];
	char bdf[VPF_PCI_BDF_LEN];
	struct vpf_pf *pf;
	struct vpf_model *model;	/* NULL unless a model */
	struct vpf_vfio_dev *vfio;	/* NULL unless VFIO */
	struct vpf_mig *mig;
	uint16_t num_vfs;
	/* PCI view for BDF <-> VF member (a model's synthetic one) */
	struct vpf_pci_func func;
	struct vpfd_vf *vfs;		/* [1..num_vfs] */
};

struct vpfd_job {
	uint32_t id;
	/* the pairs' PF names, copied at start: a finished job outlives a
	 * pf_detach */
	char (*names)[2][VPFD_NAME_LEN];
	struct vpf_mig_job *job;
	struct vpf_mig_pair *pairs;
	unsigned int npairs;
	struct vpf_mig_opts opts;
	bool finished;
	int rc;
	struct vpf_mig_result res;
	char error[256];
};

struct vpfd_opts {
	const char *socket_path;	/* default VPFD_SOCKET_DEFAULT */
	const char *journal_dir;	/* NULL: library default */
	const char *listen;		/* "tcp:HOST:PORT" or NULL */
	const char *token_file;
	bool quiet;			/* no log lines (fuzzing) */
};

#define VPFD_SOCKET_DEFAULT	"/var/tmp/vpf.sock"

struct vpfd {
	struct vpfd_opts o;
	struct vpfd_pf *pfs[VPFD_MAX_PF];
	unsigned int npf;
	struct vpfd_job *jobs[VPFD_MAX_JOBS];
	uint32_t next_job;
	struct vpfd_conn *conns;	/* list */
	unsigned int nconn;
	unsigned int ntcp;		/* of which TCP */
	unsigned int nunauth;		/* of which TCP, not authenticated */
	uint64_t next_conn;
	int epfd;
	int unix_fd;
	int tcp_fd;
	int lock_fd;
	char token[VPFD_TOKEN_MAX];
	volatile int stop;		/* a signal number, or 1 */
	uint64_t requests;
	uint64_t errors;
};

/* One request being served. */
struct vpfd_req {
	struct vpfd *d;
	struct vpfd_conn *conn;		/* NULL: internal (tests, fuzz) */
	uint64_t conn_id;		/* 0 when conn is NULL */
	const char *method;
	json_t *params;			/* an object, or NULL */
	int fd;				/* the fd taken, or -1 */
	/* set by vpfd_fail() */
	int code;
	char msg[512];
	const char *errname;
};

/* A method: 0 with *result set (a new reference), or -1 after
 * vpfd_fail(). */
typedef int (*vpfd_method_fn)(struct vpfd_req *r, json_t **result);

#define VPFD_M_FD	0x1	/* takes a passed file descriptor */
#define VPFD_M_FD_OPT	0x2	/* takes one when the request carries one */

struct vpfd_method {
	const char *name;
	vpfd_method_fn fn;
	unsigned int flags;
	const char *const *keys;	/* accepted params, NULL-terminated */
};

/* Method tables, each ending with { NULL }. */
extern const struct vpfd_method vpfd_methods_core[];
extern const struct vpfd_method vpfd_methods_pf[];
extern const struct vpfd_method vpfd_methods_mig[];
extern const struct vpfd_method vpfd_methods_job[];
extern const struct vpfd_method vpfd_methods_model[];

/* ---- daemon life (vpfd_core.c) ------------------------------------------ */

void vpfd_opts_init(struct vpfd_opts *o);
/* No sockets yet: vpfd_listen() opens them. */
int vpfd_init(struct vpfd *d, const struct vpfd_opts *o);
/* Restore the VFs (as the journal says), detach every PF, close
 * everything. */
void vpfd_fini(struct vpfd *d);
void vpfd_log(const struct vpfd *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- PFs (vpfd_pf.c) ---------------------------------------------------- */

int vpfd_pf_attach_model(struct vpfd *d, const char *name, uint16_t vfs,
			 uint16_t vqs, uint64_t seed, enum vpf_dialect dialect,
			 const char *bdf, struct vpfd_pf **out);
struct cli_model_spec;
/* A model as a --model SPEC describes it (app/vpf-cli/cli_util.h). */
int vpfd_pf_attach_spec(struct vpfd *d, const struct cli_model_spec *ms,
			struct vpfd_pf **out);
int vpfd_pf_attach_vfio(struct vpfd *d, const char *bdf, const char *name,
			struct vpfd_pf **out);
/* Restore what the journal allows, detach and free. */
void vpfd_pf_detach(struct vpfd *d, struct vpfd_pf *p);
/* A restarted owner: detach the driver without restoring, attach again
 * and scan against the journal. */
int vpfd_pf_reattach(struct vpfd *d, struct vpfd_pf *p);
struct vpfd_pf *vpfd_pf_find(struct vpfd *d, const char *name);
/* The PF and member of a VF PCI address; -ENOENT. */
int vpfd_vf_by_bdf(struct vpfd *d, const char *bdf, struct vpfd_pf **p,
		   uint16_t *vf);
int vpfd_vf_bdf(const struct vpfd_pf *p, uint16_t vf, char *bdf);
enum vpf_dialect vpfd_pf_dialect(const struct vpfd_pf *p);
/* A device mode's name as vpfd reports it: on a 1.4 PF, Freeze (the
 * layer's name for the stopped device) is "stop". */
const char *vpfd_mode_name(const struct vpfd_pf *p, uint8_t mode);
/* "model SPEC" of --model: name=<n>[,vfs=..][,vqs=..][,seed=..]
 * [,dialect=..][,bdf=..]. -EINVAL with @p err set. */
int vpfd_model_spec(struct vpfd *d, const char *spec, char *err,
		    size_t errlen);
/* Whether a job or a client holds any VF of @p p. */
bool vpfd_pf_busy(const struct vpfd *d, const struct vpfd_pf *p);
/* Jobs still running (the loop polls them). */
bool vpfd_jobs_active(const struct vpfd *d);
/* Poll every running job once. */
void vpfd_jobs_poll(struct vpfd *d);
/* Free every job (shutdown: cancelled and finished first). */
void vpfd_jobs_fini(struct vpfd *d);

/* ---- RPC (vpfd_rpc.c) --------------------------------------------------- */

/* Open the Unix socket (lock file first) and the TCP listener. */
int vpfd_listen(struct vpfd *d);
/* One turn of the loop: wait (@p timeout_ms, -1 forever) and serve what
 * arrived. */
int vpfd_serve(struct vpfd *d, int timeout_ms);
/* Serve one request object given as bytes (one JSON value) as if a
 * connection had sent it; the answer (or NULL for a notification) is a
 * new reference. Used by tests and the fuzz target. */
json_t *vpfd_rpc_call(struct vpfd *d, const char *buf, size_t len, int fd);
/* Feed raw bytes to a fresh internal connection (framing included) and
 * drop the answers: the fuzz target's entry. */
void vpfd_rpc_feed(struct vpfd *d, const uint8_t *buf, size_t len);
void vpfd_rpc_fini(struct vpfd *d);
/* A connection went away: release what it held (vpfd_mig.c). */
void vpfd_conn_gone(struct vpfd *d, uint64_t conn_id);

/* ---- helpers for methods (vpfd_rpc.c) ----------------------------------- */

/* Set the error of @p r. @p code: a JSON-RPC code or a negative errno.
 * @return -1. */
int vpfd_fail(struct vpfd_req *r, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A library error: code @p rc (negative errno), message "@p what:
 * vpf_last_error()". @return -1. */
int vpfd_fail_rc(struct vpfd_req *r, int rc, const char *what);
/* Parameters. Missing and !required: 0 with *out unchanged (and 1
 * returned by the _opt forms when present). Wrong type, range: -1 after
 * vpfd_fail(-32602). */
int vpfd_p_str(struct vpfd_req *r, const char *key, bool required,
	       const char **out);
int vpfd_p_u64(struct vpfd_req *r, const char *key, bool required,
	       uint64_t min, uint64_t max, uint64_t *out);
int vpfd_p_bool(struct vpfd_req *r, const char *key, bool required,
		bool *out);
/* {"pf": NAME} */
int vpfd_p_pf(struct vpfd_req *r, struct vpfd_pf **p);
/* {"pf": NAME, "vf": N} or {"bdf": VF address} */
int vpfd_p_vf(struct vpfd_req *r, struct vpfd_pf **p, uint16_t *vf);
/* The PF's migration layer (attached on first use); -1 after vpfd_fail. */
int vpfd_p_mig(struct vpfd_req *r, struct vpfd_pf *p, struct vpf_mig **m);
/* -1 (after vpfd_fail -EBUSY) when a job owns the VF. */
int vpfd_vf_free(struct vpfd_req *r, struct vpfd_pf *p, uint16_t vf);
/* The PF object of pf_list / pf_get. */
json_t *vpfd_pf_json(const struct vpfd_pf *p, bool full);
/* "EIO" for -EIO etc. */
const char *vpfd_errno_name(int err);

#endif /* VPFD_H */
