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
#include <string.h>
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
					teardown_dir))
