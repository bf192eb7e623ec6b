/* A temporary home for cmocka tests: a new directory under /tmp holding a
 * home made by home_create (operator "Test", origin test.example/ledger),
 * and its removal. Include after <cmocka.h> and "home.h". */
#ifndef PASSNUM_TEMP_HOME_H
#define PASSNUM_TEMP_HOME_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TEMP_HOME_DIR_SIZE 64

/* Makes /tmp/passnum-<name>.XXXXXX into dir and a home in it, at instant now. */
static inline void
temp_home_create(char dir[TEMP_HOME_DIR_SIZE], const char *name, struct home *home, int64_t now)
{
	struct operator_info op = { .name = "Test", .origin = "test.example/ledger" };
	struct error e;

	snprintf(dir, TEMP_HOME_DIR_SIZE, "/tmp/passnum-%s.XXXXXX", name);
	assert_non_null(mkdtemp(dir));
	if (home_create(home, dir, &op, now, &e) != 0)
		fail_msg("home_create: %s", e.message);
}

/* Closes home and removes dir with everything in it. */
static inline void
temp_home_remove(const char *dir, struct home *home)
{
	char cmd[TEMP_HOME_DIR_SIZE + 16];

	home_close(home);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

#endif
