/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/* vpf-cli helpers: number, option and range parsing, errno names, whole
 * file reads, atomic file writes. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "../vpf_test_main.h"

#include "cli_util.h"

static void
test_errno_name(void **state)
{
	(void)state;
	assert_string_equal(cli_errno_name(EINVAL), "EINVAL");
	assert_string_equal(cli_errno_name(-ENOENT), "ENOENT");
	assert_string_equal(cli_errno_name(-EBADMSG), "EBADMSG");
	assert_string_equal(cli_errno_name(4000), "E4000");
}

static void
test_parse_u64(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(cli_parse_u64("0", false, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(cli_parse_u64("4096", false, &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(cli_parse_u64("0x10", false, &v), 0);
	assert_int_equal(v, 16);
	assert_int_equal(cli_parse_u64("4K", true, &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(cli_parse_u64("2m", true, &v), 0);
	assert_int_equal(v, 2u << 20);
	assert_int_equal(cli_parse_u64("1G", true, &v), 0);
	assert_int_equal(v, 1u << 30);
	assert_int_equal(cli_parse_u64("18446744073709551615", false, &v), 0);
	assert_true(v == UINT64_MAX);
	/* refusals */
	assert_int_equal(cli_parse_u64("4K", false, &v), -EINVAL);
	assert_int_equal(cli_parse_u64("4KB", true, &v), -EINVAL);
	assert_int_equal(cli_parse_u64("4T", true, &v), -EINVAL);
	assert_int_equal(cli_parse_u64("", false, &v), -EINVAL);
	assert_int_equal(cli_parse_u64(NULL, false, &v), -EINVAL);
	assert_int_equal(cli_parse_u64("-1", false, &v), -EINVAL);
	assert_int_equal(cli_parse_u64("+1", false, &v), -EINVAL);
	assert_int_equal(cli_parse_u64(" 1", false, &v), -EINVAL);
	assert_int_equal(cli_parse_u64("12x", false, &v), -EINVAL);
	assert_int_equal(cli_parse_u64("x", false, &v), -EINVAL);
	assert_int_equal(cli_parse_u64("18446744073709551616", false, &v),
			 -ERANGE);
	assert_int_equal(cli_parse_u64("17179869184G", true, &v), -ERANGE);
}

static void
test_parse_range(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(cli_parse_range("4", false, 1, 4, &v), 0);
	assert_int_equal(v, 4);
	assert_int_equal(cli_parse_range("5", false, 1, 4, &v), -ERANGE);
	assert_int_equal(cli_parse_range("0", false, 1, 4, &v), -ERANGE);
	assert_int_equal(v, 4);		/* untouched on failure */
	assert_int_equal(cli_parse_range("z", false, 1, 4, &v), -EINVAL);
}

static const char *const keys[] = { "chunk", "bitmap", "dirty", NULL };

static void
test_kv_parse(void **state)
{
	struct cli_kv kv;
	char err[256];

	(void)state;
	assert_int_equal(cli_kv_parse("chunk=64  bitmap=/tmp/a=b\t", " \t",
				      keys, &kv, err, sizeof(err)), 0);
	assert_int_equal(kv.n, 2);
	assert_string_equal(cli_kv_get(&kv, "chunk"), "64");
	assert_string_equal(cli_kv_get(&kv, "bitmap"), "/tmp/a=b");
	assert_null(cli_kv_get(&kv, "dirty"));

	assert_int_equal(cli_kv_parse("", " ", keys, &kv, err, sizeof(err)), 0);
	assert_int_equal(kv.n, 0);
	assert_int_equal(cli_kv_parse(NULL, " ", keys, &kv, err, sizeof(err)), 0);

	assert_int_equal(cli_kv_parse("chnk=8", " ", keys, &kv, err,
				      sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown option 'chnk'"));
	assert_int_equal(cli_kv_parse("chunk=8 chunk=16", " ", keys, &kv, err,
				      sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "given twice"));
	assert_int_equal(cli_kv_parse("chunk", " ", keys, &kv, err,
				      sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a key=value"));
	assert_int_equal(cli_kv_parse("=8", " ", keys, &kv, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(cli_kv_parse("chunk=", " ", keys, &kv, err,
				      sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "needs a value"));
	/* err may be NULL */
	assert_int_equal(cli_kv_parse("x=1", " ", keys, &kv, NULL, 0), -EINVAL);
}

static void
test_kv_parse_model_spec(void **state)
{
	static const char *const mkeys[] = { "name", "vfs", "vqs", "seed", NULL };
	struct cli_kv kv;
	char err[256], big[600];

	(void)state;
	assert_int_equal(cli_kv_parse("name=a,vfs=8,seed=3", ",", mkeys, &kv,
				      err, sizeof(err)), 0);
	assert_int_equal(kv.n, 3);
	assert_string_equal(cli_kv_get(&kv, "name"), "a");
	assert_string_equal(cli_kv_get(&kv, "vfs"), "8");
	assert_string_equal(cli_kv_get(&kv, "seed"), "3");
	assert_int_equal(cli_kv_parse("name=a,,vqs=1,", ",", mkeys, &kv, err,
				      sizeof(err)), 0);
	assert_int_equal(kv.n, 2);
	/* a value longer than CLI_KV_VAL_LEN */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "name=", 5);
	assert_int_equal(cli_kv_parse(big, ",", mkeys, &kv, err, sizeof(err)),
			 -EINVAL);
}

static void
test_ranges(void **state)
{
	static const char *const bad[] = {
		"0:0", "abc", "0:1,", ",0:1", "", "0:1:2",
	};
	struct vpf_admin_wr_range r[4];
	char err[256];
	size_t i;

	(void)state;
	assert_int_equal(cli_parse_ranges("0:1024,0x1000000:16", r, 4, err,
					  sizeof(err)), 2);
	assert_true(r[0].page_address == 0 && r[0].page_count == 1024);
	assert_true(r[1].page_address == 0x1000000 && r[1].page_count == 16);
	assert_int_equal(cli_parse_ranges("4096:1", r, 4, err, sizeof(err)), 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = cli_parse_ranges(bad[i], r, 4, err, sizeof(err));

		if (rc != -EINVAL)
			fail_msg("range list '%s': %d, not -EINVAL", bad[i], rc);
	}
	assert_int_equal(cli_parse_ranges("0:1,1:1,2:1,3:1,4:1", r, 4, err,
					  sizeof(err)), -E2BIG);
}

static void
test_fmt_size(void **state)
{
	char b[32];

	(void)state;
	cli_fmt_size(4096, b, sizeof(b));
	assert_string_equal(b, "4K");
	cli_fmt_size(2u << 20, b, sizeof(b));
	assert_string_equal(b, "2M");
	cli_fmt_size(UINT64_C(1) << 30, b, sizeof(b));
	assert_string_equal(b, "1G");
	cli_fmt_size(UINT64_C(8) << 40, b, sizeof(b));
	assert_string_equal(b, "8T");
	cli_fmt_size(1000, b, sizeof(b));
	assert_string_equal(b, "1000");
}

/* ---- files ---- */

struct tdir {
	char path[256];
};

static int
setup_dir(void **state)
{
	struct tdir *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return -1;
	snprintf(d->path, sizeof(d->path), "/tmp/vpf-cli-util-XXXXXX");
	if (mkdtemp(d->path) == NULL) {
		free(d);
		return -1;
	}
	*state = d;
	return 0;
}

static int
teardown_dir(void **state)
{
	struct tdir *d = *state;
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->path);
	if (system(cmd) != 0)
		return -1;
	free(d);
	return 0;
}

/* Number of entries in @p dir besides . and .. */
static int
count_entries(const char *dir)
{
	struct dirent *e;
	DIR *dp = opendir(dir);
	int n = 0;

	assert_non_null(dp);
	while ((e = readdir(dp)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(dp);
	return n;
}

static void
test_atomic_write(void **state)
{
	struct tdir *d = *state;
	char path[300], bad[300];
	uint8_t *buf = NULL;
	struct stat st;
	size_t len = 0;
	mode_t old;

	snprintf(path, sizeof(path), "%s/ctx.bin", d->path);
	old = umask(022);
	assert_int_equal(cli_write_file_atomic(path, "hello", 5), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(cli_read_file(path, 100, &buf, &len), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(buf, "hello", 5);
	free(buf);
	/* replaced as a whole; no temporary left behind */
	assert_int_equal(cli_write_file_atomic(path, "bye", 3), 0);
	assert_int_equal(cli_read_file(path, 100, &buf, &len), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(buf, "bye", 3);
	free(buf);
	assert_int_equal(count_entries(d->path), 1);
	/* empty file */
	assert_int_equal(cli_write_file_atomic(path, "", 0), 0);
	assert_int_equal(cli_read_file(path, 100, &buf, &len), 0);
	assert_int_equal(len, 0);
	free(buf);

	/* unwritable paths fail and create nothing */
	snprintf(bad, sizeof(bad), "%s/missing/ctx.bin", d->path);
	assert_int_equal(cli_write_file_atomic(bad, "x", 1), -ENOENT);
	snprintf(bad, sizeof(bad), "%s/ctx.bin/x", d->path);
	assert_int_equal(cli_write_file_atomic(bad, "x", 1), -ENOTDIR);
	snprintf(bad, sizeof(bad), "%s/", d->path);
	assert_int_equal(cli_write_file_atomic(bad, "x", 1), -EISDIR);
	assert_int_equal(cli_write_file_atomic("", "x", 1), -EINVAL);
	assert_int_equal(cli_write_file_atomic(d->path, "x", 1), -EISDIR);
	assert_int_equal(count_entries(d->path), 1);
}

static void
test_atomic_abort_keeps_old(void **state)
{
	struct tdir *d = *state;
	struct cli_atomic_file f;
	char path[300];
	uint8_t *buf = NULL;
	size_t len = 0;

	snprintf(path, sizeof(path), "%s/ctx.bin", d->path);
	assert_int_equal(cli_write_file_atomic(path, "complete", 8), 0);
	/* an interrupted write: data went to the temporary only */
	assert_int_equal(cli_atomic_open(&f, path), 0);
	assert_int_equal(count_entries(d->path), 2);
	assert_int_equal(cli_atomic_write(&f, "part", 4), 0);
	assert_int_equal(cli_read_file(path, 100, &buf, &len), 0);
	assert_int_equal(len, 8);
	assert_memory_equal(buf, "complete", 8);
	free(buf);
	cli_atomic_abort(&f);
	assert_int_equal(count_entries(d->path), 1);
	assert_int_equal(cli_read_file(path, 100, &buf, &len), 0);
	assert_memory_equal(buf, "complete", 8);
	free(buf);
	/* commit after abort is refused */
	assert_int_equal(cli_atomic_commit(&f), -EBADF);
	assert_int_equal(cli_atomic_write(&f, "x", 1), -EBADF);
	/* a fresh one commits */
	assert_int_equal(cli_atomic_open(&f, path), 0);
	assert_int_equal(cli_atomic_write(&f, "new", 3), 0);
	assert_int_equal(cli_atomic_commit(&f), 0);
	assert_int_equal(cli_read_file(path, 100, &buf, &len), 0);
	assert_int_equal(len, 3);
	free(buf);
	assert_int_equal(count_entries(d->path), 1);
}

/* @p path is still of type @p type (S_IFIFO, ...). */
static void
assert_type(const char *path, mode_t type)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode & S_IFMT, type);
}

static void
test_atomic_refuses_non_regular(void **state)
{
	struct tdir *d = *state;
	char dir[300], fifo[300], sock[300], node[300], ldir[300], lfifo[300];
	char reg[300], lreg[300], dangling[300];
	struct sockaddr_un sa;
	struct cli_atomic_file f;
	uint8_t *buf = NULL;
	size_t len = 0;
	int s, n;

	snprintf(dir, sizeof(dir), "%s/dir", d->path);
	snprintf(fifo, sizeof(fifo), "%s/fifo", d->path);
	snprintf(sock, sizeof(sock), "%s/sock", d->path);
	snprintf(node, sizeof(node), "%s/null", d->path);
	snprintf(ldir, sizeof(ldir), "%s/ldir", d->path);
	snprintf(lfifo, sizeof(lfifo), "%s/lfifo", d->path);
	snprintf(reg, sizeof(reg), "%s/reg", d->path);
	snprintf(lreg, sizeof(lreg), "%s/lreg", d->path);
	snprintf(dangling, sizeof(dangling), "%s/dangling", d->path);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(mkfifo(fifo, 0644), 0);
	assert_int_equal(symlink(dir, ldir), 0);
	assert_int_equal(symlink(fifo, lfifo), 0);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(s >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	assert_true(strlen(sock) < sizeof(sa.sun_path));
	strcpy(sa.sun_path, sock);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	n = 5;

	/* refused at open, before anything is created */
	assert_int_equal(cli_atomic_open(&f, dir), -EISDIR);
	assert_string_equal(f.why, "a directory, not a regular file");
	assert_int_equal(cli_atomic_open(&f, ldir), -EISDIR);
	assert_string_equal(f.why, "a symlink to a directory, not a regular file");
	assert_int_equal(cli_atomic_open(&f, fifo), -EINVAL);
	assert_string_equal(f.why, "a FIFO, not a regular file");
	assert_int_equal(cli_atomic_open(&f, lfifo), -EINVAL);
	assert_string_equal(f.why, "a symlink to a FIFO, not a regular file");
	assert_int_equal(cli_atomic_open(&f, sock), -EINVAL);
	assert_string_equal(f.why, "a socket, not a regular file");
	assert_int_equal(count_entries(d->path), n);
	/* and never replaced */
	assert_int_equal(cli_write_file_atomic(fifo, "x", 1), -EINVAL);
	assert_int_equal(cli_write_file_atomic(lfifo, "x", 1), -EINVAL);
	assert_int_equal(cli_write_file_atomic(sock, "x", 1), -EINVAL);
	assert_int_equal(cli_write_file_atomic(dir, "x", 1), -EISDIR);
	assert_type(dir, S_IFDIR);
	assert_type(fifo, S_IFIFO);
	assert_type(sock, S_IFSOCK);
	assert_type(ldir, S_IFLNK);
	assert_type(lfifo, S_IFLNK);
	assert_int_equal(count_entries(d->path), n);
	close(s);

	/* a device node (like /dev/null): mknod needs root */
	if (geteuid() == 0) {
		assert_int_equal(mknod(node, S_IFCHR | 0666, makedev(1, 3)), 0);
		n++;
		assert_int_equal(cli_atomic_open(&f, node), -EINVAL);
		assert_string_equal(f.why,
				    "a character device node, not a regular file");
		assert_int_equal(cli_write_file_atomic(node, "x", 1), -EINVAL);
		assert_type(node, S_IFCHR);
		assert_int_equal(count_entries(d->path), n);
	} else {
		print_message("not root: device node sub-check skipped\n");
	}

	/* regular files, symlinks to them and dangling symlinks are fine:
	 * rename() replaces the link itself */
	assert_int_equal(cli_write_file_atomic(reg, "old", 3), 0);
	assert_int_equal(symlink(reg, lreg), 0);
	assert_int_equal(symlink("nowhere", dangling), 0);
	assert_int_equal(cli_write_file_atomic(lreg, "new", 3), 0);
	assert_type(lreg, S_IFREG);
	assert_int_equal(cli_write_file_atomic(dangling, "new", 3), 0);
	assert_type(dangling, S_IFREG);
	assert_int_equal(cli_read_file(reg, 100, &buf, &len), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(buf, "old", 3);
	free(buf);
	assert_int_equal(count_entries(d->path), n + 3);
}

static void
test_read_file(void **state)
{
	struct tdir *d = *state;
	char path[300];
	uint8_t *buf = NULL, big[10000];
	size_t len = 0;

	snprintf(path, sizeof(path), "%s/none", d->path);
	assert_int_equal(cli_read_file(path, 100, &buf, &len), -ENOENT);
	assert_int_equal(cli_read_file(d->path, 100, &buf, &len), -EISDIR);
	memset(big, 0xa5, sizeof(big));
	snprintf(path, sizeof(path), "%s/big", d->path);
	assert_int_equal(cli_write_file_atomic(path, big, sizeof(big)), 0);
	assert_int_equal(cli_read_file(path, sizeof(big) - 1, &buf, &len),
			 -EFBIG);
	assert_int_equal(cli_read_file(path, sizeof(big), &buf, &len), 0);
	assert_int_equal(len, sizeof(big));
	assert_memory_equal(buf, big, sizeof(big));
	free(buf);
}

/* @p s parses to exactly the VFs in @p want (@p n of them). */
static void
vf_list_ok(const char *s, uint16_t num_vfs, const uint16_t *want,
	   unsigned int n)
{
	uint16_t vfs[CLI_VF_LIST_MAX];
	char err[256] = "";
	int rc;

	rc = cli_parse_vf_list(s, num_vfs, vfs, CLI_VF_LIST_MAX, err,
			       sizeof(err));
	if (rc != (int)n)
		print_error("'%s': %d (%s)\n", s, rc, err);
	assert_int_equal(rc, n);
	assert_memory_equal(vfs, want, n * sizeof(*want));
}

/* @p s is refused with @p want_rc and an error containing @p why. */
static void
vf_list_bad(const char *s, uint16_t num_vfs, unsigned int max, int want_rc,
	    const char *why)
{
	uint16_t vfs[CLI_VF_LIST_MAX];
	char err[256] = "";
	int rc;

	rc = cli_parse_vf_list(s, num_vfs, vfs, max, err, sizeof(err));
	if (rc != want_rc || strstr(err, why) == NULL)
		print_error("'%s': %d, error '%s' (want %d, '%s')\n",
			    s ? s : "(null)", rc, err, want_rc, why);
	assert_int_equal(rc, want_rc);
	assert_non_null(strstr(err, why));
}

static void
test_vf_list(void **state)
{
	static const uint16_t one[] = { 3 };
	static const uint16_t range[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint16_t list[] = { 1, 3, 5 };
	static const uint16_t mix[] = { 1, 2, 3, 7 };
	static const uint16_t order[] = { 7, 1, 2 };
	static const uint16_t edge[] = { 256 };
	uint16_t all[CLI_VF_LIST_MAX];
	char buf[64];
	unsigned int i;

	(void)state;
	vf_list_ok("3", 8, one, 1);
	vf_list_ok("1-8", 8, range, 8);
	vf_list_ok("1,3,5", 8, list, 3);
	vf_list_ok("1-3,7", 8, mix, 4);
	vf_list_ok("7,1-2", 8, order, 3);	/* the order given is kept */
	vf_list_ok("3-3", 8, one, 1);
	vf_list_ok("256", 256, edge, 1);
	for (i = 0; i < CLI_VF_LIST_MAX; i++)
		all[i] = (uint16_t)(i + 1);
	vf_list_ok("1-256", 256, all, 256);

	/* malformed */
	vf_list_bad(NULL, 8, 16, -EINVAL, "no VF given");
	vf_list_bad("", 8, 16, -EINVAL, "no VF given");
	vf_list_bad("a", 8, 16, -EINVAL, "bad VF list 'a'");
	vf_list_bad("1-", 8, 16, -EINVAL, "bad VF list '1-'");
	vf_list_bad("-3", 8, 16, -EINVAL, "bad VF list '-3'");
	vf_list_bad("1,,2", 8, 16, -EINVAL, "bad VF list '1,,2'");
	vf_list_bad("1,", 8, 16, -EINVAL, "bad VF list '1,'");
	vf_list_bad(",1", 8, 16, -EINVAL, "bad VF list ',1'");
	vf_list_bad("1-2-3", 8, 16, -EINVAL, "at '-3'");
	vf_list_bad("1 2", 8, 16, -EINVAL, "at ' 2'");
	vf_list_bad("1x2", 8, 16, -EINVAL, "at 'x2'");
	vf_list_bad("0x2", 8, 16, -EINVAL, "VF 0 in '0x2' is out of range");
	vf_list_bad("+2", 8, 16, -EINVAL, "bad VF list '+2'");
	vf_list_bad("1;2", 8, 16, -EINVAL, "at ';2'");
	/* out of range */
	vf_list_bad("0", 8, 16, -EINVAL, "VF 0 in '0' is out of range (VFs 1..8)");
	vf_list_bad("9", 8, 16, -EINVAL, "VF 9 in '9' is out of range");
	vf_list_bad("1-9", 8, 16, -EINVAL, "VF 9 in '1-9' is out of range");
	vf_list_bad("0-3", 8, 16, -EINVAL, "VF 0 in '0-3'");
	vf_list_bad("65536", 8, 16, -EINVAL, "VF 65536 in '65536' is out");
	vf_list_bad("123456", 8, 16, -EINVAL, "too large");
	vf_list_bad("99999999999999999999999", 8, 16, -EINVAL, "too large");
	vf_list_bad("1", 0, 16, -EINVAL, "the PF has no VF");
	/* reversed, duplicates */
	vf_list_bad("3-1", 8, 16, -EINVAL, "bad VF range 3-1 in '3-1' (first <= last)");
	vf_list_bad("1,1", 8, 16, -EINVAL, "VF 1 given twice in '1,1'");
	vf_list_bad("1-3,2", 8, 16, -EINVAL, "VF 2 given twice");
	vf_list_bad("1-4,3-6", 8, 16, -EINVAL, "VF 3 given twice");
	/* bounded */
	vf_list_bad("1-5", 8, 4, -E2BIG, "too many VFs in '1-5' (at most 4)");
	vf_list_bad("1,2,3,4,5", 8, 4, -E2BIG, "too many VFs");

	/* and back */
	cli_fmt_vf_list(mix, 4, buf, sizeof(buf));
	assert_string_equal(buf, "1-3,7");
	cli_fmt_vf_list(order, 3, buf, sizeof(buf));
	assert_string_equal(buf, "7,1-2");
	cli_fmt_vf_list(list, 3, buf, sizeof(buf));
	assert_string_equal(buf, "1,3,5");
	cli_fmt_vf_list(one, 1, buf, sizeof(buf));
	assert_string_equal(buf, "3");
	cli_fmt_vf_list(all, 256, buf, sizeof(buf));
	assert_string_equal(buf, "1-256");
	for (i = 0; i < 40; i++)
		all[i] = (uint16_t)(2 * i + 1);
	cli_fmt_vf_list(all, 40, buf, 16);
	assert_int_equal(strlen(buf), 15);
	assert_string_equal(buf + 12, "...");
}

/* ---- migration streams -------------------------------------------------- */

static int cancel_after;	/* cancel hook: true once it reaches 0 */

static bool
cancel_countdown(void *arg)
{
	(void)arg;
	return cancel_after >= 0 && cancel_after-- == 0;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
test_stream_file(void **state)
{
	struct tdir *d = *state;
	char path[300], none[300];
	struct cli_stream s;
	uint8_t data[10000], back[4096];
	uint64_t total = 0;
	size_t got;

	snprintf(path, sizeof(path), "%s/stream", d->path);
	snprintf(none, sizeof(none), "%s/none", d->path);
	memset(data, 0x5a, sizeof(data));
	/* a regular file is written atomically: nothing under its name
	 * until the commit, nothing left by a close without commit */
	assert_int_equal(cli_stream_open_write(&s, path, 100, NULL, NULL), 0);
	assert_false(s.fifo);
	assert_int_equal(cli_stream_write(&s, data, sizeof(data)), 0);
	assert_int_equal(access(path, F_OK), -1);
	cli_stream_close(&s);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(count_entries(d->path), 0);
	assert_int_equal(cli_stream_open_write(&s, path, 100, NULL, NULL), 0);
	assert_int_equal(cli_stream_write(&s, data, sizeof(data)), 0);
	assert_int_equal(s.bytes, sizeof(data));
	assert_int_equal(cli_stream_commit(&s), 0);
	cli_stream_close(&s);		/* after a commit: harmless */
	assert_int_equal(count_entries(d->path), 1);
	/* read back in pieces to the end */
	assert_int_equal(cli_stream_open_read(&s, path, 100, NULL, NULL), 0);
	assert_false(s.fifo);
	do {
		assert_int_equal(cli_stream_read(&s, back, sizeof(back), &got), 0);
		total += got;
	} while (got > 0);
	assert_int_equal(total, sizeof(data));
	cli_stream_close(&s);
	/* refusals */
	assert_int_equal(cli_stream_open_read(&s, none, 100, NULL, NULL),
			 -ENOENT);
	assert_int_equal(cli_stream_open_read(&s, d->path, 100, NULL, NULL),
			 -EISDIR);
	assert_int_equal(cli_stream_open_write(&s, d->path, 100, NULL, NULL),
			 -EISDIR);
	assert_int_equal(cli_stream_open_read(&s, "/dev/null", 100, NULL,
					      NULL), -EINVAL);
	assert_string_equal(s.why, "a character device node, not a regular "
			    "file or a FIFO");
	assert_int_equal(cli_stream_open_write(&s, "/dev/null", 100, NULL,
					       NULL), -EINVAL);
	assert_string_equal(s.why, "a character device node, not a regular "
			    "file or a FIFO");
	assert_int_equal(count_entries(d->path), 1);
}

static void
test_stream_fifo(void **state)
{
	struct tdir *d = *state;
	char fifo[300];
	struct cli_stream w, r;
	uint8_t data[200000], back[200000];
	size_t got, off;
	uint64_t t0;
	int rfd, wfd;

	snprintf(fifo, sizeof(fifo), "%s/fifo", d->path);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	signal(SIGPIPE, SIG_IGN);

	/* no reader: the writer waits at most wait_ms, then gives up */
	t0 = now_ms();
	assert_int_equal(cli_stream_open_write(&w, fifo, 300, NULL, NULL),
			 -ETIMEDOUT);
	assert_true(now_ms() - t0 >= 300);
	assert_true(now_ms() - t0 < 3000);
	assert_string_equal(w.why, "no reader opened the FIFO within 1 s");
	/* ... or stops when cancelled */
	cancel_after = 3;
	assert_int_equal(cli_stream_open_write(&w, fifo, 60000,
					       cancel_countdown, NULL),
			 -ECANCELED);
	assert_true(now_ms() - t0 < 3000);
	cancel_after = -1;

	/* no writer: the reader waits at most wait_ms */
	assert_int_equal(cli_stream_open_read(&r, fifo, 300, NULL, NULL), 0);
	assert_true(r.fifo);
	t0 = now_ms();
	assert_int_equal(cli_stream_read(&r, back, sizeof(back), &got),
			 -ETIMEDOUT);
	assert_true(now_ms() - t0 >= 300);
	assert_string_equal(r.why, "no writer opened the FIFO within 1 s");
	cancel_after = 2;
	r.cancel = cancel_countdown;
	assert_int_equal(cli_stream_read(&r, back, sizeof(back), &got),
			 -ECANCELED);
	r.cancel = NULL;
	cancel_after = -1;

	/* with the reader open, the writer gets in; more than the pipe
	 * holds goes through in pieces, the end is seen after the data */
	assert_int_equal(cli_stream_open_write(&w, fifo, 300, NULL, NULL), 0);
	assert_true(w.fifo);
	memset(data, 0xc3, sizeof(data));
	data[sizeof(data) - 1] = 0x3c;
	/* a full pipe and a reader that takes nothing: -ETIMEDOUT */
	t0 = now_ms();
	assert_int_equal(cli_stream_write(&w, data, sizeof(data)), -ETIMEDOUT);
	assert_true(now_ms() - t0 >= 300);
	assert_string_equal(w.why, "the reader took nothing for 1 s");
	assert_true(w.bytes > 0 && w.bytes < sizeof(data));
	off = 0;
	for (;;) {
		assert_int_equal(cli_stream_read(&r, back + off,
						 sizeof(back) - off, &got), 0);
		off += got;
		if (off == w.bytes)
			break;
		assert_true(got > 0);
	}
	assert_int_equal(cli_stream_commit(&w), 0);	/* closes */
	assert_int_equal(cli_stream_read(&r, back, sizeof(back), &got), 0);
	assert_int_equal(got, 0);			/* the end */
	cli_stream_close(&r);

	/* the reader goes away: -EPIPE */
	rfd = open(fifo, O_RDONLY | O_NONBLOCK);
	assert_true(rfd >= 0);
	assert_int_equal(cli_stream_open_write(&w, fifo, 300, NULL, NULL), 0);
	assert_int_equal(cli_stream_write(&w, data, 10), 0);
	close(rfd);
	assert_int_equal(cli_stream_write(&w, data, 10), -EPIPE);
	assert_string_equal(w.why, "the reader closed the FIFO");
	cli_stream_close(&w);

	/* a writer that came and went before the first read: the data,
	 * then the end (not a wait) */
	assert_int_equal(cli_stream_open_read(&r, fifo, 300, NULL, NULL), 0);
	wfd = open(fifo, O_WRONLY | O_NONBLOCK);
	assert_true(wfd >= 0);
	assert_int_equal(write(wfd, "abc", 3), 3);
	close(wfd);
	t0 = now_ms();
	assert_int_equal(cli_stream_read(&r, back, sizeof(back), &got), 0);
	assert_int_equal(got, 3);
	assert_int_equal(cli_stream_read(&r, back, sizeof(back), &got), 0);
	assert_int_equal(got, 0);
	assert_true(now_ms() - t0 < 200);
	cli_stream_close(&r);
	/* the FIFO is still a FIFO */
	assert_type(fifo, S_IFIFO);
}

VPF_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_errno_name),
	cmocka_unit_test(test_parse_u64),
	cmocka_unit_test(test_parse_range),
	cmocka_unit_test(test_kv_parse),
	cmocka_unit_test(test_kv_parse_model_spec),
	cmocka_unit_test(test_ranges),
	cmocka_unit_test(test_fmt_size),
	cmocka_unit_test_setup_teardown(test_atomic_write, setup_dir,
					teardown_dir),
	cmocka_unit_test_setup_teardown(test_atomic_abort_keeps_old,
					setup_dir, teardown_dir),
	cmocka_unit_test_setup_teardown(test_atomic_refuses_non_regular,
					setup_dir, teardown_dir),
	cmocka_unit_test_setup_teardown(test_read_file, setup_dir,
					teardown_dir),
	cmocka_unit_test(test_vf_list),
	cmocka_unit_test_setup_teardown(test_stream_file, setup_dir,
					teardown_dir),
	cmocka_unit_test_setup_teardown(test_stream_fifo, setup_dir,
					teardown_dir))
