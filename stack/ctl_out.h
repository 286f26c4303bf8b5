/*
 * ctl_out.h - what glassctl prints, built once and rendered two ways:
 * aligned columns for people, JSON for scripts.
 *
 * A show function (ctl_show.c) fills a table: named columns, rows of
 * cells.  The same table becomes either
 *
 *     ADDRESS   IFACE  MAC                STATE
 *     10.0.0.1  tap0   02:00:00:00:00:01  REACHABLE
 *
 * or   {"arp": [{"address": "10.0.0.1", "iface": "tap0", ...}]}
 *
 * A "record" table (one control block in full) prints one "key  value"
 * line per column instead, and becomes a JSON object per row.  Cells are
 * text; a column says how JSON shows it: a string, a number (the text is
 * already a valid JSON number; "-" becomes null) or a list (the text is
 * comma separated, JSON gets an array of strings).
 *
 * The control socket is outside the data path: it allocates with malloc,
 * bounded by CTL_OUT_MAX.
 */
#ifndef GLASS_CTL_OUT_H
#define GLASS_CTL_OUT_H

#include <stdbool.h>
#include <stddef.h>

#define CTL_OUT_MAX (4u << 20)  /* one answer, bytes */
#define CTL_MAX_COLS 64

/* A growing string.  Once allocation fails (or CTL_OUT_MAX is reached)
 * `failed` is set and further appends are ignored. */
struct ctl_buf {
    char *p;
    size_t len, cap;
    bool failed;
};
void ctl_buf_init(struct ctl_buf *b);
void ctl_buf_free(struct ctl_buf *b);
void ctl_printf(struct ctl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ctl_puts(struct ctl_buf *b, const char *s);
/* s as a JSON string, quotes included (RFC 8259 7). */
void ctl_json_string(struct ctl_buf *b, const char *s);

enum ctl_col_type {
    CTL_STR,
    CTL_NUM,
    CTL_LIST,
};

struct ctl_col {
    const char *key;            /* JSON key: "snd_una" */
    const char *head;           /* text heading: "SND_UNA" (NULL: key) */
    enum ctl_col_type type;
};

struct ctl_table {
    const char *name;           /* JSON key of the whole: "arp" */
    bool record;                /* one "key value" block per row */
    unsigned ncols;
    struct ctl_col cols[CTL_MAX_COLS];
    unsigned nrows, cap;        /* rows allocated */
    char **cells;               /* nrows * ncols, malloc'd strings */
    unsigned cur;               /* cells set in the row being added */
    bool failed;
};

void ctl_table_init(struct ctl_table *t, const char *name, bool record);
void ctl_table_col(struct ctl_table *t, const char *key, const char *head, enum ctl_col_type type);
/* Start a row, then set its cells in column order. */
void ctl_table_row(struct ctl_table *t);
void ctl_table_cell(struct ctl_table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ctl_table_free(struct ctl_table *t);

/* Append the table as aligned text or as JSON (a whole object). */
void ctl_table_text(const struct ctl_table *t, struct ctl_buf *out);
void ctl_table_json(const struct ctl_table *t, struct ctl_buf *out);

#endif
