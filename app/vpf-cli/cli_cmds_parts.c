/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * vpf-cli commands of the virtio 1.4 device-parts dialect (doc/protocol.md
 * §10, doc/cli.md "Device parts"): cap list|get|set on the self group,
 * parts obj create|destroy, parts meta, parts get|set (the manual 1.4
 * migration steps, with `mode set`) and parts dump.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "vpf_common.h"
#include "vpf_parts.h"
#include "cli_cmds.h"

/* Most objects one PF can have (ids 0 .. 2 x 255 - 1). */
#define OBJS_MAX	512u

/* ---- shared ------------------------------------------------------------- */

/* -ENOTSUP (reported) unless @p p speaks 1.4; @p what names the command. */
static int
need_v14(struct cli_pf *p, const char *what)
{
	struct vpf_pf_info in;

	if (cli_pf_v14(p))
		return 0;
	if (vpf_pf_info_get(p->pf, &in) < 0)
		in.dialect = VPF_DIALECT_UNKNOWN;
	return cli_fail(-ENOTSUP, "%s speaks %s: %s needs the virtio 1.4 "
			"dialect (device parts)", p->name,
			cli_dialect_name(in.dialect), what);
}

static const char *
kind_name(uint8_t kind)
{
	return kind == VPF_PARTS_OBJ_GET ? "get" : "set";
}

/* The live object @p s (its id) of VF @p vf of @p p, of @p kind (-1:
 * either), into @p o; reported refusals otherwise. */
static int
obj_find(struct cli_pf *p, uint16_t vf, const char *s, int kind,
	 struct vpf_admin_v14_obj *o)
{
	struct vpf_admin_v14_obj objs[OBJS_MAX];
	uint64_t id;
	int n, i;

	if (cli_parse_range(s, false, 0, OBJS_MAX - 1, &id) < 0)
		return cli_fail(-EINVAL, "bad object id '%s' (0..%u)", s,
				OBJS_MAX - 1);
	n = vpf_admin_v14_obj_list(p->pf, objs, OBJS_MAX);
	if (n < 0)
		return cli_fail(n, "%s", vpf_last_error());
	for (i = 0; i < RTE_MIN(n, (int)OBJS_MAX); i++) {
		if (objs[i].id != id)
			continue;
		if (objs[i].vf != vf)
			return cli_fail(-EPERM, "object %" PRIu64 " of %s "
					"belongs to vf %u, not vf %u", id,
					p->name, objs[i].vf, vf);
		if (kind >= 0 && objs[i].kind != kind)
			return cli_fail(-EINVAL, "object %" PRIu64 " is a %s "
					"object; this needs a %s object", id,
					kind_name(objs[i].kind),
					kind_name((uint8_t)kind));
		*o = objs[i];
		return 0;
	}
	return cli_fail(-ENOENT, "no object %" PRIu64 " on %s ('show pf' "
			"lists the objects; 'parts obj create' makes one)", id,
			p->name);
}

/* A failed device-parts call on @p p: the library's sentence, the device
 * status if it answered, and a hint for the usual causes. */
static int
parts_fail(struct cli_pf *p, uint16_t vf, int rc, const char *what)
{
	char dev[128];
	uint16_t st = 0, q = 0;
	bool devst = cli_dev_status(p, dev, sizeof(dev));

	if (devst)
		vpf_admin_last_status(p->pf, &st, &q);
	cli_fail_dev(p, rc, what);
	if (rc == -ENOSPC && !devst && strstr(what, "CREATE") != NULL)
		cli_hint("every object of that kind is in use: 'show pf' lists "
			 "them, 'parts obj destroy %s <vf> <id>' frees one",
			 p->name);
	else if (devst && q == VPF_ADMIN_SQ_INVALID_COMMAND &&
		 strstr(what, "SET") != NULL)
		cli_hint("DEV_PARTS_SET needs a stopped VF: 'mode set %s %u "
			 "stop' first", p->name, vf);
	return rc;
}

/* The object a command uses: `obj=<id>` (of @p kind), or one created now
 * (*@p created), to be released with obj_release(). */
static int
obj_take(struct cli_args *a, uint8_t kind, struct vpf_admin_v14_obj *o,
	 bool *created)
{
	const char *s = cli_kv_get(&a->kv, "obj");
	int rc;

	*created = false;
	if (s != NULL)
		return obj_find(a->p, a->vf, s, kind, o);
	cli_dev_begin(a->p);
	rc = vpf_admin_v14_obj_create(a->p->pf, a->vf, kind, o);
	if (rc < 0)
		return parts_fail(a->p, a->vf, rc, "RESOURCE_OBJ_CREATE");
	*created = true;
	return 0;
}

/* Destroy an object obj_take() created (a failure is said, not fatal:
 * the id is then blocked until the next reset, D-DRV14.8). */
static void
obj_release(struct cli_pf *p, struct vpf_admin_v14_obj *o, bool created)
{
	uint32_t id = o->id;

	if (!created)
		return;
	if (vpf_admin_v14_obj_destroy(p->pf, o) < 0)
		printf("warning: object %u not destroyed: %s\n", id,
		       vpf_last_error());
}

static void
print_obj(const struct vpf_admin_v14_obj *o, bool created)
{
	printf("obj: %u\n", o->id);
	printf("obj-created: %s\n", created ? "yes (destroyed after)" : "no");
}

/* ---- cap ---------------------------------------------------------------- */

static const char *
cap_name(uint16_t id)
{
	return id == VPF_ADMIN_V14_CAP_DEV_PARTS ? "device-parts" : "unknown";
}

static int
cap_id(struct cli_args *a, uint16_t *id)
{
	const char *s = cli_arg(a, "id");
	uint64_t v;

	if (cli_parse_range(s, false, 0, UINT16_MAX, &v) < 0)
		return cli_fail(-EINVAL, "bad capability id '%s' (0..0xffff)",
				s);
	*id = (uint16_t)v;
	return 0;
}

static void
print_hex(const char *key, const uint8_t *b, uint32_t n)
{
	uint32_t i;

	printf("%s:", key);
	for (i = 0; i < n; i++)
		printf(" %02x", b[i]);
	printf("%s\n", n ? "" : " none");
}

static int
cmd_cap_list(struct cli_args *a)
{
	uint64_t ids;
	unsigned int i;
	int rc;

	if ((rc = need_v14(a->p, "cap list")) < 0)
		return rc;
	cli_dev_begin(a->p);
	rc = vpf_admin_v14_cap_list(a->p->pf, &ids);
	if (rc < 0)
		return cli_fail_dev(a->p, rc, "CAP_ID_LIST_QUERY");
	printf("caps: 0x%016" PRIx64 "\n", ids);
	for (i = 0; i < 64; i++)
		if (ids & (UINT64_C(1) << i))
			printf("cap: 0x%04x %s\n", i, cap_name((uint16_t)i));
	return 0;
}

static int
cmd_cap_get(struct cli_args *a)
{
	uint8_t buf[VPF_ADMIN_V14_CAP_DATA_MAX];
	uint32_t len = 0;
	uint16_t id = 0;
	int rc;

	if ((rc = need_v14(a->p, "cap get")) < 0 || (rc = cap_id(a, &id)) < 0)
		return rc;
	cli_dev_begin(a->p);
	rc = vpf_admin_v14_cap_get(a->p->pf, id, buf, sizeof(buf), &len);
	if (rc < 0) {
		cli_fail_dev(a->p, rc, "DEVICE_CAP_GET");
		if (rc == -ENXIO)
			cli_hint("'cap list %s' lists the capabilities the "
				 "device has", a->p->name);
		return rc;
	}
	printf("cap: 0x%04x %s\n", id, cap_name(id));
	printf("bytes: %u\n", len);
	print_hex("data", buf, len);
	if (id == VPF_ADMIN_V14_CAP_DEV_PARTS && len >= 2) {
		printf("get-limit: %u\n", buf[0]);
		printf("set-limit: %u\n", buf[1]);
	}
	return 0;
}

/* "0201", "02:01", "02-01": up to @p max bytes of hex pairs. */
static int
parse_hex(const char *s, uint8_t *out, uint32_t max, uint32_t *n)
{
	uint32_t k = 0;

	while (*s) {
		char pair[3];
		char *end;

		if ((*s == ':' || *s == '-') && k > 0) {
			s++;
			continue;
		}
		if (k == max || s[1] == '\0')
			return -EINVAL;
		pair[0] = s[0];
		pair[1] = s[1];
		pair[2] = '\0';
		if (!((pair[0] >= '0' && pair[0] <= '9') ||
		      (pair[0] >= 'a' && pair[0] <= 'f') ||
		      (pair[0] >= 'A' && pair[0] <= 'F')))
			return -EINVAL;
		out[k] = (uint8_t)strtoul(pair, &end, 16);
		if (*end != '\0')
			return -EINVAL;
		k++;
		s += 2;
	}
	*n = k;
	return k > 0 ? 0 : -EINVAL;
}

static int
cmd_cap_set(struct cli_args *a)
{
	uint8_t val[VPF_ADMIN_V14_CAP_DATA_MAX];
	const char *hex = cli_arg(a, "hex-bytes");
	struct vpf_pf_info in;
	uint32_t n = 0;
	uint16_t id = 0;
	int rc;

	if ((rc = need_v14(a->p, "cap set")) < 0 || (rc = cap_id(a, &id)) < 0)
		return rc;
	if (parse_hex(hex, val, sizeof(val), &n) < 0)
		return cli_fail(-EINVAL, "bad hex bytes '%s' (pairs of hex "
				"digits, optionally separated by ':' or '-', "
				"1 to %u bytes; e.g. 0201)", hex,
				VPF_ADMIN_V14_CAP_DATA_MAX);
	cli_dev_begin(a->p);
	rc = vpf_admin_v14_cap_set(a->p->pf, id, val, n);
	if (rc < 0) {
		cli_fail_dev(a->p, rc, "DRIVER_CAP_SET");
		if (rc == -EBUSY)
			cli_hint("'show pf' lists the objects; 'parts obj "
				 "destroy %s <vf> <id>' frees them",
				 a->p->name);
		else if (id == VPF_ADMIN_V14_CAP_DEV_PARTS && rc == -EINVAL)
			cli_hint("'cap get %s 0' says the most the device "
				 "allows", a->p->name);
		return rc;
	}
	printf("cap: 0x%04x %s\n", id, cap_name(id));
	print_hex("set", val, n);
	if (id == VPF_ADMIN_V14_CAP_DEV_PARTS &&
	    vpf_pf_info_get(a->p->pf, &in) == 0) {
		printf("parts-get-limit: %u\n", in.parts_get_limit);
		printf("parts-set-limit: %u\n", in.parts_set_limit);
	}
	return 0;
}

/* ---- parts obj ---------------------------------------------------------- */

static int
parse_kind(const char *s, uint8_t *kind)
{
	if (s != NULL && strcmp(s, "get") == 0)
		*kind = VPF_PARTS_OBJ_GET;
	else if (s != NULL && strcmp(s, "set") == 0)
		*kind = VPF_PARTS_OBJ_SET;
	else
		return cli_fail(-EINVAL, "bad object kind '%s' (get or set)",
				s ? s : "");
	return 0;
}

static int
cmd_obj_create(struct cli_args *a)
{
	const char *s = cli_kv_get(&a->kv, "id");
	struct vpf_admin_v14_obj o;
	uint8_t kind = VPF_PARTS_OBJ_GET;
	uint64_t id;
	int rc;

	if ((rc = need_v14(a->p, "parts obj create")) < 0 ||
	    (rc = parse_kind(cli_arg(a, "choice"), &kind)) < 0)
		return rc;
	if (s != NULL) {
		if (cli_parse_range(s, false, 0, OBJS_MAX - 1, &id) < 0)
			return cli_fail(-EINVAL, "bad object id '%s' (0..%u)",
					s, OBJS_MAX - 1);
		rc = vpf_admin_v14_obj_create_id(a->p->pf, a->vf, kind,
						 (uint32_t)id, &o);
	} else {
		rc = vpf_admin_v14_obj_create(a->p->pf, a->vf, kind, &o);
	}
	if (rc < 0)
		return parts_fail(a->p, a->vf, rc, "RESOURCE_OBJ_CREATE");
	printf("obj: %u\nvf: %u\nkind: %s\n", o.id, o.vf, kind_name(o.kind));
	return 0;
}

static int
cmd_obj_destroy(struct cli_args *a)
{
	struct vpf_admin_v14_obj o;
	uint32_t id;
	int rc;

	if ((rc = need_v14(a->p, "parts obj destroy")) < 0 ||
	    (rc = obj_find(a->p, a->vf, cli_arg(a, "id"), -1, &o)) < 0)
		return rc;
	id = o.id;
	rc = vpf_admin_v14_obj_destroy(a->p->pf, &o);
	if (rc < 0)
		return parts_fail(a->p, a->vf, rc, "RESOURCE_OBJ_DESTROY");
	printf("destroyed: %u\n", id);
	return 0;
}

/* ---- parts meta --------------------------------------------------------- */

static void
print_part_headers(const uint8_t *h, uint32_t count)
{
	uint32_t i;

	for (i = 0; i < count; i++, h += VPF_PARTS_HDR_SIZE) {
		uint16_t type;
		uint64_t sel;
		uint32_t len;

		memcpy(&type, h + VPF_PARTS_HDR_TYPE_OFF, 2);
		memcpy(&sel, h + VPF_PARTS_HDR_SEL_OFF, 8);
		memcpy(&len, h + VPF_PARTS_HDR_LEN_OFF, 4);
		type = rte_le_to_cpu_16(type);
		printf("part: %u %s 0x%04x flags 0x%02x selector 0x%016" PRIx64
		       " length %u\n", i, vpf_parts_type_name(type), type,
		       h[VPF_PARTS_HDR_FLAGS_OFF], rte_le_to_cpu_64(sel),
		       rte_le_to_cpu_32(len));
	}
}

static int
meta_list(struct cli_args *a, const struct vpf_admin_v14_obj *o)
{
	uint32_t cap = a->p->max_chunk, count = 0, len = 0;
	uint8_t *buf;
	int rc;

	buf = malloc(cap);
	if (buf == NULL)
		return cli_fail(-ENOMEM, "out of memory");
	rc = vpf_admin_v14_meta_list(a->p->pf, o, buf, cap, &count, &len);
	if (rc < 0) {
		free(buf);
		return parts_fail(a->p, a->vf, rc, "DEV_PARTS_METADATA_GET");
	}
	printf("count: %u\n", count);
	/* vpf_admin_v14_meta_list() checked that the headers are there. */
	if (8 + (uint64_t)count * VPF_PARTS_HDR_SIZE <= len)
		print_part_headers(buf + 8, count);
	free(buf);
	return 0;
}

static int
cmd_parts_meta(struct cli_args *a)
{
	const char *what = cli_arg(a, "choice");
	struct vpf_admin_v14_obj o;
	uint32_t v;
	bool created;
	int rc;

	if ((rc = need_v14(a->p, "parts meta")) < 0)
		return rc;
	if (strcmp(what, "size") != 0 && strcmp(what, "count") != 0 &&
	    strcmp(what, "list") != 0)
		return cli_fail(-EINVAL, "bad metadata '%s' (size, count or "
				"list)", what);
	if ((rc = obj_take(a, VPF_PARTS_OBJ_GET, &o, &created)) < 0)
		return rc;
	print_obj(&o, created);
	cli_dev_begin(a->p);
	if (strcmp(what, "size") == 0) {
		rc = vpf_admin_v14_meta_size(a->p->pf, &o, &v);
		if (rc < 0)
			goto fail;
		printf("size: %u\n", v);
	} else if (strcmp(what, "count") == 0) {
		rc = vpf_admin_v14_meta_count(a->p->pf, &o, &v);
		if (rc < 0)
			goto fail;
		printf("count: %u\n", v);
	} else {
		rc = meta_list(a, &o);
	}
	obj_release(a->p, &o, created);
	return rc;
fail:
	parts_fail(a->p, a->vf, rc, "DEV_PARTS_METADATA_GET");
	obj_release(a->p, &o, created);
	return rc;
}

/* ---- parts get, set ----------------------------------------------------- */

static uint32_t
count_parts(const void *parts, uint32_t len)
{
	int64_t n = vpf_parts_validate(parts, len, VPF_PARTS_F_CARRY, NULL);

	return n < 0 ? 0 : (uint32_t)n;
}

static int
cmd_parts_get(struct cli_args *a)
{
	const char *path = cli_arg(a, "file");
	struct cli_atomic_file f;
	struct vpf_admin_v14_obj o;
	uint32_t len = 0;
	uint8_t *buf;
	bool created;
	uint8_t mode;
	int rc;

	if ((rc = need_v14(a->p, "parts get")) < 0)
		return rc;
	/* The target first: an unwritable path fails before anything is
	 * sent. */
	rc = cli_atomic_open(&f, path);
	if (rc < 0)
		return cli_fail(rc, "cannot write '%s'%s%s", path,
				f.why[0] ? ": " : "", f.why);
	buf = malloc(a->p->max_chunk);
	if (buf == NULL) {
		cli_atomic_abort(&f);
		return cli_fail(-ENOMEM, "out of memory");
	}
	rc = obj_take(a, VPF_PARTS_OBJ_GET, &o, &created);
	if (rc < 0)
		goto out;
	cli_dev_begin(a->p);
	rc = vpf_admin_v14_parts_get(a->p->pf, &o, buf, a->p->max_chunk, &len);
	if (rc < 0)
		parts_fail(a->p, a->vf, rc, "DEV_PARTS_GET");
	obj_release(a->p, &o, created);
	if (rc < 0)
		goto out;
	rc = cli_atomic_write(&f, buf, len);
	if (rc == 0)
		rc = cli_atomic_commit(&f);
	if (rc < 0) {
		cli_fail(rc, "cannot write '%s'", path);
		goto out;
	}
	cli_manual_read(path, a->p, a->vf);
	printf("read: %u\n", len);
	printf("parts: %u\n", count_parts(buf, len));
	print_obj(&o, created);
	printf("file: %s\n", path);
	if (cli_mode_get(a->p, a->vf, &mode, NULL) == 0 &&
	    mode != VPF_DEV_MODE_STOP)
		printf("note: %s vf %u is running: these parts are a snapshot "
		       "of a VF that still changes; 'mode set %s %u stop' "
		       "first for the final ones\n", a->p->name, a->vf,
		       a->p->name, a->vf);
	free(buf);
	return 0;
out:
	cli_atomic_abort(&f);
	free(buf);
	return rc;
}

/* A file that is not a parts set is refused before anything is sent. */
static int
parts_file_check(const char *path, const uint8_t *data, size_t len,
		 uint32_t *count)
{
	struct vpf_parts_error err;
	char why[256];
	int64_t n;

	memset(&err, 0, sizeof(err));
	n = vpf_parts_validate(data, len, VPF_PARTS_F_CARRY, &err);
	if (n >= 0) {
		*count = (uint32_t)n;
		return 0;
	}
	vpf_parts_error_str(&err, why, sizeof(why));
	cli_fail(-EBADMSG, "'%s' is not a parts set: %s at byte offset %"
		 PRIu64 ": %s; nothing sent", path,
		 vpf_parts_err_name(err.code), err.offset, why);
	cli_hint("'parts dump %s' decodes it up to the problem; a parts "
		 "set comes from 'parts get'", path);
	return -EBADMSG;
}

static int
cmd_parts_set(struct cli_args *a)
{
	const char *path = cli_arg(a, "file");
	struct vpf_admin_v14_obj o;
	uint8_t *data = NULL;
	uint32_t count = 0;
	size_t len = 0;
	bool created;
	int rc;

	if ((rc = need_v14(a->p, "parts set")) < 0)
		return rc;
	rc = cli_read_file(path, CLI_CTX_MAX, &data, &len);
	if (rc < 0)
		return cli_fail(rc, "cannot read '%s'", path);
	if (len == 0) {
		rc = cli_fail(-EINVAL, "'%s' is empty", path);
		goto out;
	}
	if ((rc = parts_file_check(path, data, len, &count)) < 0)
		goto out;
	/* the object header and the padding to 8 go with the parts */
	if (RTE_ALIGN_CEIL((uint64_t)len + 8, 8) > a->p->max_chunk) {
		rc = cli_fail(-EFBIG, "'%s' has %zu bytes of parts; %s takes "
			      "at most %u in one DEV_PARTS_SET", path, len,
			      a->p->name, a->p->max_chunk >= 8 ?
			      (a->p->max_chunk & ~7u) - 8 : 0);
		goto out;
	}
	if ((rc = obj_take(a, VPF_PARTS_OBJ_SET, &o, &created)) < 0)
		goto out;
	cli_dev_begin(a->p);
	rc = vpf_admin_v14_parts_set(a->p->pf, &o, data, (uint32_t)len);
	if (rc < 0)
		parts_fail(a->p, a->vf, rc, "DEV_PARTS_SET");
	obj_release(a->p, &o, created);
	if (rc < 0)
		goto out;
	cli_manual_write(path, a->p, a->vf);
	printf("written: %zu\n", len);
	printf("parts: %u\n", count);
	print_obj(&o, created);
	printf("note: the parts take effect when %s vf %u resumes ('mode "
	       "set %s %u active')\n", a->p->name, a->vf, a->p->name, a->vf);
out:
	free(data);
	return rc;
}

/* ---- parts dump --------------------------------------------------------- */

static int
cmd_parts_dump(struct cli_args *a)
{
	const char *path = cli_arg(a, "file");
	struct vpf_parts_error err;
	char why[512];
	uint8_t *data;
	size_t len;
	int64_t n;
	int rc;

	rc = cli_read_file(path, CLI_CTX_MAX, &data, &len);
	if (rc < 0)
		return cli_fail(rc, "cannot read '%s'", path);
	printf("file: %s\nbytes: %zu\n", path, len);
	/* A parts set's first bytes also read as a Linux record header
	 * (a small le64): a file that is a valid parts set is one; else
	 * one that decodes as Linux's migration records (doc/protocol.md
	 * §10.6) is printed as those; else the parts error is said. */
	if (vpf_parts_validate(data, len, VPF_PARTS_F_CARRY |
			       VPF_PARTS_F_ALLOW_PAD, NULL) < 0 &&
	    vpf_parts_stream_detect(data, len) == VPF_PARTS_STREAM_LINUX &&
	    vpf_parts_linux_decode(data, len, VPF_PARTS_F_CARRY, NULL, NULL,
				   NULL) > 0) {
		printf("format: linux-records\n");
		n = vpf_parts_linux_print(stdout, data, len, VPF_PARTS_F_CARRY);
		free(data);
		if (n < 0)
			return cli_fail((int)n, "malformed record stream");
		return 0;
	}
	printf("format: parts\n");
	memset(&err, 0, sizeof(err));
	/* Up to 7 zero bytes may follow the last part (a padded buffer). */
	rc = vpf_parts_print(stdout, data, len,
			     VPF_PARTS_F_CARRY | VPF_PARTS_F_ALLOW_PAD, &err);
	free(data);
	if (rc == -EBADMSG) {
		vpf_parts_error_str(&err, why, sizeof(why));
		return cli_fail(rc, "malformed parts set at byte offset %"
				PRIu64 " (%s): %s", err.offset,
				vpf_parts_err_name(err.code), why);
	}
	if (rc < 0)
		return cli_fail(rc, "cannot print the parts set");
	return 0;
}

/* ---- the table ---------------------------------------------------------- */

static const struct cli_opt create_opts[] = {
	{ "id=<n>", "the allocator's next free id",
	  "an id in use is refused with EEXIST" },
	{ NULL, NULL, NULL },
};

static const struct cli_opt meta_opts[] = {
	{ "obj=<id>", "a GET object created and destroyed around it", NULL },
	{ NULL, NULL, NULL },
};

static const struct cli_opt get_opts[] = {
	{ "obj=<id>", "a GET object created and destroyed around it", NULL },
	{ NULL, NULL, NULL },
};

static const struct cli_opt set_opts[] = {
	{ "obj=<id>", "a SET object created and destroyed around it", NULL },
	{ NULL, NULL, NULL },
};

static const struct cli_cmd cmds[] = {
	{ "cap list <pf>", "CAP_ID_LIST_QUERY: the capability ids the device "
	  "has (1.4)", cmd_cap_list, NULL, CLI_ON_PF },
	{ "cap get <pf> <id>", "DEVICE_CAP_GET: what the device offers "
	  "(1.4; id 0: the device-parts object limits)", cmd_cap_get, NULL,
	  CLI_ON_PF },
	{ "cap set <pf> <id> <hex-bytes>", "DRIVER_CAP_SET (1.4; id 0 "
	  "<get><set>: object limits, refused while objects exist; vpf uses "
	  "them until the next reset)", cmd_cap_set, NULL, CLI_ON_PF },
	{ "parts obj create <pf> <vf> get|set [id=<n>]",
	  "RESOURCE_OBJ_CREATE of a device-parts object -> obj: <id>",
	  cmd_obj_create, create_opts, CLI_ON_VF },
	{ "parts obj destroy <pf> <vf> <id>", "RESOURCE_OBJ_DESTROY",
	  cmd_obj_destroy, NULL, CLI_ON_VF },
	{ "parts meta <pf> <vf> size|count|list [obj=<id>]",
	  "DEV_PARTS_METADATA_GET: the parts' total size, number or headers",
	  cmd_parts_meta, meta_opts, CLI_ON_VF },
	{ "parts get <pf> <vf> <file> [obj=<id>]",
	  "DEV_PARTS_GET ALL into <file> (written atomically; stop the VF "
	  "first for the final parts) -> read: <bytes>", cmd_parts_get,
	  get_opts, CLI_ON_VF },
	{ "parts set <pf> <vf> <file> [obj=<id>]",
	  "DEV_PARTS_SET of the parts in <file> (a stopped VF; applied at "
	  "its resume) -> written: <bytes>", cmd_parts_set, set_opts,
	  CLI_ON_VF },
	{ "parts dump <file>",
	  "decode a parts file (or Linux migration records); fails naming "
	  "the byte offset if malformed", cmd_parts_dump, NULL, CLI_ON_ARGS },
};

const struct cli_cmd_group cli_group_parts = {
	"parts", "virtio 1.4 device parts: capabilities, objects, the manual "
	"migration steps", cmds, RTE_DIM(cmds)
};
