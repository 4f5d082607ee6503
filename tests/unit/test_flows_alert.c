/*
 * test_flows_alert.c - the table of alert types (flows/alert.c) and the owners a config gives
 * them: every row complete with an owner of the four and a severity; a row that nothing can
 * resolve is one resolved where it is raised; alert_owners overrides the default owner of a
 * type and is checked (unknown types with a near miss, unknown owners, malformed entries).
 * Touches no spool and no ledger.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/buf.h"
#include "core/conf.h"
#include "core/wb.h"
#include "flows/alert.h"

/* test_table_complete - every row names an owner, a severity, a meaning and an action */
static void test_table_complete(void **state)
{
    (void)state;
    size_t n;
    const struct alert_type *t = alert_types(&n);
    assert_true(n >= 15);
    for (size_t i = 0; i < n; i++) {
        assert_true(strcmp(t[i].owner, "ops") == 0 || strcmp(t[i].owner, "warehouse") == 0 ||
                    strcmp(t[i].owner, "finance") == 0 || strcmp(t[i].owner, "it") == 0);
        assert_true(strcmp(t[i].severity, "critical") == 0 ||
                    strcmp(t[i].severity, "warning") == 0);
        assert_true(strlen(t[i].meaning) > 10 && strlen(t[i].action) > 5);
        assert_ptr_equal(alert_type_find(t[i].type), &t[i]);
        for (size_t k = 0; k < i; k++)
            assert_string_not_equal(t[k].type, t[i].type);
    }
    assert_null(alert_type_find("no-such-alert"));
}

/* test_owners - alert_owners moves a type to another owner; the others keep the table's */
static void test_owners(void **state)
{
    (void)state;
    struct wb_config c;
    memset(&c, 0, sizeof c);
    c.path = "t.conf";
    c.alert_owners = "rows-rejected=ops,offline=finance";
    assert_string_equal(alert_owner(&c, "rows-rejected"), "ops");
    assert_string_equal(alert_owner(&c, "offline"), "finance");
    assert_string_equal(alert_owner(&c, "file-refused"), "warehouse");
    struct buf e;
    buf_init(&e, 4096);
    assert_int_equal(alert_owners_check(&c, &e), WB_OK);
    c.alert_owners = "rows-rejectd=ops,offline=boss,feed-fatal";
    assert_int_equal(alert_owners_check(&c, &e), WB_CONFIG);
    assert_non_null(strstr(buf_str(&e), "no alert type 'rows-rejectd' (did you mean "
                                        "'rows-rejected'?)"));
    assert_non_null(strstr(buf_str(&e), "'offline=boss' is not TYPE=OWNER"));
    assert_non_null(strstr(buf_str(&e), "'feed-fatal' is not TYPE=OWNER"));
    assert_string_equal(alert_owner(&c, "offline"), "it"); /* a bad entry is not taken */
    buf_free(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_complete),
        cmocka_unit_test(test_owners),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
