/*
 * parse_floor.c - the parse-only floor for the dispatch benchmark.
 *
 * Reads a CSV file from standard input in 64 KiB chunks through libcsv with
 * the options the reader uses (strict quoting, comma, double quote) and
 * counts fields and rows, nothing else: no validation, no conversion, no
 * output beyond one line of counts. What wmsbridge convert costs above this
 * is the price of its checks and of writing the feed. With the argument
 * "tab" the delimiter is TAB (the settlement benchmark's floor).
 * Exit 0 on success, 1 on a read or parse error. Owned by bench/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

struct counts {
    unsigned long fields, rows, bytes;
};

/* on_field - libcsv: one cell */
static void on_field(void *data, size_t len, void *arg)
{
    struct counts *c = arg;
    (void)data;
    c->fields++;
    c->bytes += len;
}

/* on_row - libcsv: one record */
static void on_row(int term, void *arg)
{
    struct counts *c = arg;
    (void)term;
    c->rows++;
}

/* main - count the fields and rows of standard input */
int main(int argc, char **argv)
{
    static unsigned char chunk[65536];
    struct csv_parser p;
    struct counts c = {0, 0, 0};
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0)
        return 1;
    if (argc > 1 && strcmp(argv[1], "tab") == 0)
        csv_set_delim(&p, '\t');
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
        if (csv_parse(&p, chunk, n, on_field, on_row, &c) != n) {
            fprintf(stderr, "parse_floor: %s\n", csv_strerror(csv_error(&p)));
            csv_free(&p);
            return 1;
        }
    }
    int bad = ferror(stdin) || csv_fini(&p, on_field, on_row, &c) != 0;
    csv_free(&p);
    printf("rows=%lu fields=%lu bytes=%lu\n", c.rows, c.fields, c.bytes);
    return bad;
}
