/*
 * conf_testutil.h - a configuration loaded from text in a temporary
 * directory that holds empty maps, for the unit tests of what the
 * configuration decides (seller accounts, dispatch paths). Include after
 * cmocka.h. Owns its temporary directory (made by conf_test_setup, removed
 * by conf_test_teardown); never used outside tests/unit.
 */
#ifndef WB_TESTS_CONF_TESTUTIL_H
#define WB_TESTS_CONF_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/conf.h"
#include "core/wb.h"

static char conf_test_dir[] = "/tmp/wbconf.XXXXXX";
static const char *const conf_test_files[] = {"carriers.map", "skus.map",
                                              "amazon-carrier-codes.txt", "c.conf"};

/* conf_test_put - write text to the directory's file name */
static inline void conf_test_put(const char *name, const char *text)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", conf_test_dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* conf_test_load - conf_load of text (paths relative to the directory); its status, the
 * findings in errs */
static inline int conf_test_load(const char *text, struct wb_config *c, struct buf *errs)
{
    conf_test_put("c.conf", text);
    char p[256];
    snprintf(p, sizeof p, "%s/c.conf", conf_test_dir);
    buf_reset(errs);
    return conf_load(c, p, errs);
}

/* conf_test_setup - the directory with empty maps (a cmocka group setup) */
static inline int conf_test_setup(void **state)
{
    (void)state;
    if (!mkdtemp(conf_test_dir))
        return -1;
    for (size_t i = 0; i < 3; i++)
        conf_test_put(conf_test_files[i], "");
    return 0;
}

/* conf_test_teardown - remove the directory (a cmocka group teardown) */
static inline int conf_test_teardown(void **state)
{
    (void)state;
    char p[256];
    for (size_t i = 0; i < WB_ARRAY_LEN(conf_test_files); i++) {
        snprintf(p, sizeof p, "%s/%s", conf_test_dir, conf_test_files[i]);
        unlink(p);
    }
    rmdir(conf_test_dir);
    return 0;
}

#endif
