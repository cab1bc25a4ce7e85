/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_CLI_CMDS_H
#define VPF_CLI_CMDS_H

/*
 * What the command files (cli_cmds_<area>.c, one per area as testpmd has
 * its cmd files) share: the VF command skeleton, option parsing, the
 * manual-migration bookkeeping and each area's table.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"

/* Largest context or file vpf-cli reads into memory. */
#define CLI_CTX_MAX		(64u << 20)
/* Default DEV_CTX_READ / DEV_CTX_WRITE chunk. */
#define CLI_CHUNK_DEFAULT	4096u

/* ---- the VF command skeleton -------------------------------------------- */

/**
 * The end of an admin command @p op on VF @p vf that returned @p rc: a
 * failure is reported (cli_fail_op(): the device's status and a hint),
 * named by @p what or, when NULL, by the opcode. Returns @p rc.
 */
int cli_vf_call(struct cli_pf *p, uint16_t vf, uint8_t op, int rc,
		const char *what);

/** -ENOTSUP (reported) unless @p p is a software model. */
int cli_need_model(struct cli_pf *p);

/** The VF's mode; a model tells it without an admin command. */
int cli_vf_mode(struct cli_pf *p, uint16_t vf, uint8_t *mode);

/* ---- options ------------------------------------------------------------ */

/** `chunk=`: a multiple of 8 bytes up to @p max (doc/protocol.md D-1.1,
 *  D-1.2); CLI_CHUNK_DEFAULT (at most @p max) when absent. */
int cli_opt_chunk(const struct cli_args *a, uint32_t max, uint32_t *chunk);
/** `force=yes|no`, no when absent. */
int cli_opt_force(const struct cli_args *a, bool *force);

/* ---- small things ------------------------------------------------------- */

const char *cli_yes_no(bool b);
/** Monotonic seconds. */
double cli_now(void);
/** A signal arrived (Ctrl-C, SIGTERM, SIGHUP): the running command stops
 *  at its next safe point. */
bool cli_cancelled(void);
/** The PCI address of VF @p vf of a VFIO PF, or "" (other backends, or
 *  the PF's SR-IOV capability cannot say). */
void cli_pf_vf_bdf(struct cli_pf *p, uint16_t vf, char *bdf, size_t len);

/* ---- the manual flow (doc/protocol.md D-CLI.5) -------------------------- */

/** `ctx read` wrote VF @p vf's context to @p path. */
void cli_manual_read(const char *path, struct cli_pf *p, uint16_t vf);
/** `ctx write` sent @p path to VF @p vf of @p dst. */
void cli_manual_write(const char *path, struct cli_pf *dst, uint16_t vf);
/** `mode set <dst> <vf> active`: completes the migration of the source
 *  whose context was written there. */
void cli_manual_activated(struct cli_pf *dst, uint16_t vf);
/** A context read from another VF was written to VF @p vf of @p p, not
 *  yet applied: true, with that VF named in @p from. */
bool cli_manual_target(struct cli_pf *p, uint16_t vf, char *from,
		       size_t len);

/* ---- the migration layer (doc/protocol.md D-CLI.9 - D-CLI.14) --------- */

/**
 * 0 when VF @p vf of @p p is where its migration layer @p m has it (the
 * device's mode is the layer's) and, with @p need_running, in RUNNING;
 * otherwise the reported refusal (-EBUSY, -EIO), which names the way back
 * ('mode set ... active' for a VF moved by hand, 'mig abort' for one the
 * layer holds). @p role ("source", "destination") prefixes the VF's name
 * (may be NULL).
 */
int cli_mig_vf_ready(struct cli_pf *p, struct vpf_mig *m, uint16_t vf,
		     const char *role, bool need_running);

/** After a migration-layer call on VF @p vf of @p p: vpf-cli's record
 *  follows the layer (running: nothing to restore; elsewhere: restored at
 *  exit, unless @p how says where its state went: then left as is). */
void cli_mig_note(struct cli_pf *p, uint16_t vf, const char *how);

/** Before a manual command @p cmd (mode set, ctx read/write/discard,
 *  wr start/read/stop) on VF @p vf of @p p: -EBUSY (reported) when the
 *  migration layer holds the VF outside RUNNING. */
int cli_mig_manual_ok(const struct cli_cmd *cmd, struct cli_pf *p,
		      uint16_t vf);

/** A destination that received a migration (or a context by hand) is
 *  refused (-EBUSY, reported) unless @p force. */
int cli_mig_dst_free(struct cli_pf *d, uint16_t dvf, bool force);

/* ---- models ------------------------------------------------------------- */

/**
 * Print both VFs' digests and whether they are equal. 0 when equal, 1 when
 * they differ (the caller says what that means), or a reported negative
 * errno.
 */
int cli_digest_compare(struct cli_pf *s, uint16_t svf, struct cli_pf *d,
		       uint16_t dvf);

/* ---- the areas ---------------------------------------------------------- */

extern const struct cli_cmd_group cli_group_general;
extern const struct cli_cmd_group cli_group_show;
extern const struct cli_cmd_group cli_group_pf;
extern const struct cli_cmd_group cli_group_mode;
extern const struct cli_cmd_group cli_group_ctx;
extern const struct cli_cmd_group cli_group_wr;
extern const struct cli_cmd_group cli_group_mig;
extern const struct cli_cmd_group cli_group_migrate;
extern const struct cli_cmd_group cli_group_model;
extern const struct cli_cmd_group cli_group_parts;

#endif /* VPF_CLI_CMDS_H */
