/*
 * parse_floor_orders.c - the parse-only floor for the orders benchmark.
 *
 * Reads searchOrders answers (JSON values one after the other) from standard
 * input into memory and parses each with jansson where it lies, as
 * `convert orders` does, counting the orders, nothing else: no gate, no
 * output beyond one line of counts. What `convert orders` costs above this
 * is the price of its checks and of writing the file.
 * Exit 0 on success, 1 on a read or parse error. Owned by bench/.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* main - parse every value of standard input */
int main(void)
{
    size_t cap = 1 << 20, len = 0, k;
    char *data = malloc(cap);
    while (data && (k = fread(data + len, 1, cap - len, stdin)) > 0) {
        len += k;
        if (len == cap) {
            char *p = realloc(data, cap *= 2);
            if (!p)
                break;
            data = p;
        }
    }
    if (!data || ferror(stdin))
        return 1;
    unsigned long pages = 0, orders = 0;
    size_t pos = 0;
    for (;;) {
        while (pos < len && strchr(" \t\r\n", data[pos]))
            pos++;
        if (pos >= len)
            break;
        json_error_t e;
        json_t *v = json_loadb(data + pos, len - pos, JSON_DISABLE_EOF_CHECK, &e);
        if (!v) {
            fprintf(stderr, "parse error at %zu: %s\n", pos, e.text);
            return 1;
        }
        pos += (size_t)e.position;
        pages++;
        orders += json_array_size(json_object_get(v, "orders"));
        json_decref(v);
    }
    free(data);
    fprintf(stderr, "pages=%lu orders=%lu bytes=%zu\n", pages, orders, len);
    return 0;
}
