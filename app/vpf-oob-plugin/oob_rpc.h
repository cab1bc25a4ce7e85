/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef OOB_RPC_H
#define OOB_RPC_H

/*
 * A minimal blocking JSON-RPC 2.0 client of vpfd (doc/vpfd.md): one
 * connection, one request at a time, an optional file descriptor passed
 * with the request (SCM_RIGHTS). Used by the out-of-band migration plugin
 * (one client per device handle) and by the harness that plays QEMU.
 * Not thread-safe: the caller serialises calls on one client.
 */

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Socket I/O timeout unless the address says ",timeout=SECONDS". */
#define OOB_RPC_TIMEOUT_MS	30000
/* The daemon's default socket. */
#define OOB_RPC_DEFAULT_SOCK	"/var/tmp/vpf.sock"
/* Largest answer accepted (one JSON line). */
#define OOB_RPC_ANSWER_MAX	(8u << 20)

struct oob_rpc {
	int fd;			/* -1: closed (or broken) */
	uint64_t next_id;
	int timeout_ms;
	char *buf;		/* received bytes not yet parsed */
	size_t len, cap;
	char err[320];		/* the last failure, one sentence */
};

/*
 * Connect to vpfd at @p addr: NULL or "" (unix:/var/tmp/vpf.sock),
 * "unix:PATH", or "tcp:HOST:PORT" followed by ",token-file=FILE" or
 * ",token=TOKEN" (TCP connections authenticate first); any form may end
 * with ",timeout=SECONDS" (1..3600). @return 0, or a negative errno with
 * c->err set (the client is then closed).
 */
int oob_rpc_open(struct oob_rpc *c, const char *addr);

/*
 * Call @p method with @p params (an object, reference stolen; NULL for
 * {}), passing @p fd along when it is >= 0. On success *result (when not
 * NULL) receives the "result" member (a new reference). @return 0, the
 * daemon's negative errno for a device error, -EINVAL for invalid params,
 * -EOPNOTSUPP for an unknown method, -EACCES for refused authentication,
 * -EPROTO for other JSON-RPC errors and garbled answers, -ETIMEDOUT,
 * -EPIPE/-ECONNRESET for a vanished daemon (these close the client:
 * later calls return -ENOTCONN); c->err says what happened.
 */
int oob_rpc_call(struct oob_rpc *c, const char *method, json_t *params,
		 int fd, json_t **result);

/*
 * The two halves of oob_rpc_call(), for requests sent back to back before
 * their answers are read (the daemon answers in request order; read them
 * in that order). oob_rpc_send() gives the request's id in *id.
 */
int oob_rpc_send(struct oob_rpc *c, const char *method, json_t *params,
		 int fd, uint64_t *id);
int oob_rpc_recv(struct oob_rpc *c, const char *method, uint64_t id,
		 json_t **result);

/* Close the connection and free the buffer (idempotent). */
void oob_rpc_close(struct oob_rpc *c);

#endif /* OOB_RPC_H */
