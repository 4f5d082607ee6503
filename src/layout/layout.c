/*
 * layout.c - layout files: parse, validate and describe formats/<name>.layout.
 *
 * Owns struct layout and its strings. Every problem in a layout file is
 * reported as "file:line: text" (all of them, not only the first) and the
 * loader returns WB_CONFIG; a layout that loads is fully validated (encoding
 * known to iconv and ASCII compatible, zone installed, fields complete for
 * the flow's field vocabulary is the flow table's check, flows/flow.c). Never exits, never reads
 * anything but the layout file.
 */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/fsutil.h"
#include "core/strutil.h"
#include "core/tz.h"
#include "core/wb.h"
#include "layout/layout.h"
#include "layout/layout_int.h"

#define MAX_FIELDS 256
#define MAX_VALUE 256
#define MAX_FIELD_LIMIT (16L * 1024 * 1024)

/* parse state while reading one layout text */
struct lparse {
    struct layout *l;
    struct buf *errs;
    const char *origin;
    long lineno;
    int nerr;
    unsigned seen; /* bit per scalar key already given */
    long lines[16];
};

/* perr - record one "file:line: text" error */
static void perr(struct lparse *p, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void perr(struct lparse *p, long line, const char *fmt, ...)
{
    p->nerr++;
    if (!p->errs)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (line > 0)
        buf_appendf(p->errs, "%s:%ld: ", p->origin, line);
    else
        buf_appendf(p->errs, "%s: ", p->origin);
    buf_vappendf(p->errs, fmt, ap);
    buf_appendc(p->errs, '\n');
    va_end(ap);
}

/* is_safe_name - 1 for [A-Za-z0-9._-], not starting with '.' or '-', 1..64 chars */
static int is_safe_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64 || s[0] == '.' || s[0] == '-')
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' && *s != '-')
            return 0;
    return 1;
}

/* is_ident - 1 for a lower-case identifier [a-z][a-z0-9_]* of at most 64 chars */
static int is_ident(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64 || !(*s >= 'a' && *s <= 'z'))
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

/* set_once - note that scalar key k was given; error if it was already */
static int set_once(struct lparse *p, int k, const char *key)
{
    if (p->seen & (1u << k)) {
        perr(p, p->lineno, "'%s' given twice (first on line %ld)", key, p->lines[k]);
        return 0;
    }
    p->seen |= 1u << k;
    p->lines[k] = p->lineno;
    return 1;
}

/* set_str - replace an owned string */
static int set_str(char **dst, const char *v)
{
    char *s = strdup(v);
    if (!s)
        return WB_NOMEM;
    free(*dst);
    *dst = s;
    return WB_OK;
}

/* one_char - parse a delimiter/quote value: one printable ASCII char or a word */
static int one_char(const char *v, int allow_tab, char *out)
{
    if (allow_tab && strcasecmp(v, "tab") == 0) {
        *out = '\t';
        return 1;
    }
    if (strlen(v) != 1)
        return 0;
    unsigned char c = (unsigned char)v[0];
    if (c < 0x21 || c > 0x7e)
        return 0;
    *out = (char)c;
    return 1;
}

/* add_field - handle "field name = header" */
static int add_field(struct lparse *p, const char *name, const char *header)
{
    struct layout *l = p->l;
    if (!is_ident(name)) {
        perr(p, p->lineno, "bad field name '%s' (use lower-case letters, digits and _)", name);
        return WB_OK;
    }
    if (*header == '\0') {
        perr(p, p->lineno, "field %s has no header text", name);
        return WB_OK;
    }
    if (strlen(header) > MAX_VALUE || !str_utf8_valid(header, strlen(header))) {
        perr(p, p->lineno, "header text of field %s is not valid UTF-8 of at most %d bytes", name,
             MAX_VALUE);
        return WB_OK;
    }
    for (size_t i = 0; i < l->nfields; i++) {
        if (strcmp(l->fields[i].name, name) == 0) {
            perr(p, p->lineno, "field %s declared twice", name);
            return WB_OK;
        }
        if (strcasecmp(l->fields[i].header, header) == 0) {
            perr(p, p->lineno, "header '%s' is already used by field %s", header,
                 l->fields[i].name);
            return WB_OK;
        }
    }
    if (l->nfields >= MAX_FIELDS) {
        perr(p, p->lineno, "too many fields (at most %d)", MAX_FIELDS);
        return WB_OK;
    }
    struct layout_field *f = realloc(l->fields, (l->nfields + 1) * sizeof *f);
    if (!f)
        return WB_NOMEM;
    l->fields = f;
    f[l->nfields].name = strdup(name);
    f[l->nfields].header = strdup(header);
    if (!f[l->nfields].name || !f[l->nfields].header) {
        free(f[l->nfields].name);
        free(f[l->nfields].header);
        return WB_NOMEM;
    }
    l->nfields++;
    return WB_OK;
}

enum {
    K_NAME,
    K_FLOW,
    K_DELIM,
    K_QUOTE,
    K_ENC,
    K_BOM,
    K_HEADER,
    K_DTF,
    K_TZ,
    K_LE,
    K_MAXF,
    K_COMPLETE
};

/* key_value - handle one "key = value" line */
static int key_value(struct lparse *p, char *key, const char *v)
{
    struct layout *l = p->l;
    if (strncmp(key, "field", 5) == 0 && isspace((unsigned char)key[5]))
        return add_field(p, str_trim(key + 5), v);
    if (*v == '\0') {
        perr(p, p->lineno, "'%s' has no value", key);
        return WB_OK;
    }
    if (strlen(v) > MAX_VALUE) {
        perr(p, p->lineno, "value of '%s' is too long", key);
        return WB_OK;
    }
    if (strcmp(key, "name") == 0) {
        if (!set_once(p, K_NAME, key))
            return WB_OK;
        if (!is_safe_name(v))
            perr(p, p->lineno, "bad name '%s' (use letters, digits, '.', '_', '-')", v);
        return set_str(&l->name, v);
    }
    if (strcmp(key, "flow") == 0) {
        if (!set_once(p, K_FLOW, key))
            return WB_OK;
        if (!is_ident(v))
            perr(p, p->lineno, "bad flow name '%s'", v);
        return set_str(&l->flow, v);
    }
    if (strcmp(key, "delimiter") == 0) {
        if (set_once(p, K_DELIM, key) && !one_char(v, 1, &l->delim))
            perr(p, p->lineno, "delimiter must be one printable character or 'tab', not '%s'", v);
        return WB_OK;
    }
    if (strcmp(key, "quote") == 0) {
        if (set_once(p, K_QUOTE, key) && !one_char(v, 0, &l->quote))
            perr(p, p->lineno, "quote must be one printable character, not '%s'", v);
        return WB_OK;
    }
    if (strcmp(key, "encoding") == 0) {
        if (!set_once(p, K_ENC, key))
            return WB_OK;
        return set_str(&l->encoding, v);
    }
    if (strcmp(key, "bom") == 0) {
        if (!set_once(p, K_BOM, key))
            return WB_OK;
        if (strcmp(v, "optional") == 0)
            l->bom = LAYOUT_BOM_OPTIONAL;
        else if (strcmp(v, "required") == 0)
            l->bom = LAYOUT_BOM_REQUIRED;
        else if (strcmp(v, "forbidden") == 0)
            l->bom = LAYOUT_BOM_FORBIDDEN;
        else
            perr(p, p->lineno, "bom must be optional, required or forbidden, not '%s'", v);
        return WB_OK;
    }
    if (strcmp(key, "header") == 0) {
        if (set_once(p, K_HEADER, key) && strcmp(v, "yes") != 0)
            perr(p, p->lineno, "only 'header = yes' is supported");
        return WB_OK;
    }
    if (strcmp(key, "datetime_format") == 0) {
        if (!set_once(p, K_DTF, key))
            return WB_OK;
        l->dt_iso = strcmp(v, "iso8601") == 0;
        l->dt_fast = !l->dt_iso && layout_time_fast_ok(v);
        const char *why = l->dt_iso ? NULL : layout_time_format_check(v);
        if (why)
            perr(p, p->lineno,
                 "%s: '%s' (use 'iso8601' or a strptime format such as "
                 "'%%d/%%m/%%Y %%H:%%M')",
                 why, v);
        return set_str(&l->dt_format, v);
    }
    if (strcmp(key, "time_zone") == 0) {
        if (!set_once(p, K_TZ, key))
            return WB_OK;
        const struct tz_zone *z;
        if (tz_get(v, &z, NULL) != WB_OK)
            perr(p, p->lineno, "unknown time zone '%s'", v);
        return set_str(&l->tz, v);
    }
    if (strcmp(key, "line_end") == 0) {
        if (!set_once(p, K_LE, key))
            return WB_OK;
        if (strcmp(v, "lf") == 0)
            l->crlf = 0;
        else if (strcmp(v, "crlf") == 0)
            l->crlf = 1;
        else
            perr(p, p->lineno, "line_end must be lf or crlf, not '%s'", v);
        return WB_OK;
    }
    if (strcmp(key, "complete") == 0) {
        if (!set_once(p, K_COMPLETE, key))
            return WB_OK;
        if (strcmp(v, "yes") == 0)
            l->complete = 1;
        else if (strcmp(v, "no") == 0)
            l->complete = 0;
        else
            perr(p, p->lineno, "complete must be yes or no, not '%s'", v);
        return WB_OK;
    }
    if (strcmp(key, "max_field") == 0) {
        long n;
        if (!set_once(p, K_MAXF, key))
            return WB_OK;
        if (str_to_long(v, 1, MAX_FIELD_LIMIT, &n) != WB_OK)
            perr(p, p->lineno, "max_field must be a number of bytes from 1 to %ld",
                 MAX_FIELD_LIMIT);
        else
            l->max_field = (size_t)n;
        return WB_OK;
    }
    perr(p, p->lineno, "unknown key '%s'", key);
    return WB_OK;
}

/* conv_n - iconv n bytes; 1 if they convert completely (state reset first) */
static int conv_n(iconv_t cd, const char *in, size_t n)
{
    char buf[8], out[32];
    char *ip = buf, *op = out;
    size_t il = n, ol = sizeof out;
    memcpy(buf, in, n);
    iconv(cd, NULL, NULL, NULL, NULL);
    return iconv(cd, &ip, &il, &op, &ol) != (size_t)-1 && il == 0;
}

/* ascii_trail_free - 0 if a multi-byte character of cd can end in an ASCII byte */
static int ascii_trail_free(iconv_t cd)
{
    for (int lead = 0x80; lead <= 0xFF; lead++) {
        char one = (char)lead;
        if (conv_n(cd, &one, 1))
            continue; /* a character by itself */
        for (int trail = 0x20; trail < 0x7F; trail++) {
            char two[2] = {(char)lead, (char)trail};
            if (conv_n(cd, two, 2))
                return 0;
        }
    }
    return 1;
}

/* encoding_ok - 1 if iconv knows enc, maps ASCII to itself and never hides ASCII in characters */
static int encoding_ok(const char *enc)
{
    static const char probe[] = "\t\r\n !\"#'+,-.0123456789;=@AZ_az|~";
    iconv_t cd = iconv_open("UTF-8", enc);
    if (cd == (iconv_t)-1)
        return 0;
    char in[sizeof probe], out[4 * sizeof probe];
    memcpy(in, probe, sizeof probe);
    char *ip = in, *op = out;
    size_t il = sizeof probe - 1, ol = sizeof out;
    size_t r = iconv(cd, &ip, &il, &op, &ol);
    int ok = r != (size_t)-1 && il == 0 && (size_t)(op - out) == sizeof probe - 1 &&
             memcmp(out, probe, sizeof probe - 1) == 0 && ascii_trail_free(cd);
    iconv_close(cd);
    return ok;
}

/* validate - whole-layout checks after all lines are read */
static void validate(struct lparse *p)
{
    struct layout *l = p->l;
    if (!l->name)
        perr(p, 0, "missing 'name'");
    if (!l->flow)
        perr(p, 0, "missing 'flow'");
    if (l->delim == l->quote)
        perr(p, p->lines[K_QUOTE] ? p->lines[K_QUOTE] : p->lines[K_DELIM],
             "delimiter and quote are the same character");
    if (l->nfields == 0)
        perr(p, 0, "no 'field' lines");
    if (strcasecmp(l->encoding, "UTF-8") == 0 || strcasecmp(l->encoding, "UTF8") == 0)
        l->is_utf8 = 1;
    else if (!encoding_ok(l->encoding))
        perr(p, p->lines[K_ENC],
             "encoding '%s' is unknown to iconv or not ASCII compatible (UTF-16/32, "
             "Shift_JIS, Big5, GB18030 are not supported)",
             l->encoding);
    if (l->bom == LAYOUT_BOM_REQUIRED && !l->is_utf8)
        perr(p, p->lines[K_BOM], "bom = required needs encoding UTF-8");
    l->tz_utc = strcmp(l->tz, "UTC") == 0 || strcmp(l->tz, "Etc/UTC") == 0;
}

/* layout_origin - the file (or text) the layout came from */
const char *layout_origin(const struct layout *l)
{
    return l->origin;
}

/* layout_new - a layout with defaults */
static struct layout *layout_new(const char *origin)
{
    struct layout *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->delim = ',';
    l->quote = '"';
    l->bom = LAYOUT_BOM_OPTIONAL;
    l->max_field = LAYOUT_MAX_FIELD_DEFAULT;
    l->dt_iso = 1;
    l->origin = strdup(origin);
    l->encoding = strdup("UTF-8");
    l->dt_format = strdup("iso8601");
    l->tz = strdup("UTC");
    l->tzc = layout_tzcache_new();
    if (!l->origin || !l->encoding || !l->dt_format || !l->tz || !l->tzc) {
        layout_free(l);
        return NULL;
    }
    return l;
}

/* layout_parse_text - parse layout text held in memory; origin names it in errors */
enum wb_status layout_parse_text(const char *text, size_t len, const char *origin,
                                 struct layout **out, struct buf *errs)
{
    *out = NULL;
    if (!origin)
        origin = "layout";
    struct lparse p = {.errs = errs, .origin = origin};
    if (len > LAYOUT_FILE_MAX) {
        perr(&p, 0, "layout file larger than %d bytes", LAYOUT_FILE_MAX);
        return WB_CONFIG;
    }
    if (memchr(text, '\0', len)) {
        perr(&p, 0, "layout file contains a NUL byte");
        return WB_CONFIG;
    }
    p.l = layout_new(origin);
    if (!p.l)
        return WB_NOMEM;
    char *line = malloc(len + 1);
    if (!line) {
        layout_free(p.l);
        return WB_NOMEM;
    }
    int rc = WB_OK;
    size_t pos = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    while (pos < len && rc == WB_OK) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        memcpy(line, text + pos, n);
        line[n] = '\0';
        pos += n + (nl != NULL);
        p.lineno++;
        char *s = str_trim(str_strip_comment(line));
        if (*s == '\0')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            perr(&p, p.lineno, "expected 'key = value'");
            continue;
        }
        *eq = '\0';
        char *key = str_trim(s);
        char *val = str_trim(eq + 1);
        if (*key == '\0') {
            perr(&p, p.lineno, "missing key before '='");
            continue;
        }
        rc = key_value(&p, key, val);
    }
    free(line);
    if (rc == WB_OK)
        validate(&p);
    if (rc == WB_OK && p.nerr == 0) {
        *out = p.l;
        return WB_OK;
    }
    layout_free(p.l);
    return rc != WB_OK ? rc : WB_CONFIG;
}

/* layout_load - parse and validate a layout file */
enum wb_status layout_load(const char *path, struct layout **out, struct buf *errs)
{
    struct buf b;
    *out = NULL;
    buf_init(&b, LAYOUT_FILE_MAX);
    errno = 0;
    int rc = fs_read_file(path, &b);
    if (rc != WB_OK) {
        int e = errno;
        if (errs && rc == WB_TOOBIG)
            buf_appendf(errs, "%s: layout file is too large (at most %d bytes)\n", path,
                        LAYOUT_FILE_MAX);
        else if (errs)
            buf_appendf(errs, "%s: cannot read layout file: %s\n", path,
                        e ? strerror(e) : "not a regular file");
        buf_free(&b);
        return WB_CONFIG;
    }
    rc = layout_parse_text(buf_str(&b), b.len, path, out, errs);
    buf_free(&b);
    return rc;
}

/* layout_load_named - load dir/name.layout; name must be a safe name */
enum wb_status layout_load_named(const char *dir, const char *name, struct layout **out,
                                 struct buf *errs)
{
    char file[128], path[4096];
    *out = NULL;
    if (!is_safe_name(name) || !fs_name_ok(name)) {
        if (errs)
            buf_appendf(errs, "%s: bad layout name\n", name);
        return WB_CONFIG;
    }
    snprintf(file, sizeof file, "%s.layout", name);
    if (fs_join(path, sizeof path, dir, file) != WB_OK) {
        if (errs)
            buf_appendf(errs, "%s: layout path too long\n", name);
        return WB_CONFIG;
    }
    return layout_load(path, out, errs);
}

/* layout_free - release a layout (NULL is fine) */
void layout_free(struct layout *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->nfields; i++) {
        free(l->fields[i].name);
        free(l->fields[i].header);
    }
    free(l->fields);
    free(l->origin);
    free(l->name);
    free(l->flow);
    free(l->encoding);
    free(l->dt_format);
    free(l->tz);
    layout_tzcache_free(l->tzc);
    free(l);
}

/* layout_name - the layout's name */
const char *layout_name(const struct layout *l)
{
    return l->name;
}

/* layout_flow - the flow the layout belongs to */
const char *layout_flow(const struct layout *l)
{
    return l->flow;
}

/* layout_encoding - the declared encoding name */
int layout_complete(const struct layout *l)
{
    return l->complete;
}

const char *layout_encoding(const struct layout *l)
{
    return l->encoding;
}

const char *layout_time_zone(const struct layout *l)
{
    return l->tz;
}

/* layout_nfields - number of logical fields declared */
size_t layout_nfields(const struct layout *l)
{
    return l->nfields;
}

/* layout_field_name - logical name of field i (NULL when out of range) */
const char *layout_field_name(const struct layout *l, size_t i)
{
    return i < l->nfields ? l->fields[i].name : NULL;
}

/* layout_field_header - header text of field i (NULL when out of range) */
const char *layout_field_header(const struct layout *l, size_t i)
{
    return i < l->nfields ? l->fields[i].header : NULL;
}

/* layout_field_index - index of a logical field, -1 if the layout has no such field */
int layout_field_index(const struct layout *l, const char *field)
{
    for (size_t i = 0; i < l->nfields; i++)
        if (strcmp(l->fields[i].name, field) == 0)
            return (int)i;
    return -1;
}
