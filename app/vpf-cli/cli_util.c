/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vpf_model.h"
#include "cli_util.h"

const char *
cli_errno_name(int err)
{
	static __thread char buf[16];
	const char *name;

	if (err < 0)
		err = -err;
	name = strerrorname_np(err);
	if (name != NULL)
		return name;
	snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}

int
cli_parse_u64(const char *s, bool suffix, uint64_t *v)
{
	unsigned long long n;
	uint64_t mult = 1;
	char *end;

	if (s == NULL || *s == '\0' || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, 0);
	if (end == s)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	if (*end != '\0') {
		if (!suffix || end[1] != '\0')
			return -EINVAL;
		switch (*end) {
		case 'k': case 'K':
			mult = UINT64_C(1) << 10;
			break;
		case 'm': case 'M':
			mult = UINT64_C(1) << 20;
			break;
		case 'g': case 'G':
			mult = UINT64_C(1) << 30;
			break;
		default:
			return -EINVAL;
		}
	}
	if (n > UINT64_MAX / mult)
		return -ERANGE;
	*v = (uint64_t)n * mult;
	return 0;
}

int
cli_parse_range(const char *s, bool suffix, uint64_t min, uint64_t max,
		uint64_t *v)
{
	uint64_t n;
	int rc;

	rc = cli_parse_u64(s, suffix, &n);
	if (rc < 0)
		return rc;
	if (n < min || n > max)
		return -ERANGE;
	*v = n;
	return 0;
}

static void __attribute__((format(printf, 3, 4)))
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
cli_kv_parse(const char *text, const char *seps, const char *const *keys,
	     struct cli_kv *kv, char *err, size_t errlen)
{
	char item[CLI_KV_KEY_LEN + CLI_KV_VAL_LEN + 1];
	const char *p = text;
	unsigned int i;

	memset(kv, 0, sizeof(*kv));
	if (text == NULL)
		return 0;
	for (;;) {
		const char *eq;
		size_t len, klen;
		bool known = false;

		p += strspn(p, seps);
		if (*p == '\0')
			break;
		len = strcspn(p, seps);
		if (len >= sizeof(item)) {
			set_err(err, errlen, "option '%.40s...' is too long", p);
			return -EINVAL;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		p += len;

		eq = strchr(item, '=');
		if (eq == NULL || eq == item) {
			set_err(err, errlen, "'%s' is not a key=value option",
				item);
			return -EINVAL;
		}
		klen = (size_t)(eq - item);
		item[klen] = '\0';
		for (i = 0; keys != NULL && keys[i] != NULL; i++)
			if (strcmp(keys[i], item) == 0)
				known = true;
		if (!known || klen >= CLI_KV_KEY_LEN) {
			set_err(err, errlen, "unknown option '%s'", item);
			return -EINVAL;
		}
		if (strlen(eq + 1) >= CLI_KV_VAL_LEN || eq[1] == '\0') {
			set_err(err, errlen, "option '%s' needs a value%s", item,
				eq[1] ? " of at most 255 bytes" : "");
			return -EINVAL;
		}
		if (cli_kv_get(kv, item) != NULL) {
			set_err(err, errlen, "option '%s' given twice", item);
			return -EINVAL;
		}
		if (kv->n == CLI_KV_MAX) {
			set_err(err, errlen, "too many options (at most %d)",
				CLI_KV_MAX);
			return -EINVAL;
		}
		strcpy(kv->key[kv->n], item);
		strcpy(kv->val[kv->n], eq + 1);
		kv->n++;
	}
	return 0;
}

const char *
cli_kv_get(const struct cli_kv *kv, const char *key)
{
	unsigned int i;

	for (i = 0; i < kv->n; i++)
		if (strcmp(kv->key[i], key) == 0)
			return kv->val[i];
	return NULL;
}

int
cli_parse_ranges(const char *s, struct vpf_admin_wr_range *r,
		 unsigned int max, char *err, size_t errlen)
{
	char item[64], *colon;
	unsigned int n = 0;
	const char *p = s;

	if (s == NULL || *s == '\0') {
		set_err(err, errlen, "no range given");
		return -EINVAL;
	}
	for (;;) {
		size_t len = strcspn(p, ",");
		uint64_t addr, pages;

		if (len == 0 || len >= sizeof(item)) {
			set_err(err, errlen,
				"bad range list '%s' (expected <addr>:<pages>[,...])",
				s);
			return -EINVAL;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		colon = strchr(item, ':');
		if (colon == NULL) {
			set_err(err, errlen,
				"bad range '%s' (expected <addr>:<pages>)", item);
			return -EINVAL;
		}
		*colon = '\0';
		if (cli_parse_u64(item, false, &addr) < 0 ||
		    cli_parse_u64(colon + 1, false, &pages) < 0 ||
		    pages == 0) {
			*colon = ':';
			set_err(err, errlen,
				"bad range '%s' (expected <addr>:<pages>, pages > 0)",
				item);
			return -EINVAL;
		}
		if (n == max) {
			set_err(err, errlen, "too many ranges in '%s' (at most %u)",
				s, max);
			return -E2BIG;
		}
		r[n].page_address = addr;
		r[n].page_count = pages;
		n++;
		p += len;
		if (*p == '\0')
			break;
		p++;
	}
	return (int)n;
}

int
cli_read_file(const char *path, size_t max, uint8_t **bufp, size_t *lenp)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = -EISDIR;
		goto out;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			uint8_t *nb;

			if (cap >= max + 1) {
				rc = -EFBIG;
				goto out;
			}
			cap = cap ? cap * 2 : 4096;
			if (cap > max + 1)
				cap = max + 1;
			nb = realloc(buf, cap);
			if (nb == NULL) {
				rc = -ENOMEM;
				goto out;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		rc = -EFBIG;
		goto out;
	}
	close(fd);
	if (buf == NULL)
		buf = malloc(1);
	if (buf == NULL)
		return -ENOMEM;
	*bufp = buf;
	*lenp = len;
	return 0;
out:
	close(fd);
	free(buf);
	return rc;
}

static const char *
file_kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISCHR(m))
		return "a character device node";
	if (S_ISBLK(m))
		return "a block device node";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

/*
 * Only a regular file (or nothing) may be replaced. rename() over a
 * directory fails, but only at commit, after the device's context or write
 * records were consumed; over a device node, FIFO or socket it succeeds
 * and replaces the node with a regular file (`ctx read ... /dev/null` as
 * root). A symlink is judged by what it points to (rename() replaces the
 * link itself, so a dangling one is fine).
 */
static int
check_target(struct cli_atomic_file *f, const char *path)
{
	struct stat st;
	bool link;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	link = S_ISLNK(st.st_mode);
	if (link && stat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (S_ISREG(st.st_mode))
		return 0;
	snprintf(f->why, sizeof(f->why), "%s%s, not a regular file",
		 link ? "a symlink to " : "", file_kind(st.st_mode));
	return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
}

int
cli_atomic_open(struct cli_atomic_file *f, const char *path)
{
	char dirbuf[PATH_MAX], basebuf[PATH_MAX];
	const char *dir, *base;
	mode_t um;
	int rc;

	f->fd = -1;
	f->why[0] = '\0';
	f->tmp[0] = '\0';
	if (path == NULL || *path == '\0')
		return -EINVAL;
	if (strlen(path) >= sizeof(f->path))
		return -ENAMETOOLONG;
	strcpy(f->path, path);
	strcpy(dirbuf, path);
	strcpy(basebuf, path);
	dir = dirname(dirbuf);
	base = basename(basebuf);
	if (*base == '\0' || strcmp(base, "/") == 0 ||
	    strcmp(base, ".") == 0 || strcmp(base, "..") == 0 ||
	    path[strlen(path) - 1] == '/')
		return -EISDIR;
	rc = check_target(f, path);
	if (rc < 0)
		return rc;
	/* The temporary lives in the target's directory so that rename()
	 * replaces the file atomically (same file system); its name starts
	 * with a dot and says what it is. */
	if (snprintf(f->tmp, sizeof(f->tmp), "%s/.%s.tmp.XXXXXX", dir, base) >=
	    (int)sizeof(f->tmp))
		return -ENAMETOOLONG;
	f->fd = mkostemp(f->tmp, O_CLOEXEC);
	if (f->fd < 0)
		return -errno;
	um = umask(0);
	umask(um);
	if (fchmod(f->fd, 0666 & ~um) < 0) {
		rc = -errno;
		cli_atomic_abort(f);
		return rc;
	}
	return 0;
}

int
cli_atomic_write(struct cli_atomic_file *f, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (f->fd < 0)
		return -EBADF;
	while (len > 0) {
		ssize_t n = write(f->fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
cli_atomic_commit(struct cli_atomic_file *f)
{
	char dirbuf[PATH_MAX];
	int rc, dfd;

	if (f->fd < 0)
		return -EBADF;
	/* Data on disk before the name points at it: a crash after the
	 * rename must not expose an empty or partial file. */
	if (fsync(f->fd) < 0)
		goto fail;
	rc = close(f->fd);
	f->fd = -1;
	if (rc < 0)
		goto fail;
	if (rename(f->tmp, f->path) < 0)
		goto fail;
	strcpy(dirbuf, f->path);
	dfd = open(dirname(dirbuf), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		/* Make the rename itself durable. */
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
fail:
	rc = -errno;
	cli_atomic_abort(f);
	return rc;
}

void
cli_atomic_abort(struct cli_atomic_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	unlink(f->tmp);
}

int
cli_write_file_atomic(const char *path, const void *buf, size_t len)
{
	struct cli_atomic_file f;
	int rc;

	rc = cli_atomic_open(&f, path);
	if (rc < 0)
		return rc;
	rc = cli_atomic_write(&f, buf, len);
	if (rc < 0) {
		cli_atomic_abort(&f);
		return rc;
	}
	return cli_atomic_commit(&f);
}

void
cli_fmt_size(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	unsigned int u = 0;

	if (bytes == 0 || bytes % 1024 != 0) {
		snprintf(buf, len, "%" PRIu64, bytes);
		return;
	}
	bytes /= 1024;
	while (bytes % 1024 == 0 && u + 1 < sizeof(units) - 1) {
		bytes /= 1024;
		u++;
	}
	snprintf(buf, len, "%" PRIu64 "%c", bytes, units[u]);
}

/* ---- VF lists ----------------------------------------------------------- */

/* A decimal VF number at *@p p (at most 5 digits), advancing *@p p. */
static int
vf_number(const char **p, uint16_t num_vfs, uint16_t *vf, const char *s,
	  char *err, size_t errlen)
{
	const char *q = *p;
	uint32_t v = 0;
	unsigned int digits = 0;

	while (*q >= '0' && *q <= '9') {
		if (++digits > 5) {
			set_err(err, errlen, "VF number too large in '%s' "
				"(VFs 1..%u)", s, num_vfs);
			return -EINVAL;
		}
		v = v * 10 + (uint32_t)(*q - '0');
		q++;
	}
	if (digits == 0) {
		set_err(err, errlen, "bad VF list '%s' (expected <vf>, "
			"<first>-<last> or a comma-separated list of them, "
			"e.g. 1-3,7)", s);
		return -EINVAL;
	}
	if (v < 1 || v > num_vfs) {
		set_err(err, errlen, "VF %u in '%s' is out of range (VFs 1..%u)",
			v, s, num_vfs);
		return -EINVAL;
	}
	*vf = (uint16_t)v;
	*p = q;
	return 0;
}

int
cli_parse_vf_list(const char *s, uint16_t num_vfs, uint16_t *vfs,
		  unsigned int max, char *err, size_t errlen)
{
	uint8_t seen[(UINT16_MAX + 1) / 8];
	const char *p = s;
	unsigned int n = 0;
	int rc;

	if (s == NULL || *s == '\0') {
		set_err(err, errlen, "no VF given");
		return -EINVAL;
	}
	if (num_vfs == 0) {
		set_err(err, errlen, "the PF has no VF");
		return -EINVAL;
	}
	memset(seen, 0, sizeof(seen));
	for (;;) {
		uint16_t first, last;
		uint32_t v;

		rc = vf_number(&p, num_vfs, &first, s, err, errlen);
		if (rc < 0)
			return rc;
		last = first;
		if (*p == '-') {
			p++;
			rc = vf_number(&p, num_vfs, &last, s, err, errlen);
			if (rc < 0)
				return rc;
			if (last < first) {
				set_err(err, errlen, "bad VF range %u-%u in "
					"'%s' (first <= last)", first, last, s);
				return -EINVAL;
			}
		}
		if (*p != ',' && *p != '\0') {
			set_err(err, errlen, "bad VF list '%s' at '%.16s' "
				"(expected <vf>, <first>-<last> or a "
				"comma-separated list of them, e.g. 1-3,7)", s, p);
			return -EINVAL;
		}
		for (v = first; v <= last; v++) {
			if (seen[v / 8] & (1u << (v % 8))) {
				set_err(err, errlen, "VF %u given twice in '%s'",
					v, s);
				return -EINVAL;
			}
			if (n == max) {
				set_err(err, errlen, "too many VFs in '%s' (at "
					"most %u)", s, max);
				return -E2BIG;
			}
			seen[v / 8] |= (uint8_t)(1u << (v % 8));
			vfs[n++] = (uint16_t)v;
		}
		if (*p == '\0')
			break;
		p++;	/* ',' */
	}
	return (int)n;
}

void
cli_fmt_vf_list(const uint16_t *vfs, unsigned int n, char *buf, size_t len)
{
	size_t used = 0;
	unsigned int i, j;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < n; i = j) {
		int w;

		/* the longest ascending run from i */
		for (j = i + 1; j < n && vfs[j] == vfs[j - 1] + 1; j++)
			;
		if (j - i >= 2)
			w = snprintf(buf + used, len - used, "%s%u-%u",
				     i ? "," : "", vfs[i], vfs[j - 1]);
		else
			w = snprintf(buf + used, len - used, "%s%u",
				     i ? "," : "", vfs[i]);
		if (w < 0 || (size_t)w >= len - used) {
			/* cut visibly */
			if (len >= 4)
				strcpy(buf + len - 4, "...");
			return;
		}
		used += (size_t)w;
	}
}

/* ---- migration streams -------------------------------------------------- */

#define STREAM_TICK_MS		100

static bool
stream_cancelled(const struct cli_stream *s)
{
	return s->cancel != NULL && s->cancel(s->arg);
}

static void
stream_init(struct cli_stream *s, unsigned int wait_ms, cli_cancel_t cancel,
	    void *arg)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->af.fd = -1;
	s->wait_ms = wait_ms;
	s->cancel = cancel;
	s->arg = arg;
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Kind of an existing @p path (stat, following links): 0 and *@p st, or
 * -ENOENT / another negative errno. */
static int
stream_stat(const char *path, struct stat *st)
{
	if (path == NULL || *path == '\0')
		return -EINVAL;
	if (stat(path, st) < 0)
		return -errno;
	return 0;
}

int
cli_stream_open_write(struct cli_stream *s, const char *path,
		      unsigned int wait_ms, cli_cancel_t cancel, void *arg)
{
	struct stat st;
	uint64_t deadline;
	int rc;

	stream_init(s, wait_ms, cancel, arg);
	rc = stream_stat(path, &st);
	if (rc < 0 && rc != -ENOENT)
		return rc;
	if (rc < 0 || !S_ISFIFO(st.st_mode)) {
		rc = cli_atomic_open(&s->af, path);
		if (rc < 0) {
			snprintf(s->why, sizeof(s->why), "%s%s", s->af.why,
				 s->af.why[0] && rc == -EINVAL ?
				 " or a FIFO" : "");
			return rc;
		}
		s->atomic = true;
		s->fd = s->af.fd;
		return 0;
	}
	/* A FIFO: open() for writing blocks until a reader comes, and a
	 * non-blocking one fails with ENXIO until then. */
	s->fifo = true;
	deadline = mono_ms() + wait_ms;
	for (;;) {
		s->fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (s->fd >= 0)
			return 0;
		if (errno != ENXIO && errno != EINTR)
			return -errno;
		if (stream_cancelled(s))
			return -ECANCELED;
		if (mono_ms() >= deadline) {
			snprintf(s->why, sizeof(s->why),
				 "no reader opened the FIFO within %u s",
				 (wait_ms + 999) / 1000);
			return -ETIMEDOUT;
		}
		(void)poll(NULL, 0, 10);
	}
}

int
cli_stream_open_read(struct cli_stream *s, const char *path,
		     unsigned int wait_ms, cli_cancel_t cancel, void *arg)
{
	struct stat st;
	int rc;

	stream_init(s, wait_ms, cancel, arg);
	rc = stream_stat(path, &st);
	if (rc < 0)
		return rc;
	if (S_ISDIR(st.st_mode)) {
		snprintf(s->why, sizeof(s->why), "a directory");
		return -EISDIR;
	}
	if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
		snprintf(s->why, sizeof(s->why), "%s, not a regular file or "
			 "a FIFO", file_kind(st.st_mode));
		return -EINVAL;
	}
	s->fifo = S_ISFIFO(st.st_mode);
	/* Non-blocking for a FIFO: the open does not wait for a writer,
	 * and neither does a read. */
	s->fd = open(path, O_RDONLY | O_CLOEXEC | (s->fifo ? O_NONBLOCK : 0));
	if (s->fd < 0)
		return -errno;
	/* the file may have been replaced between stat and open */
	if (fstat(s->fd, &st) < 0 || S_ISFIFO(st.st_mode) != s->fifo ||
	    (!s->fifo && !S_ISREG(st.st_mode))) {
		close(s->fd);
		s->fd = -1;
		snprintf(s->why, sizeof(s->why), "changed while opened");
		return -EAGAIN;
	}
	return 0;
}

int
cli_stream_write(struct cli_stream *s, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t deadline = mono_ms() + s->wait_ms;

	if (s->fd < 0)
		return -EBADF;
	if (s->atomic) {
		int rc = cli_atomic_write(&s->af, buf, len);

		if (rc == 0)
			s->bytes += len;
		return rc;
	}
	while (len > 0) {
		struct pollfd pfd = { .fd = s->fd, .events = POLLOUT };
		ssize_t n;

		if (stream_cancelled(s))
			return -ECANCELED;
		n = write(s->fd, p, len);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			s->bytes += (uint64_t)n;
			deadline = mono_ms() + s->wait_ms;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			if (errno == EPIPE)
				snprintf(s->why, sizeof(s->why),
					 "the reader closed the FIFO");
			return -errno;
		}
		if (mono_ms() >= deadline) {
			snprintf(s->why, sizeof(s->why),
				 "the reader took nothing for %u s",
				 (s->wait_ms + 999) / 1000);
			return -ETIMEDOUT;
		}
		(void)poll(&pfd, 1, STREAM_TICK_MS);
	}
	return 0;
}

int
cli_stream_read(struct cli_stream *s, void *buf, size_t len, size_t *got)
{
	uint64_t deadline = mono_ms() + s->wait_ms;

	*got = 0;
	if (s->fd < 0)
		return -EBADF;
	if (len == 0)
		return 0;
	for (;;) {
		struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
		ssize_t n;

		if (stream_cancelled(s))
			return -ECANCELED;
		n = read(s->fd, buf, len);
		if (n > 0) {
			s->peer = true;
			s->bytes += (uint64_t)n;
			*got = (size_t)n;
			return 0;
		}
		if (n == 0 && (!s->fifo || s->peer))
			return 0;	/* the end */
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		if (n < 0 && errno == EAGAIN)
			s->peer = true;	/* a writer has it open */
		if (mono_ms() >= deadline) {
			snprintf(s->why, sizeof(s->why), s->peer ?
				 "the writer sent nothing for %u s" :
				 "no writer opened the FIFO within %u s",
				 (s->wait_ms + 999) / 1000);
			return -ETIMEDOUT;
		}
		/* Before a writer came, a FIFO reads as empty (0): wait a
		 * tick; after, poll() says when data or the end come. */
		(void)poll(s->peer ? &pfd : NULL, s->peer ? 1 : 0,
			   s->peer ? STREAM_TICK_MS : 10);
	}
}

int
cli_stream_commit(struct cli_stream *s)
{
	int rc = 0;

	if (s->atomic) {
		rc = cli_atomic_commit(&s->af);
		s->atomic = false;
		s->fd = -1;
		return rc;
	}
	if (s->fd >= 0 && close(s->fd) < 0)
		rc = -errno;
	s->fd = -1;
	return rc;
}

void
cli_stream_close(struct cli_stream *s)
{
	if (s->atomic) {
		cli_atomic_abort(&s->af);
		s->atomic = false;
		s->fd = -1;
		return;
	}
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

int
cli_parse_dialect(const char *s, enum vpf_dialect *d)
{
	if (s != NULL && strcmp(s, "seed-2023") == 0)
		*d = VPF_DIALECT_DRAFT_2023;
	else if (s != NULL && strcmp(s, "1.4") == 0)
		*d = VPF_DIALECT_V14_PARTS;
	else
		return -EINVAL;
	return 0;
}

const char *
cli_dialect_name(enum vpf_dialect d)
{
	switch (d) {
	case VPF_DIALECT_DRAFT_2023:
		return "seed-2023";
	case VPF_DIALECT_V14_PARTS:
		return "1.4";
	default:
		return "unknown";
	}
}

const char *const cli_model_keys[] = { "name", "vfs", "vqs", "seed", "bdf",
				       "dialect", "service_us", "concurrency",
				       "act_us", NULL };

/* One numeric key of a model SPEC: @return 0 (absent or good), -EINVAL
 * with @p err naming the key and its range. */
static int
spec_num(const struct cli_kv *kv, const char *key, uint64_t min,
	 uint64_t max, const char *what, uint64_t *out, char *err,
	 size_t errlen)
{
	const char *t = cli_kv_get(kv, key);

	if (t == NULL)
		return 0;
	if (cli_parse_range(t, false, min, max, out) < 0) {
		set_err(err, errlen, "bad %s '%s' (%s%" PRIu64 "..%" PRIu64 ")",
			key, t, what, min, max);
		return -EINVAL;
	}
	return 0;
}

int
cli_model_spec_get(const struct cli_kv *kv, bool need_name,
		   struct cli_model_spec *s, char *err, size_t errlen)
{
	enum vpf_dialect dialect = s->dialect;
	uint64_t vfs = 0, vqs = 0, svc = 0, conc = 0, act = 0;
	const char *t;

	memset(s, 0, sizeof(*s));
	s->dialect = dialect;
	s->seed = 1;
	s->name = cli_kv_get(kv, "name");
	s->bdf = cli_kv_get(kv, "bdf");
	if (need_name && s->name == NULL) {
		set_err(err, errlen, "name=<n> is required");
		return -EINVAL;
	}
	if (spec_num(kv, "vfs", 1, 256, "", &vfs, err, errlen) < 0 ||
	    spec_num(kv, "vqs", 1, 256, "queue pairs, ", &vqs, err,
		     errlen) < 0 ||
	    spec_num(kv, "service_us", 0, 1000000, "", &svc, err, errlen) < 0 ||
	    spec_num(kv, "concurrency", 1, 1024, "", &conc, err, errlen) < 0 ||
	    spec_num(kv, "act_us", 0, 1000000, "", &act, err, errlen) < 0)
		return -EINVAL;
	if ((t = cli_kv_get(kv, "seed")) != NULL &&
	    cli_parse_u64(t, false, &s->seed) < 0) {
		set_err(err, errlen, "bad seed '%s'", t);
		return -EINVAL;
	}
	s->vfs = (uint16_t)vfs;
	s->vqs = (uint16_t)vqs;
	s->service_us = (uint32_t)svc;
	s->concurrency = (uint32_t)conc;
	s->act_us = (uint32_t)act;
	if ((t = cli_kv_get(kv, "dialect")) != NULL &&
	    cli_parse_dialect(t, &s->dialect) < 0) {
		set_err(err, errlen, "bad dialect '%s' (seed-2023 or 1.4)", t);
		return -EINVAL;
	}
	return 0;
}

void
cli_model_params(const struct cli_model_spec *s, struct vpf_model_params *mp)
{
	mp->name = s->name;
	if (s->vfs)
		mp->num_vfs = s->vfs;
	if (s->vqs)
		mp->num_qp = s->vqs;
	mp->seed = s->seed;
	mp->bdf = s->bdf;
	mp->dialect = s->dialect;
	if (s->service_us > 0 || s->act_us > 0) {
		mp->threaded = true;
		mp->service_time_us = s->service_us;
		mp->activation_us_per_field = s->act_us;
	}
	if (s->concurrency > 0)
		mp->concurrency = s->concurrency;
}

int
cli_first_cpu(void)
{
	cpu_set_t set;
	int i;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (i = 0; i < CPU_SETSIZE; i++)
			if (CPU_ISSET(i, &set))
				return i;
	return 0;
}
