/* Files embedded into the binaries at build time by cmake/embed.cmake. */
#ifndef PASSNUM_EMBEDDED_H
#define PASSNUM_EMBEDDED_H
#include <stddef.h>

struct embedded_file {
	const char *name;          /* base name, e.g. "0001-init.sql" */
	const unsigned char *data; /* size bytes followed by a NUL */
	size_t size;
};

/* Sorted by name; each table ends with a { NULL, NULL, 0 } sentinel. */
extern const struct embedded_file schema_files[];
extern const size_t schema_file_count;
extern const struct embedded_file data_files[];
extern const size_t data_file_count;
extern const struct embedded_file web_files[];
extern const size_t web_file_count;

/* Returns the file called name in table, or NULL. */
const struct embedded_file *embedded_find(const struct embedded_file *table, const char *name);

#endif
