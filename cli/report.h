/* Diagnostics of a run in the format a user or a CI system asks for (--error_format,
 * KCL_ERROR_FORMAT): every subcommand that reports diagnostics goes through here. */
#ifndef SCL_CLI_REPORT_H
#define SCL_CLI_REPORT_H

#include <stdio.h>

#include "scl.h"

enum report_format {
    REPORT_PRETTY,  /* KCL's layout (scl_diag_render); coloured on a terminal */
    REPORT_SHORT,   /* one line each: path:line:col - error[CODE]: Kind - message */
    REPORT_JSON,    /* one JSON object per line (scl_diag_render json) */
    REPORT_GITHUB,  /* GitHub Actions workflow commands (::error file=...::message) */
    REPORT_SARIF,   /* one SARIF 2.1.0 log */
    REPORT_ARCANIST /* KCL's Arcanist JSON array (Phabricator lint results) */
};

/* "pretty", "short", "json", "github", "sarif", "arcanist" (any case, surrounding blanks ignored)
 * -> the format; -1 for anything else. */
int report_format_parse(const char *name);

/* KCL_ERROR_FORMAT when set to a known format, else pretty. */
enum report_format report_format_default(void);

/* If argv[*i] is `--error_format X`, `--error-format X` or `--error_format=X`: consumes it, sets
 * *fmt and returns 1; an unknown X prints the error and returns -1. Otherwise returns 0. */
int report_take_flag(int argc, char **argv, int *i, enum report_format *fmt);

/* The usage line of the flag, for subcommands' help texts. */
#define REPORT_USAGE "[--error_format pretty|short|json|github|sarif|arcanist]"

/* Writes every diagnostic of 'run' (errors and warnings, in order) to 'f' in format 'fmt'.
 * Nothing is written when the run has no diagnostic, except an empty SARIF log. */
void report_diags(const scl_run *run, enum report_format fmt, FILE *f);

/* One error that is not a run's diagnostic (scl import's), located at file:line:col (file NULL:
 * nowhere; col 0: none), in a machine format; nothing for pretty, which the caller prints. */
void report_located(enum report_format fmt, const char *file, unsigned line, unsigned col,
                    const char *code, const char *kind, const char *message, FILE *f);

/* An scl_write_fn writing to a FILE * (ud). */
int cli_report_write(void *ud, const char *buf, size_t len);

#endif
