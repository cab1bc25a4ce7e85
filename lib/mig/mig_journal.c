/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * The per-PF journal of VFs whose migration completed (doc/migration.md,
 * "Crash safety"; decisions D-JRN.n in doc/protocol.md §8). One small file
 * per PF, named after its identity (address and instance), rewritten
 * whole at every change: a temporary file is written and fsynced, renamed
 * over the journal, and the directory fsynced, so a crash leaves either
 * the old journal or the new one. The file is untrusted input when read
 * back: every length is checked, and a file that does not check out is
 * never taken as "nothing migrated" (mig_attach.c decides what then).
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mig_journal.h"

struct mig_journal {
	enum mig_jrn_state state;
	bool was_bad;		/* the file found at attach did not check out */
	int dirfd;		/* -1 unless usable */
	char dir[400];
	char name[96];		/* "<addr>-<instance>.vpfj" */
	char addr[MIG_JRN_ADDR_LEN];
	uint64_t instance;
	uint64_t gen;		/* generation of the file last read/written */
	uint16_t nvfs;
	uint32_t n;		/* entries */
	uint64_t *bm;		/* bit vf - 1: VF has an entry */
	uint64_t *sbm;		/* bit vf - 1: VF has a stop mark (1.4) */
	uint64_t *sgen;		/* [vf - 1]: mgen when its mark was set */
	uint32_t ns;		/* stop marks */
	uint64_t *t;		/* [vf - 1]: when it completed (realtime ns) */
	uint8_t *buf;		/* the file being written: room for nvfs */
	char why[1024];		/* why off or unusable */
	/* a write off the caller's thread (mig_journal_write_start()) */
	pthread_t th;
	void (*thread_init)(void *);	/* vpf_mig_params::thread_init */
	void *thread_arg;
	bool bg;		/* started, not collected */
	atomic_bool bg_done;
	int bg_rc;
	const char *bg_step;
	size_t bg_len;		/* of buf; 0: remove the file */
	/* Group commit of stop marks (D-MIG14.23): every change in memory
	 * counts in mgen; a write that ended (well or not) covered the
	 * changes up to done_gen; VFs wait for want. */
	uint64_t mgen;
	uint64_t done_gen;
	uint64_t bg_mgen;	/* mgen when the background write was built */
	uint64_t want;
	int done_rc;		/* the last write's result */
};

/* ---------------------------------------------------------------------------
 * Parsing (pure)
 * ------------------------------------------------------------------------- */

typedef int (*jrn_each_t)(void *arg, uint16_t vf, uint64_t t_ns);

/* mig_journal_parse(), and @p each_stop (may be NULL) for every stop mark
 * (an entry with MIG_JRN_F_STOPPED; @p each sees the others). */
static int
parse(const uint8_t *buf, size_t len, struct mig_jrn_parsed *out,
      jrn_each_t each, jrn_each_t each_stop, void *arg, char *why,
      size_t whylen)
{
	uint32_t n, i, crc;
	uint16_t ver, prev = 0;
	const uint8_t *e;

	memset(out, 0, sizeof(*out));
	if (len < MIG_JRN_HDR + 4u) {
		snprintf(why, whylen, "%zu bytes: shorter than a header", len);
		return -EBADMSG;
	}
	if (len > MIG_JRN_MAX_SIZE) {
		snprintf(why, whylen, "%zu bytes: larger than any journal (%u)",
			 len, (unsigned int)MIG_JRN_MAX_SIZE);
		return -EBADMSG;
	}
	if (memcmp(buf, MIG_JRN_MAGIC, 8) != 0) {
		snprintf(why, whylen, "not a vpf journal (magic)");
		return -EBADMSG;
	}
	crc = mig_crc32c(0, buf, len - 4);
	if (crc != vpf_le32_load(buf + len - 4)) {
		snprintf(why, whylen, "checksum mismatch (CRC-32C 0x%08x, file says 0x%08x)",
			 crc, vpf_le32_load(buf + len - 4));
		return -EBADMSG;
	}
	ver = vpf_le16_load(buf + MIG_JRN_OFF_VERSION);
	if (ver != MIG_JRN_VERSION) {
		snprintf(why, whylen, "version %u (this vpf reads %u)", ver,
			 MIG_JRN_VERSION);
		return -EPROTONOSUPPORT;
	}
	if (vpf_le16_load(buf + MIG_JRN_OFF_HDRLEN) != MIG_JRN_HDR) {
		snprintf(why, whylen, "header length %u (expected %u)",
			 vpf_le16_load(buf + MIG_JRN_OFF_HDRLEN), MIG_JRN_HDR);
		return -EBADMSG;
	}
	n = vpf_le32_load(buf + MIG_JRN_OFF_COUNT);
	/* n is bounded before it is multiplied: no overflow. */
	if (n > MIG_JRN_MAX_ENTRIES ||
	    (uint64_t)MIG_JRN_HDR + (uint64_t)n * MIG_JRN_ENTRY + 4u != len) {
		snprintf(why, whylen, "%" PRIu32 " entries do not fill %zu bytes",
			 n, len);
		return -EBADMSG;
	}
	if (buf[MIG_JRN_OFF_ADDR + MIG_JRN_ADDR_LEN - 1] != '\0') {
		snprintf(why, whylen, "address not terminated");
		return -EBADMSG;
	}
	out->instance = vpf_le64_load(buf + MIG_JRN_OFF_INSTANCE);
	memcpy(out->addr, buf + MIG_JRN_OFF_ADDR, MIG_JRN_ADDR_LEN);
	out->gen = vpf_le64_load(buf + MIG_JRN_OFF_GEN);
	out->n = n;
	for (i = 0, e = buf + MIG_JRN_HDR; i < n; i++, e += MIG_JRN_ENTRY) {
		uint16_t vf = vpf_le16_load(e);

		if (vf == 0 || vf <= prev) {
			snprintf(why, whylen, "entry %" PRIu32 ": VF %u %s", i,
				 vf, vf == 0 ? "is not a VF" : "out of order");
			return -EBADMSG;
		}
		if ((vpf_le16_load(e + 2) & ~MIG_JRN_F_STOPPED) != 0 ||
		    vpf_le32_load(e + 4) != 0) {
			snprintf(why, whylen, "entry %" PRIu32 ": reserved bits set",
				 i);
			return -EBADMSG;
		}
		prev = vf;
		if (vpf_le16_load(e + 2) & MIG_JRN_F_STOPPED) {
			if (each_stop != NULL &&
			    each_stop(arg, vf, vpf_le64_load(e + 8)) != 0)
				break;
			continue;
		}
		if (each != NULL && each(arg, vf, vpf_le64_load(e + 8)) != 0)
			break;
	}
	return 0;
}

int
mig_journal_parse(const uint8_t *buf, size_t len, struct mig_jrn_parsed *out,
		  int (*each)(void *arg, uint16_t vf, uint64_t t_ns),
		  void *arg, char *why, size_t whylen)
{
	return parse(buf, len, out, each, NULL, arg, why, whylen);
}

/* ---------------------------------------------------------------------------
 * Open, load
 * ------------------------------------------------------------------------- */

static bool
bit_get(const uint64_t *bm, uint16_t vf)
{
	return (bm[(vf - 1u) / 64] >> ((vf - 1u) % 64)) & 1u;
}

static void
bit_put(uint64_t *bm, uint16_t vf, bool on)
{
	uint64_t b = UINT64_C(1) << ((vf - 1u) % 64);

	if (on)
		bm[(vf - 1u) / 64] |= b;
	else
		bm[(vf - 1u) / 64] &= ~b;
}

/* mkdir -p @p path (0755). @return 0 or a negative errno. */
static int
mkdir_p(const char *path)
{
	char p[sizeof(((struct mig_journal *)0)->dir)];
	size_t i, len = strlen(path);

	if (len == 0 || len >= sizeof(p))
		return -ENAMETOOLONG;
	memcpy(p, path, len + 1);
	for (i = 1; i <= len; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -errno;
		p[i] = i < len ? '/' : '\0';
	}
	return 0;
}

/* An identity address usable in a file name: [0-9A-Za-z:._-], 1..31. */
static bool
addr_ok(const char *a)
{
	size_t i, n = strlen(a);

	if (n == 0 || n >= MIG_JRN_ADDR_LEN || a[0] == '.')
		return false;
	for (i = 0; i < n; i++) {
		char c = a[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z') || c == ':' || c == '.' ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

struct load_ctx {
	struct vpf_mig *m;
	struct mig_journal *j;
	unsigned int beyond;
};

static int
load_entry(void *arg, uint16_t vf, uint64_t t_ns)
{
	struct load_ctx *lc = arg;
	struct mig_journal *j = lc->j;

	if (vf > j->nvfs) {
		/* The PF has fewer VFs now: that VF was destroyed with
		 * its state (VF Enable cleared); nothing of it can resume. */
		lc->beyond++;
		return 0;
	}
	bit_put(j->bm, vf, true);
	j->t[vf - 1] = t_ns;
	j->n++;
	return 0;
}

static int
load_stop(void *arg, uint16_t vf, uint64_t t_ns)
{
	struct load_ctx *lc = arg;
	struct mig_journal *j = lc->j;

	(void)t_ns;
	if (vf > j->nvfs)
		return 0;
	bit_put(j->sbm, vf, true);
	j->ns++;
	return 0;
}

/* Read the journal file, at most MIG_JRN_MAX_SIZE + 1 bytes. @return 0
 * (then *@p buf, *@p len), 1 no file, or a negative errno (@p why). */
static int
read_file(struct mig_journal *j, uint8_t **buf, size_t *len, char *why,
	  size_t whylen)
{
	struct stat st;
	size_t cap, got = 0;
	uint8_t *b;
	int fd, e;

	/* O_NONBLOCK: a FIFO put in its place must not hang the attach;
	 * O_NOFOLLOW: nor may a symbolic link point it elsewhere. */
	fd = openat(j->dirfd, j->name,
		    O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		e = errno;
		snprintf(why, whylen, "cannot open it: %s", strerror(e));
		return -e;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(why, whylen, "not a regular file");
		return -EBADMSG;
	}
	if (st.st_size < 0 || (uint64_t)st.st_size > MIG_JRN_MAX_SIZE) {
		close(fd);
		snprintf(why, whylen, "%lld bytes: larger than any journal",
			 (long long)st.st_size);
		return -EBADMSG;
	}
	cap = (size_t)st.st_size + 1;
	b = malloc(cap);
	if (b == NULL) {
		close(fd);
		return -ENOMEM;
	}
	/* Bounded by cap whatever the file does meanwhile. */
	while (got < cap) {
		ssize_t r = read(fd, b + got, cap - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = errno;
			free(b);
			close(fd);
			snprintf(why, whylen, "read failed: %s", strerror(e));
			return -e;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	*buf = b;
	*len = got;
	return 0;
}

/*
 * The journal file did not check out (D-JRN.3). Without a scan nothing
 * can replace it safely: it stays, and the journal is unusable (nothing
 * written over it). With a scan, the attach records every VF it finds
 * outside Active in a new journal; the bad file is kept beside it as
 * "<name>.bad" (a hard link, so the journal's own name never goes
 * missing: if the new one cannot be written, the next attach still finds
 * the bad one).
 */
static void
keep_bad(struct vpf_mig *m, struct mig_journal *j, bool scan)
{
	char bad[sizeof(j->name) + 8];

	if (!scan) {
		j->state = MIG_JRN_UNUSABLE;
		snprintf(j->why + strlen(j->why), sizeof(j->why) - strlen(j->why),
			 " (left as is: attach with a scan to rebuild it)");
		return;
	}
	snprintf(bad, sizeof(bad), "%s.bad", j->name);
	(void)unlinkat(j->dirfd, bad, 0);
	if (linkat(j->dirfd, j->name, j->dirfd, bad, 0) < 0)
		MIG_LOG(WARNING, m->pf, "journal %s/%s could not be kept as %s: %s",
			j->dir, j->name, bad, strerror(errno));
	else
		MIG_LOG(WARNING, m->pf, "journal %s/%s kept as %s", j->dir,
			j->name, bad);
}

/* Load the entries of the journal file of @p m. */
static void
load(struct vpf_mig *m, struct mig_journal *j, bool scan)
{
	struct load_ctx lc = { m, j, 0 };
	struct mig_jrn_parsed ps;
	char why[200] = "";
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	rc = read_file(j, &buf, &len, why, sizeof(why));
	if (rc == 1)
		return;
	if (rc == -ENOMEM) {
		snprintf(why, sizeof(why), "out of memory");
		rc = -EBADMSG;
	}
	if (rc == 0) {
		rc = mig_journal_parse(buf, len, &ps, NULL, NULL, why,
				       sizeof(why));
		if (rc == 0 && (ps.instance != j->instance ||
				strcmp(ps.addr, j->addr) != 0)) {
			snprintf(why, sizeof(why),
				 "written for %s instance %016" PRIx64,
				 ps.addr, ps.instance);
			rc = -EBADMSG;
		}
		if (rc == 0)
			(void)parse(buf, len, &ps, load_entry, load_stop, &lc,
				    why, sizeof(why));
	}
	free(buf);
	if (rc < 0) {
		memset(j->bm, 0, ((j->nvfs + 63u) / 64) * sizeof(uint64_t));
		memset(j->sbm, 0, ((j->nvfs + 63u) / 64) * sizeof(uint64_t));
		j->n = 0;
		j->ns = 0;
		j->was_bad = true;
		snprintf(j->why, sizeof(j->why), "%s/%s: %s", j->dir, j->name,
			 why);
		MIG_LOG(ERR, m->pf,
			"journal %s is unreadable or corrupt: no VF it may list will be resumed",
			j->why);
		keep_bad(m, j, scan);
		return;
	}
	j->gen = ps.gen;
	if (lc.beyond)
		MIG_LOG(WARNING, m->pf,
			"journal %s/%s: %u entries for VFs beyond NumVFs %u dropped",
			j->dir, j->name, lc.beyond, j->nvfs);
	if (j->n)
		MIG_LOG(INFO, m->pf, "journal %s/%s: %u VFs migrated away",
			j->dir, j->name, j->n);
}

static void
jrn_free(struct mig_journal *j)
{
	if (j->bg)
		(void)pthread_join(j->th, NULL);
	if (j->dirfd >= 0)
		close(j->dirfd);
	free(j->bm);
	free(j->sbm);
	free(j->sgen);
	free(j->t);
	free(j->buf);
	free(j);
}

int
mig_journal_open(struct vpf_mig *m, const char *dir, bool scan)
{
	struct mig_journal *j;
	char addr[VPF_PF_ADDR_LEN];
	uint16_t nw;
	int rc;

	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return vpf_error(-ENOMEM, "out of memory");
	j->dirfd = -1;
	j->nvfs = m->nvfs;
	j->thread_init = m->prm.thread_init;
	j->thread_arg = m->prm.thread_arg;
	nw = (uint16_t)((m->nvfs + 63u) / 64);
	j->bm = calloc(nw ? nw : 1, sizeof(uint64_t));
	j->sbm = calloc(nw ? nw : 1, sizeof(uint64_t));
	j->sgen = calloc(m->nvfs ? m->nvfs : 1, sizeof(uint64_t));
	j->t = calloc(m->nvfs ? m->nvfs : 1, sizeof(uint64_t));
	j->buf = malloc(MIG_JRN_HDR + (size_t)m->nvfs * MIG_JRN_ENTRY + 4u);
	if (j->bm == NULL || j->sbm == NULL || j->sgen == NULL ||
	    j->t == NULL || j->buf == NULL) {
		jrn_free(j);
		return vpf_error(-ENOMEM, "out of memory");
	}
	m->jrn = j;
	if (dir == NULL) {
		dir = secure_getenv("VPF_JOURNAL_DIR");
		if (dir == NULL || dir[0] == '\0')
			dir = VPF_MIG_JOURNAL_DIR_DEFAULT;
	}
	if (dir[0] == '\0') {
		snprintf(j->why, sizeof(j->why), "turned off (journal_dir \"\")");
		MIG_LOG(WARNING, m->pf,
			"migration journal turned off: a restarted owner cannot tell migrated VFs from interrupted ones");
		return 0;
	}
	if (vpf_pf_identity(m->pf, addr, sizeof(addr), &j->instance) < 0 ||
	    !addr_ok(addr)) {
		snprintf(j->why, sizeof(j->why), "the PF has no identity: %s",
			 addr[0] ? "address unusable in a file name" :
			 vpf_last_error());
		MIG_LOG(WARNING, m->pf, "no migration journal: %s", j->why);
		return 0;
	}
	memcpy(j->addr, addr, sizeof(j->addr));
	snprintf(j->name, sizeof(j->name), "%s-%016" PRIx64 ".vpfj", addr,
		 j->instance);
	j->state = MIG_JRN_UNUSABLE;
	if (strlen(dir) >= sizeof(j->dir)) {
		snprintf(j->why, sizeof(j->why), "directory name too long");
		goto unusable;
	}
	snprintf(j->dir, sizeof(j->dir), "%s", dir);
	rc = mkdir_p(dir);
	if (rc == 0) {
		j->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		rc = j->dirfd < 0 ? -errno : 0;
	}
	if (rc < 0) {
		snprintf(j->why, sizeof(j->why), "cannot open directory %s: %s",
			 dir, strerror(-rc));
		goto unusable;
	}
	j->state = MIG_JRN_OK;
	load(m, j, scan);
	return 0;
unusable:
	MIG_LOG(ERR, m->pf,
		"migration journal unusable (%s): VFs found outside Active are not resumed, and completed migrations are not recorded",
		j->why);
	return 0;
}

void
mig_journal_close(struct vpf_mig *m)
{
	if (m->jrn != NULL)
		jrn_free(m->jrn);
	m->jrn = NULL;
}

enum mig_jrn_state
mig_journal_state(const struct vpf_mig *m)
{
	return m->jrn != NULL ? m->jrn->state : MIG_JRN_OFF;
}

bool
mig_journal_was_bad(const struct vpf_mig *m)
{
	return m->jrn != NULL && m->jrn->was_bad;
}

bool
mig_journal_has(const struct vpf_mig *m, uint16_t vf)
{
	const struct mig_journal *j = m->jrn;

	return j != NULL && vf >= 1 && vf <= j->nvfs && bit_get(j->bm, vf);
}

bool
mig_journal_set(struct vpf_mig *m, uint16_t vf, bool on)
{
	struct mig_journal *j = m->jrn;
	struct timespec ts;

	if (j == NULL || j->state != MIG_JRN_OK || vf < 1 || vf > j->nvfs ||
	    bit_get(j->bm, vf) == on)
		return false;
	bit_put(j->bm, vf, on);
	j->mgen++;
	if (on) {
		clock_gettime(CLOCK_REALTIME, &ts);
		j->t[vf - 1] = (uint64_t)ts.tv_sec * 1000000000u +
			       (uint64_t)ts.tv_nsec;
		j->n++;
	} else {
		j->n--;
	}
	return true;
}

/* ---------------------------------------------------------------------------
 * Write
 * ------------------------------------------------------------------------- */

static size_t
build(struct mig_journal *j)
{
	uint8_t *b = j->buf, *e = b + MIG_JRN_HDR;
	uint32_t vf, cnt = 0;
	size_t len;

	memset(b, 0, MIG_JRN_HDR);
	memcpy(b, MIG_JRN_MAGIC, 8);
	vpf_le16_store(b + MIG_JRN_OFF_VERSION, MIG_JRN_VERSION);
	vpf_le16_store(b + MIG_JRN_OFF_HDRLEN, MIG_JRN_HDR);
	vpf_le64_store(b + MIG_JRN_OFF_INSTANCE, j->instance);
	memcpy(b + MIG_JRN_OFF_ADDR, j->addr, strlen(j->addr));
	vpf_le64_store(b + MIG_JRN_OFF_GEN, j->gen + 1);
	for (vf = 1; vf <= j->nvfs; vf++) {
		bool done = bit_get(j->bm, (uint16_t)vf);

		/* A VF that migrated away needs no stop mark: its entry
		 * says more. */
		if (!done && !bit_get(j->sbm, (uint16_t)vf))
			continue;
		memset(e, 0, MIG_JRN_ENTRY);
		vpf_le16_store(e, (uint16_t)vf);
		vpf_le16_store(e + 2, done ? 0 : MIG_JRN_F_STOPPED);
		vpf_le64_store(e + 8, done ? j->t[vf - 1] : 0);
		e += MIG_JRN_ENTRY;
		cnt++;
	}
	vpf_le32_store(b + MIG_JRN_OFF_COUNT, cnt);
	len = (size_t)(e - b);
	vpf_le32_store(e, mig_crc32c(0, b, len));
	return len + 4u;
}

static int
write_all(int fd, const uint8_t *b, size_t len)
{
	while (len) {
		ssize_t w = write(fd, b, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		b += w;
		len -= (size_t)w;
	}
	return 0;
}

/*
 * The file's I/O: @p len bytes of j->buf to the journal durably, or with
 * @p len 0 the file removed durably. Only system calls: it runs on the
 * caller's thread or on a writer thread. @return 0 or a negative errno
 * with the step that failed in *@p step.
 */
static int
write_image(struct mig_journal *j, size_t len, const char **step)
{
	char tmp[sizeof(j->name) + 8];
	int fd, rc;

	if (len == 0) {
		/* Nothing migrated away: no file (a removal made durable as
		 * a rename is). */
		*step = "remove";
		if (unlinkat(j->dirfd, j->name, 0) < 0 && errno != ENOENT)
			return -errno;
		*step = "fsync the directory of";
		return fsync(j->dirfd) < 0 ? -errno : 0;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", j->name);
	*step = "create";
	fd = openat(j->dirfd, tmp,
		    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	rc = write_all(fd, j->buf, len);
	*step = "write";
	if (rc == 0) {
		*step = "fsync";
		rc = fsync(fd) < 0 ? -errno : 0;
	}
	if (close(fd) < 0 && rc == 0) {
		*step = "close";
		rc = -errno;
	}
	if (rc == 0) {
		*step = "rename";
		rc = renameat(j->dirfd, tmp, j->dirfd, j->name) < 0 ? -errno : 0;
	}
	if (rc < 0) {
		(void)unlinkat(j->dirfd, tmp, 0);
		return rc;
	}
	*step = "fsync the directory of";
	return fsync(j->dirfd) < 0 ? -errno : 0;
}

/* The outcome of a write of @p len bytes (0: removal): the generation
 * moves on when the file was replaced; a failure is reported. */
static int
write_result(struct vpf_mig *m, size_t len, int rc, const char *step)
{
	struct mig_journal *j = m->jrn;

	/* The rename is what replaces the generation on disk; a failure
	 * after it (the directory's fsync) still left the new file. */
	if (len > 0 && (rc == 0 || strcmp(step, "fsync the directory of") == 0))
		j->gen++;
	if (rc == 0)
		return 0;
	rc = vpf_error(rc, "%s: cannot %s the migration journal %s/%s: %s",
		       vpf_pf_name(m->pf), step, j->dir, j->name,
		       strerror(-rc));
	MIG_LOG(ERR, m->pf, "%s", vpf_last_error());
	return rc;
}

static void *
writer_main(void *arg)
{
	struct mig_journal *j = arg;

	if (j->thread_init != NULL)
		j->thread_init(j->thread_arg);
	j->bg_rc = write_image(j, j->bg_len, &j->bg_step);
	atomic_store_explicit(&j->bg_done, true, memory_order_release);
	return NULL;
}

/* Collect a write started by mig_journal_write_start(), waiting for it
 * if @p wait. @return its result, or -EINPROGRESS. */
static int
bg_collect(struct vpf_mig *m, bool wait)
{
	struct mig_journal *j = m->jrn;

	if (j == NULL || !j->bg)
		return 0;
	if (!wait &&
	    !atomic_load_explicit(&j->bg_done, memory_order_acquire))
		return -EINPROGRESS;
	(void)pthread_join(j->th, NULL);
	j->bg = false;
	if (j->bg_mgen > j->done_gen)
		j->done_gen = j->bg_mgen;
	j->done_rc = j->bg_rc;
	return write_result(m, j->bg_len, j->bg_rc, j->bg_step);
}

/* The state check shared by both ways of writing. @return 1 to write,
 * 0 when there is nothing to write (journal off), or a negative errno. */
static int
write_check(struct vpf_mig *m)
{
	struct mig_journal *j = m->jrn;

	if (j == NULL || j->state == MIG_JRN_OFF)
		return 0;
	if (j->state != MIG_JRN_OK)
		return vpf_error(-EIO, "%s: migration journal unusable: %s",
				 vpf_pf_name(m->pf), j->why);
	return 1;
}

int
mig_journal_write(struct vpf_mig *m)
{
	struct mig_journal *j = m->jrn;
	const char *step = "write";
	uint64_t gen;
	size_t len;
	int rc;

	/* A write in the background lands first: the files are whole
	 * snapshots, and the newest must be renamed last. */
	(void)bg_collect(m, true);
	rc = write_check(m);
	if (rc <= 0)
		return rc;
	len = j->n || j->ns ? build(j) : 0;
	gen = j->mgen;
	rc = write_image(j, len, &step);
	if (gen > j->done_gen)
		j->done_gen = gen;
	j->done_rc = rc;
	return write_result(m, len, rc, step);
}

int
mig_journal_write_start(struct vpf_mig *m)
{
	struct mig_journal *j = m->jrn;
	int rc;

	(void)bg_collect(m, true);
	rc = write_check(m);
	if (rc <= 0)
		return rc;
	j->bg_len = j->n || j->ns ? build(j) : 0;
	j->bg_mgen = j->mgen;
	j->bg_step = "write";
	atomic_store_explicit(&j->bg_done, false, memory_order_relaxed);
	if (pthread_create(&j->th, NULL, writer_main, j) != 0) {
		/* No thread: the write is made here, as before. */
		rc = write_image(j, j->bg_len, &j->bg_step);
		if (j->bg_mgen > j->done_gen)
			j->done_gen = j->bg_mgen;
		j->done_rc = rc;
		return write_result(m, j->bg_len, rc, j->bg_step);
	}
	j->bg = true;
	return 1;
}

int
mig_journal_write_done(struct vpf_mig *m)
{
	return bg_collect(m, false);
}

/* ---------------------------------------------------------------------------
 * The marks
 * ------------------------------------------------------------------------- */

int
mig_vf_mark_complete(struct mig_vf *v)
{
	struct vpf_mig *m = v->m;
	int rc;

	v->complete = true;
	if (mig_journal_state(m) == MIG_JRN_OFF || mig_journal_has(m, v->vf))
		return 0;
	if (mig_journal_state(m) != MIG_JRN_OK) {
		rc = vpf_error(-EIO, "%s: VF %u migrated away but the journal is unusable (%s): a restarted owner will not know",
			       vpf_pf_name(m->pf), v->vf, m->jrn->why);
		MIG_LOG(ERR, m->pf, "%s", vpf_last_error());
		return rc;
	}
	mig_journal_set(m, v->vf, true);
	rc = mig_journal_write(m);
	if (rc < 0) {
		/* The file does not have it: neither does the memory. */
		mig_journal_set(m, v->vf, false);
		MIG_LOG(ERR, m->pf,
			"VF %u migrated away but is not in the journal: a restarted owner will not know",
			v->vf);
	}
	return rc;
}

void
mig_vf_clear_complete(struct mig_vf *v)
{
	struct vpf_mig *m = v->m;

	v->complete = false;
	if (!mig_journal_set(m, v->vf, false))
		return;
	/* Left in the file, the entry is stale: the next attach finds the
	 * VF running and drops it. */
	if (mig_journal_write(m) < 0)
		MIG_LOG(WARNING, m->pf,
			"VF %u runs here again; its journal entry stays until the next attach",
			v->vf);
}

/* ---------------------------------------------------------------------------
 * Stop marks (the virtio 1.4 dialect, D-MIG14.3)
 * ------------------------------------------------------------------------- */

bool
mig_journal_stopped(const struct vpf_mig *m, uint16_t vf)
{
	const struct mig_journal *j = m->jrn;

	return j != NULL && vf >= 1 && vf <= j->nvfs && bit_get(j->sbm, vf);
}

bool
mig_journal_stop_set(struct vpf_mig *m, uint16_t vf, bool on)
{
	struct mig_journal *j = m->jrn;

	if (j == NULL || j->state != MIG_JRN_OK || vf < 1 || vf > j->nvfs ||
	    bit_get(j->sbm, vf) == on)
		return false;
	bit_put(j->sbm, vf, on);
	j->mgen++;
	j->sgen[vf - 1] = j->mgen;
	if (on)
		j->ns++;
	else
		j->ns--;
	return true;
}

int
mig_stop_intent_batch(struct vpf_mig *m, const uint16_t *vfs, unsigned int n)
{
	bool any = false;
	unsigned int i;
	int rc;

	if (m == NULL || (vfs == NULL && n))
		return vpf_error(-EINVAL, "stop marks: bad arguments");
	if (!mig_is_v14(m) || mig_journal_state(m) != MIG_JRN_OK)
		return 0;
	for (i = 0; i < n; i++)
		any |= mig_journal_stop_set(m, vfs[i], true);
	if (!any)
		return 0;
	rc = mig_journal_write(m);
	if (rc < 0) {
		for (i = 0; i < n; i++)
			(void)mig_journal_stop_set(m, vfs[i], false);
		MIG_LOG(WARNING, m->pf,
			"stop marks not journaled: a restarted owner resumes these VFs without reporting them");
	}
	return rc;
}

int
mig_vf_stop_intent(struct mig_vf *v)
{
	return mig_stop_intent_batch(v->m, &v->vf, 1);
}

/* ---------------------------------------------------------------------------
 * Public calls
 * ------------------------------------------------------------------------- */

int
vpf_mig_journal_forget(struct vpf_mig *m, uint16_t vf)
{
	struct mig_vf *v = mig_vf_get(m, vf);
	int rc;

	if (v == NULL)
		return -EINVAL;
	if (!mig_journal_set(m, vf, false)) {
		v->complete = false;
		return 0;
	}
	rc = mig_journal_write(m);
	if (rc < 0) {
		mig_journal_set(m, vf, true);
		return rc;
	}
	v->complete = false;
	MIG_LOG(WARNING, m->pf,
		"VF %u: journal entry dropped by the operator: nothing stops it from resuming here now",
		vf);
	return 0;
}

int
vpf_mig_journal_remove(struct vpf_mig *m)
{
	struct mig_journal *j;
	uint16_t vf;

	if (m == NULL)
		return vpf_error(-EINVAL, "vpf_mig_journal_remove: no migration layer");
	j = m->jrn;
	if (j == NULL || j->state != MIG_JRN_OK)
		return 0;
	for (vf = 1; vf <= j->nvfs; vf++) {
		(void)mig_journal_set(m, vf, false);
		(void)mig_journal_stop_set(m, vf, false);
	}
	/* With no entry left, a write is the durable removal of the file. */
	return mig_journal_write(m);
}

/* @p a @p b @p c into @p out, cut to @p n bytes. */
static void
copy_cut(char *out, size_t n, const char *a, const char *b, const char *c)
{
	size_t o = 0;
	const char *parts[3] = { a, b, c };
	unsigned int i;

	for (i = 0; i < 3; i++) {
		size_t l = strlen(parts[i]);

		if (l > n - 1 - o)
			l = n - 1 - o;
		memcpy(out + o, parts[i], l);
		o += l;
	}
	out[o] = '\0';
}

int
vpf_mig_journal_info_get(const struct vpf_mig *m,
			 struct vpf_mig_journal_info *ji)
{
	const struct mig_journal *j;

	if (m == NULL || ji == NULL)
		return vpf_error(-EINVAL, "journal info: bad arguments");
	memset(ji, 0, sizeof(*ji));
	j = m->jrn;
	if (j == NULL)
		return 0;
	ji->enabled = j->state != MIG_JRN_OFF;
	ji->usable = j->state == MIG_JRN_OK;
	ji->was_bad = j->was_bad;
	ji->entries = j->n;
	ji->generation = j->gen;
	ji->instance = j->instance;
	snprintf(ji->addr, sizeof(ji->addr), "%s", j->addr);
	if (ji->enabled)
		copy_cut(ji->path, sizeof(ji->path), j->dir, "/", j->name);
	if (!ji->usable || j->was_bad)
		copy_cut(ji->error, sizeof(ji->error), j->why, "", "");
	return 0;
}

/* ---------------------------------------------------------------------------
 * Group commit of stop marks (D-MIG14.23)
 * ------------------------------------------------------------------------- */

int
mig_stop_mark_async(struct mig_vf *v)
{
	struct vpf_mig *m = v->m;
	struct mig_journal *j = m->jrn;

	if (v->jwait_gen != 0) {
		if (j == NULL || j->done_gen >= v->jwait_gen) {
			if (j != NULL && j->done_rc < 0)
				MIG_LOG(WARNING, m->pf,
					"VF %u: stop mark not journaled: a restarted owner resumes it without reporting it",
					v->vf);
			v->jwait_gen = 0;
			return 0;
		}
		return 1;
	}
	if (!mig_is_v14(m) || mig_journal_state(m) != MIG_JRN_OK)
		return 0;
	(void)mig_journal_stop_set(m, v->vf, true);
	/* (the change that set it: a mark set by an earlier write, e.g. a
	 * job's setup, needs nothing more) */
	if (j->done_gen >= j->sgen[v->vf - 1])
		return 0;		/* already durable */
	v->jwait_gen = j->sgen[v->vf - 1];
	if (j->want < v->jwait_gen)
		j->want = v->jwait_gen;
	/* The write starts at the end of the poll (mig_jwait_run()), so
	 * that every stop issued before it shares it. */
	return 1;
}

bool
mig_journal_pump(struct vpf_mig *m)
{
	struct mig_journal *j = m->jrn;

	if (j == NULL || j->want <= j->done_gen)
		return false;
	if (j->bg && bg_collect(m, false) == -EINPROGRESS)
		return false;
	if (j->want > j->done_gen && !j->bg &&
	    mig_journal_write_start(m) <= 0 && j->want > j->done_gen) {
		/* nothing could be written (the journal became unusable):
		 * the waiters go on, their marks not durable */
		j->done_gen = j->want;
		j->done_rc = -EIO;
	}
	return true;
}

bool
mig_journal_covers(const struct vpf_mig *m, uint64_t gen)
{
	return m->jrn == NULL || m->jrn->done_gen >= gen;
}

int
vpf_mig_stop_prepare(struct vpf_mig *m, const uint16_t *vfs, unsigned int n)
{
	unsigned int i;

	if (m == NULL || (vfs == NULL && n))
		return vpf_error(-EINVAL, "stop_prepare: bad arguments");
	for (i = 0; i < n; i++)
		if (mig_vf_get(m, vfs[i]) == NULL)
			return -EINVAL;
	for (i = 0; i < n; i++)
		mig_vf_prefault_stop(mig_vf_get(m, vfs[i]));
	return mig_stop_intent_batch(m, vfs, n);
}
