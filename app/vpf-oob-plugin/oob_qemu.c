/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * Playing QEMU against vpf-oob-plugin.so (oob_qemu.h).
 */

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "oob_qemu.h"
#include "oob_rpc.h"

static void __attribute__((format(printf, 3, 4)))
seterr(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

uint64_t
oob_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (long)(ms % 1000) * 1000000L,
	};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* The last line of file @p path in @p buf ("" when there is none). */
static void
log_tail(const char *path, char *buf, size_t len)
{
	char tail[512];
	ssize_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	off_t end;
	char *p;

	buf[0] = '\0';
	if (fd < 0)
		return;
	end = lseek(fd, 0, SEEK_END);
	if (end > 0) {
		off_t from = end > (off_t)sizeof(tail) - 1 ?
			     end - (off_t)sizeof(tail) + 1 : 0;

		n = pread(fd, tail, sizeof(tail) - 1, from);
	}
	close(fd);
	if (n <= 0)
		return;
	tail[n] = '\0';
	while (n > 0 && (tail[n - 1] == '\n' || tail[n - 1] == '\r'))
		tail[--n] = '\0';
	p = strrchr(tail, '\n');
	p = p ? p + 1 : tail;
	n = (ssize_t)strlen(p);
	if ((size_t)n >= len)
		n = (ssize_t)len - 1;
	memcpy(buf, p, (size_t)n);
	buf[n] = '\0';
}

int
oob_daemon_start(struct oob_daemon *d, const char *vpfd, const char *dir,
		 const char *tag, const char *model, const char *const *extra,
		 char *err, size_t errlen)
{
	const char *argv[32];
	unsigned int n = 0;
	uint64_t deadline;
	pid_t pid;

	memset(d, 0, sizeof(*d));
	if ((size_t)snprintf(d->sock, sizeof(d->sock), "%s/%s.sock", dir,
			     tag) >= sizeof(d->sock) ||
	    (size_t)snprintf(d->journal, sizeof(d->journal), "%s/%s-journal",
			     dir, tag) >= sizeof(d->journal) ||
	    (size_t)snprintf(d->log, sizeof(d->log), "%s/%s.log", dir, tag) >=
	    sizeof(d->log)) {
		seterr(err, errlen, "directory name too long: %s", dir);
		return -1;
	}
	snprintf(d->addr, sizeof(d->addr), "unix:%s", d->sock);
	if (mkdir(d->journal, 0700) != 0 && errno != EEXIST) {
		seterr(err, errlen, "mkdir %s: %s", d->journal,
		       strerror(errno));
		return -1;
	}
	argv[n++] = vpfd;
	argv[n++] = "--";
	argv[n++] = "-s";
	argv[n++] = d->sock;
	argv[n++] = "--journal";
	argv[n++] = d->journal;
	argv[n++] = "--model";
	argv[n++] = model;
	for (unsigned int i = 0; extra != NULL && extra[i] != NULL; i++) {
		if (n >= sizeof(argv) / sizeof(argv[0]) - 1) {
			seterr(err, errlen, "too many arguments");
			return -1;
		}
		argv[n++] = extra[i];
	}
	argv[n] = NULL;
	pid = fork();
	if (pid < 0) {
		seterr(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int fd = open(d->log, O_WRONLY | O_CREAT | O_APPEND |
			      O_CLOEXEC, 0600);

		/* No daemon outlives its test (or bench) process. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execv(vpfd, (char *const *)argv);
		{
			/* only async-signal-safe calls after fork() */
			static const char msg[] = "oob_daemon_start: exec failed\n";
			ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);

			(void)w;
		}
		_exit(127);
	}
	d->pid = pid;
	deadline = oob_now_ns() + 20000000000ull;
	for (;;) {
		struct oob_rpc c;
		int st;

		if (oob_rpc_open(&c, d->addr) == 0) {
			int rc = oob_rpc_call(&c, "rpc_get_methods", NULL, -1,
					      NULL);

			oob_rpc_close(&c);
			if (rc == 0)
				return 0;
		}
		if (waitpid(pid, &st, WNOHANG) == pid) {
			char last[200];

			d->pid = 0;
			log_tail(d->log, last, sizeof(last));
			seterr(err, errlen, "%s exited (status %#x) before "
			       "answering on %s: %s", vpfd, st, d->sock,
			       last[0] ? last : "(no output)");
			return -1;
		}
		if (oob_now_ns() > deadline) {
			oob_daemon_stop(d, 2000);
			seterr(err, errlen, "%s did not answer on %s in 20 s; "
			       "see %s", vpfd, d->sock, d->log);
			return -1;
		}
		sleep_ms(20);
	}
}

int
oob_daemon_stop(struct oob_daemon *d, int grace_ms)
{
	uint64_t deadline;
	int st = -1;

	if (d->pid <= 0)
		return -1;
	kill(d->pid, SIGTERM);
	deadline = oob_now_ns() + (uint64_t)grace_ms * 1000000u;
	for (;;) {
		pid_t r = waitpid(d->pid, &st, WNOHANG);

		if (r == d->pid || (r < 0 && errno != EINTR))
			break;
		if (oob_now_ns() > deadline) {
			kill(d->pid, SIGKILL);
			while (waitpid(d->pid, &st, 0) < 0 && errno == EINTR)
				;
			break;
		}
		sleep_ms(5);
	}
	d->pid = 0;
	return st;
}

int
oob_call(const struct oob_daemon *d, const char *method, json_t *params,
	 json_t **result, char *err, size_t errlen)
{
	struct oob_rpc c;
	int rc = oob_rpc_open(&c, d->addr);

	if (result != NULL)
		*result = NULL;
	if (rc != 0) {
		json_decref(params);
		seterr(err, errlen, "%s", c.err);
		return rc;
	}
	rc = oob_rpc_call(&c, method, params, -1, result);
	if (rc != 0)
		seterr(err, errlen, "%s", c.err);
	oob_rpc_close(&c);
	return rc;
}

int
oob_plugin_open(struct oob_plugin *p, const char *path, char *err,
		size_t errlen)
{
	int (*ver)(void);
	VFIOMigrationPluginOps *(*get)(void);

	memset(p, 0, sizeof(*p));
	p->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (p->dl == NULL) {
		seterr(err, errlen, "dlopen %s: %s", path, dlerror());
		return -1;
	}
	*(void **)&ver = dlsym(p->dl, "vfio_lm_get_plugin_version");
	*(void **)&get = dlsym(p->dl, "vfio_lm_get_plugin_ops");
	if (ver == NULL || get == NULL) {
		seterr(err, errlen, "%s lacks the plugin entry points", path);
		oob_plugin_close(p);
		return -1;
	}
	p->version = ver();
	p->ops = get();
	if (p->ops == NULL) {
		seterr(err, errlen, "%s: no operations table", path);
		oob_plugin_close(p);
		return -1;
	}
	return 0;
}

void
oob_plugin_close(struct oob_plugin *p)
{
	if (p->dl != NULL)
		dlclose(p->dl);
	memset(p, 0, sizeof(*p));
}

int
oob_stream_open(struct oob_stream *s, const char *dir)
{
	memset(s, 0, sizeof(*s));
	s->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (s->fd < 0) {
		char path[256];

		/* Filesystems without O_TMPFILE. */
		snprintf(path, sizeof(path), "%s/stream.XXXXXX", dir);
		s->fd = mkostemp(path, O_CLOEXEC);
		if (s->fd < 0)
			return -errno;
		unlink(path);
	}
	return 0;
}

void
oob_stream_close(struct oob_stream *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static int
stream_write(struct oob_stream *s, const void *buf, size_t len)
{
	const uint8_t *b = buf;

	while (len > 0) {
		ssize_t n = pwrite(s->fd, b, len, (off_t)s->wr);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		b += n;
		len -= (size_t)n;
		s->wr += (uint64_t)n;
	}
	return 0;
}

static int
stream_read(struct oob_stream *s, void *buf, size_t len)
{
	uint8_t *b = buf;

	if (s->wr - s->rd < len)
		return -ENODATA;
	while (len > 0) {
		ssize_t n = pread(s->fd, b, len, (off_t)s->rd);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		b += n;
		len -= (size_t)n;
		s->rd += (uint64_t)n;
	}
	return 0;
}

static void
put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t
get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

int
oob_stream_end(struct oob_stream *s)
{
	uint8_t hdr[8];

	put_be64(hdr, 0);
	return stream_write(s, hdr, sizeof(hdr));
}

int
oob_save_pass(const VFIOMigrationPluginOps *ops, void *h,
	      struct oob_stream *s, bool until_empty, uint64_t *bytes,
	      char *err, size_t errlen)
{
	uint8_t *buf = malloc(OOB_PIECE_MAX);
	uint64_t total = 0;
	int rc = 0;

	if (buf == NULL) {
		seterr(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (;;) {
		uint64_t pending;

		rc = ops->update_pending(h, &pending);
		if (rc != 0) {
			seterr(err, errlen, "update_pending: %d (%s)", rc,
			       strerror(-rc));
			break;
		}
		if (pending == 0)
			break;
		while (pending > 0) {
			uint64_t n = pending < OOB_PIECE_MAX ? pending :
				     OOB_PIECE_MAX;
			uint8_t hdr[8];

			rc = ops->save(h, buf, n);
			if (rc != 0) {
				seterr(err, errlen, "save(%" PRIu64 "): %d (%s)",
				       n, rc, strerror(-rc));
				goto out;
			}
			put_be64(hdr, n);
			rc = stream_write(s, hdr, sizeof(hdr));
			if (rc == 0)
				rc = stream_write(s, buf, n);
			if (rc != 0) {
				seterr(err, errlen, "stream write: %s",
				       strerror(-rc));
				goto out;
			}
			s->payload += n;
			s->pieces++;
			total += n;
			pending -= n;
		}
		if (!until_empty)
			break;
	}
out:
	free(buf);
	if (bytes != NULL)
		*bytes = total;
	return rc;
}

int
oob_load_pending(const VFIOMigrationPluginOps *ops, void *h,
		 struct oob_stream *s, bool *ended, char *err, size_t errlen)
{
	uint8_t *buf = NULL;
	int rc = 0;

	if (ended != NULL)
		*ended = false;
	while (s->rd < s->wr) {
		uint8_t hdr[8];
		uint64_t n;

		rc = stream_read(s, hdr, sizeof(hdr));
		if (rc != 0)
			break;
		n = get_be64(hdr);
		if (n == 0) {
			if (ended != NULL)
				*ended = true;
			break;
		}
		if (n > OOB_PIECE_MAX) {
			seterr(err, errlen, "stream: piece of %" PRIu64
			       " bytes", n);
			rc = -EPROTO;
			break;
		}
		if (buf == NULL && (buf = malloc(OOB_PIECE_MAX)) == NULL) {
			rc = -ENOMEM;
			break;
		}
		rc = stream_read(s, buf, n);
		if (rc != 0) {
			seterr(err, errlen, "stream read: %s", strerror(-rc));
			break;
		}
		rc = ops->load(h, buf, n);
		if (rc != 0) {
			seterr(err, errlen, "load(%" PRIu64 "): %d (%s)", n, rc,
			       strerror(-rc));
			break;
		}
	}
	free(buf);
	return rc;
}

static int
move_ring(struct oob_mig *m)
{
	json_t *res = NULL;
	const char *hex;
	int rc;

	rc = oob_call(m->src_d, "model_ring_export",
		      json_pack("{ss}", "bdf", m->src_bdf), &res, m->err,
		      sizeof(m->err));
	if (rc != 0)
		return rc;
	hex = json_string_value(json_object_get(res, "ring"));
	if (hex == NULL) {
		json_decref(res);
		seterr(m->err, sizeof(m->err), "model_ring_export: no ring");
		return -EPROTO;
	}
	rc = oob_call(m->dst_d, "model_ring_import",
		      json_pack("{ssss}", "bdf", m->dst_bdf, "ring", hex),
		      NULL, m->err, sizeof(m->err));
	json_decref(res);
	return rc;
}

static void
step(struct oob_mig *m, unsigned int k, uint64_t *tk)
{
	uint64_t now = oob_now_ns();

	m->step_ns[k] = now - *tk;
	*tk = now;
}

int
oob_migrate(struct oob_mig *m)
{
	const VFIOMigrationPluginOps *ops = m->ops;
	struct oob_stream s;
	uint64_t t0, ts, tk, bytes;
	bool ended = false;
	int rc;

	m->err[0] = '\0';
	m->downtime_ns = m->total_ns = 0;
	m->precopy_bytes = m->stopcopy_bytes = 0;
	memset(m->step_ns, 0, sizeof(m->step_ns));
	rc = oob_stream_open(&s, m->dir ? m->dir : "/tmp");
	if (rc != 0) {
		seterr(m->err, sizeof(m->err), "stream file: %s",
		       strerror(-rc));
		return rc;
	}
	t0 = oob_now_ns();
	rc = ops->set_state(m->dst, VFIO_DEVICE_STATE_V1_RESUMING);
	if (rc != 0) {
		seterr(m->err, sizeof(m->err), "destination RESUMING: %d", rc);
		goto out;
	}
	rc = ops->set_state(m->src, VFIO_DEVICE_STATE_V1_RUNNING |
			    VFIO_DEVICE_STATE_V1_SAVING);
	if (rc != 0) {
		seterr(m->err, sizeof(m->err), "source RUNNING|SAVING: %d",
		       rc);
		goto out;
	}
	for (unsigned int r = 0; r < m->precopy_rounds; r++) {
		rc = oob_save_pass(ops, m->src, &s, false, &bytes, m->err,
				   sizeof(m->err));
		if (rc == 0)
			rc = oob_load_pending(ops, m->dst, &s, NULL, m->err,
					      sizeof(m->err));
		if (rc != 0)
			goto out;
		m->precopy_bytes += bytes;
		if (m->round_hook != NULL &&
		    (rc = m->round_hook(m->hook_arg, r)) != 0) {
			seterr(m->err, sizeof(m->err), "round hook: %d", rc);
			goto out;
		}
	}
	/* The VM stops: the downtime starts. */
	ts = oob_now_ns();
	tk = ts;
	rc = ops->set_state(m->src, VFIO_DEVICE_STATE_V1_SAVING);
	step(m, 0, &tk);
	if (rc != 0) {
		seterr(m->err, sizeof(m->err), "source SAVING: %d", rc);
		goto out;
	}
	rc = oob_save_pass(ops, m->src, &s, true, &m->stopcopy_bytes, m->err,
			   sizeof(m->err));
	if (rc == 0)
		rc = oob_stream_end(&s);
	if (rc != 0)
		goto out;
	step(m, 1, &tk);
	rc = ops->set_state(m->src, VFIO_DEVICE_STATE_V1_STOP);
	step(m, 2, &tk);
	if (rc != 0) {
		seterr(m->err, sizeof(m->err), "source STOP: %d", rc);
		goto out;
	}
	rc = oob_load_pending(ops, m->dst, &s, &ended, m->err,
			      sizeof(m->err));
	if (rc != 0)
		goto out;
	step(m, 3, &tk);
	if (!ended) {
		seterr(m->err, sizeof(m->err), "stream without its end");
		rc = -EPROTO;
		goto out;
	}
	if (m->move_ring) {
		rc = move_ring(m);
		if (rc != 0)
			goto out;
	}
	step(m, 4, &tk);
	rc = ops->set_state(m->dst, VFIO_DEVICE_STATE_V1_RUNNING);
	if (rc != 0) {
		seterr(m->err, sizeof(m->err), "destination RUNNING: %d", rc);
		goto out;
	}
	step(m, 5, &tk);
	m->downtime_ns = oob_now_ns() - ts;
	m->total_ns = oob_now_ns() - t0;
out:
	oob_stream_close(&s);
	return rc;
}
