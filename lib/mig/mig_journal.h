/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_MIG_JOURNAL_H
#define VPF_MIG_JOURNAL_H

/*
 * The per-PF journal of VFs whose migration completed (mig_journal.c).
 * Internal. Every place that marks a source complete, or takes the mark
 * back, goes through mig_vf_mark_complete() / mig_vf_clear_complete(), so
 * that the journal on disk never disagrees with what the library believes.
 *
 * File layout (doc/migration.md, "Crash safety"), little-endian:
 *   0  magic "VPFJRNL\n"
 *   8  le16 version (1)      10 le16 header length (64)
 *  12  le32 entries n        16 le64 instance of the PF
 *  24  addr[32] of the PF, NUL-padded
 *  56  le64 generation (one more at each write)
 *  64  n entries of 16 bytes: le16 vf, le16 flags, le32 reserved (0),
 *      le64 CLOCK_REALTIME ns when the migration completed (0 for a stop
 *      mark); VFs strictly ascending. flags 0: the VF migrated away;
 *      MIG_JRN_F_STOPPED: a stop mark of a 1.4 PF (the VF was, or was
 *      about to be, stopped by the owner: D-MIG14.3). A reader that
 *      knows no stop marks takes such a file as corrupt and resumes
 *      nothing.
 *  64 + 16 n: le32 CRC-32C of every byte before it
 */

#include <stdbool.h>
#include <stdint.h>

#include "mig_vf.h"

#define MIG_JRN_MAGIC		"VPFJRNL\n"
#define MIG_JRN_VERSION		1
#define MIG_JRN_HDR		64u
#define MIG_JRN_ENTRY		16u
#define MIG_JRN_OFF_VERSION	8
#define MIG_JRN_OFF_HDRLEN	10
#define MIG_JRN_OFF_COUNT	12
#define MIG_JRN_OFF_INSTANCE	16
#define MIG_JRN_OFF_ADDR	24
#define MIG_JRN_ADDR_LEN	32u
#define MIG_JRN_OFF_GEN		56
/* Entry flag: a stop mark, not a migration that completed. */
#define MIG_JRN_F_STOPPED	0x0001u
/* Most entries a file may hold: one per possible VF number. */
#define MIG_JRN_MAX_ENTRIES	65535u
#define MIG_JRN_MAX_SIZE \
	(MIG_JRN_HDR + MIG_JRN_MAX_ENTRIES * MIG_JRN_ENTRY + 4u)

/* What the journal of a PF is. */
enum mig_jrn_state {
	MIG_JRN_OFF = 0,	/* journal_dir "" or the PF has no identity */
	MIG_JRN_OK,		/* loaded (or no file yet), writable */
	MIG_JRN_UNUSABLE,	/* the directory or file cannot be used */
};

/* The result of parsing a journal file's bytes. */
struct mig_jrn_parsed {
	uint64_t instance;
	char addr[MIG_JRN_ADDR_LEN];
	uint64_t gen;
	uint32_t n;		/* entries */
};

/*
 * Parse @p len bytes of a journal file (hostile input: every length and
 * field is checked). @p each (may be NULL) is called for every entry in
 * order with @p arg; it returns 0 to go on. @return 0, or -EBADMSG
 * (corrupt: size, magic, checksum, order), -EPROTONOSUPPORT (version),
 * with the reason in @p why (@p whylen bytes).
 */
int mig_journal_parse(const uint8_t *buf, size_t len,
		      struct mig_jrn_parsed *out,
		      int (*each)(void *arg, uint16_t vf, uint64_t t_ns),
		      void *arg, char *why, size_t whylen);

/* Open @p m's journal at attach (vpf_mig_params::journal_dir) and load its
 * entries. Fails only for -ENOMEM: an unusable journal is a state
 * (mig_journal_state()), logged here. A file that does not check out
 * leaves no entry and mig_journal_was_bad(); without @p scan the journal
 * is then unusable, so that nothing overwrites it. */
int mig_journal_open(struct vpf_mig *m, const char *dir, bool scan);
/* Free it (the file stays). */
void mig_journal_close(struct vpf_mig *m);
enum mig_jrn_state mig_journal_state(const struct vpf_mig *m);
/* The file found at attach was unreadable or corrupt. */
bool mig_journal_was_bad(const struct vpf_mig *m);
/* Whether @p vf has an entry. */
bool mig_journal_has(const struct vpf_mig *m, uint16_t vf);
/* Add (@p on) or drop @p vf's entry in memory, for a later
 * mig_journal_write(). @return whether anything changed. */
bool mig_journal_set(struct vpf_mig *m, uint16_t vf, bool on);
/* Write the entries in memory to the file durably (or remove the file
 * when there is none). @return 0 or a negative errno (vpf_last_error()). */
int mig_journal_write(struct vpf_mig *m);
/* mig_journal_write() off the caller's thread, so that a poll never waits
 * for an fsync: the file image is built here and a writer thread does the
 * I/O. Until mig_journal_write_done() has returned something other than
 * -EINPROGRESS the entries are not durable; any other write waits for it
 * first. @return 1 started, 0 nothing to write (journal off; or written
 * here when no thread could be made: then its result), or a negative
 * errno. */
int mig_journal_write_start(struct vpf_mig *m);
/* The result of the write mig_journal_write_start() began: 0 (also when
 * none was started), -EINPROGRESS while it runs, or its errno. */
int mig_journal_write_done(struct vpf_mig *m);

/*
 * Group commit of 1.4 stop marks (D-MIG14.23). mig_stop_mark_async():
 * set @p v's mark and return 0 once a write that holds it ended (or when
 * none is needed: journal off, not 1.4, already durable), 1 while the VF
 * must wait; the poll (or the wait of a synchronous call) starts one
 * background write for all the marks set so far, and marks set while it
 * runs share the next. mig_journal_pump(): collect a finished write and start
 * the next one if VFs wait; @return whether waiters may be ready.
 * mig_journal_covers(): a write ended that holds the changes up to
 * @p gen. A failed write lets the waiters go on (logged: their marks only
 * decide what a restarted owner reports).
 */
int mig_stop_mark_async(struct mig_vf *v);
bool mig_journal_pump(struct vpf_mig *m);
bool mig_journal_covers(const struct vpf_mig *m, uint64_t gen);

/* Stop marks (1.4; also see mig_vf_stop_intent() in mig_vf.h): whether
 * @p vf has one; add (@p on) or drop it in memory for a later write.
 * mig_journal_stop_set() @return whether anything changed. */
bool mig_journal_stopped(const struct vpf_mig *m, uint16_t vf);
bool mig_journal_stop_set(struct vpf_mig *m, uint16_t vf, bool on);

/* Whether the attach scan found VF @p vf outside Active and left it there
 * (any fate but resumed or stale): abort then means Active (mig_attach.c). */
bool mig_attach_left(const struct vpf_mig *m, uint16_t vf);

/* @p v migrated away: the destination runs the guest. Sets v->complete and
 * records it durably before returning. @return 0 or a negative errno
 * (with vpf_last_error()); on failure v->complete is still set (this
 * process will not resume it) but a restarted owner may not know. */
int mig_vf_mark_complete(struct mig_vf *v);

/* @p v runs here again (RUNNING, abort, recover): the mark and its journal
 * entry are dropped. Failures are logged. */
void mig_vf_clear_complete(struct mig_vf *v);

#endif /* VPF_MIG_JOURNAL_H */
