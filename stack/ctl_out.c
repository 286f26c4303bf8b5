/* ctl_out.c - glassctl's tables as aligned text or JSON (see ctl_out.h). */
#define _GNU_SOURCE /* vasprintf */
#include "ctl_out.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the growing string ----------------------------------------------- */

void ctl_buf_init(struct ctl_buf *b)
{
    memset(b, 0, sizeof(*b));
}

void ctl_buf_free(struct ctl_buf *b)
{
    free(b->p);
    ctl_buf_init(b);
}

static bool ctl_buf_reserve(struct ctl_buf *b, size_t more)
{
    if (b->failed)
        return false;
    if (b->len + more + 1 <= b->cap)
        return true;
    if (b->len + more + 1 > CTL_OUT_MAX) {
        b->failed = true;
        return false;
    }
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + more + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

static void ctl_vprintf(struct ctl_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0 || !ctl_buf_reserve(b, (size_t)n))
        return;
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void ctl_printf(struct ctl_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ctl_vprintf(b, fmt, ap);
    va_end(ap);
}

void ctl_puts(struct ctl_buf *b, const char *s)
{
    size_t n = strlen(s);
    if (!ctl_buf_reserve(b, n))
        return;
    memcpy(b->p + b->len, s, n + 1);
    b->len += n;
}

/* RFC 8259 7: quote, backslash and control characters are escaped; other
 * bytes pass as they are (names come from the command line). */
void ctl_json_string(struct ctl_buf *b, const char *s)
{
    ctl_puts(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            ctl_printf(b, "\\%c", *p);
        else if (*p < 0x20)
            ctl_printf(b, "\\u%04x", *p);
        else
            ctl_printf(b, "%c", *p);
    }
    ctl_puts(b, "\"");
}

/* ---- tables ------------------------------------------------------------- */

void ctl_table_init(struct ctl_table *t, const char *name, bool record)
{
    memset(t, 0, sizeof(*t));
    t->name = name;
    t->record = record;
}

void ctl_table_col(struct ctl_table *t, const char *key, const char *head, enum ctl_col_type type)
{
    if (t->ncols == CTL_MAX_COLS || t->nrows) {
        t->failed = true;
        return;
    }
    t->cols[t->ncols++] = (struct ctl_col){.key = key, .head = head ? head : key, .type = type};
}

static char **ctl_row_cells(const struct ctl_table *t, unsigned row)
{
    return t->cells + (size_t)row * t->ncols;
}

void ctl_table_row(struct ctl_table *t)
{
    if (t->failed || t->ncols == 0)
        return;
    if (t->nrows == t->cap) {
        unsigned cap = t->cap ? t->cap * 2 : 16;
        char **cells = realloc(t->cells, (size_t)cap * t->ncols * sizeof(*cells));
        if (!cells) {
            t->failed = true;
            return;
        }
        t->cells = cells;
        t->cap = cap;
    }
    memset(ctl_row_cells(t, t->nrows), 0, t->ncols * sizeof(char *));
    t->nrows++;
    t->cur = 0;
}

void ctl_table_cell(struct ctl_table *t, const char *fmt, ...)
{
    if (t->failed || t->nrows == 0 || t->cur >= t->ncols)
        return;
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0) {
        t->failed = true;
        return;
    }
    ctl_row_cells(t, t->nrows - 1)[t->cur++] = s;
}

void ctl_table_free(struct ctl_table *t)
{
    for (size_t i = 0; i < (size_t)t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    ctl_table_init(t, NULL, false);
}

static const char *cell(const struct ctl_table *t, unsigned row, unsigned col)
{
    const char *s = ctl_row_cells(t, row)[col];
    return s ? s : "-";
}

/* ---- text --------------------------------------------------------------- */

static void ctl_record_text(const struct ctl_table *t, struct ctl_buf *out)
{
    size_t w = 0;
    for (unsigned c = 0; c < t->ncols; c++)
        if (strlen(t->cols[c].key) > w)
            w = strlen(t->cols[c].key);
    for (unsigned r = 0; r < t->nrows; r++) {
        if (r)
            ctl_puts(out, "\n");
        for (unsigned c = 0; c < t->ncols; c++)
            ctl_printf(out, "%-*s  %s\n", (int)w, t->cols[c].key, cell(t, r, c));
    }
}

void ctl_table_text(const struct ctl_table *t, struct ctl_buf *out)
{
    if (t->failed) {
        out->failed = true;
        return;
    }
    if (t->record) {
        ctl_record_text(t, out);
        return;
    }
    size_t w[CTL_MAX_COLS];
    for (unsigned c = 0; c < t->ncols; c++) {
        w[c] = strlen(t->cols[c].head);
        for (unsigned r = 0; r < t->nrows; r++)
            if (strlen(cell(t, r, c)) > w[c])
                w[c] = strlen(cell(t, r, c));
    }
    /* Headings, then rows: two spaces between columns, numbers to the
     * right, no trailing blanks after the last column. */
    for (int r = -1; r < (int)t->nrows; r++) {
        for (unsigned c = 0; c < t->ncols; c++) {
            const char *s = r < 0 ? t->cols[c].head : cell(t, (unsigned)r, c);
            bool last = c + 1 == t->ncols;
            if (c)
                ctl_puts(out, "  ");
            if (t->cols[c].type == CTL_NUM)
                ctl_printf(out, "%*s", (int)w[c], s);
            else if (last)
                ctl_puts(out, s);
            else
                ctl_printf(out, "%-*s", (int)w[c], s);
        }
        ctl_puts(out, "\n");
    }
}

/* ---- JSON --------------------------------------------------------------- */

static void ctl_json_value(const struct ctl_col *col, const char *s, struct ctl_buf *out)
{
    switch (col->type) {
    case CTL_NUM:
        ctl_puts(out, strcmp(s, "-") == 0 ? "null" : s);
        return;
    case CTL_LIST: {
        ctl_puts(out, "[");
        if (strcmp(s, "-") != 0) {
            const char *p = s;
            for (bool first = true;; first = false) {
                size_t n = strcspn(p, ",");
                char item[256];
                snprintf(item, sizeof item, "%.*s", (int)(n < sizeof item ? n : sizeof item - 1), p);
                if (!first)
                    ctl_puts(out, ", ");
                ctl_json_string(out, item);
                if (!p[n])
                    break;
                p += n + 1;
            }
        }
        ctl_puts(out, "]");
        return;
    }
    case CTL_STR:
        if (strcmp(s, "-") == 0)
            ctl_puts(out, "null");
        else
            ctl_json_string(out, s);
        return;
    }
}

void ctl_table_json(const struct ctl_table *t, struct ctl_buf *out)
{
    if (t->failed) {
        out->failed = true;
        return;
    }
    ctl_puts(out, "{");
    ctl_json_string(out, t->name);
    ctl_puts(out, ": [");
    for (unsigned r = 0; r < t->nrows; r++) {
        ctl_puts(out, r ? ",\n  {" : "\n  {");
        for (unsigned c = 0; c < t->ncols; c++) {
            if (c)
                ctl_puts(out, ", ");
            ctl_json_string(out, t->cols[c].key);
            ctl_puts(out, ": ");
            ctl_json_value(&t->cols[c], cell(t, r, c), out);
        }
        ctl_puts(out, "}");
    }
    ctl_puts(out, t->nrows ? "\n]}\n" : "]}\n");
}
