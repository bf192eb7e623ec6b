/* What every verb shares for talking to the person at the terminal and to
 * files (docs/cli.md): confirmations of mass actions, output paths that
 * never overwrite by surprise, "-" for standard input, and text tables
 * aligned by display width. */
#ifndef PASSNUM_CLI_IO_H
#define PASSNUM_CLI_IO_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>
#include "error.h"

struct cli;

/* Asks for confirmation of an action described by what (one line, e.g.
 * "oppose the 500 passes of batch 2"). With --yes: confirmed. On a
 * terminal: asks "WHAT? [y/N]" on stderr and reads the answer. Without a
 * terminal and without --yes: refused. Returns 0 when confirmed, else -1
 * with e set (409 NOT_CONFIRMED saying how to confirm). */
int cli_confirm(const struct cli *cli, const char *what, struct error *e);

/* Prepares path for writing a file: creates its folder (with parents) and
 * refuses an existing file unless force. Returns 0, or -1 with e set. */
int cli_out_file(const char *path, bool force, struct error *e);

/* Prepares dir as an output folder: creates it (with parents) when
 * missing; refuses a path that exists and is not a folder. Returns 0, or
 * -1 with e set. */
int cli_out_dir(const char *dir, struct error *e);

/* Reads a token or a file's content given as an operand: "-" reads
 * standard input (up to size - 1 bytes, trailing newline removed), else
 * copies text. Returns 0, or -1 with e set (too long, unreadable). */
int cli_read_operand(const char *text, char *buf, size_t size, struct error *e);

/* The display width of UTF-8 text (code points; combining marks count 0). */
size_t cli_display_width(const char *text);

/* Prints text left-aligned in a column of width display cells (text wider
 * than width is printed whole), then one space unless last. */
void cli_cell(FILE *out, const char *text, size_t width, bool last);

/* Prints a record of changes (registry_change_json objects) as lines
 * "  WHEN WHO FIELD: OLD → NEW" ("-" for an empty value). */
void cli_print_changes(const json_t *changes);

/* Ends an edit verb after its store step rc: commits (cli_commit), then
 * prints what changed — {"id", "changes"} under --json, else the changes or
 * "LABEL: nothing changed". Takes ownership of changes (may be NULL).
 * Returns the exit code. */
int cli_edit_done(struct cli *cli, int rc, struct error *e, const char *label, int64_t id,
    json_t *changes);

#endif
