/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * Blocking JSON-RPC 2.0 client of vpfd (oob_rpc.h). Every socket operation
 * is bounded by the client's timeout (SO_RCVTIMEO/SO_SNDTIMEO; connect()
 * honours the latter), and sends use MSG_NOSIGNAL: a dead daemon is an
 * error return, never a hang or a SIGPIPE in the host process.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "oob_rpc.h"

/* JSON-RPC error codes vpfd uses (doc/vpfd.md). */
#define RPC_E_PARSE	(-32700)
#define RPC_E_REQUEST	(-32600)
#define RPC_E_METHOD	(-32601)
#define RPC_E_PARAMS	(-32602)
#define RPC_E_AUTH	(-32001)

#define TOKEN_MAX	256

static void __attribute__((format(printf, 2, 3)))
set_err(struct oob_rpc *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
}

static void
broken(struct oob_rpc *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->len = 0;
}

static int
set_timeouts(int fd, int ms)
{
	struct timeval tv = {
		.tv_sec = ms / 1000,
		.tv_usec = (ms % 1000) * 1000,
	};

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0)
		return -errno;
	return 0;
}

static int
connect_unix(struct oob_rpc *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(path);
	int fd, rc;

	if (n == 0 || n >= sizeof(sa.sun_path)) {
		set_err(c, "socket path of %zu bytes (1..%zu)", n,
			sizeof(sa.sun_path) - 1);
		return -EINVAL;
	}
	memcpy(sa.sun_path, path, n);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		set_err(c, "socket: %s", strerror(-rc));
		return rc;
	}
	rc = set_timeouts(fd, c->timeout_ms);
	if (rc == 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		rc = -errno;
	if (rc != 0) {
		set_err(c, "cannot connect to unix:%s: %s", path,
			strerror(-rc));
		close(fd);
		return rc;
	}
	c->fd = fd;
	return 0;
}

static int
connect_tcp(struct oob_rpc *c, const char *host, const char *port)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
	};
	struct addrinfo *res, *ai;
	int rc, fd = -1;

	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		set_err(c, "cannot resolve %s:%s: %s", host, port,
			gai_strerror(rc));
		return -EHOSTUNREACH;
	}
	rc = -ECONNREFUSED;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0) {
			rc = -errno;
			continue;
		}
		rc = set_timeouts(fd, c->timeout_ms);
		if (rc == 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (rc == 0)
			rc = -errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		set_err(c, "cannot connect to tcp:%s:%s: %s", host, port,
			strerror(-rc));
		return rc;
	}
	c->fd = fd;
	return 0;
}

/* The first line of @p path, trailing white space removed. */
static int
read_token(struct oob_rpc *c, const char *path, char *tok, size_t cap)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		n = -errno;
		set_err(c, "token file %s: %s", path, strerror(errno));
		return (int)n;
	}
	n = read(fd, tok, cap - 1);
	close(fd);
	if (n < 0) {
		set_err(c, "token file %s: %s", path, strerror(errno));
		return -EIO;
	}
	tok[n] = '\0';
	tok[strcspn(tok, "\r\n")] = '\0';
	n = (ssize_t)strlen(tok);
	while (n > 0 && (tok[n - 1] == ' ' || tok[n - 1] == '\t'))
		tok[--n] = '\0';
	if (n == 0) {
		set_err(c, "token file %s is empty", path);
		return -EINVAL;
	}
	return 0;
}

int
oob_rpc_open(struct oob_rpc *c, const char *addr)
{
	char spec[1024], token[TOKEN_MAX] = "";
	char *opt, *save = NULL, *where;
	bool tcp = false, have_token = false;
	int rc;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->next_id = 1;
	c->timeout_ms = OOB_RPC_TIMEOUT_MS;
	if (addr == NULL || addr[0] == '\0')
		addr = "unix:" OOB_RPC_DEFAULT_SOCK;
	if (strlen(addr) >= sizeof(spec)) {
		set_err(c, "address of %zu bytes (at most %zu)", strlen(addr),
			sizeof(spec) - 1);
		return -EINVAL;
	}
	strcpy(spec, addr);
	if (strncmp(spec, "unix:", 5) == 0) {
		where = spec + 5;
	} else if (strncmp(spec, "tcp:", 4) == 0) {
		tcp = true;
		where = spec + 4;
	} else {
		set_err(c, "address '%s' is neither unix:PATH nor "
			"tcp:HOST:PORT", addr);
		return -EINVAL;
	}
	/* Options after the first comma (a Unix path with a comma in it is
	 * not supported). */
	opt = strchr(where, ',');
	if (opt != NULL)
		*opt++ = '\0';
	for (char *o = opt ? strtok_r(opt, ",", &save) : NULL; o != NULL;
	     o = strtok_r(NULL, ",", &save)) {
		if (strncmp(o, "token-file=", 11) == 0 && tcp) {
			rc = read_token(c, o + 11, token, sizeof(token));
			if (rc != 0)
				return rc;
			have_token = true;
		} else if (strncmp(o, "token=", 6) == 0 && tcp) {
			if (strlen(o + 6) == 0 ||
			    strlen(o + 6) >= sizeof(token)) {
				set_err(c, "token of %zu bytes (1..%zu)",
					strlen(o + 6), sizeof(token) - 1);
				return -EINVAL;
			}
			strcpy(token, o + 6);
			have_token = true;
		} else if (strncmp(o, "timeout=", 8) == 0) {
			char *end;
			unsigned long s;

			errno = 0;
			s = strtoul(o + 8, &end, 10);
			if (errno || *end || s < 1 || s > 3600) {
				set_err(c, "timeout '%s' is not 1..3600 "
					"seconds", o + 8);
				return -EINVAL;
			}
			c->timeout_ms = (int)s * 1000;
		} else {
			set_err(c, "unknown option '%s' in address '%s'", o,
				addr);
			return -EINVAL;
		}
	}
	if (!tcp) {
		rc = connect_unix(c, where);
	} else {
		char *colon = strrchr(where, ':');
		char *host = where;

		if (colon == NULL || colon[1] == '\0') {
			set_err(c, "address '%s' has no port", addr);
			return -EINVAL;
		}
		*colon = '\0';
		if (host[0] == '[' && colon > host + 1 && colon[-1] == ']') {
			host++;
			colon[-1] = '\0';
		}
		if (host[0] == '\0')
			host = "127.0.0.1";
		if (!have_token) {
			set_err(c, "a tcp address needs token-file=FILE or "
				"token=TOKEN");
			return -EINVAL;
		}
		rc = connect_tcp(c, host, colon + 1);
		if (rc == 0) {
			json_t *p = json_pack("{ss}", "token", token);

			explicit_bzero(token, sizeof(token));
			rc = oob_rpc_call(c, "auth", p, -1, NULL);
			if (rc != 0)
				oob_rpc_close(c);
		}
	}
	explicit_bzero(token, sizeof(token));
	return rc;
}

/* Send all of @p buf; @p fd goes with the first sendmsg(). */
static int
send_all(struct oob_rpc *c, const char *buf, size_t len, int fd)
{
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	bool fd_sent = fd < 0;

	while (len > 0) {
		struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n;

		if (!fd_sent) {
			struct cmsghdr *cm;

			memset(&u, 0, sizeof(u));
			mh.msg_control = u.b;
			mh.msg_controllen = sizeof(u.b);
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cm), &fd, sizeof(int));
		}
		n = sendmsg(c->fd, &mh, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EPIPE;

			if (e == EAGAIN || e == EWOULDBLOCK)
				e = ETIMEDOUT;
			set_err(c, "send: %s", strerror(e));
			broken(c);
			return -e;
		}
		fd_sent = true;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Receive until the buffer holds a whole line; its length (without the
 * "\n") in *line_len. */
static int
recv_line(struct oob_rpc *c, size_t *line_len)
{
	for (;;) {
		char *nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;
		ssize_t n;

		if (nl != NULL) {
			*line_len = (size_t)(nl - c->buf);
			return 0;
		}
		if (c->len >= OOB_RPC_ANSWER_MAX) {
			set_err(c, "answer longer than %u bytes",
				OOB_RPC_ANSWER_MAX);
			broken(c);
			return -EPROTO;
		}
		if (c->cap - c->len < 4096) {
			size_t cap = c->cap ? c->cap * 2 : 16384;
			char *b;

			if (cap > OOB_RPC_ANSWER_MAX + 4096)
				cap = OOB_RPC_ANSWER_MAX + 4096;
			b = realloc(c->buf, cap);
			if (b == NULL) {
				set_err(c, "out of memory");
				broken(c);
				return -ENOMEM;
			}
			c->buf = b;
			c->cap = cap;
		}
		n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : ECONNRESET;

			if (e == EAGAIN || e == EWOULDBLOCK)
				e = ETIMEDOUT;
			set_err(c, n == 0 ? "the daemon closed the connection" :
				"receive: %s", strerror(e));
			broken(c);
			return -e;
		}
		c->len += (size_t)n;
	}
}

static int
map_error(struct oob_rpc *c, const char *method, json_t *err)
{
	json_t *jc = json_object_get(err, "code");
	const char *msg = json_string_value(json_object_get(err, "message"));
	json_int_t code = json_is_integer(jc) ? json_integer_value(jc) : 0;
	int rc;

	if (msg == NULL)
		msg = "(no message)";
	set_err(c, "%s: error %lld: %s", method, (long long)code, msg);
	if (code < 0 && code > -4096)
		rc = (int)code;
	else if (code == RPC_E_PARAMS)
		rc = -EINVAL;
	else if (code == RPC_E_METHOD)
		rc = -EOPNOTSUPP;
	else if (code == RPC_E_AUTH)
		rc = -EACCES;
	else
		rc = -EPROTO;
	/* The daemon closes the connection after these. */
	if (code == RPC_E_PARSE || code == RPC_E_AUTH ||
	    code == RPC_E_REQUEST)
		broken(c);
	return rc;
}

int
oob_rpc_send(struct oob_rpc *c, const char *method, json_t *params, int fd,
	     uint64_t *id)
{
	json_t *req;
	char *text;
	size_t n;
	int rc;

	if (params == NULL)
		params = json_object();
	if (c->fd < 0) {
		json_decref(params);
		set_err(c, "%s: not connected", method);
		return -ENOTCONN;
	}
	*id = c->next_id++;
	req = json_pack("{sssssosI}", "jsonrpc", "2.0", "method", method,
			"params", params, "id", (json_int_t)*id);
	if (req == NULL) {
		set_err(c, "%s: cannot build the request", method);
		return -ENOMEM;
	}
	text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (text == NULL) {
		set_err(c, "%s: cannot encode the request", method);
		return -ENOMEM;
	}
	n = strlen(text);
	text[n] = '\n';	/* over json_dumps()'s NUL: n + 1 bytes sent */
	rc = send_all(c, text, n + 1, fd);
	free(text);
	if (rc != 0) {
		char e[sizeof(c->err)];

		snprintf(e, sizeof(e), "%s", c->err);
		set_err(c, "%s: %s", method, e);
	}
	return rc;
}

int
oob_rpc_recv(struct oob_rpc *c, const char *method, uint64_t my_id,
	     json_t **result)
{
	json_t *ans, *id;
	json_error_t jerr;
	size_t line_len = 0;
	int rc;

	if (result != NULL)
		*result = NULL;
	if (c->fd < 0) {
		set_err(c, "%s: not connected", method);
		return -ENOTCONN;
	}
	rc = recv_line(c, &line_len);
	if (rc != 0) {
		char e[sizeof(c->err)];

		snprintf(e, sizeof(e), "%s", c->err);
		set_err(c, "%s: %s", method, e);
		return rc;
	}
	ans = json_loadb(c->buf, line_len, 0, &jerr);
	memmove(c->buf, c->buf + line_len + 1, c->len - line_len - 1);
	c->len -= line_len + 1;
	if (!json_is_object(ans)) {
		set_err(c, "%s: the answer is not a JSON object: %s", method,
			ans == NULL ? jerr.text : "another value");
		json_decref(ans);
		broken(c);
		return -EPROTO;
	}
	id = json_object_get(ans, "id");
	if (!json_is_integer(id) ||
	    (uint64_t)json_integer_value(id) != my_id) {
		json_t *e = json_object_get(ans, "error");

		/* An error without our id (e.g. authentication required)
		 * closes the connection. */
		if (json_is_object(e))
			rc = map_error(c, method, e);
		else
			set_err(c, "%s: answer to another request", method);
		json_decref(ans);
		broken(c);
		return rc != 0 ? rc : -EPROTO;
	}
	if (json_is_object(json_object_get(ans, "error"))) {
		rc = map_error(c, method, json_object_get(ans, "error"));
		json_decref(ans);
		return rc;
	}
	if (json_object_get(ans, "result") == NULL) {
		set_err(c, "%s: answer without result", method);
		json_decref(ans);
		broken(c);
		return -EPROTO;
	}
	if (result != NULL)
		*result = json_incref(json_object_get(ans, "result"));
	json_decref(ans);
	return 0;
}

int
oob_rpc_call(struct oob_rpc *c, const char *method, json_t *params,
	     int fd, json_t **result)
{
	uint64_t id;
	int rc;

	if (result != NULL)
		*result = NULL;
	rc = oob_rpc_send(c, method, params, fd, &id);
	if (rc != 0)
		return rc;
	return oob_rpc_recv(c, method, id, result);
}

void
oob_rpc_close(struct oob_rpc *c)
{
	broken(c);
	free(c->buf);
	c->buf = NULL;
	c->cap = 0;
}
