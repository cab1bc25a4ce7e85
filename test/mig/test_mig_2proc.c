/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Being written: the source half and the destination half in two
 * processes.
 */

#include "mig_harness.h"

static void
test_placeholder(void **state)
{
	(void)state;
}

MIG_TEST_MAIN(
	cmocka_unit_test(test_placeholder)
)
