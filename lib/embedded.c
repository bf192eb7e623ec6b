#include <string.h>
#include "embedded.h"

const struct embedded_file *
embedded_find(const struct embedded_file *table, const char *name)
{
	for (; table->name != NULL; table++)
		if (strcmp(table->name, name) == 0)
			return table;
	return NULL;
}
