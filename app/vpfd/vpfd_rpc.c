/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * vpfd's JSON-RPC 2.0 server (doc/vpfd.md): Unix and optional TCP stream
 * sockets, one epoll loop, requests framed as back-to-back JSON objects,
 * file descriptors passed with SCM_RIGHTS, answers as one JSON object and
 * a newline each. Every byte a client sends is untrusted: a request is
 * delimited by a bounded incremental scan (strings, escapes, nesting) before
 * jansson parses exactly its bytes once, so a client trickling a large
 * request costs linear time; a malformed or oversized request closes its
 * connection and nothing else.
 */

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "vpf_common.h"
#include "vpfd.h"

/* Most nesting a request may have (jansson's own limit is larger). */
#define VPFD_DEPTH_MAX		64
/* Bytes read from one connection per loop turn (fairness). */
#define VPFD_READ_TURN		(256u << 10)

struct vpfd_conn {
	struct vpfd_conn *next;
	uint64_t id;
	int fd;			/* -1: internal (no socket) */
	bool tcp;
	bool authed;
	uint64_t auth_deadline;	/* ms, CLOCK_MONOTONIC (TCP only) */
	bool dead;		/* close after this turn */
	bool want_out;		/* EPOLLOUT registered */
	/* input: bytes not yet served, and the framing scan over them */
	char *in;
	size_t in_len, in_cap;
	size_t scan;		/* bytes of in[] scanned */
	unsigned int depth;
	bool in_str, esc;
	/* output not yet sent */
	char *out;
	size_t out_len, out_off, out_cap;
	/* received descriptors, oldest first */
	int fds[VPFD_CONN_FDS];
	unsigned int nfds;
	/* internal connections collect their last answer here */
	json_t *last;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* epoll tags of the listeners (connections use their pointer) */
static char tag_unix, tag_tcp;

/* ---- errors and parameters ---------------------------------------------- */

const char *
vpfd_errno_name(int err)
{
	static const struct { int e; const char *n; } names[] = {
		{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EIO, "EIO" },
		{ EBADF, "EBADF" }, { EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" },
		{ EBUSY, "EBUSY" }, { EEXIST, "EEXIST" }, { ENODEV, "ENODEV" },
		{ EINVAL, "EINVAL" }, { ENOSPC, "ENOSPC" }, { ERANGE, "ERANGE" },
		{ ENODATA, "ENODATA" }, { ETIMEDOUT, "ETIMEDOUT" },
		{ EPROTO, "EPROTO" }, { EBADMSG, "EBADMSG" },
		{ EOVERFLOW, "EOVERFLOW" }, { ENOTSUP, "ENOTSUP" },
		{ EPROTONOSUPPORT, "EPROTONOSUPPORT" }, { ECANCELED, "ECANCELED" },
		{ ESPIPE, "ESPIPE" }, { EFBIG, "EFBIG" }, { ENXIO, "ENXIO" },
		{ EACCES, "EACCES" }, { EPIPE, "EPIPE" }, { ENOTCONN, "ENOTCONN" },
	};
	size_t i;

	if (err < 0)
		err = -err;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == err)
			return names[i].n;
	return "EUNKNOWN";
}

int
vpfd_fail(struct vpfd_req *r, int code, const char *fmt, ...)
{
	va_list ap;

	r->code = code;
	r->errname = code < 0 && code > -4096 ? vpfd_errno_name(code) : NULL;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int
vpfd_fail_rc(struct vpfd_req *r, int rc, const char *what)
{
	const char *why = vpf_last_error();

	if (rc >= 0)
		rc = -EIO;
	if (why == NULL || *why == '\0')
		why = strerror(-rc);
	return vpfd_fail(r, rc, "%s: %s", what, why);
}

static json_t *
param(struct vpfd_req *r, const char *key)
{
	return r->params != NULL ? json_object_get(r->params, key) : NULL;
}

int
vpfd_p_str(struct vpfd_req *r, const char *key, bool required,
	   const char **out)
{
	json_t *v = param(r, key);

	if (v == NULL) {
		if (required)
			return vpfd_fail(r, VPFD_E_PARAMS,
					 "missing parameter '%s'", key);
		return 0;
	}
	if (!json_is_string(v))
		return vpfd_fail(r, VPFD_E_PARAMS,
				 "parameter '%s' must be a string", key);
	*out = json_string_value(v);
	return 1;
}

int
vpfd_p_u64(struct vpfd_req *r, const char *key, bool required,
	   uint64_t min, uint64_t max, uint64_t *out)
{
	json_t *v = param(r, key);
	json_int_t n;

	if (v == NULL) {
		if (required)
			return vpfd_fail(r, VPFD_E_PARAMS,
					 "missing parameter '%s'", key);
		return 0;
	}
	if (!json_is_integer(v))
		return vpfd_fail(r, VPFD_E_PARAMS,
				 "parameter '%s' must be an integer", key);
	n = json_integer_value(v);
	if (n < 0 || (uint64_t)n < min || (uint64_t)n > max)
		return vpfd_fail(r, VPFD_E_PARAMS,
				 "parameter '%s' = %lld out of range %llu..%llu",
				 key, (long long)n, (unsigned long long)min,
				 (unsigned long long)max);
	*out = (uint64_t)n;
	return 1;
}

int
vpfd_p_bool(struct vpfd_req *r, const char *key, bool required, bool *out)
{
	json_t *v = param(r, key);

	if (v == NULL) {
		if (required)
			return vpfd_fail(r, VPFD_E_PARAMS,
					 "missing parameter '%s'", key);
		return 0;
	}
	if (!json_is_boolean(v))
		return vpfd_fail(r, VPFD_E_PARAMS,
				 "parameter '%s' must be true or false", key);
	*out = json_is_true(v);
	return 1;
}

int
vpfd_p_pf(struct vpfd_req *r, struct vpfd_pf **p)
{
	const char *name = NULL;

	if (vpfd_p_str(r, "pf", true, &name) < 0)
		return -1;
	*p = vpfd_pf_find(r->d, name);
	if (*p == NULL)
		return vpfd_fail(r, VPFD_E_PARAMS, "no PF named '%s'", name);
	return 0;
}

int
vpfd_p_vf(struct vpfd_req *r, struct vpfd_pf **p, uint16_t *vf)
{
	const char *bdf = NULL;
	uint64_t n = 0;
	int rc;

	rc = vpfd_p_str(r, "bdf", false, &bdf);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		if (param(r, "pf") != NULL || param(r, "vf") != NULL)
			return vpfd_fail(r, VPFD_E_PARAMS,
					 "give either 'bdf' or 'pf' and 'vf'");
		if (vpfd_vf_by_bdf(r->d, bdf, p, vf) < 0)
			return vpfd_fail(r, VPFD_E_PARAMS,
					 "no VF at PCI address '%s'", bdf);
		return 0;
	}
	if (vpfd_p_pf(r, p) < 0 ||
	    vpfd_p_u64(r, "vf", true, 1, 0xffff, &n) < 0)
		return -1;
	if (n > (*p)->num_vfs)
		return vpfd_fail(r, VPFD_E_PARAMS,
				 "PF '%s' has VFs 1..%u, not %llu", (*p)->name,
				 (*p)->num_vfs, (unsigned long long)n);
	*vf = (uint16_t)n;
	return 0;
}

/* ---- answers ------------------------------------------------------------ */

static void
conn_drop(struct vpfd *d, struct vpfd_conn *c, const char *why)
{
	if (!c->dead && c->fd >= 0)
		vpfd_log(d, "client %llu dropped: %s",
			 (unsigned long long)c->id, why);
	c->dead = true;
}

static void
conn_flush(struct vpfd *d, struct vpfd_conn *c)
{
	struct epoll_event ev;
	ssize_t n;

	/* also on a dead connection: its last answer (an error saying
	 * why) goes out before it is closed */
	while (c->fd >= 0 && c->out_off < c->out_len) {
		n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			conn_drop(d, c, "write failed");
			return;
		}
		c->out_off += (size_t)n;
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->fd < 0 || c->dead)
		return;
	if ((c->out_len > 0) != c->want_out) {
		c->want_out = c->out_len > 0;
		ev.events = EPOLLIN | EPOLLRDHUP | (c->want_out ? EPOLLOUT : 0);
		ev.data.ptr = c;
		(void)epoll_ctl(d->epfd, EPOLL_CTL_MOD, c->fd, &ev);
	}
}

static void
conn_answer(struct vpfd *d, struct vpfd_conn *c, json_t *ans)
{
	char *text;
	size_t len, need;

	if (ans == NULL) {
		conn_drop(d, c, "out of memory");
		return;
	}
	if (c->fd < 0) {
		json_decref(c->last);
		c->last = ans;
		return;
	}
	text = json_dumps(ans, JSON_COMPACT);
	json_decref(ans);
	if (text == NULL) {
		conn_drop(d, c, "out of memory");
		return;
	}
	len = strlen(text);
	need = c->out_len + len + 1;
	if (need > VPFD_OUT_MAX) {
		free(text);
		conn_drop(d, c, "does not read its answers");
		return;
	}
	if (need > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		char *p;

		while (cap < need)
			cap *= 2;
		p = realloc(c->out, cap);
		if (p == NULL) {
			free(text);
			conn_drop(d, c, "out of memory");
			return;
		}
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, text, len);
	c->out[c->out_len + len] = '\n';
	c->out_len += len + 1;
	free(text);
	conn_flush(d, c);
}

/* A message as a JSON string. Messages quote what a client sent, cut to
 * a length, which may split a UTF-8 sequence: jansson refuses invalid
 * UTF-8, so such bytes become '?'. */
static json_t *
msg_string(const char *msg)
{
	char safe[sizeof(((struct vpfd_req *)0)->msg)];
	json_t *s = json_string(msg);
	size_t i;

	if (s != NULL)
		return s;
	snprintf(safe, sizeof(safe), "%s", msg);
	for (i = 0; safe[i] != '\0'; i++)
		if ((unsigned char)safe[i] >= 0x80)
			safe[i] = '?';
	return json_string(safe);
}

static json_t *
error_json(json_t *id, int code, const char *msg, const char *errname)
{
	json_t *e = json_pack("{s:i, s:o}", "code", code, "message",
			      msg_string(msg));

	if (e != NULL && errname != NULL)
		json_object_set_new(e, "data",
				    json_pack("{s:s}", "errno", errname));
	return json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id",
			 id != NULL ? id : json_null(), "error", e);
}

/* ---- dispatch ----------------------------------------------------------- */

static const struct vpfd_method *const *
tables(void)
{
	static const struct vpfd_method *const t[] = {
		vpfd_methods_core, vpfd_methods_pf, vpfd_methods_mig,
		vpfd_methods_job, vpfd_methods_model, NULL,
	};
	return t;
}

static const struct vpfd_method *
method_find(const char *name)
{
	const struct vpfd_method *const *t;
	const struct vpfd_method *m;

	for (t = tables(); *t != NULL; t++)
		for (m = *t; m->name != NULL; m++)
			if (strcmp(m->name, name) == 0)
				return m;
	return NULL;
}

static int
keys_check(struct vpfd_req *r, const struct vpfd_method *m)
{
	const char *key;
	json_t *v;
	size_t i;

	if (m->keys == NULL || r->params == NULL)
		return 0;
	json_object_foreach(r->params, key, v) {
		bool ok = false;

		(void)v;
		for (i = 0; m->keys[i] != NULL; i++)
			if (strcmp(m->keys[i], key) == 0)
				ok = true;
		if (!ok)
			return vpfd_fail(r, VPFD_E_PARAMS,
					 "unknown parameter '%.64s' of %s", key,
					 m->name);
	}
	return 0;
}

static int
conn_take_fd(struct vpfd_conn *c)
{
	int fd;

	if (c == NULL || c->nfds == 0)
		return -1;
	fd = c->fds[0];
	memmove(&c->fds[0], &c->fds[1], (c->nfds - 1) * sizeof(int));
	c->nfds--;
	return fd;
}

/* An envelope refusal: the descriptor passed in is closed as on every
 * other path. */
static json_t *
refuse(int fd, json_t *ans)
{
	if (fd >= 0)
		close(fd);
	return ans;
}

/* The JSON-RPC 2.0 envelope of @p req: NULL when it is a request (its id,
 * or NULL for a notification, and its method given back), else the
 * refusal to answer. */
static json_t *
envelope(json_t *req, json_t **id, json_t **meth)
{
	json_t *ver;

	*id = NULL;
	if (!json_is_object(req))
		return error_json(NULL, VPFD_E_REQUEST, json_is_array(req) ?
				  "batch requests are not supported" :
				  "a request must be a JSON object", NULL);
	*id = json_object_get(req, "id");
	if (*id != NULL && !json_is_string(*id) && !json_is_integer(*id) &&
	    !json_is_null(*id))
		return error_json(NULL, VPFD_E_REQUEST,
				  "'id' must be a string, an integer or null",
				  NULL);
	ver = json_object_get(req, "jsonrpc");
	*meth = json_object_get(req, "method");
	if (!json_is_string(ver) || strcmp(json_string_value(ver), "2.0") != 0)
		return error_json(*id, VPFD_E_REQUEST,
				  "'jsonrpc' must be \"2.0\"", NULL);
	if (!json_is_string(*meth))
		return error_json(*id, VPFD_E_REQUEST,
				  "'method' must be a string", NULL);
	return NULL;
}

/* Serve one parsed request; returns the answer (NULL: a notification). */
static json_t *
dispatch(struct vpfd *d, struct vpfd_conn *c, json_t *req, int fd_in)
{
	struct vpfd_req r = { .d = d, .conn = c, .fd = -1 };
	const struct vpfd_method *m;
	json_t *id, *meth = NULL, *result = NULL, *ans;
	bool notify;
	int rc;

	d->requests++;
	ans = envelope(req, &id, &meth);
	if (ans != NULL)
		return refuse(fd_in, ans);
	notify = id == NULL;
	r.method = json_string_value(meth);
	r.params = json_object_get(req, "params");
	r.conn_id = c != NULL ? c->id : 0;
	if (r.params != NULL && json_is_null(r.params))
		r.params = NULL;
	if (r.params != NULL && !json_is_object(r.params)) {
		rc = vpfd_fail(&r, VPFD_E_PARAMS,
			       "'params' must be an object (by name)");
		goto out;
	}
	if (c != NULL && c->tcp && !c->authed &&
	    strcmp(r.method, "auth") != 0) {
		rc = vpfd_fail(&r, VPFD_E_AUTH, "authentication required: "
			       "call auth {token} first");
		c->dead = true;
		goto out;
	}
	m = method_find(r.method);
	if (m == NULL) {
		rc = vpfd_fail(&r, VPFD_E_METHOD, "method '%.64s' not found",
			       r.method);
		goto out;
	}
	rc = keys_check(&r, m);
	if (rc == 0 && (m->flags & (VPFD_M_FD | VPFD_M_FD_OPT))) {
		r.fd = fd_in >= 0 ? fd_in : conn_take_fd(c);
		fd_in = -1;
		if (r.fd < 0 && (m->flags & VPFD_M_FD))
			rc = vpfd_fail(&r, VPFD_E_PARAMS,
				       "%s needs a file descriptor (passed with "
				       "the request, SCM_RIGHTS)", m->name);
	}
	if (rc == 0) {
		vpf_error_clear();
		rc = m->fn(&r, &result);
		if (rc == 0 && result == NULL)
			rc = vpfd_fail(&r, VPFD_E_INTERNAL, "out of memory");
	}
out:
	if (r.fd >= 0)
		close(r.fd);
	if (fd_in >= 0)
		close(fd_in);
	if (rc < 0)
		d->errors++;
	if (notify) {
		json_decref(result);
		return NULL;
	}
	if (rc < 0)
		return error_json(id, r.code, r.msg, r.errname);
	ans = json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id,
			"result", result);
	return ans != NULL ? ans : error_json(id, VPFD_E_INTERNAL,
					      "out of memory", NULL);
}

json_t *
vpfd_rpc_call(struct vpfd *d, const char *buf, size_t len, int fd)
{
	json_error_t err;
	json_t *req, *ans;

	req = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
			 &err);
	if (req == NULL) {
		if (fd >= 0)
			close(fd);
		return error_json(NULL, VPFD_E_PARSE, "parse error", NULL);
	}
	ans = dispatch(d, NULL, req, fd);
	json_decref(req);
	return ans;
}

/* ---- framing ------------------------------------------------------------ */

static bool
is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* Scan in[c->scan..] for the end of the first value (which starts at 0,
 * after whitespace was dropped). @return its length, 0 if incomplete, -1
 * malformed framing. */
static ssize_t
frame_scan(struct vpfd_conn *c)
{
	size_t i;

	if (c->scan == 0 && c->in[0] != '{' && c->in[0] != '[')
		return -1;
	for (i = c->scan; i < c->in_len; i++) {
		char ch = c->in[i];

		if (c->in_str) {
			if (c->esc)
				c->esc = false;
			else if (ch == '\\')
				c->esc = true;
			else if (ch == '"')
				c->in_str = false;
			continue;
		}
		if (ch == '"') {
			c->in_str = true;
		} else if (ch == '{' || ch == '[') {
			if (++c->depth > VPFD_DEPTH_MAX)
				return -1;
		} else if (ch == '}' || ch == ']') {
			if (c->depth == 0)
				return -1;
			if (--c->depth == 0) {
				c->scan = 0;
				return (ssize_t)(i + 1);
			}
		}
	}
	c->scan = i;
	return 0;
}

static void
consume(struct vpfd_conn *c, size_t n)
{
	memmove(c->in, c->in + n, c->in_len - n);
	c->in_len -= n;
}

static void
close_fds(struct vpfd_conn *c)
{
	while (c->nfds > 0)
		close(c->fds[--c->nfds]);
}

/* Serve every complete request buffered on @p c. */
static void
conn_process(struct vpfd *d, struct vpfd_conn *c)
{
	while (!c->dead) {
		json_error_t err;
		ssize_t n;
		size_t ws = 0;
		json_t *req, *ans;

		if (c->scan == 0) {
			while (ws < c->in_len && is_ws(c->in[ws]))
				ws++;
			if (ws > 0)
				consume(c, ws);
		}
		if (c->in_len == 0)
			break;
		n = frame_scan(c);
		if (n < 0) {
			conn_answer(d, c, error_json(NULL, VPFD_E_PARSE,
				    "parse error: not a JSON object, or nested "
				    "too deep", NULL));
			conn_drop(d, c, "parse error");
			break;
		}
		if (n == 0) {
			if (c->tcp && !c->authed &&
			    c->in_len > VPFD_AUTH_REQ_MAX) {
				conn_answer(d, c, error_json(NULL, VPFD_E_AUTH,
					    "authentication required: call "
					    "auth {token} first", NULL));
				conn_drop(d, c, "large request before auth");
				break;
			}
			if (c->in_len > VPFD_REQ_MAX) {
				conn_answer(d, c, error_json(NULL, VPFD_E_REQUEST,
					    "request larger than 1048576 bytes",
					    NULL));
				conn_drop(d, c, "request too large");
			}
			break;
		}
		if ((size_t)n > VPFD_REQ_MAX) {
			conn_answer(d, c, error_json(NULL, VPFD_E_REQUEST,
				    "request larger than 1048576 bytes", NULL));
			conn_drop(d, c, "request too large");
			break;
		}
		req = json_loadb(c->in, (size_t)n, JSON_REJECT_DUPLICATES, &err);
		consume(c, (size_t)n);
		if (req == NULL) {
			char msg[256];

			snprintf(msg, sizeof(msg), "parse error: %s", err.text);
			conn_answer(d, c, error_json(NULL, VPFD_E_PARSE, msg,
						     NULL));
			conn_drop(d, c, "parse error");
			break;
		}
		ans = dispatch(d, c, req, -1);
		json_decref(req);
		if (ans != NULL)
			conn_answer(d, c, ans);
	}
	/* descriptors belong to requests; none is pending now */
	if (c->in_len == 0)
		close_fds(c);
}

static int
conn_grow(struct vpfd_conn *c, size_t need)
{
	size_t cap = c->in_cap ? c->in_cap : 4096;
	char *p;

	if (need <= c->in_cap)
		return 0;
	while (cap < need)
		cap *= 2;
	p = realloc(c->in, cap);
	if (p == NULL)
		return -ENOMEM;
	c->in = p;
	c->in_cap = cap;
	return 0;
}

static void
take_fds(struct vpfd_conn *c, struct msghdr *mh)
{
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		size_t i, n;
		int fd;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
			if (c->nfds < VPFD_CONN_FDS)
				c->fds[c->nfds++] = fd;
			else
				close(fd);
		}
	}
}

static void
conn_read(struct vpfd *d, struct vpfd_conn *c)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * VPFD_CONN_FDS)];
	} cbuf;
	size_t turn = 0;

	while (!c->dead && turn < VPFD_READ_TURN) {
		struct msghdr mh;
		struct iovec iov;
		ssize_t n;

		/* Room for the largest request plus one byte to see it is
		 * too large; beyond that nothing more is read. */
		if (conn_grow(c, c->in_len + 65536) < 0) {
			conn_drop(d, c, "out of memory");
			return;
		}
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = c->in + c->in_len;
		iov.iov_len = c->in_cap - c->in_len;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf.buf;
		mh.msg_controllen = sizeof(cbuf.buf);
		n = recvmsg(c->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			/* a client that left mid-request: its partial
			 * request is dropped, nothing was done for it */
			c->dead = true;
			break;
		}
		take_fds(c, &mh);
		c->in_len += (size_t)n;
		turn += (size_t)n;
		conn_process(d, c);
		if (c->in_len > VPFD_REQ_MAX)
			break;
	}
}

void
vpfd_rpc_feed(struct vpfd *d, const uint8_t *buf, size_t len)
{
	struct vpfd_conn c = { .fd = -1, .id = 0 };

	c.id = ++d->next_conn;
	while (len > 0 && !c.dead) {
		size_t n = len < 4096 ? len : 4096;

		if (conn_grow(&c, c.in_len + n) < 0)
			break;
		memcpy(c.in + c.in_len, buf, n);
		c.in_len += n;
		buf += n;
		len -= n;
		conn_process(d, &c);
		if (c.in_len > VPFD_REQ_MAX)
			break;
	}
	vpfd_conn_gone(d, c.id);
	json_decref(c.last);
	free(c.in);
	free(c.out);
}

/* ---- sockets ------------------------------------------------------------ */

static void
conn_free(struct vpfd *d, struct vpfd_conn *c)
{
	if (c->fd >= 0) {
		(void)epoll_ctl(d->epfd, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	close_fds(c);
	vpfd_conn_gone(d, c->id);
	json_decref(c->last);
	free(c->in);
	free(c->out);
	if (c->tcp) {
		d->ntcp--;
		if (!c->authed)
			d->nunauth--;
	}
	free(c);
	d->nconn--;
}

/* TCP clients that did not authenticate in time are dropped. */
static void
expire(struct vpfd *d)
{
	struct vpfd_conn *c;
	uint64_t now;

	if (d->nunauth == 0)
		return;
	now = now_ms();
	for (c = d->conns; c != NULL; c = c->next)
		if (c->tcp && !c->authed && !c->dead &&
		    now >= c->auth_deadline) {
			conn_answer(d, c, error_json(NULL, VPFD_E_AUTH,
				    "authentication required: no auth within "
				    "5 s", NULL));
			conn_drop(d, c, "did not authenticate in time");
		}
}

static void
reap(struct vpfd *d)
{
	struct vpfd_conn **pp = &d->conns;

	expire(d);

	while (*pp != NULL) {
		struct vpfd_conn *c = *pp;

		if (c->dead) {
			*pp = c->next;
			conn_free(d, c);
		} else {
			pp = &c->next;
		}
	}
}

static void
do_accept(struct vpfd *d, int lfd, bool tcp)
{
	struct epoll_event ev;
	struct vpfd_conn *c;
	int fd, i;

	for (i = 0; i < 64; i++) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (d->nconn >= VPFD_MAX_CONN ||
		    (tcp && (d->ntcp >= VPFD_MAX_TCP ||
			     d->nunauth >= VPFD_MAX_UNAUTH))) {
			vpfd_log(d, "refusing a %s client: %u connections "
				 "(%u TCP, %u not authenticated)",
				 tcp ? "TCP" : "Unix", d->nconn, d->ntcp,
				 d->nunauth);
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (c == NULL) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->tcp = tcp;
		c->id = ++d->next_conn;
		if (tcp) {
			int one = 1;

			c->auth_deadline = now_ms() + VPFD_AUTH_MS;
			d->ntcp++;
			d->nunauth++;

			(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
					 sizeof(one));
		}
		ev.events = EPOLLIN | EPOLLRDHUP;
		ev.data.ptr = c;
		if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			free(c);
			continue;
		}
		c->next = d->conns;
		d->conns = c;
		d->nconn++;
	}
}

static int
listen_unix(struct vpfd *d)
{
	const char *path = d->o.socket_path;
	struct sockaddr_un sa;
	char lock[sizeof(sa.sun_path) + 8];
	mode_t old;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		vpfd_log(d, "socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	snprintf(lock, sizeof(lock), "%s.lock", path);
	d->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (d->lock_fd < 0) {
		vpfd_log(d, "cannot open lock file %s: %s", lock,
			 strerror(errno));
		return -errno;
	}
	if (flock(d->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;

		vpfd_log(d, "%s is held by another vpfd (lock file %s): %s",
			 path, lock, strerror(e));
		close(d->lock_fd);
		d->lock_fd = -1;
		return e == EWOULDBLOCK ? -EADDRINUSE : -e;
	}
	/* the lock is ours: a socket file left there is stale */
	(void)unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	old = umask(0177);	/* created 0600: no window with more */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		umask(old);
		vpfd_log(d, "cannot bind %s: %s", path, strerror(e));
		close(fd);
		return -e;
	}
	umask(old);
	(void)chmod(path, 0600);
	if (listen(fd, 128) < 0) {
		close(fd);
		return -errno;
	}
	d->unix_fd = fd;
	return 0;
}

static int
read_token(struct vpfd *d)
{
	struct stat st;
	size_t n;
	FILE *f;

	if (d->o.token_file == NULL) {
		vpfd_log(d, "--listen needs --token-file FILE");
		return -EINVAL;
	}
	f = fopen(d->o.token_file, "re");
	if (f == NULL) {
		vpfd_log(d, "cannot read token file %s: %s", d->o.token_file,
			 strerror(errno));
		return -errno;
	}
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077) != 0) {
		fclose(f);
		vpfd_log(d, "token file %s is readable by others (chmod 600)",
			 d->o.token_file);
		return -EACCES;
	}
	if (fgets(d->token, sizeof(d->token), f) == NULL)
		d->token[0] = '\0';
	fclose(f);
	n = strlen(d->token);
	while (n > 0 && (d->token[n - 1] == '\n' || d->token[n - 1] == '\r' ||
			 d->token[n - 1] == ' '))
		d->token[--n] = '\0';
	if (n < 16) {
		vpfd_log(d, "token in %s must have at least 16 characters",
			 d->o.token_file);
		return -EINVAL;
	}
	return 0;
}

static int
listen_tcp(struct vpfd *d)
{
	struct addrinfo hints, *ai = NULL;
	char host[256], *port;
	const char *spec;
	int fd, rc, one = 1;

	spec = d->o.listen;
	if (strncmp(spec, "tcp:", 4) != 0 || strlen(spec + 4) >= sizeof(host)) {
		vpfd_log(d, "--listen %s: expected tcp:HOST:PORT", spec);
		return -EINVAL;
	}
	snprintf(host, sizeof(host), "%s", spec + 4);
	port = strrchr(host, ':');
	if (port == NULL || port[1] == '\0') {
		vpfd_log(d, "--listen %s: expected tcp:HOST:PORT", spec);
		return -EINVAL;
	}
	*port++ = '\0';
	/* [v6] as in URLs */
	if (host[0] == '[' && strlen(host) >= 2 &&
	    host[strlen(host) - 1] == ']') {
		host[strlen(host) - 1] = '\0';
		memmove(host, host + 1, strlen(host));
	}
	rc = read_token(d);
	if (rc < 0)
		return rc;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(host[0] ? host : "127.0.0.1", port, &hints, &ai);
	if (rc != 0 || ai == NULL) {
		vpfd_log(d, "--listen %s: %s", spec, gai_strerror(rc));
		return -EINVAL;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd >= 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
				 sizeof(one));
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
	    listen(fd, 128) < 0) {
		rc = -errno;
		vpfd_log(d, "--listen %s: %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return rc;
	}
	freeaddrinfo(ai);
	d->tcp_fd = fd;
	return 0;
}

int
vpfd_listen(struct vpfd *d)
{
	struct epoll_event ev;
	int rc;

	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->epfd < 0)
		return -errno;
	rc = listen_unix(d);
	if (rc == 0 && d->o.listen != NULL)
		rc = listen_tcp(d);
	if (rc < 0)
		return rc;
	ev.events = EPOLLIN;
	ev.data.ptr = &tag_unix;
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, d->unix_fd, &ev) < 0)
		return -errno;
	if (d->tcp_fd >= 0) {
		ev.data.ptr = &tag_tcp;
		if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, d->tcp_fd, &ev) < 0)
			return -errno;
	}
	return 0;
}

int
vpfd_serve(struct vpfd *d, int timeout_ms)
{
	struct epoll_event ev[64];
	sigset_t none;
	int i, n;

	sigemptyset(&none);
	/* wake up for the deadlines of unauthenticated clients */
	if (d->nunauth > 0 && (timeout_ms < 0 || timeout_ms > 500))
		timeout_ms = 500;
	n = epoll_pwait(d->epfd, ev, 64, timeout_ms, &none);
	if (n < 0) {
		if (errno != EINTR)
			return -errno;
		n = 0;
	}
	for (i = 0; i < n; i++) {
		struct vpfd_conn *c;

		if (ev[i].data.ptr == &tag_unix) {
			do_accept(d, d->unix_fd, false);
			continue;
		}
		if (ev[i].data.ptr == &tag_tcp) {
			do_accept(d, d->tcp_fd, true);
			continue;
		}
		c = ev[i].data.ptr;
		if (c->dead)
			continue;
		if (ev[i].events & EPOLLOUT)
			conn_flush(d, c);
		if (ev[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			conn_read(d, c);
	}
	reap(d);
	return n;
}

void
vpfd_rpc_fini(struct vpfd *d)
{
	struct vpfd_conn *c;

	for (c = d->conns; c != NULL; c = c->next)
		c->dead = true;
	reap(d);
	if (d->unix_fd >= 0) {
		close(d->unix_fd);
		(void)unlink(d->o.socket_path);
		d->unix_fd = -1;
	}
	if (d->tcp_fd >= 0) {
		close(d->tcp_fd);
		d->tcp_fd = -1;
	}
	if (d->lock_fd >= 0) {
		close(d->lock_fd);
		d->lock_fd = -1;
	}
	if (d->epfd >= 0) {
		close(d->epfd);
		d->epfd = -1;
	}
}

/* ---- core methods ------------------------------------------------------- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
m_get_methods(struct vpfd_req *r, json_t **res)
{
	const struct vpfd_method *const *t;
	const struct vpfd_method *m;
	const char *names[128];
	size_t n = 0, i;

	(void)r;
	for (t = tables(); *t != NULL; t++)
		for (m = *t; m->name != NULL && n < 128; m++)
			names[n++] = m->name;
	qsort(names, n, sizeof(names[0]), cmp_str);
	*res = json_array();
	for (i = 0; *res != NULL && i < n; i++)
		json_array_append_new(*res, json_string(names[i]));
	return 0;
}

static int
m_auth(struct vpfd_req *r, json_t **res)
{
	const char *tok = NULL;
	unsigned char diff = 0;
	size_t i, n, m;

	if (vpfd_p_str(r, "token", true, &tok) < 0)
		return -1;
	if (r->conn == NULL || !r->conn->tcp) {
		*res = json_true();
		return 0;
	}
	/* compared in constant time for a given token length */
	n = strlen(r->d->token);
	m = strlen(tok);
	diff = (unsigned char)(n != m);
	for (i = 0; i < n; i++)
		diff |= (unsigned char)(r->d->token[i] ^ (i < m ? tok[i] : 0));
	if (diff != 0) {
		r->conn->dead = true;
		vpfd_log(r->d, "client %llu: wrong token",
			 (unsigned long long)r->conn->id);
		return vpfd_fail(r, VPFD_E_AUTH, "wrong token");
	}
	if (!r->conn->authed) {
		r->conn->authed = true;
		r->d->nunauth--;
	}
	*res = json_true();
	return 0;
}

static const char *const k_none[] = { NULL };
static const char *const k_auth[] = { "token", NULL };

const struct vpfd_method vpfd_methods_core[] = {
	{ "rpc_get_methods", m_get_methods, 0, k_none },
	{ "auth", m_auth, 0, k_auth },
	{ NULL, NULL, 0, NULL },
};
