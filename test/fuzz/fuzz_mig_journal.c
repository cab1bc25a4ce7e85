/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * libFuzzer target: the journal file parser (lib/mig/mig_journal.c). A
 * journal is read back from disk by a restarted owner, so its bytes are
 * untrusted. Oracle: on success every entry is handed out once, VF numbers
 * strictly increasing and in 1..65535, as many as the header says; on
 * failure the reason is a terminated, non-empty sentence.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mig/mig_journal.h"

struct seen {
	uint32_t n;
	uint32_t prev;
};

static int
each(void *arg, uint16_t vf, uint64_t t_ns)
{
	struct seen *s = arg;

	(void)t_ns;
	if (vf == 0 || vf <= s->prev)
		abort();
	s->prev = vf;
	s->n++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mig_jrn_parsed out;
	struct seen s = { 0, 0 };
	char why[256];
	uint8_t *copy;
	int rc;

	/* An exact-size heap copy: ASan sees any read past the end. */
	copy = malloc(size ? size : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	why[0] = '\0';
	rc = mig_journal_parse(copy, size, &out, each, &s, why, sizeof(why));
	if (rc == 0 && s.n != out.n)
		abort();
	if (rc != 0 && (why[0] == '\0' || memchr(why, '\0', sizeof(why)) == NULL))
		abort();
	free(copy);
	return 0;
}
