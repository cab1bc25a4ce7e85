/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * vpfd's JSON-RPC 2.0 methods in-process: requests go through
 * vpfd_rpc_call() (the dispatch a socket connection uses, with connection
 * id 0) against two software model PFs, "src" (0000:81:00.0) and "dst"
 * (0000:82:00.0, another seed), of the draft dialect and again of the
 * virtio 1.4 dialect. Every test runs with both.
 *
 * For every method of rpc_get_methods there is a success case with the
 * result's shape checked and error cases (missing, mistyped, out of range
 * and unknown parameters, unknown PF, VF 0 and out of range, a PCI address
 * that is no VF, bdf together with pf/vf). The last test compares the
 * methods the daemon lists with the list below and with the methods this
 * run saw succeed and fail: a method added without a test fails it.
 *
 * Also: the JSON-RPC envelope, notifications, passed descriptors being
 * consumed on every path, the per-VF migration through a memfd (with the
 * 1.4 guest ring state moved as a hypervisor moves RAM), jobs, the PF
 * table's refusals, and an owner restart (pf_reattach) with a source left
 * in STOP_COPY (resumed) and with one that migrated away (left stopped).
 * Holders per connection are tested at the socket level (test/vpfd-net);
 * here only what one internal caller can do, plus a holder set directly
 * and a client vanishing (vpfd_rpc_feed()).
 */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "vpf_model.h"
#include "vpfd.h"
#include "vpf_test_main.h"

#define NVF		4u
#define SRC_BDF		"0000:81:00.0"
#define DST_BDF		"0000:82:00.0"

/* jansson's json_is_*() evaluate their argument twice: functions here,
 * since the argument is often a call. */
static bool
is_true(const json_t *j)
{
	return json_is_true(j);
}

static bool
is_null(const json_t *j)
{
	return json_is_null(j);
}

static bool
is_array(const json_t *j)
{
	return json_is_array(j);
}

static bool
is_string(const json_t *j)
{
	return json_is_string(j);
}

static bool
is_object(const json_t *j)
{
	return json_is_object(j);
}

static bool
is_boolean(const json_t *j)
{
	return json_is_boolean(j);
}

static bool
is_integer(const json_t *j)
{
	return json_is_integer(j);
}

/* ---- coverage ----------------------------------------------------------- */

/* Every method vpfd serves, sorted, and whether it can succeed here
 * (pf_attach_vfio needs a device bound to vfio-pci). */
static const struct {
	const char *name;
	bool no_success;
} methods[] = {
	{ "auth", false },
	{ "mig_job_cancel", false },
	{ "mig_job_get", false },
	{ "mig_job_list", false },
	{ "mig_job_start", false },
	{ "model_digest", false },
	{ "model_fault", false },
	{ "model_fault_clear", false },
	{ "model_guest", false },
	{ "model_ring_export", false },
	{ "model_ring_import", false },
	{ "pf_attach_model", false },
	{ "pf_attach_vfio", true },
	{ "pf_detach", false },
	{ "pf_get", false },
	{ "pf_list", false },
	{ "pf_reattach", false },
	{ "rpc_get_methods", false },
	{ "stats", false },
	{ "vf_get", false },
	{ "vf_mig_abort", false },
	{ "vf_mig_adopt", false },
	{ "vf_mig_complete", false },
	{ "vf_mig_load", false },
	{ "vf_mig_precopy_info", false },
	{ "vf_mig_save_next", false },
	{ "vf_mig_state_get", false },
	{ "vf_mig_state_set", false },
	{ "vf_mode_get", false },
};
#define NMETHODS	(sizeof(methods) / sizeof(methods[0]))

/* What this run saw per method: [0] succeed, [1] fail with -32602. */
static bool seen[NMETHODS][2];

static void
cov_mark(const char *method, int which)
{
	size_t i;

	for (i = 0; i < NMETHODS; i++)
		if (strcmp(methods[i].name, method) == 0)
			seen[i][which] = true;
}

/* ---- fixture ------------------------------------------------------------ */

struct fx {
	struct vpfd d;
	enum vpf_dialect dialect;
	char dir[64];
	json_t *ans;		/* last answer (freed by the next call) */
	long long id;
	char vf1_bdf[VPF_PCI_BDF_LEN];	/* src VF 1 */
};

static enum vpf_dialect dialect_draft = VPF_DIALECT_DRAFT_2023;
static enum vpf_dialect dialect_v14 = VPF_DIALECT_V14_PARTS;

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct vpfd_opts o;
	struct vpfd_pf *p;
	const char *tmp = getenv("TMPDIR");

	if (f == NULL)
		return -1;
	f->dialect = *(const enum vpf_dialect *)*state;
	snprintf(f->dir, sizeof(f->dir), "%s/vpfd-rpc-XXXXXX",
		 tmp != NULL && strlen(tmp) < 30 ? tmp : "/tmp");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	vpfd_opts_init(&o);
	o.journal_dir = f->dir;
	o.quiet = true;
	if (vpfd_init(&f->d, &o) < 0 ||
	    vpfd_pf_attach_model(&f->d, "src", NVF, 0, 1, f->dialect, SRC_BDF,
				 &p) < 0 ||
	    vpfd_pf_attach_model(&f->d, "dst", NVF, 0, 2, f->dialect, DST_BDF,
				 NULL) < 0 ||
	    vpfd_vf_bdf(p, 1, f->vf1_bdf) < 0) {
		print_message("setup: %s\n", vpf_last_error());
		vpfd_fini(&f->d);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *f = *state;

	json_decref(f->ans);
	vpfd_fini(&f->d);
	(void)nftw(f->dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static bool
v14(const struct fx *f)
{
	return f->dialect == VPF_DIALECT_V14_PARTS;
}

static struct vpfd_pf *
pf(struct fx *f, const char *name)
{
	struct vpfd_pf *p = vpfd_pf_find(&f->d, name);

	assert_non_null(p);
	return p;
}

/* ---- calls -------------------------------------------------------------- */

static bool
fd_closed(int fd)
{
	return fcntl(fd, F_GETFD) < 0 && errno == EBADF;
}

/* Serve @p text; the answer (NULL for none) is kept in f->ans. A passed
 * descriptor must be consumed whatever happens. */
static json_t *
raw(struct fx *f, const char *text, int fd)
{
	json_decref(f->ans);
	f->ans = vpfd_rpc_call(&f->d, text, strlen(text), fd);
	if (fd >= 0 && !fd_closed(fd)) {
		print_message("fd %d not consumed by: %s\n", fd, text);
		fail();
	}
	return f->ans;
}

/* A request {"jsonrpc":"2.0","id":N,"method":M[,"params":P]} with P
 * printf-formatted (NULL: no params). */
static json_t *
vcall(struct fx *f, int fd, const char *method, const char *fmt, va_list ap)
{
	char *params = NULL, *text = NULL;
	json_t *a;

	if (fmt != NULL)
		assert_true(vasprintf(&params, fmt, ap) >= 0);
	f->id++;
	assert_true(asprintf(&text, "{\"jsonrpc\":\"2.0\",\"id\":%lld,"
			     "\"method\":\"%s\"%s%s}", f->id, method,
			     params ? ",\"params\":" : "",
			     params ? params : "") >= 0);
	a = raw(f, text, fd);
	if (a != NULL) {
		/* every answer: the envelope and this request's id */
		assert_string_equal(json_string_value(json_object_get(a,
				    "jsonrpc")), "2.0");
		json_t *id = json_object_get(a, "id");
		json_int_t code = json_integer_value(json_object_get(
					json_object_get(a, "error"), "code"));

		/* a parse error cannot know the id */
		if (id == NULL || (code == VPFD_E_PARSE ? !is_null(id) :
				   json_integer_value(id) != f->id)) {
			print_message("wrong id in the answer to %s\n", text);
			fail();
		}
		assert_true((json_object_get(a, "result") == NULL) !=
			    (json_object_get(a, "error") == NULL));
	}
	free(params);
	free(text);
	return a;
}

static void
show(const struct fx *f, const char *method)
{
	char *s = json_dumps(f->ans, JSON_COMPACT);

	print_message("%s answered %s\n", method, s ? s : "(nothing)");
	free(s);
}

/* The result of a call that must succeed (a borrowed reference). */
static json_t *
ok_fd(struct fx *f, int fd, const char *method, const char *fmt, ...)
{
	va_list ap;
	json_t *a, *res;

	va_start(ap, fmt);
	a = vcall(f, fd, method, fmt, ap);
	va_end(ap);
	assert_non_null(a);
	res = json_object_get(a, "result");
	if (res == NULL) {
		show(f, method);
		fail();
	}
	cov_mark(method, 0);
	return res;
}

#define ok(f, ...)	ok_fd(f, -1, __VA_ARGS__)

/* A call that must fail with @p code: the error object's shape; a negative
 * errno carries its name in data.errno. @return the message. */
static const char *
err_fd(struct fx *f, int fd, int code, const char *method, const char *fmt,
       ...)
{
	va_list ap;
	json_t *a, *e, *data;
	const char *msg;

	va_start(ap, fmt);
	a = vcall(f, fd, method, fmt, ap);
	va_end(ap);
	assert_non_null(a);
	e = json_object_get(a, "error");
	if (!is_object(e) ||
	    json_integer_value(json_object_get(e, "code")) != code) {
		print_message("expected error %d\n", code);
		show(f, method);
		fail();
	}
	msg = json_string_value(json_object_get(e, "message"));
	assert_non_null(msg);
	assert_true(msg[0] != '\0');
	data = json_object_get(e, "data");
	if (code < 0 && code > -4096) {
		assert_true(is_string(json_object_get(data, "errno")));
		assert_string_not_equal(json_string_value(json_object_get(data,
					"errno")), "EUNKNOWN");
	} else {
		assert_null(data);
	}
	if (code == VPFD_E_PARAMS)
		cov_mark(method, 1);
	return msg;
}

#define err(f, code, ...)	err_fd(f, -1, code, __VA_ARGS__)

static int
memfd(void)
{
	int fd = memfd_create("vpfd-test", MFD_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

static int
dupfd(int fd)
{
	int d = fcntl(fd, F_DUPFD_CLOEXEC, 0);

	assert_true(d >= 0);
	return d;
}

static json_int_t
iget(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!is_integer(v)) {
		print_message("'%s' is not an integer\n", key);
		fail();
	}
	return json_integer_value(v);
}

static const char *
sget(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!is_string(v)) {
		print_message("'%s' is not a string\n", key);
		fail();
	}
	return json_string_value(v);
}

static bool
bget(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!is_boolean(v)) {
		print_message("'%s' is not a boolean\n", key);
		fail();
	}
	return is_true(v);
}

/* @p o has exactly the keys of @p keys (NULL-terminated). */
static void
assert_keys(json_t *o, const char *const *keys)
{
	const char *k;
	size_t n = 0;
	json_t *v;

	assert_true(is_object(o));
	for (; keys[n] != NULL; n++)
		if (json_object_get(o, keys[n]) == NULL) {
			print_message("key '%s' missing\n", keys[n]);
			fail();
		}
	json_object_foreach(o, k, v) {
		size_t i;
		bool known = false;

		(void)v;
		for (i = 0; i < n; i++)
			known |= strcmp(keys[i], k) == 0;
		if (!known) {
			print_message("unexpected key '%s'\n", k);
			fail();
		}
	}
}

static const char *
state_of(struct fx *f, const char *p, unsigned int vf)
{
	return sget(ok(f, "vf_mig_state_get", "{\"pf\":\"%s\",\"vf\":%u}", p,
		       vf), "state");
}

static void
set_state(struct fx *f, const char *p, unsigned int vf, const char *s)
{
	assert_string_equal(sget(ok(f, "vf_mig_state_set",
				    "{\"pf\":\"%s\",\"vf\":%u,\"state\":\"%s\"}",
				    p, vf, s), "state"), s);
}

static void
digest_of(struct fx *f, const char *p, unsigned int vf, char out[65])
{
	const char *d = sget(ok(f, "model_digest", "{\"pf\":\"%s\",\"vf\":%u}",
				p, vf), "digest");

	assert_int_equal(strlen(d), 64);
	assert_int_equal(strspn(d, "0123456789abcdef"), 64);
	memcpy(out, d, 65);
}

/* The device's own view of a VF's mode (no admin command). */
static uint8_t
dev_mode(struct fx *f, const char *p, uint16_t vf)
{
	uint8_t m = 0xee;

	assert_int_equal(vpf_model_vf_mode(pf(f, p)->model, vf, &m), 0);
	return m;
}

static void
guest(struct fx *f, const char *p, unsigned int vf, unsigned int ops)
{
	assert_true(is_true(ok(f, "model_guest",
				    "{\"pf\":\"%s\",\"vf\":%u,\"ops\":%u}", p, vf,
				    ops)));
}

/* A call that must fail with a negative errno (a device or migration
 * layer error). @return the code. */
static int
err_errno(struct fx *f, const char *method, const char *fmt, ...)
{
	va_list ap;
	json_t *a, *e;
	json_int_t code;

	va_start(ap, fmt);
	a = vcall(f, -1, method, fmt, ap);
	va_end(ap);
	e = json_object_get(a, "error");
	code = json_integer_value(json_object_get(e, "code"));
	if (e == NULL || code >= 0 || code <= -4096) {
		print_message("expected an errno\n");
		show(f, method);
		fail();
	}
	assert_true(is_string(json_object_get(json_object_get(e, "data"),
						   "errno")));
	return (int)code;
}

/* The PCI address of VF @p vf of PF @p name, also past its last VF. */
static void
vf_addr(struct fx *f, const char *name, unsigned int vf, char *bdf)
{
	const struct vpf_pci_func *fn = &pf(f, name)->func;
	unsigned int rid = ((unsigned int)fn->bus << 8 | fn->dev << 3 |
			    fn->func) + fn->sriov.vf_offset +
			   (vf - 1) * fn->sriov.vf_stride;

	snprintf(bdf, VPF_PCI_BDF_LEN, "%04x:%02x:%02x.%x", fn->domain,
		 (rid >> 8) & 0xff, (rid >> 3) & 0x1f, rid & 7);
}

/* ---- the JSON-RPC envelope ---------------------------------------------- */

/* An answer that is an error with @p code and the id @p id (JSON text). */
static void
assert_raw_error(struct fx *f, const char *text, int code, const char *id)
{
	json_t *a = raw(f, text, -1), *want;

	if (a == NULL || json_integer_value(json_object_get(
			json_object_get(a, "error"), "code")) != code) {
		print_message("expected %d for %s\n", code, text);
		show(f, text);
		fail();
	}
	assert_null(json_object_get(a, "result"));
	assert_string_equal(sget(a, "jsonrpc"), "2.0");
	want = json_loads(id, JSON_DECODE_ANY, NULL);
	assert_non_null(want);
	assert_true(json_equal(json_object_get(a, "id"), want));
	json_decref(want);
}

static void
test_envelope(void **state)
{
	struct fx *f = *state;
	json_t *a;

	/* not an object, a batch */
	assert_raw_error(f, "\"pf_list\"", VPFD_E_REQUEST, "null");
	assert_raw_error(f, "42", VPFD_E_REQUEST, "null");
	assert_raw_error(f, "null", VPFD_E_REQUEST, "null");
	assert_raw_error(f, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
			 "\"pf_list\"}]", VPFD_E_REQUEST, "null");
	assert_raw_error(f, "[]", VPFD_E_REQUEST, "null");
	/* jsonrpc missing, wrong value, wrong type */
	assert_raw_error(f, "{\"id\":3,\"method\":\"pf_list\"}",
			 VPFD_E_REQUEST, "3");
	assert_raw_error(f, "{\"jsonrpc\":\"1.0\",\"id\":3,\"method\":"
			 "\"pf_list\"}", VPFD_E_REQUEST, "3");
	assert_raw_error(f, "{\"jsonrpc\":2.0,\"id\":\"x\",\"method\":"
			 "\"pf_list\"}", VPFD_E_REQUEST, "\"x\"");
	/* method missing, not a string */
	assert_raw_error(f, "{\"jsonrpc\":\"2.0\",\"id\":4}", VPFD_E_REQUEST,
			 "4");
	assert_raw_error(f, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":5}",
			 VPFD_E_REQUEST, "4");
	assert_raw_error(f, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":"
			 "[\"pf_list\"]}", VPFD_E_REQUEST, "4");
	/* id of a wrong type: answered with id null */
	assert_raw_error(f, "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":"
			 "\"pf_list\"}", VPFD_E_REQUEST, "null");
	assert_raw_error(f, "{\"jsonrpc\":\"2.0\",\"id\":[1],\"method\":"
			 "\"pf_list\"}", VPFD_E_REQUEST, "null");
	assert_raw_error(f, "{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":"
			 "\"pf_list\"}", VPFD_E_REQUEST, "null");
	assert_raw_error(f, "{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":"
			 "\"pf_list\"}", VPFD_E_REQUEST, "null");
	/* params by position, or not a structure */
	assert_raw_error(f, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":"
			 "\"pf_get\",\"params\":[\"src\"]}", VPFD_E_PARAMS, "5");
	assert_raw_error(f, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":"
			 "\"pf_list\",\"params\":\"src\"}", VPFD_E_PARAMS, "5");
	assert_raw_error(f, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":"
			 "\"pf_list\",\"params\":7}", VPFD_E_PARAMS, "5");
	/* unknown method */
	assert_raw_error(f, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":"
			 "\"vf_mode_set\",\"params\":{}}", VPFD_E_METHOD, "6");
	assert_raw_error(f, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"\"}",
			 VPFD_E_METHOD, "6");
	/* not JSON, duplicate keys, an integer beyond 64 bits */
	assert_raw_error(f, "{\"jsonrpc\":\"2.0\",", VPFD_E_PARSE, "null");
	assert_raw_error(f, "", VPFD_E_PARSE, "null");
	assert_raw_error(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,"
			 "\"method\":\"pf_list\"}", VPFD_E_PARSE, "null");
	assert_raw_error(f, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":"
			 "\"pf_get\",\"params\":{\"pf\":\"src\",\"x\":"
			 "18446744073709551616}}", VPFD_E_PARSE, "null");

	/* ids that are fine: a string, null, a negative integer; params
	 * null is no params */
	a = raw(f, "{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"method\":"
		"\"pf_list\",\"params\":null}", -1);
	assert_non_null(a);
	assert_string_equal(sget(a, "id"), "abc");
	assert_true(is_array(json_object_get(a, "result")));
	a = raw(f, "{\"method\":\"pf_list\",\"id\":null,\"jsonrpc\":\"2.0\"}",
		-1);
	assert_non_null(a);
	assert_true(is_null(json_object_get(a, "id")));
	assert_true(is_array(json_object_get(a, "result")));
	a = raw(f, " {\"jsonrpc\":\"2.0\",\"id\":-9,\"method\":\"pf_list\","
		"\"params\":{}} \n", -1);
	assert_non_null(a);
	assert_int_equal(iget(a, "id"), -9);
}

/* Passed descriptors are consumed (closed) whatever the request. */
static void
test_fd_consumed(void **state)
{
	static const char *const refused[] = {
		"[1]",
		"{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"pf_list\"}",
		"{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"pf_list\"}",
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":0}",
	};
	struct fx *f = *state;
	unsigned int i;
	int fd;

	/* not JSON; a method that takes none; an unknown one; bad params */
	raw(f, "{bad", memfd());
	raw(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"pf_list\"}",
	    memfd());
	raw(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"nope\"}", memfd());
	raw(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"vf_mig_load\","
	    "\"params\":[1]}", memfd());
	raw(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"vf_mig_load\","
	    "\"params\":{\"x\":1}}", memfd());
	/* a request the envelope refuses: the descriptor is closed too */
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		fd = memfd();
		json_decref(f->ans);
		f->ans = vpfd_rpc_call(&f->d, refused[i], strlen(refused[i]),
				       fd);
		assert_non_null(f->ans);
		if (!fd_closed(fd)) {
			close(fd);
			print_message("vpfd_rpc_call() leaks the descriptor "
				      "of a request refused by the envelope "
				      "(%s)\n", refused[i]);
			fail();
		}
	}
}

/* Notifications: no answer, but the method runs. */
static void
test_notification(void **state)
{
	struct fx *f = *state;
	char before[65], after[65];
	int fd;

	digest_of(f, "src", 2, before);
	assert_null(raw(f, "{\"jsonrpc\":\"2.0\",\"method\":\"model_guest\","
			"\"params\":{\"pf\":\"src\",\"vf\":2,\"ops\":100}}", -1));
	digest_of(f, "src", 2, after);
	assert_string_not_equal(before, after);

	assert_null(raw(f, "{\"jsonrpc\":\"2.0\",\"method\":"
			"\"vf_mig_state_set\",\"params\":{\"pf\":\"src\","
			"\"vf\":2,\"state\":\"stop\"}}", -1));
	assert_string_equal(state_of(f, "src", 2), "STOP");
	/* failing notifications: still no answer */
	assert_null(raw(f, "{\"jsonrpc\":\"2.0\",\"method\":\"nope\"}", -1));
	assert_null(raw(f, "{\"jsonrpc\":\"2.0\",\"method\":\"vf_get\","
			"\"params\":{\"pf\":\"src\",\"vf\":99}}", -1));
	assert_null(raw(f, "{\"jsonrpc\":\"2.0\",\"method\":\"pf_get\","
			"\"params\":[1]}", -1));
	/* one with a descriptor: the save stream is written, the fd closed */
	set_state(f, "src", 2, "STOP_COPY");
	fd = memfd();
	assert_null(raw(f, "{\"jsonrpc\":\"2.0\",\"method\":"
			"\"vf_mig_save_next\",\"params\":{\"pf\":\"src\","
			"\"vf\":2}}", dupfd(fd)));
	assert_true(lseek(fd, 0, SEEK_END) > 0);
	close(fd);
	assert_string_equal(sget(ok(f, "vf_mig_abort", "{\"pf\":\"src\","
				    "\"vf\":2}"), "state"), "RUNNING");
}

/* ---- addressing errors, common to every VF method ----------------------- */

static const struct {
	const char *name;
	const char *extra;	/* the method's other parameters */
	bool fd;
} vf_methods[] = {
	{ "vf_get", "", false },
	{ "vf_mode_get", "", false },
	{ "vf_mig_state_get", "", false },
	{ "vf_mig_state_set", "\"state\":\"RUNNING\"", false },
	{ "vf_mig_save_next", "", true },
	{ "vf_mig_load", "\"bytes\":0", true },
	{ "vf_mig_precopy_info", "", false },
	{ "vf_mig_complete", "", false },
	{ "vf_mig_abort", "", false },
	{ "vf_mig_adopt", "", false },
	{ "model_guest", "\"ops\":1", false },
	{ "model_digest", "", false },
	{ "model_ring_export", "", false },
	{ "model_ring_import", "\"ring\":\"00\"", false },
};

static void
vf_addr_err(struct fx *f, unsigned int m, int code, const char *addr)
{
	const char *x = vf_methods[m].extra;
	const char *sep = addr[0] != '\0' && x[0] != '\0' ? "," : "";

	err_fd(f, vf_methods[m].fd ? memfd() : -1, code, vf_methods[m].name,
	       "{%s%s%s}", addr, sep, x);
}

static void
test_vf_addressing(void **state)
{
	struct fx *f = *state;
	char both[96], both2[96], far[40];
	const char *bad[] = {
		"",				/* pf and vf missing */
		"\"vf\":1",			/* pf missing */
		"\"pf\":\"src\"",		/* vf missing */
		"\"pf\":\"nope\",\"vf\":1",	/* unknown PF */
		"\"pf\":\"\",\"vf\":1",
		"\"pf\":5,\"vf\":1",		/* wrong types */
		"\"pf\":null,\"vf\":1",
		"\"pf\":[\"src\"],\"vf\":1",
		"\"pf\":\"src\",\"vf\":\"1\"",
		"\"pf\":\"src\",\"vf\":true",
		"\"pf\":\"src\",\"vf\":null",
		"\"pf\":\"src\",\"vf\":1.0",
		"\"pf\":\"src\",\"vf\":1.5",
		"\"pf\":\"src\",\"vf\":-1",	/* out of range */
		"\"pf\":\"src\",\"vf\":0",
		"\"pf\":\"src\",\"vf\":5",
		"\"pf\":\"src\",\"vf\":65536",
		"\"pf\":\"src\",\"vf\":65537",
		"\"pf\":\"src\",\"vf\":9223372036854775807",
		"\"pf\":\"src\",\"vf\":-9223372036854775808",
		"\"bdf\":\"" SRC_BDF "\"",	/* the PF itself */
		"\"bdf\":\"0000:99:00.1\"",	/* nobody's */
		"\"bdf\":\"zz\"",
		"\"bdf\":\"\"",
		"\"bdf\":7",
		"\"bdf\":null",
		both, both2, far,
		"\"pf\":\"src\",\"vf\":1,\"nope\":1",	/* unknown key */
		"\"pf\":\"src\",\"vf\":1,\"PF\":\"src\"",
	};
	unsigned int m, i;

	snprintf(both, sizeof(both), "\"bdf\":\"%s\",\"pf\":\"src\"",
		 f->vf1_bdf);
	snprintf(both2, sizeof(both2), "\"vf\":1,\"bdf\":\"%s\"", f->vf1_bdf);
	/* the address one past the last VF, and the last one's */
	vf_addr(f, "src", NVF, far);
	assert_int_equal(iget(ok(f, "vf_get", "{\"bdf\":\"%s\"}", far), "vf"),
			 NVF);
	vf_addr(f, "src", 1, far);
	assert_string_equal(far, f->vf1_bdf);
	vf_addr(f, "src", NVF + 1, far + 7);
	memcpy(far, "\"bdf\":\"", 7);
	strcat(far, "\"");

	for (m = 0; m < sizeof(vf_methods) / sizeof(vf_methods[0]); m++) {
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			vf_addr_err(f, m, VPFD_E_PARAMS, bad[i]);
		/* an integer beyond 64 bits does not parse */
		vf_addr_err(f, m, VPFD_E_PARSE,
			    "\"pf\":\"src\",\"vf\":18446744073709551616");
		/* params by position */
		err_fd(f, vf_methods[m].fd ? memfd() : -1, VPFD_E_PARAMS,
		       vf_methods[m].name, "[\"src\",1]");
	}
	/* the address of a VF names it */
	assert_int_equal(iget(ok(f, "vf_get", "{\"bdf\":\"%s\"}", f->vf1_bdf),
			      "vf"), 1);
}

/* ---- core and PF methods ------------------------------------------------ */

static void
test_core(void **state)
{
	struct fx *f = *state;
	json_t *res;
	size_t i;

	res = ok(f, "rpc_get_methods", NULL);
	assert_true(is_array(res));
	for (i = 0; i < json_array_size(res); i++) {
		assert_true(is_string(json_array_get(res, i)));
		if (i > 0)
			assert_true(strcmp(json_string_value(json_array_get(res,
					   i - 1)), json_string_value(
					   json_array_get(res, i))) < 0);
	}
	res = ok(f, "rpc_get_methods", "{}");
	assert_true(json_array_size(res) > 0);
	err(f, VPFD_E_PARAMS, "rpc_get_methods", "{\"x\":1}");

	/* auth: accepted and ignored without TCP */
	assert_true(is_true(ok(f, "auth", "{\"token\":\"anything\"}")));
	err(f, VPFD_E_PARAMS, "auth", "{}");
	err(f, VPFD_E_PARAMS, "auth", NULL);
	err(f, VPFD_E_PARAMS, "auth", "{\"token\":12345678901234567}");
	err(f, VPFD_E_PARAMS, "auth", "{\"token\":null}");
	err(f, VPFD_E_PARAMS, "auth", "{\"token\":\"x\",\"user\":\"root\"}");
}

static const char *const k_pf_short[] = { "name", "bdf", "dialect", "num_vfs",
	"vf_offset", "vf_stride", "backend", NULL };
static const char *const k_pf_full[] = { "name", "bdf", "dialect", "num_vfs",
	"vf_offset", "vf_stride", "backend", "journal", "inflight",
	"recoveries", "failed", "migration", NULL };

static void
pf_param_errors(struct fx *f, const char *method)
{
	err(f, VPFD_E_PARAMS, method, NULL);
	err(f, VPFD_E_PARAMS, method, "{}");
	err(f, VPFD_E_PARAMS, method, "{\"pf\":\"nope\"}");
	err(f, VPFD_E_PARAMS, method, "{\"pf\":\"\"}");
	err(f, VPFD_E_PARAMS, method, "{\"pf\":1}");
	err(f, VPFD_E_PARAMS, method, "{\"pf\":null}");
	err(f, VPFD_E_PARAMS, method, "{\"pf\":\"SRC\"}");
	err(f, VPFD_E_PARAMS, method, "{\"pf\":\"src\",\"vf\":1}");
	err(f, VPFD_E_PARAMS, method, "{\"bdf\":\"" SRC_BDF "\"}");
	err(f, VPFD_E_PARAMS, method, "[\"src\"]");
}

static void
test_pf_methods(void **state)
{
	struct fx *f = *state;
	const char *dname = v14(f) ? "1.4" : "seed-2023";
	json_t *res, *o;
	char *p;

	res = ok(f, "pf_list", NULL);
	assert_int_equal(json_array_size(res), 2);
	o = json_array_get(res, 0);
	assert_keys(o, k_pf_short);
	assert_string_equal(sget(o, "name"), "src");
	assert_string_equal(sget(o, "bdf"), SRC_BDF);
	assert_string_equal(sget(o, "dialect"), dname);
	assert_string_equal(sget(o, "backend"), "model");
	assert_int_equal(iget(o, "num_vfs"), NVF);
	assert_true(iget(o, "vf_offset") > 0);
	assert_true(iget(o, "vf_stride") > 0);
	assert_string_equal(sget(json_array_get(res, 1), "name"), "dst");
	assert_string_equal(sget(json_array_get(res, 1), "bdf"), DST_BDF);
	ok(f, "pf_list", "{}");
	err(f, VPFD_E_PARAMS, "pf_list", "{\"pf\":\"src\"}");

	o = ok(f, "pf_get", "{\"pf\":\"dst\"}");
	assert_keys(o, k_pf_full);
	assert_string_equal(sget(o, "name"), "dst");
	assert_string_equal(sget(o, "dialect"), dname);
	assert_int_equal(iget(o, "inflight"), 0);
	assert_false(bget(o, "failed"));
	assert_true(bget(o, "migration"));
	assert_true(iget(o, "recoveries") >= 0);
	/* the journal of the directory given */
	assert_true(strncmp(sget(o, "journal"), f->dir, strlen(f->dir)) == 0);
	pf_param_errors(f, "pf_get");

	o = ok(f, "stats", "{\"pf\":\"src\"}");
	{
		static const char *const k[] = { "pf", "commands",
			"device_errors", "local_errors", "retries", "timeouts",
			"bytes_read", "bytes_written", "requests",
			"request_errors", NULL };
		json_int_t c0 = iget(o, "commands"), r0 = iget(o, "requests");

		assert_keys(o, k);
		assert_string_equal(sget(o, "pf"), "src");
		/* a command goes to the device, two requests were served */
		ok(f, "vf_mig_state_set", "{\"pf\":\"src\",\"vf\":1,"
		   "\"state\":\"STOP\"}");
		o = ok(f, "stats", "{\"pf\":\"src\"}");
		assert_true(iget(o, "commands") > c0);
		assert_int_equal(iget(o, "requests"), r0 + 2);
		assert_true(iget(o, "request_errors") > 0);
		ok(f, "vf_mig_abort", "{\"pf\":\"src\",\"vf\":1}");
	}
	pf_param_errors(f, "stats");
	pf_param_errors(f, "pf_detach");
	pf_param_errors(f, "pf_reattach");
	pf_param_errors(f, "model_fault_clear");

	/* a detached PF and its VFs are gone */
	assert_true(is_true(ok(f, "pf_detach", "{\"pf\":\"src\"}")));
	err(f, VPFD_E_PARAMS, "pf_get", "{\"pf\":\"src\"}");
	err(f, VPFD_E_PARAMS, "vf_get", "{\"pf\":\"src\",\"vf\":1}");
	err(f, VPFD_E_PARAMS, "vf_get", "{\"bdf\":\"%s\"}", f->vf1_bdf);
	res = ok(f, "pf_list", NULL);
	assert_int_equal(json_array_size(res), 1);
	p = json_dumps(json_array_get(res, 0), JSON_COMPACT);
	assert_non_null(strstr(p, "\"dst\""));
	free(p);
	err(f, VPFD_E_PARAMS, "pf_detach", "{\"pf\":\"src\"}");
}

static void
test_pf_attach_model(void **state)
{
	struct fx *f = *state;
	const char *other = v14(f) ? "seed-2023" : "1.4";
	const char *msg;
	json_t *o;
	char name[64];
	unsigned int i;

	o = ok(f, "pf_attach_model", "{\"name\":\"x.1:a-B_9\",\"vfs\":2,"
	       "\"vqs\":1,\"seed\":7,\"dialect\":\"%s\",\"bdf\":"
	       "\"0000:90:00.0\"}", other);
	assert_keys(o, k_pf_full);
	assert_string_equal(sget(o, "name"), "x.1:a-B_9");
	assert_string_equal(sget(o, "bdf"), "0000:90:00.0");
	assert_string_equal(sget(o, "dialect"), other);
	assert_string_equal(sget(o, "backend"), "model");
	assert_int_equal(iget(o, "num_vfs"), 2);
	assert_int_equal(json_array_size(ok(f, "pf_list", NULL)), 3);
	/* its VFs run and are addressed like any other */
	assert_string_equal(state_of(f, "x.1:a-B_9", 2), "RUNNING");
	err(f, VPFD_E_PARAMS, "vf_get", "{\"pf\":\"x.1:a-B_9\",\"vf\":3}");
	/* defaults: the draft dialect */
	o = ok(f, "pf_attach_model", "{\"name\":\"plain\"}");
	assert_string_equal(sget(o, "dialect"), "seed-2023");
	assert_true(iget(o, "num_vfs") >= 1);

	/* addresses: a PF whose address or VFs' addresses are another's
	 * or its VFs' is refused, so a VF address names one VF; two default
	 * models never collide */
	ok(f, "pf_attach_model", "{\"name\":\"c1\",\"vfs\":4,"
	   "\"bdf\":\"0000:a0:00.0\"}");
	msg = err(f, -EEXIST, "pf_attach_model", "{\"name\":\"c2\",\"vfs\":2,"
		  "\"bdf\":\"0000:a0:00.2\"}");
	assert_non_null(strstr(msg, "c1"));
	err(f, -EEXIST, "pf_attach_model", "{\"name\":\"c3\",\"vfs\":2,"
	    "\"bdf\":\"0000:9f:1f.7\"}");
	ok(f, "pf_attach_model", "{\"name\":\"d1\",\"vfs\":256}");
	ok(f, "pf_attach_model", "{\"name\":\"d2\",\"vfs\":256}");
	snprintf(name, sizeof(name), "{\"bdf\":\"%s\"}",
		 sget(ok(f, "vf_get", "{\"pf\":\"d2\",\"vf\":1}"), "bdf"));
	assert_string_equal(sget(ok(f, "vf_get", name), "pf"), "d2");
	ok(f, "pf_detach", "{\"pf\":\"d1\"}");
	ok(f, "pf_detach", "{\"pf\":\"d2\"}");
	ok(f, "pf_detach", "{\"pf\":\"c1\"}");
	/* a duplicate name */
	err(f, -EEXIST, "pf_attach_model", "{\"name\":\"src\"}");
	err(f, -EEXIST, "pf_attach_model", "{\"name\":\"plain\",\"vfs\":1}");
	/* bad names (the library's refusal) */
	err(f, -EINVAL, "pf_attach_model", "{\"name\":\"\"}");
	err(f, -EINVAL, "pf_attach_model", "{\"name\":\"a b\"}");
	err(f, -EINVAL, "pf_attach_model", "{\"name\":\"a/b\"}");
	err(f, -EINVAL, "pf_attach_model",
	    "{\"name\":\"0123456789012345678901234567890123\"}");
	/* parameters */
	err(f, VPFD_E_PARAMS, "pf_attach_model", NULL);
	err(f, VPFD_E_PARAMS, "pf_attach_model", "{}");
	err(f, VPFD_E_PARAMS, "pf_attach_model", "{\"vfs\":1}");
	err(f, VPFD_E_PARAMS, "pf_attach_model", "{\"name\":5}");
	err(f, VPFD_E_PARAMS, "pf_attach_model",
	    "{\"name\":\"n\",\"dialect\":\"2.0\"}");
	err(f, VPFD_E_PARAMS, "pf_attach_model",
	    "{\"name\":\"n\",\"dialect\":\"\"}");
	err(f, VPFD_E_PARAMS, "pf_attach_model",
	    "{\"name\":\"n\",\"dialect\":1.4}");
	err(f, VPFD_E_PARAMS, "pf_attach_model",
	    "{\"name\":\"n\",\"dialect\":\"SEED-2023\"}");
	err(f, VPFD_E_PARAMS, "pf_attach_model", "{\"name\":\"n\",\"vfs\":0}");
	err(f, VPFD_E_PARAMS, "pf_attach_model", "{\"name\":\"n\",\"vfs\":257}");
	err(f, VPFD_E_PARAMS, "pf_attach_model", "{\"name\":\"n\",\"vfs\":-1}");
	err(f, VPFD_E_PARAMS, "pf_attach_model", "{\"name\":\"n\",\"vfs\":\"2\"}");
	err(f, VPFD_E_PARAMS, "pf_attach_model", "{\"name\":\"n\",\"vfs\":2.5}");
	err(f, VPFD_E_PARAMS, "pf_attach_model", "{\"name\":\"n\",\"vqs\":0}");
	err(f, VPFD_E_PARAMS, "pf_attach_model", "{\"name\":\"n\",\"vqs\":300}");
	err(f, VPFD_E_PARAMS, "pf_attach_model", "{\"name\":\"n\",\"seed\":-1}");
	err(f, VPFD_E_PARAMS, "pf_attach_model", "{\"name\":\"n\",\"seed\":\"1\"}");
	err(f, VPFD_E_PARAMS, "pf_attach_model", "{\"name\":\"n\",\"bdf\":1}");
	err(f, VPFD_E_PARAMS, "pf_attach_model", "{\"name\":\"n\",\"pf\":\"n\"}");
	err(f, VPFD_E_PARSE, "pf_attach_model",
	    "{\"name\":\"n\",\"seed\":18446744073709551616}");
	/* none of them attached anything */
	assert_int_equal(json_array_size(ok(f, "pf_list", NULL)), 4);
	err(f, VPFD_E_PARAMS, "pf_get", "{\"pf\":\"n\"}");

	/* the table is full at 16 PFs */
	for (i = 4; i < VPFD_MAX_PF; i++) {
		snprintf(name, sizeof(name), "{\"name\":\"m%u\",\"vfs\":1}", i);
		ok(f, "pf_attach_model", "%s", name);
	}
	err(f, -ENOSPC, "pf_attach_model", "{\"name\":\"one-more\",\"vfs\":1}");
	assert_true(is_true(ok(f, "pf_detach", "{\"pf\":\"m4\"}")));
	ok(f, "pf_attach_model", "{\"name\":\"one-more\",\"vfs\":1}");
}

static void
test_pf_attach_vfio(void **state)
{
	struct fx *f = *state;
	err(f, VPFD_E_PARAMS, "pf_attach_vfio", NULL);
	err(f, VPFD_E_PARAMS, "pf_attach_vfio", "{}");
	err(f, VPFD_E_PARAMS, "pf_attach_vfio", "{\"name\":\"v\"}");
	err(f, VPFD_E_PARAMS, "pf_attach_vfio", "{\"bdf\":5}");
	err(f, VPFD_E_PARAMS, "pf_attach_vfio",
	    "{\"bdf\":\"0000:ff:1f.7\",\"name\":5}");
	err(f, VPFD_E_PARAMS, "pf_attach_vfio",
	    "{\"bdf\":\"0000:ff:1f.7\",\"vfs\":1}");
	err(f, -EINVAL, "pf_attach_vfio", "{\"bdf\":\"not-a-bdf\"}");
	err(f, -EINVAL, "pf_attach_vfio", "{\"bdf\":\"\"}");
	/* a name taken is refused before any device is looked at */
	err(f, -EEXIST, "pf_attach_vfio",
	    "{\"bdf\":\"0000:ff:1f.7\",\"name\":\"src\"}");
	/* no such device: a device error, nothing attached */
	err_errno(f, "pf_attach_vfio", "{\"bdf\":\"ffff:ff:1f.7\"}");
	assert_int_equal(json_array_size(ok(f, "pf_list", NULL)), 2);
}

/* ---- VF methods --------------------------------------------------------- */

static const char *const k_vf_get[] = { "pf", "vf", "bdf", "state", "mode",
	"moved", "complete", "journal", "busy", "save_total", "load_total",
	"held_by", "job", "left_by", NULL };

static void
test_vf_get(void **state)
{
	struct fx *f = *state;
	json_t *o, *o2;
	unsigned int vf;

	for (vf = 1; vf <= NVF; vf++) {
		char bdf[VPF_PCI_BDF_LEN];

		o = json_deep_copy(ok(f, "vf_get", "{\"pf\":\"dst\",\"vf\":%u}",
				      vf));
		assert_keys(o, k_vf_get);
		assert_string_equal(sget(o, "pf"), "dst");
		assert_int_equal(iget(o, "vf"), vf);
		assert_string_equal(sget(o, "state"), "RUNNING");
		assert_string_equal(sget(o, "mode"), "active");
		assert_false(bget(o, "moved"));
		assert_false(bget(o, "complete"));
		assert_false(bget(o, "journal"));
		assert_false(bget(o, "busy"));
		assert_int_equal(iget(o, "save_total"), 0);
		assert_int_equal(iget(o, "load_total"), 0);
		assert_true(is_null(json_object_get(o, "held_by")));
		assert_true(is_null(json_object_get(o, "job")));
		assert_true(is_null(json_object_get(o, "left_by")));
		assert_int_equal(vpf_pci_bdf_parse(sget(o, "bdf"), bdf), 0);
		assert_string_equal(bdf, sget(o, "bdf"));
		assert_string_not_equal(bdf, DST_BDF);
		/* by address: the same object */
		o2 = ok(f, "vf_get", "{\"bdf\":\"%s\"}", bdf);
		assert_true(json_equal(o, o2));
		json_decref(o);
	}
	/* the two PFs' VFs have different addresses */
	{
		char a[VPF_PCI_BDF_LEN];

		snprintf(a, sizeof(a), "%s", sget(ok(f, "vf_get",
			 "{\"pf\":\"dst\",\"vf\":1}"), "bdf"));
		assert_string_not_equal(a, f->vf1_bdf);
	}

	/* after a move */
	set_state(f, "src", 3, "STOP");
	o = ok(f, "vf_get", "{\"pf\":\"src\",\"vf\":3}");
	assert_string_equal(sget(o, "state"), "STOP");
	assert_string_equal(sget(o, "mode"), v14(f) ? "stop" : "freeze");
	assert_true(bget(o, "moved"));
	assert_false(bget(o, "complete"));
	/* the internal caller is connection 0: no holder */
	assert_true(is_null(json_object_get(o, "held_by")));
}

static void
test_vf_mode_get(void **state)
{
	struct fx *f = *state;

	assert_string_equal(sget(ok(f, "vf_mode_get", "{\"pf\":\"src\","
				    "\"vf\":2}"), "mode"), "active");
	set_state(f, "src", 2, "RUNNING_P2P");
	assert_string_equal(sget(ok(f, "vf_mode_get", "{\"bdf\":\"%s\"}",
				    f->vf1_bdf), "mode"), "active");
	assert_string_equal(sget(ok(f, "vf_mode_get", "{\"pf\":\"src\","
				    "\"vf\":2}"), "mode"), "stop");
	set_state(f, "src", 2, "STOP");
	assert_string_equal(sget(ok(f, "vf_mode_get", "{\"pf\":\"src\","
				    "\"vf\":2}"), "mode"),
			    v14(f) ? "stop" : "freeze");
	assert_int_equal(dev_mode(f, "src", 2), v14(f) ? VPF_DEV_MODE_STOP :
			 VPF_DEV_MODE_FREEZE);
}

static void
test_state_set(void **state)
{
	struct fx *f = *state;
	static const char *const walk[] = { "RUNNING_P2P", "STOP", "STOP_COPY",
		"STOP", "RUNNING_P2P", "PRE_COPY_P2P", "PRE_COPY", "RUNNING",
		"STOP_COPY", "RUNNING", "PRE_COPY_P2P", "STOP_COPY", "STOP",
		"RESUMING" };
	unsigned int i;

	for (i = 0; i < sizeof(walk) / sizeof(walk[0]); i++) {
		set_state(f, "dst", 4, walk[i]);
		assert_string_equal(state_of(f, "dst", 4), walk[i]);
		assert_int_equal(dev_mode(f, "dst", 4),
				 strcmp(walk[i], "RUNNING") == 0 ||
				 strcmp(walk[i], "PRE_COPY") == 0 ?
				 VPF_DEV_MODE_ACTIVE :
				 strncmp(walk[i], "RUNNING_P2P", 11) == 0 ||
				 strcmp(walk[i], "PRE_COPY_P2P") == 0 || v14(f) ?
				 VPF_DEV_MODE_STOP : VPF_DEV_MODE_FREEZE);
	}
	/* leaving RESUMING without a stream: refused, nothing applied, the
	 * VF in STOP (the way back: abort) */
	assert_int_equal(err_errno(f, "vf_mig_state_set", "{\"pf\":\"dst\","
				   "\"vf\":4,\"state\":\"RUNNING\"}"), -ENODATA);
	assert_string_equal(state_of(f, "dst", 4), "STOP");
	assert_string_equal(sget(ok(f, "vf_mig_abort", "{\"pf\":\"dst\","
				    "\"vf\":4}"), "state"), "RUNNING");
	assert_int_equal(dev_mode(f, "dst", 4), VPF_DEV_MODE_ACTIVE);

	/* names are case-insensitive; the answer is the VFIO name */
	assert_string_equal(sget(ok(f, "vf_mig_state_set", "{\"bdf\":\"%s\","
				    "\"state\":\"stop_copy\"}", f->vf1_bdf),
				 "state"), "STOP_COPY");
	assert_string_equal(sget(ok(f, "vf_mig_state_set", "{\"pf\":\"src\","
				    "\"vf\":1,\"state\":\"Running\"}"),
				 "state"), "RUNNING");
	/* the same state again: nothing to do */
	set_state(f, "src", 1, "RUNNING");

	err(f, VPFD_E_PARAMS, "vf_mig_state_set", "{\"pf\":\"src\",\"vf\":1}");
	err(f, VPFD_E_PARAMS, "vf_mig_state_set",
	    "{\"pf\":\"src\",\"vf\":1,\"state\":3}");
	err(f, VPFD_E_PARAMS, "vf_mig_state_set",
	    "{\"pf\":\"src\",\"vf\":1,\"state\":null}");
	err(f, VPFD_E_PARAMS, "vf_mig_state_set",
	    "{\"pf\":\"src\",\"vf\":1,\"state\":\"\"}");
	err(f, VPFD_E_PARAMS, "vf_mig_state_set",
	    "{\"pf\":\"src\",\"vf\":1,\"state\":\"FREEZE\"}");
	err(f, VPFD_E_PARAMS, "vf_mig_state_set",
	    "{\"pf\":\"src\",\"vf\":1,\"state\":\"ERROR\"}");
	err(f, VPFD_E_PARAMS, "vf_mig_state_set",
	    "{\"pf\":\"src\",\"vf\":1,\"state\":\"STOP\",\"mode\":\"stop\"}");
	assert_string_equal(state_of(f, "src", 1), "RUNNING");
	assert_int_equal(dev_mode(f, "src", 1), VPF_DEV_MODE_ACTIVE);

	assert_string_equal(state_of(f, "src", 4), "RUNNING");
	assert_string_equal(sget(ok(f, "vf_mig_state_get", "{\"bdf\":\"%s\"}",
				    f->vf1_bdf), "state"), "RUNNING");
	err(f, VPFD_E_PARAMS, "vf_mig_state_get",
	    "{\"pf\":\"src\",\"vf\":1,\"state\":\"STOP\"}");
}

/* vf_mig_abort from everywhere; vf_mig_complete's refusals. */
static void
test_abort_complete(void **state)
{
	struct fx *f = *state;
	static const char *const from[] = { "RUNNING", "STOP", "STOP_COPY",
		"RESUMING", "RUNNING_P2P", "PRE_COPY", "PRE_COPY_P2P" };
	unsigned int i;

	for (i = 0; i < sizeof(from) / sizeof(from[0]); i++) {
		set_state(f, "src", 2, from[i]);
		assert_string_equal(sget(ok(f, "vf_mig_abort", "{\"pf\":\"src\","
					    "\"vf\":2}"), "state"), "RUNNING");
		assert_int_equal(dev_mode(f, "src", 2), VPF_DEV_MODE_ACTIVE);
	}
	/* complete: only a stopped source */
	err(f, -EPERM, "vf_mig_complete", "{\"pf\":\"src\",\"vf\":2}");
	set_state(f, "src", 2, "STOP_COPY");
	err(f, -EPERM, "vf_mig_complete", "{\"pf\":\"src\",\"vf\":2}");
	set_state(f, "src", 2, "RUNNING_P2P");
	err(f, -EPERM, "vf_mig_complete", "{\"pf\":\"src\",\"vf\":2}");
	set_state(f, "src", 2, "STOP");
	assert_true(is_true(ok(f, "vf_mig_complete", "{\"pf\":\"src\","
				    "\"vf\":2}")));
	assert_true(bget(ok(f, "vf_get", "{\"pf\":\"src\",\"vf\":2}"),
			 "complete"));
	/* a source that migrated away is not resumed by accident: abort
	 * and every state change need force=true (its guest runs at the
	 * destination) */
	err(f, -EBUSY, "vf_mig_abort", "{\"pf\":\"src\",\"vf\":2}");
	err(f, -EBUSY, "vf_mig_state_set", "{\"pf\":\"src\",\"vf\":2,"
	    "\"state\":\"RUNNING\"}");
	err(f, VPFD_E_PARAMS, "vf_mig_abort",
	    "{\"pf\":\"src\",\"vf\":2,\"force\":1}");
	assert_string_equal(sget(ok(f, "vf_mig_state_set", "{\"pf\":\"src\","
				    "\"vf\":2,\"state\":\"STOP\"}"), "state"),
			    "STOP");
	assert_true(bget(ok(f, "vf_get", "{\"pf\":\"src\",\"vf\":2}"),
			 "complete"));
	/* with force, abort is the way back, and clears the mark */
	ok(f, "vf_mig_abort", "{\"pf\":\"src\",\"vf\":2,\"force\":true}");
	assert_false(bget(ok(f, "vf_get", "{\"pf\":\"src\",\"vf\":2}"),
			  "complete"));
	err(f, VPFD_E_PARAMS, "vf_mig_abort",
	    "{\"pf\":\"src\",\"vf\":2,\"state\":\"RUNNING\"}");
	err(f, VPFD_E_PARAMS, "vf_mig_complete",
	    "{\"pf\":\"src\",\"vf\":2,\"force\":true}");
	/* adopt: a running VF stays as it is; one without a complete load
	 * is refused, and stays where it was */
	assert_string_equal(sget(ok(f, "vf_mig_adopt", "{\"pf\":\"dst\","
				    "\"vf\":2}"), "state"), "RUNNING");
	set_state(f, "dst", 2, "STOP");
	err(f, -EPERM, "vf_mig_adopt", "{\"pf\":\"dst\",\"vf\":2}");
	assert_string_equal(sget(ok(f, "vf_mig_state_get", "{\"pf\":\"dst\","
				    "\"vf\":2}"), "state"), "STOP");
	err(f, VPFD_E_PARAMS, "vf_mig_adopt",
	    "{\"pf\":\"dst\",\"vf\":2,\"force\":true}");
	ok(f, "vf_mig_abort", "{\"pf\":\"dst\",\"vf\":2}");
}

static void
test_save_next_errors(void **state)
{
	struct fx *f = *state;
	const char *msg;
	int p[2], fd;
	char path[96];

	/* no descriptor */
	msg = err(f, VPFD_E_PARAMS, "vf_mig_save_next",
		  "{\"pf\":\"src\",\"vf\":1}");
	assert_non_null(strstr(msg, "needs a file descriptor"));
	set_state(f, "src", 1, "STOP_COPY");
	msg = err(f, VPFD_E_PARAMS, "vf_mig_save_next",
		  "{\"pf\":\"src\",\"vf\":1}");
	assert_non_null(strstr(msg, "needs a file descriptor"));
	/* not a regular file: a pipe, a character device */
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	msg = err_fd(f, p[1], VPFD_E_PARAMS, "vf_mig_save_next",
		     "{\"pf\":\"src\",\"vf\":1}");
	assert_non_null(strstr(msg, "regular file"));
	close(p[0]);
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	err_fd(f, fd, VPFD_E_PARAMS, "vf_mig_save_next",
	       "{\"pf\":\"src\",\"vf\":1}");
	/* a file it cannot write: an I/O error */
	snprintf(path, sizeof(path), "%s/ro", f->dir);
	fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	err_fd(f, fd, -EIO, "vf_mig_save_next", "{\"pf\":\"src\",\"vf\":1}");
	/* unknown parameter */
	err_fd(f, memfd(), VPFD_E_PARAMS, "vf_mig_save_next",
	       "{\"pf\":\"src\",\"vf\":1,\"bytes\":1}");
	/* outside the save states */
	set_state(f, "src", 1, "RUNNING");
	err_fd(f, memfd(), -EPERM, "vf_mig_save_next",
	       "{\"pf\":\"src\",\"vf\":1}");
	set_state(f, "src", 1, "STOP");
	err_fd(f, memfd(), -EPERM, "vf_mig_save_next",
	       "{\"pf\":\"src\",\"vf\":1}");
	set_state(f, "src", 1, "RESUMING");
	err_fd(f, memfd(), -EPERM, "vf_mig_save_next",
	       "{\"pf\":\"src\",\"vf\":1}");
	ok(f, "vf_mig_abort", "{\"pf\":\"src\",\"vf\":1}");
}

static void
test_load_errors(void **state)
{
	struct fx *f = *state;
	static const uint8_t junk[64] = { 1, 2, 3 };
	const char *msg;
	json_t *res;
	int p[2], fd;

	fd = memfd();
	assert_int_equal(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	/* no descriptor, not a regular file */
	msg = err(f, VPFD_E_PARAMS, "vf_mig_load",
		  "{\"pf\":\"dst\",\"vf\":1,\"bytes\":1}");
	assert_non_null(strstr(msg, "needs a file descriptor"));
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(write(p[1], junk, sizeof(junk)), (ssize_t)sizeof(junk));
	close(p[1]);
	msg = err_fd(f, p[0], VPFD_E_PARAMS, "vf_mig_load",
		     "{\"pf\":\"dst\",\"vf\":1,\"bytes\":1}");
	assert_non_null(strstr(msg, "regular file"));
	/* bytes: missing, mistyped, out of range, more than the file */
	err_fd(f, dupfd(fd), VPFD_E_PARAMS, "vf_mig_load",
	       "{\"pf\":\"dst\",\"vf\":1}");
	err_fd(f, dupfd(fd), VPFD_E_PARAMS, "vf_mig_load",
	       "{\"pf\":\"dst\",\"vf\":1,\"bytes\":\"8\"}");
	err_fd(f, dupfd(fd), VPFD_E_PARAMS, "vf_mig_load",
	       "{\"pf\":\"dst\",\"vf\":1,\"bytes\":-8}");
	err_fd(f, dupfd(fd), VPFD_E_PARAMS, "vf_mig_load",
	       "{\"pf\":\"dst\",\"vf\":1,\"bytes\":8.5}");
	err_fd(f, dupfd(fd), VPFD_E_PARAMS, "vf_mig_load",
	       "{\"pf\":\"dst\",\"vf\":1,\"bytes\":null}");
	err_fd(f, dupfd(fd), VPFD_E_PARAMS, "vf_mig_load",
	       "{\"pf\":\"dst\",\"vf\":1,\"bytes\":16777217}");
	err_fd(f, dupfd(fd), VPFD_E_PARSE, "vf_mig_load",
	       "{\"pf\":\"dst\",\"vf\":1,\"bytes\":18446744073709551616}");
	err_fd(f, dupfd(fd), VPFD_E_PARAMS, "vf_mig_load",
	       "{\"pf\":\"dst\",\"vf\":1,\"bytes\":65}");
	err_fd(f, dupfd(fd), VPFD_E_PARAMS, "vf_mig_load",
	       "{\"pf\":\"dst\",\"vf\":1,\"bytes\":8,\"at\":0}");
	/* offset: the piece must lie inside the file */
	err_fd(f, dupfd(fd), VPFD_E_PARAMS, "vf_mig_load",
	       "{\"pf\":\"dst\",\"vf\":1,\"bytes\":8,\"offset\":60}");
	err_fd(f, dupfd(fd), VPFD_E_PARAMS, "vf_mig_load",
	       "{\"pf\":\"dst\",\"vf\":1,\"bytes\":0,\"offset\":65}");
	err_fd(f, dupfd(fd), VPFD_E_PARAMS, "vf_mig_load",
	       "{\"pf\":\"dst\",\"vf\":1,\"bytes\":8,\"offset\":-1}");
	/* outside RESUMING, also an empty piece */
	err_fd(f, dupfd(fd), -EPERM, "vf_mig_load",
	       "{\"pf\":\"dst\",\"vf\":1,\"bytes\":64}");
	err_fd(f, dupfd(fd), -EPERM, "vf_mig_load",
	       "{\"pf\":\"dst\",\"vf\":1,\"bytes\":0}");
	set_state(f, "dst", 1, "STOP");
	err_fd(f, dupfd(fd), -EPERM, "vf_mig_load",
	       "{\"pf\":\"dst\",\"vf\":1,\"bytes\":64}");
	set_state(f, "dst", 1, "STOP_COPY");
	err_fd(f, dupfd(fd), -EPERM, "vf_mig_load",
	       "{\"pf\":\"dst\",\"vf\":1,\"bytes\":64}");
	/* in RESUMING, a stream that is not one: refused when pushed or
	 * when the load ends; nothing applied, the VF resumes as it was */
	set_state(f, "dst", 1, "RESUMING");
	raw(f, "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"vf_mig_load\","
	    "\"params\":{\"pf\":\"dst\",\"vf\":1,\"bytes\":64}}", dupfd(fd));
	res = json_object_get(f->ans, "result");
	if (res != NULL) {
		assert_int_equal(iget(res, "loaded"), 64);
		err_errno(f, "vf_mig_state_set", "{\"pf\":\"dst\",\"vf\":1,"
			  "\"state\":\"STOP\"}");
	} else {
		json_int_t c = iget(json_object_get(f->ans, "error"), "code");

		assert_true(c < 0 && c > -4096);
	}
	ok(f, "vf_mig_abort", "{\"pf\":\"dst\",\"vf\":1}");
	assert_string_equal(state_of(f, "dst", 1), "RUNNING");
	close(fd);
}

static void
test_precopy_info(void **state)
{
	struct fx *f = *state;
	static const char *const k[] = { "initial_bytes", "dirty_bytes",
		"round", "pending_bytes", NULL };
	json_t *o;
	int fd;

	err(f, -EPERM, "vf_mig_precopy_info", "{\"pf\":\"src\",\"vf\":3}");
	set_state(f, "src", 3, "STOP_COPY");
	err(f, -EPERM, "vf_mig_precopy_info", "{\"pf\":\"src\",\"vf\":3}");
	set_state(f, "src", 3, "RUNNING");
	set_state(f, "src", 3, "PRE_COPY");
	o = ok(f, "vf_mig_precopy_info", "{\"pf\":\"src\",\"vf\":3}");
	assert_keys(o, k);
	assert_int_equal(iget(o, "round"), 1);
	assert_true(iget(o, "initial_bytes") > 0);
	assert_true(iget(o, "pending_bytes") > 0);
	assert_true(iget(o, "dirty_bytes") >= 0);
	fd = memfd();
	o = ok_fd(f, dupfd(fd), "vf_mig_save_next", "{\"pf\":\"src\","
		  "\"vf\":3}");
	assert_int_equal(iget(o, "round"), 1);
	err(f, -EPERM, "vf_mig_precopy_info", "{\"bdf\":\"%s\"}", f->vf1_bdf);
	o = ok(f, "vf_mig_precopy_info", "{\"pf\":\"src\",\"vf\":3}");
	assert_int_equal(iget(o, "round"), 1);
	assert_int_equal(iget(o, "pending_bytes"), 0);
	close(fd);
	err(f, VPFD_E_PARAMS, "vf_mig_precopy_info",
	    "{\"pf\":\"src\",\"vf\":3,\"round\":1}");
}

/* ---- model methods ------------------------------------------------------ */

static void
test_model_guest_digest(void **state)
{
	struct fx *f = *state;
	char a[65], b[65], c[65];

	digest_of(f, "src", 1, a);
	guest(f, "src", 1, 200);
	digest_of(f, "src", 1, b);
	assert_string_not_equal(a, b);
	/* the same VF by address; 0 operations change nothing here */
	assert_true(is_true(ok(f, "model_guest", "{\"bdf\":\"%s\","
				    "\"ops\":0}", f->vf1_bdf)));
	assert_string_equal(sget(ok(f, "model_digest", "{\"bdf\":\"%s\"}",
				    f->vf1_bdf), "digest"), b);
	/* the seeds differ: so do the VFs of the two PFs */
	digest_of(f, "dst", 1, c);
	assert_string_not_equal(a, c);
	/* a frozen (draft) or stopped (1.4) VF's device state holds still
	 * under its guest's ring work */
	set_state(f, "src", 1, "STOP");
	digest_of(f, "src", 1, a);
	guest(f, "src", 1, 50);
	digest_of(f, "src", 1, b);
	if (!v14(f))
		assert_string_equal(a, b);
	set_state(f, "src", 1, "RUNNING");

	err(f, VPFD_E_PARAMS, "model_guest", "{\"pf\":\"src\",\"vf\":1}");
	err(f, VPFD_E_PARAMS, "model_guest",
	    "{\"pf\":\"src\",\"vf\":1,\"ops\":\"5\"}");
	err(f, VPFD_E_PARAMS, "model_guest",
	    "{\"pf\":\"src\",\"vf\":1,\"ops\":-5}");
	err(f, VPFD_E_PARAMS, "model_guest",
	    "{\"pf\":\"src\",\"vf\":1,\"ops\":5.5}");
	err(f, VPFD_E_PARAMS, "model_guest",
	    "{\"pf\":\"src\",\"vf\":1,\"ops\":1000001}");
	err(f, VPFD_E_PARSE, "model_guest",
	    "{\"pf\":\"src\",\"vf\":1,\"ops\":18446744073709551616}");
	err(f, VPFD_E_PARAMS, "model_digest",
	    "{\"pf\":\"src\",\"vf\":1,\"ops\":1}");
}

static void
test_model_ring(void **state)
{
	struct fx *f = *state;
	char *ring, *big, up[2 * VPF_MODEL_GUEST_RING_SIZE(256) + 1];
	unsigned int nvq;
	size_t len, i;

	if (!v14(f)) {
		/* ring positions are part of a draft context */
		assert_int_equal(err_errno(f, "model_ring_export",
					   "{\"pf\":\"src\",\"vf\":1}"),
				 -ENOTSUP);
		assert_int_equal(err_errno(f, "model_ring_import",
					   "{\"pf\":\"src\",\"vf\":1,\"ring\":"
					   "\"00\"}"), -ENOTSUP);
		cov_mark("model_ring_export", 0);
		cov_mark("model_ring_import", 0);
		return;
	}
	guest(f, "src", 2, 300);
	ring = strdup(sget(ok(f, "model_ring_export", "{\"pf\":\"src\","
			      "\"vf\":2}"), "ring"));
	len = strlen(ring);
	/* "VPFGRING", version 1, the number of queues, 8 bytes a queue */
	assert_true(len > 32);
	assert_true(strncmp(ring, "5650464752494e47" "0100", 20) == 0);
	nvq = (unsigned int)strtoul((char[]){ ring[22], ring[23], ring[20],
					     ring[21], '\0' }, NULL, 16);
	assert_true(nvq > 0);
	assert_int_equal(len, 2 * VPF_MODEL_GUEST_RING_SIZE(nvq));
	assert_int_equal(strspn(ring, "0123456789abcdef"), len);
	/* into a running VF: refused */
	assert_int_equal(err_errno(f, "model_ring_import", "{\"pf\":\"dst\","
				   "\"vf\":2,\"ring\":\"%s\"}", ring), -EBUSY);
	set_state(f, "dst", 2, "STOP");
	assert_true(is_true(ok(f, "model_ring_import", "{\"pf\":\"dst\","
				    "\"vf\":2,\"ring\":\"%s\"}", ring)));
	assert_string_equal(sget(ok(f, "model_ring_export", "{\"pf\":\"dst\","
				    "\"vf\":2}"), "ring"), ring);
	/* upper case digits are hex digits too */
	for (i = 0; i < len; i++)
		up[i] = (char)toupper((unsigned char)ring[i]);
	up[len] = '\0';
	assert_true(is_true(ok(f, "model_ring_import", "{\"pf\":\"dst\","
				    "\"vf\":2,\"ring\":\"%s\"}", up)));
	/* a wrong magic */
	ring[0] = '5';
	ring[1] = 'F';
	assert_int_equal(err_errno(f, "model_ring_import", "{\"pf\":\"dst\","
				   "\"vf\":2,\"ring\":\"%s\"}", ring), -EINVAL);
	ring[1] = '6';
	/* the untrusted bytes: truncated, not hex, odd, too long, empty */
	ring[len - 2] = '\0';
	assert_int_equal(err_errno(f, "model_ring_import", "{\"pf\":\"dst\","
				   "\"vf\":2,\"ring\":\"%s\"}", ring), -EINVAL);
	ring[len - 3] = 'x';
	err(f, VPFD_E_PARAMS, "model_ring_import",
	    "{\"pf\":\"dst\",\"vf\":2,\"ring\":\"%s\"}", ring);
	ring[len - 3] = '0';
	ring[len - 3] = '\0';
	err(f, VPFD_E_PARAMS, "model_ring_import",
	    "{\"pf\":\"dst\",\"vf\":2,\"ring\":\"%s\"}", ring);
	big = malloc(2 * VPF_MODEL_GUEST_RING_SIZE(256) + 3);
	assert_non_null(big);
	memset(big, '0', 2 * VPF_MODEL_GUEST_RING_SIZE(256) + 2);
	big[2 * VPF_MODEL_GUEST_RING_SIZE(256) + 2] = '\0';
	err(f, VPFD_E_PARAMS, "model_ring_import",
	    "{\"pf\":\"dst\",\"vf\":2,\"ring\":\"%s\"}", big);
	free(big);
	err_errno(f, "model_ring_import", "{\"pf\":\"dst\",\"vf\":2,"
		  "\"ring\":\"\"}");
	err(f, VPFD_E_PARAMS, "model_ring_import", "{\"pf\":\"dst\",\"vf\":2}");
	err(f, VPFD_E_PARAMS, "model_ring_import",
	    "{\"pf\":\"dst\",\"vf\":2,\"ring\":12}");
	err(f, VPFD_E_PARAMS, "model_ring_export",
	    "{\"pf\":\"dst\",\"vf\":2,\"ring\":\"00\"}");
	free(ring);
}

static void
test_model_fault(void **state)
{
	struct fx *f = *state;

	assert_true(is_true(ok(f, "model_fault", "{\"pf\":\"src\","
				    "\"kind\":\"eagain\"}")));
	assert_true(is_true(ok(f, "model_fault", "{\"pf\":\"src\","
				    "\"vf\":2,\"kind\":\"delay\",\"count\":2,"
				    "\"param\":10}")));
	assert_true(is_true(ok(f, "model_fault", "{\"pf\":\"src\","
				    "\"vf\":0,\"kind\":\"eagain\",\"ms\":50}")));
	assert_true(is_true(ok(f, "model_fault_clear",
				    "{\"pf\":\"src\"}")));
	/* a fault the driver sees: one EAGAIN is retried, the move works */
	ok(f, "model_fault", "{\"pf\":\"dst\",\"vf\":3,\"kind\":\"eagain\"}");
	set_state(f, "dst", 3, "STOP");
	set_state(f, "dst", 3, "RUNNING");
	ok(f, "model_fault_clear", "{\"pf\":\"dst\"}");

	err(f, VPFD_E_PARAMS, "model_fault", "{\"pf\":\"src\"}");
	err(f, VPFD_E_PARAMS, "model_fault", "{\"kind\":\"eagain\"}");
	err(f, VPFD_E_PARAMS, "model_fault", "{\"pf\":\"no\",\"kind\":\"eagain\"}");
	err(f, VPFD_E_PARAMS, "model_fault", "{\"pf\":\"src\",\"kind\":5}");
	err(f, VPFD_E_PARAMS, "model_fault", "{\"pf\":\"src\",\"kind\":\"nope\"}");
	err(f, VPFD_E_PARAMS, "model_fault", "{\"pf\":\"src\",\"kind\":\"none\"}");
	err(f, VPFD_E_PARAMS, "model_fault",
	    "{\"pf\":\"src\",\"kind\":\"eagain\",\"vf\":5}");
	err(f, VPFD_E_PARAMS, "model_fault",
	    "{\"pf\":\"src\",\"kind\":\"eagain\",\"vf\":-1}");
	err(f, VPFD_E_PARAMS, "model_fault",
	    "{\"pf\":\"src\",\"kind\":\"eagain\",\"vf\":\"1\"}");
	err(f, VPFD_E_PARAMS, "model_fault",
	    "{\"pf\":\"src\",\"kind\":\"eagain\",\"count\":0}");
	err(f, VPFD_E_PARAMS, "model_fault",
	    "{\"pf\":\"src\",\"kind\":\"eagain\",\"count\":1000001}");
	err(f, VPFD_E_PARAMS, "model_fault",
	    "{\"pf\":\"src\",\"kind\":\"eagain\",\"ms\":0}");
	err(f, VPFD_E_PARAMS, "model_fault",
	    "{\"pf\":\"src\",\"kind\":\"eagain\",\"ms\":600001}");
	err(f, VPFD_E_PARAMS, "model_fault",
	    "{\"pf\":\"src\",\"kind\":\"eagain\",\"param\":-1}");
	err(f, VPFD_E_PARAMS, "model_fault",
	    "{\"pf\":\"src\",\"kind\":\"eagain\",\"param\":4294967296}");
	err(f, VPFD_E_PARAMS, "model_fault",
	    "{\"pf\":\"src\",\"kind\":\"eagain\",\"bdf\":\"%s\"}", f->vf1_bdf);
	err(f, VPFD_E_PARSE, "model_fault",
	    "{\"pf\":\"src\",\"kind\":\"eagain\",\"count\":18446744073709551616}");
	/* nothing is left injected by the refused ones */
	set_state(f, "src", 2, "STOP");
	set_state(f, "src", 2, "RUNNING");
}

/* ---- the per-VF migration ----------------------------------------------- */

/* Write the piece vf_mig_save_next put in @p fd into the destination. */
static void
load_piece(struct fx *f, int fd, json_int_t bytes, const char *dst,
	   unsigned int dvf, json_int_t *loaded)
{
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, bytes);
	if (bytes == 0)
		return;
	*loaded += bytes;
	assert_int_equal(iget(ok_fd(f, dupfd(fd), "vf_mig_load",
				    "{\"pf\":\"%s\",\"vf\":%u,\"bytes\":%lld}",
				    dst, dvf, (long long)bytes), "loaded"),
			 *loaded);
}

/* Migrate src VF @p svf to dst VF @p dvf the way a VMM drives it through
 * vpfd: @p rounds precopy rounds, STOP_COPY, the destination resumed
 * (1.4: with the guest ring state moved first), the source completed.
 * The destination ends with the source's state. */
static void
migrate(struct fx *f, unsigned int svf, unsigned int dvf, unsigned int rounds)
{
	char ds[65], dd[65];
	json_int_t loaded = 0, saved = 0;
	unsigned int r;
	json_t *o;
	int fd = memfd();

	set_state(f, "dst", dvf, "RESUMING");
	if (rounds > 0)
		set_state(f, "src", svf, "PRE_COPY");
	for (r = 1; r <= rounds; r++) {
		guest(f, "src", svf, 100);
		/* stale bytes in the file are dropped by the daemon */
		assert_int_equal(ftruncate(fd, 1 << 20), 0);
		o = ok_fd(f, dupfd(fd), "vf_mig_save_next",
			  "{\"pf\":\"src\",\"vf\":%u}", svf);
		{
			static const char *const k[] = { "bytes", "state",
				"round", "end", NULL };

			assert_keys(o, k);
		}
		assert_true(iget(o, "bytes") > 0);
		assert_string_equal(sget(o, "state"), "PRE_COPY");
		assert_int_equal(iget(o, "round"), r);
		assert_false(bget(o, "end"));
		saved += iget(o, "bytes");
		load_piece(f, fd, iget(o, "bytes"), "dst", dvf, &loaded);
		o = ok(f, "vf_mig_precopy_info", "{\"pf\":\"src\",\"vf\":%u}",
		       svf);
		assert_int_equal(iget(o, "round"), r);
		assert_int_equal(iget(o, "pending_bytes"), 0);
	}
	guest(f, "src", svf, 100);
	set_state(f, "src", svf, "STOP_COPY");
	o = ok_fd(f, dupfd(fd), "vf_mig_save_next", "{\"pf\":\"src\",\"vf\":%u}",
		  svf);
	assert_true(iget(o, "bytes") > 0);
	assert_string_equal(sget(o, "state"), "STOP_COPY");
	assert_true(bget(o, "end"));
	saved += iget(o, "bytes");
	load_piece(f, fd, iget(o, "bytes"), "dst", dvf, &loaded);
	/* the stream has ended */
	o = ok_fd(f, dupfd(fd), "vf_mig_save_next", "{\"pf\":\"src\",\"vf\":%u}",
		  svf);
	assert_int_equal(iget(o, "bytes"), 0);
	assert_true(bget(o, "end"));
	load_piece(f, fd, 0, "dst", dvf, &loaded);
	close(fd);
	set_state(f, "src", svf, "STOP");
	o = ok(f, "vf_get", "{\"pf\":\"src\",\"vf\":%u}", svf);
	assert_int_equal(iget(o, "save_total"), saved);
	digest_of(f, "src", svf, ds);
	digest_of(f, "dst", dvf, dd);
	assert_string_not_equal(ds, dd);
	o = ok(f, "vf_get", "{\"pf\":\"dst\",\"vf\":%u}", dvf);
	assert_int_equal(iget(o, "load_total"), loaded);
	assert_int_equal(loaded, saved);

	set_state(f, "dst", dvf, "STOP");
	if (v14(f)) {
		char *ring = strdup(sget(ok(f, "model_ring_export",
					    "{\"pf\":\"src\",\"vf\":%u}", svf),
					 "ring"));

		assert_true(is_true(ok(f, "model_ring_import",
			"{\"pf\":\"dst\",\"vf\":%u,\"ring\":\"%s\"}", dvf,
			ring)));
		free(ring);
	}
	set_state(f, "dst", dvf, "RUNNING");
	digest_of(f, "dst", dvf, dd);
	assert_string_equal(ds, dd);
	assert_true(is_true(ok(f, "vf_mig_complete",
				    "{\"pf\":\"src\",\"vf\":%u}", svf)));
	o = ok(f, "vf_get", "{\"pf\":\"src\",\"vf\":%u}", svf);
	assert_true(bget(o, "complete"));
	assert_true(bget(o, "journal"));
	assert_string_equal(sget(o, "state"), "STOP");
	assert_int_not_equal(dev_mode(f, "src", (uint16_t)svf),
			     VPF_DEV_MODE_ACTIVE);
	/* the guest goes on at the destination */
	digest_of(f, "dst", dvf, ds);
	guest(f, "dst", dvf, 300);
	digest_of(f, "dst", dvf, dd);
	assert_string_not_equal(ds, dd);
}

static void
test_migrate(void **state)
{
	struct fx *f = *state;
	char *path;

	guest(f, "src", 1, 500);
	guest(f, "src", 2, 700);
	migrate(f, 1, 3, 0);
	migrate(f, 2, 2, 3);
	/* VFs the journal lists stay stopped when the PF is detached */
	assert_true(is_true(ok(f, "pf_detach", "{\"pf\":\"dst\"}")));
	assert_string_equal(state_of(f, "src", 1), "STOP");
	assert_string_equal(state_of(f, "src", 3), "RUNNING");
	/* a model's journal dies with it (no later owner can read it) */
	path = strdup(sget(ok(f, "pf_get", "{\"pf\":\"src\"}"), "journal"));
	assert_int_equal(access(path, F_OK), 0);
	assert_true(is_true(ok(f, "pf_detach", "{\"pf\":\"src\"}")));
	assert_int_not_equal(access(path, F_OK), 0);
	free(path);
}

/* The forms that spare round trips (what the plugin uses): the first
 * save piece in vf_mig_state_set's answer (save=true), and load pieces
 * appended in one file, each taken at its offset. */
static void
test_state_set_save(void **state)
{
	struct fx *f = *state;
	json_int_t off = 0, n;
	char ds[65], dd[65];
	int fd = memfd(), in = memfd();
	char buf[65536];
	json_t *o;

	guest(f, "src", 1, 300);
	set_state(f, "dst", 1, "RESUMING");
	/* refusals: no descriptor; a state that has no save stream */
	err(f, VPFD_E_PARAMS, "vf_mig_state_set", "{\"pf\":\"src\",\"vf\":1,"
	    "\"state\":\"PRE_COPY\",\"save\":true}");
	err_fd(f, dupfd(fd), VPFD_E_PARAMS, "vf_mig_state_set",
	       "{\"pf\":\"src\",\"vf\":1,\"state\":\"STOP\",\"save\":true}");
	err_fd(f, dupfd(fd), VPFD_E_PARAMS, "vf_mig_state_set",
	       "{\"pf\":\"src\",\"vf\":1,\"state\":\"PRE_COPY\","
	       "\"save\":1}");
	assert_string_equal(state_of(f, "src", 1), "RUNNING");
	/* precopy: the answer carries the first round */
	o = ok_fd(f, dupfd(fd), "vf_mig_state_set", "{\"pf\":\"src\",\"vf\":1,"
		  "\"state\":\"PRE_COPY\",\"save\":true}");
	assert_string_equal(sget(o, "state"), "PRE_COPY");
	assert_int_equal(iget(o, "round"), 1);
	assert_false(bget(o, "end"));
	n = iget(o, "bytes");
	assert_true(n > 0 && n < (json_int_t)sizeof(buf));
	assert_int_equal(pread(fd, buf, (size_t)n, 0), n);
	assert_int_equal(pwrite(in, buf, (size_t)n, off), n);
	off += n;
	guest(f, "src", 1, 100);
	/* stop-copy: the rest, to the end */
	o = ok_fd(f, dupfd(fd), "vf_mig_state_set", "{\"pf\":\"src\",\"vf\":1,"
		  "\"state\":\"STOP_COPY\",\"save\":true}");
	assert_true(bget(o, "end"));
	n = iget(o, "bytes");
	assert_true(n > 0 && n < (json_int_t)sizeof(buf));
	assert_int_equal(pread(fd, buf, (size_t)n, 0), n);
	assert_int_equal(pwrite(in, buf, (size_t)n, off), n);
	/* both pieces from one file, at their offsets */
	ok_fd(f, dupfd(in), "vf_mig_load", "{\"pf\":\"dst\",\"vf\":1,"
	      "\"bytes\":%lld,\"offset\":0}", (long long)off);
	assert_int_equal(iget(ok_fd(f, dupfd(in), "vf_mig_load",
				    "{\"pf\":\"dst\",\"vf\":1,\"bytes\":%lld,"
				    "\"offset\":%lld}", (long long)n,
				    (long long)off), "loaded"), off + n);
	close(fd);
	close(in);
	set_state(f, "src", 1, "STOP");
	set_state(f, "dst", 1, "STOP");
	if (v14(f)) {
		char *ring = strdup(sget(ok(f, "model_ring_export",
					    "{\"pf\":\"src\",\"vf\":1}"),
					 "ring"));

		ok(f, "model_ring_import", "{\"pf\":\"dst\",\"vf\":1,"
		   "\"ring\":\"%s\"}", ring);
		free(ring);
	}
	set_state(f, "dst", 1, "RUNNING");
	digest_of(f, "src", 1, ds);
	digest_of(f, "dst", 1, dd);
	assert_string_equal(ds, dd);
}

/* ---- jobs --------------------------------------------------------------- */

static json_t *
job_wait(struct fx *f, json_int_t id)
{
	struct timespec t0, t;
	json_t *o;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		vpfd_jobs_poll(&f->d);
		o = ok(f, "mig_job_get", "{\"job\":%lld}", (long long)id);
		if (bget(o, "done"))
			return o;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 20) {
			print_message("job %lld did not finish\n",
				      (long long)id);
			fail();
		}
	}
}

#define PAIRS2	"[{\"src_pf\":\"src\",\"src_vf\":1,\"dst_pf\":\"dst\"," \
		"\"dst_vf\":1},{\"src_pf\":\"src\",\"src_vf\":2,\"dst_pf\":" \
		"\"dst\",\"dst_vf\":2}]"

static void
test_job(void **state)
{
	struct fx *f = *state;
	static const char *const k_done[] = { "job", "phase", "done", "rc", "ok",
		"failed", "total_us", "downtime_us", "pairs", NULL };
	static const char *const k_pair[] = { "src_pf", "src_vf", "dst_pf",
		"dst_vf", "rc", "error", "downtime_us", NULL };
	char ds[2][65], dd[65];
	json_int_t id;
	json_t *o, *pairs;
	unsigned int i;

	assert_int_equal(json_array_size(ok(f, "mig_job_list", NULL)), 0);
	guest(f, "src", 1, 400);
	guest(f, "src", 2, 600);
	o = ok(f, "mig_job_start", "{\"pairs\":" PAIRS2 ",\"precopy\":1}");
	{
		static const char *const k[] = { "job", NULL };

		assert_keys(o, k);
	}
	id = iget(o, "job");
	assert_true(id > 0);
	/* while it runs: its VFs are the job's */
	o = ok(f, "mig_job_get", "{\"job\":%lld}", (long long)id);
	assert_int_equal(iget(o, "job"), id);
	assert_false(bget(o, "done"));
	assert_true(is_string(json_object_get(o, "phase")));
	o = ok(f, "mig_job_list", "{}");
	assert_int_equal(json_array_size(o), 1);
	assert_int_equal(iget(json_array_get(o, 0), "job"), id);
	assert_false(bget(json_array_get(o, 0), "done"));
	assert_int_equal(iget(ok(f, "vf_get", "{\"pf\":\"src\",\"vf\":1}"),
			      "job"), id);
	assert_int_equal(iget(ok(f, "vf_get", "{\"pf\":\"dst\",\"vf\":2}"),
			      "job"), id);
	assert_int_equal(err_errno(f, "vf_mig_state_set", "{\"pf\":\"src\","
				   "\"vf\":1,\"state\":\"STOP\"}"), -EBUSY);
	assert_int_equal(err_errno(f, "vf_mig_state_set", "{\"pf\":\"dst\","
				   "\"vf\":1,\"state\":\"RUNNING\"}"), -EBUSY);
	assert_int_equal(err_errno(f, "vf_mig_abort", "{\"pf\":\"src\","
				   "\"vf\":2}"), -EBUSY);
	assert_int_equal(err_errno(f, "vf_mig_complete", "{\"pf\":\"src\","
				   "\"vf\":2}"), -EBUSY);
	err_fd(f, memfd(), -EBUSY, "vf_mig_save_next",
	       "{\"pf\":\"src\",\"vf\":1}");
	err_fd(f, memfd(), -EBUSY, "vf_mig_load",
	       "{\"pf\":\"dst\",\"vf\":1,\"bytes\":0}");
	assert_int_equal(err_errno(f, "pf_detach", "{\"pf\":\"src\"}"), -EBUSY);
	assert_int_equal(err_errno(f, "pf_detach", "{\"pf\":\"dst\"}"), -EBUSY);
	assert_int_equal(err_errno(f, "pf_reattach", "{\"pf\":\"dst\"}"),
			 -EBUSY);
	assert_int_equal(err_errno(f, "mig_job_start", "{\"pairs\":[{\"src_pf\":"
				   "\"src\",\"src_vf\":2,\"dst_pf\":\"dst\","
				   "\"dst_vf\":4}]}"), -EBUSY);
	assert_int_equal(err_errno(f, "mig_job_start", "{\"pairs\":[{\"src_pf\":"
				   "\"src\",\"src_vf\":4,\"dst_pf\":\"dst\","
				   "\"dst_vf\":1}]}"), -EBUSY);
	/* other VFs of the PFs are free */
	set_state(f, "src", 4, "STOP");
	set_state(f, "src", 4, "RUNNING");

	o = job_wait(f, id);
	assert_keys(o, k_done);
	assert_string_equal(sget(o, "phase"), "DONE");
	assert_int_equal(iget(o, "rc"), 0);
	assert_int_equal(iget(o, "ok"), 2);
	assert_int_equal(iget(o, "failed"), 0);
	assert_true(iget(o, "total_us") >= iget(o, "downtime_us"));
	pairs = json_object_get(o, "pairs");
	assert_int_equal(json_array_size(pairs), 2);
	for (i = 0; i < 2; i++) {
		json_t *p = json_array_get(pairs, i);

		assert_keys(p, k_pair);
		assert_string_equal(sget(p, "src_pf"), "src");
		assert_string_equal(sget(p, "dst_pf"), "dst");
		assert_int_equal(iget(p, "src_vf"), i + 1);
		assert_int_equal(iget(p, "dst_vf"), i + 1);
		assert_int_equal(iget(p, "rc"), 0);
		assert_string_equal(sget(p, "error"), "");
	}
	/* the guests run at the destination with the source's state */
	for (i = 0; i < 2; i++) {
		digest_of(f, "src", i + 1, ds[i]);
		digest_of(f, "dst", i + 1, dd);
		assert_string_equal(ds[i], dd);
		o = ok(f, "vf_get", "{\"pf\":\"src\",\"vf\":%u}", i + 1);
		assert_true(is_null(json_object_get(o, "job")));
		assert_true(bget(o, "complete"));
		assert_string_not_equal(sget(o, "state"), "RUNNING");
		assert_string_equal(state_of(f, "dst", i + 1), "RUNNING");
		guest(f, "dst", i + 1, 100);
	}
	o = ok(f, "mig_job_list", NULL);
	assert_int_equal(json_array_size(o), 1);
	assert_true(bget(json_array_get(o, 0), "done"));
	/* cancelling a finished job changes nothing */
	assert_true(is_true(ok(f, "mig_job_cancel", "{\"job\":%lld}",
				    (long long)id)));
	assert_int_equal(iget(ok(f, "mig_job_get", "{\"job\":%lld}",
				 (long long)id), "rc"), 0);
	/* the VFs are free again */
	set_state(f, "dst", 1, "STOP");
	assert_true(is_true(ok(f, "pf_detach", "{\"pf\":\"dst\"}")));
}

static void
test_job_cancel(void **state)
{
	struct fx *f = *state;
	json_int_t id, id2;
	json_t *o;
	unsigned int i;

	id = iget(ok(f, "mig_job_start", "{\"pairs\":" PAIRS2 ","
		     "\"serial\":true,\"precopy\":0}"), "job");
	assert_true(is_true(ok(f, "mig_job_cancel", "{\"job\":%lld}",
				    (long long)id)));
	o = job_wait(f, id);
	assert_int_not_equal(iget(o, "rc"), 0);
	assert_int_equal(iget(o, "ok"), 0);
	/* nothing moved: every VF runs where it ran, and is free */
	for (i = 1; i <= 2; i++) {
		o = ok(f, "vf_get", "{\"pf\":\"src\",\"vf\":%u}", i);
		assert_string_equal(sget(o, "state"), "RUNNING");
		assert_false(bget(o, "complete"));
		assert_true(is_null(json_object_get(o, "job")));
		assert_int_equal(dev_mode(f, "src", (uint16_t)i),
				 VPF_DEV_MODE_ACTIVE);
		assert_string_equal(state_of(f, "dst", i), "RUNNING");
		guest(f, "src", i, 10);
	}
	/* a second job with the same VFs now works, ids grow */
	id2 = iget(ok(f, "mig_job_start", "{\"pairs\":" PAIRS2 "}"), "job");
	assert_true(id2 > id);
	assert_int_equal(iget(job_wait(f, id2), "rc"), 0);
	assert_int_equal(json_array_size(ok(f, "mig_job_list", NULL)), 2);
}

static void
test_job_errors(void **state)
{
	struct fx *f = *state;
	static const char *const bad_pairs[] = {
		"", "\"pairs\":{}", "\"pairs\":[]", "\"pairs\":null",
		"\"pairs\":\"src\"", "\"pairs\":[5]", "\"pairs\":[[]]",
		"\"pairs\":[{}]",
		"\"pairs\":[{\"src_pf\":\"src\",\"src_vf\":1,\"dst_pf\":\"dst\"}]",
		"\"pairs\":[{\"src_pf\":\"src\",\"src_vf\":1,\"dst_pf\":\"dst\","
		"\"dst_vf\":1,\"x\":1}]",
		"\"pairs\":[{\"src_pf\":\"nope\",\"src_vf\":1,\"dst_pf\":\"dst\","
		"\"dst_vf\":1}]",
		"\"pairs\":[{\"src_pf\":\"src\",\"src_vf\":1,\"dst_pf\":\"nope\","
		"\"dst_vf\":1}]",
		"\"pairs\":[{\"src_pf\":1,\"src_vf\":1,\"dst_pf\":\"dst\","
		"\"dst_vf\":1}]",
		"\"pairs\":[{\"src_pf\":\"src\",\"src_vf\":\"1\",\"dst_pf\":"
		"\"dst\",\"dst_vf\":1}]",
		"\"pairs\":[{\"src_pf\":\"src\",\"src_vf\":1.5,\"dst_pf\":"
		"\"dst\",\"dst_vf\":1}]",
		"\"pairs\":[{\"src_pf\":\"src\",\"src_vf\":0,\"dst_pf\":\"dst\","
		"\"dst_vf\":1}]",
		"\"pairs\":[{\"src_pf\":\"src\",\"src_vf\":5,\"dst_pf\":\"dst\","
		"\"dst_vf\":1}]",
		"\"pairs\":[{\"src_pf\":\"src\",\"src_vf\":-1,\"dst_pf\":\"dst\","
		"\"dst_vf\":1}]",
		"\"pairs\":[{\"src_pf\":\"src\",\"src_vf\":1,\"dst_pf\":\"dst\","
		"\"dst_vf\":0}]",
		"\"pairs\":[{\"src_pf\":\"src\",\"src_vf\":1,\"dst_pf\":\"dst\","
		"\"dst_vf\":4294967297}]",
		"\"pairs\":" PAIRS2 ",\"precopy\":65",
		"\"pairs\":" PAIRS2 ",\"precopy\":-1",
		"\"pairs\":" PAIRS2 ",\"precopy\":\"1\"",
		"\"pairs\":" PAIRS2 ",\"serial\":\"yes\"",
		"\"pairs\":" PAIRS2 ",\"serial\":1",
		"\"pairs\":" PAIRS2 ",\"job\":1",
	};
	char *many;
	size_t i, n;

	for (i = 0; i < sizeof(bad_pairs) / sizeof(bad_pairs[0]); i++)
		err(f, VPFD_E_PARAMS, "mig_job_start", "{%s}", bad_pairs[i]);
	err(f, VPFD_E_PARAMS, "mig_job_start", NULL);
	err(f, VPFD_E_PARAMS, "mig_job_start", "[" PAIRS2 "]");
	/* more than 256 pairs */
	many = malloc(257 * 80 + 32);
	assert_non_null(many);
	n = (size_t)sprintf(many, "{\"pairs\":[");
	for (i = 0; i < 257; i++)
		n += (size_t)sprintf(many + n, "%s{\"src_pf\":\"src\",\"src_vf\":"
				     "1,\"dst_pf\":\"dst\",\"dst_vf\":1}",
				     i ? "," : "");
	strcpy(many + n, "]}");
	err(f, VPFD_E_PARAMS, "mig_job_start", "%s", many);
	free(many);
	/* none of them started a job or took a VF */
	assert_int_equal(json_array_size(ok(f, "mig_job_list", NULL)), 0);
	assert_true(is_null(json_object_get(ok(f, "vf_get",
		"{\"pf\":\"src\",\"vf\":1}"), "job")));
	set_state(f, "src", 1, "STOP");
	set_state(f, "src", 1, "RUNNING");

	/* job ids */
	err(f, VPFD_E_PARAMS, "mig_job_get", NULL);
	err(f, VPFD_E_PARAMS, "mig_job_get", "{}");
	err(f, VPFD_E_PARAMS, "mig_job_get", "{\"job\":1}");
	err(f, VPFD_E_PARAMS, "mig_job_get", "{\"job\":0}");
	err(f, VPFD_E_PARAMS, "mig_job_get", "{\"job\":-1}");
	err(f, VPFD_E_PARAMS, "mig_job_get", "{\"job\":\"1\"}");
	err(f, VPFD_E_PARAMS, "mig_job_get", "{\"job\":1.0}");
	err(f, VPFD_E_PARAMS, "mig_job_get", "{\"job\":4294967296}");
	err(f, VPFD_E_PARAMS, "mig_job_get", "{\"job\":1,\"pf\":\"src\"}");
	err(f, VPFD_E_PARSE, "mig_job_get", "{\"job\":18446744073709551616}");
	err(f, VPFD_E_PARAMS, "mig_job_cancel", NULL);
	err(f, VPFD_E_PARAMS, "mig_job_cancel", "{\"job\":1}");
	err(f, VPFD_E_PARAMS, "mig_job_cancel", "{\"job\":0}");
	err(f, VPFD_E_PARAMS, "mig_job_cancel", "{\"job\":\"1\"}");
	err(f, VPFD_E_PARAMS, "mig_job_cancel", "{\"job\":1,\"now\":true}");
	err(f, VPFD_E_PARAMS, "mig_job_list", "{\"job\":1}");
}

/* A job must not name one VF twice (as a source, a destination, or
 * both): two migrations of one VF at once. */
static void
test_job_same_vf(void **state)
{
	struct fx *f = *state;
	static const char *const dup[] = {
		"[{\"src_pf\":\"src\",\"src_vf\":1,\"dst_pf\":\"dst\","
		"\"dst_vf\":1},{\"src_pf\":\"src\",\"src_vf\":1,\"dst_pf\":"
		"\"dst\",\"dst_vf\":2}]",
		"[{\"src_pf\":\"src\",\"src_vf\":1,\"dst_pf\":\"dst\","
		"\"dst_vf\":1},{\"src_pf\":\"src\",\"src_vf\":2,\"dst_pf\":"
		"\"dst\",\"dst_vf\":1}]",
		"[{\"src_pf\":\"src\",\"src_vf\":1,\"dst_pf\":\"src\","
		"\"dst_vf\":1}]",
		"[{\"src_pf\":\"src\",\"src_vf\":1,\"dst_pf\":\"dst\","
		"\"dst_vf\":1},{\"src_pf\":\"dst\",\"src_vf\":1,\"dst_pf\":"
		"\"src\",\"dst_vf\":2}]",
	};
	unsigned int i;

	for (i = 0; i < sizeof(dup) / sizeof(dup[0]); i++) {
		err(f, -EINVAL, "mig_job_start", "{\"pairs\":%s}", dup[i]);
		assert_int_equal(json_array_size(ok(f, "mig_job_list", NULL)),
				 0);
	}
	/* nothing was taken */
	set_state(f, "src", 1, "STOP");
	set_state(f, "src", 1, "RUNNING");
	set_state(f, "dst", 1, "STOP");
	set_state(f, "dst", 1, "RUNNING");
}

/* ---- holders ------------------------------------------------------------ */

static void
test_holder(void **state)
{
	struct fx *f = *state;
	static const char req[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
		"\"vf_mig_state_set\",\"params\":{\"pf\":\"src\",\"vf\":3,"
		"\"state\":\"STOP_COPY\"}}\n{\"jsonrpc\":\"2.0\",\"id\":2,"
		"\"method\":\"vf_get\",\"params\":{\"pf\":\"src\",\"vf\":3}}";
	struct vpfd_pf *p = pf(f, "src");
	json_t *o;

	/* another connection holds VF 1 (set as its state_set would) */
	set_state(f, "src", 1, "STOP_COPY");
	p->vfs[1].holder = 77;
	o = ok(f, "vf_get", "{\"pf\":\"src\",\"vf\":1}");
	assert_int_equal(iget(o, "held_by"), 77);
	assert_true(is_null(json_object_get(o, "left_by")));
	assert_int_equal(err_errno(f, "vf_mig_state_set", "{\"pf\":\"src\","
				   "\"vf\":1,\"state\":\"RUNNING\"}"), -EBUSY);
	assert_int_equal(err_errno(f, "vf_mig_abort", "{\"bdf\":\"%s\"}",
				   f->vf1_bdf), -EBUSY);
	assert_int_equal(err_errno(f, "vf_mig_complete", "{\"pf\":\"src\","
				   "\"vf\":1}"), -EBUSY);
	err_fd(f, memfd(), -EBUSY, "vf_mig_save_next",
	       "{\"pf\":\"src\",\"vf\":1}");
	err_fd(f, memfd(), -EBUSY, "vf_mig_load",
	       "{\"pf\":\"src\",\"vf\":1,\"bytes\":0}");
	assert_int_equal(err_errno(f, "pf_detach", "{\"pf\":\"src\"}"), -EBUSY);
	assert_int_equal(err_errno(f, "mig_job_start", "{\"pairs\":[{\"src_pf\":"
				   "\"src\",\"src_vf\":1,\"dst_pf\":\"dst\","
				   "\"dst_vf\":1}]}"), -EBUSY);
	/* reading is not driving */
	assert_string_equal(state_of(f, "src", 1), "STOP_COPY");
	ok(f, "vf_mode_get", "{\"pf\":\"src\",\"vf\":1}");
	/* the holder vanishes: the VF stays, saying so */
	vpfd_conn_gone(&f->d, 77);
	o = ok(f, "vf_get", "{\"pf\":\"src\",\"vf\":1}");
	assert_true(is_null(json_object_get(o, "held_by")));
	assert_non_null(strstr(sget(o, "left_by"), "client 77"));
	assert_string_equal(sget(o, "state"), "STOP_COPY");
	assert_true(is_true(ok(f, "pf_detach", "{\"pf\":\"dst\"}")));
	ok(f, "vf_mig_abort", "{\"pf\":\"src\",\"vf\":1}");
	o = ok(f, "vf_get", "{\"pf\":\"src\",\"vf\":1}");
	assert_true(is_null(json_object_get(o, "left_by")));
	assert_string_equal(sget(o, "state"), "RUNNING");

	/* a client fed through a connection of its own, which then goes */
	vpfd_rpc_feed(&f->d, (const uint8_t *)req, sizeof(req) - 1);
	o = ok(f, "vf_get", "{\"pf\":\"src\",\"vf\":3}");
	assert_string_equal(sget(o, "state"), "STOP_COPY");
	assert_true(is_null(json_object_get(o, "held_by")));
	assert_non_null(strstr(sget(o, "left_by"), "disconnected"));
	assert_int_equal(dev_mode(f, "src", 3), v14(f) ? VPF_DEV_MODE_STOP :
			 VPF_DEV_MODE_FREEZE);
	/* a later state_set takes the VF and clears the sentence */
	set_state(f, "src", 3, "STOP");
	assert_true(is_null(json_object_get(ok(f, "vf_get",
		"{\"pf\":\"src\",\"vf\":3}"), "left_by")));
	set_state(f, "src", 3, "RUNNING");
}

/* ---- an owner restart --------------------------------------------------- */

static json_t *
orphan(json_t *res, unsigned int vf)
{
	json_t *arr = json_object_get(res, "orphans"), *o;
	size_t i;

	assert_true(is_array(arr));
	json_array_foreach(arr, i, o) {
		static const char *const k[] = { "vf", "mode", "fate", NULL };

		assert_keys(o, k);
		if (iget(o, "vf") == vf)
			return o;
	}
	return NULL;
}

/* A source left in STOP_COPY by an owner that died is resumed. */
static void
test_reattach_resumes(void **state)
{
	struct fx *f = *state;
	char a[65], b[65];
	json_t *res, *o;
	unsigned int i;
	int fd = memfd();

	guest(f, "src", 1, 300);
	set_state(f, "src", 1, "STOP_COPY");
	ok_fd(f, dupfd(fd), "vf_mig_save_next", "{\"pf\":\"src\",\"vf\":1}");
	close(fd);
	res = ok(f, "pf_reattach", "{\"pf\":\"src\"}");
	{
		static const char *const k[] = { "orphans", NULL };

		assert_keys(res, k);
	}
	o = orphan(res, 1);
	assert_non_null(o);
	assert_string_equal(sget(o, "fate"), "resumed");
	assert_int_equal(json_array_size(json_object_get(res, "orphans")), 1);
	o = ok(f, "vf_get", "{\"pf\":\"src\",\"vf\":1}");
	assert_string_equal(sget(o, "state"), "RUNNING");
	assert_false(bget(o, "complete"));
	assert_int_equal(dev_mode(f, "src", 1), VPF_DEV_MODE_ACTIVE);
	digest_of(f, "src", 1, a);
	guest(f, "src", 1, 300);
	digest_of(f, "src", 1, b);
	assert_string_not_equal(a, b);
	/* the PF works on: a migration after the restart */
	migrate(f, 1, 1, 0);
	/* a restart of the destination's owner: nothing is left behind (a
	 * 1.4 stop mark not yet dropped on disk makes a harmless resume of a
	 * running VF, doc/migration.md) */
	res = ok(f, "pf_reattach", "{\"pf\":\"dst\"}");
	if (!v14(f)) {
		assert_int_equal(json_array_size(json_object_get(res,
				 "orphans")), 0);
	} else {
		size_t i;

		json_array_foreach(json_object_get(res, "orphans"), i, o)
			assert_string_equal(sget(o, "fate"), "resumed");
	}
	for (i = 1; i <= NVF; i++)
		assert_int_equal(dev_mode(f, "dst", (uint16_t)i),
				 VPF_DEV_MODE_ACTIVE);
}

/* A source that migrated away (vf_mig_complete) is never resumed. */
static void
test_reattach_migrated(void **state)
{
	struct fx *f = *state;
	json_t *res, *o;

	guest(f, "src", 2, 300);
	migrate(f, 2, 2, 1);
	/* and one left mid-migration beside it */
	set_state(f, "src", 4, "STOP_COPY");
	res = ok(f, "pf_reattach", "{\"pf\":\"src\"}");
	o = orphan(res, 2);
	assert_non_null(o);
	assert_string_equal(sget(o, "fate"), "migrated");
	/* 1.4 has no Freeze: the stopped device is "stop", as in vf_get */
	assert_string_equal(sget(o, "mode"), v14(f) ? "stop" : "freeze");
	o = orphan(res, 4);
	assert_non_null(o);
	assert_string_equal(sget(o, "fate"), "resumed");
	assert_null(orphan(res, 1));
	assert_null(orphan(res, 3));
	o = ok(f, "vf_get", "{\"pf\":\"src\",\"vf\":2}");
	assert_string_not_equal(sget(o, "state"), "RUNNING");
	assert_true(bget(o, "complete"));
	assert_true(bget(o, "journal"));
	assert_int_not_equal(dev_mode(f, "src", 2), VPF_DEV_MODE_ACTIVE);
	assert_string_equal(state_of(f, "src", 4), "RUNNING");
	assert_int_equal(dev_mode(f, "src", 4), VPF_DEV_MODE_ACTIVE);
	/* the next restart says the same; detach leaves it stopped */
	res = ok(f, "pf_reattach", "{\"pf\":\"src\"}");
	assert_string_equal(sget(orphan(res, 2), "fate"), "migrated");
	assert_null(orphan(res, 4));
	assert_int_not_equal(dev_mode(f, "src", 2), VPF_DEV_MODE_ACTIVE);
	err(f, VPFD_E_PARAMS, "pf_reattach", "{\"pf\":\"src\",\"vf\":2}");
}

/* ---- coverage: the last test -------------------------------------------- */

static void
test_every_method_tested(void **state)
{
	struct fx *f = *state;
	json_t *list = ok(f, "rpc_get_methods", NULL);
	bool bad = false;
	size_t i;

	for (i = 0; i < json_array_size(list) || i < NMETHODS; i++) {
		const char *got = json_string_value(json_array_get(list, i));

		if (got == NULL || i >= NMETHODS ||
		    strcmp(got, methods[i].name) != 0) {
			print_message("rpc_get_methods[%zu] is %s, this test "
				      "knows %s\n", i, got ? got : "(none)",
				      i < NMETHODS ? methods[i].name : "(none)");
			bad = true;
			break;
		}
	}
	for (i = 0; i < NMETHODS; i++) {
		if (!seen[i][0] && !methods[i].no_success) {
			print_message("%s: no success case ran\n",
				      methods[i].name);
			bad = true;
		}
		if (!seen[i][1]) {
			print_message("%s: no invalid-params case ran\n",
				      methods[i].name);
			bad = true;
		}
	}
	assert_false(bad);
}

#define BOTH(fn)							\
	{ #fn "_draft", fn, fx_setup, fx_teardown, &dialect_draft },	\
	{ #fn "_v14", fn, fx_setup, fx_teardown, &dialect_v14 }

VPF_TEST_MAIN(NULL, NULL,
	BOTH(test_envelope),
	BOTH(test_fd_consumed),
	BOTH(test_notification),
	BOTH(test_vf_addressing),
	BOTH(test_core),
	BOTH(test_pf_methods),
	BOTH(test_pf_attach_model),
	BOTH(test_pf_attach_vfio),
	BOTH(test_vf_get),
	BOTH(test_vf_mode_get),
	BOTH(test_state_set),
	BOTH(test_abort_complete),
	BOTH(test_save_next_errors),
	BOTH(test_load_errors),
	BOTH(test_state_set_save),
	BOTH(test_precopy_info),
	BOTH(test_model_guest_digest),
	BOTH(test_model_ring),
	BOTH(test_model_fault),
	BOTH(test_migrate),
	BOTH(test_job),
	BOTH(test_job_cancel),
	BOTH(test_job_errors),
	BOTH(test_job_same_vf),
	BOTH(test_holder),
	BOTH(test_reattach_resumes),
	BOTH(test_reattach_migrated),
	BOTH(test_every_method_tested))
