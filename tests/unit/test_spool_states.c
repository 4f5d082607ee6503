/*
 * test_spool_states.c - unit tests of the state names kept beside the ledger's
 * enums: every state of a file, row and feed has its one word, and anything
 * out of range reads "?".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "spool/ledger.h"

/* test_file_names - every file state is named, the ends are guarded */
static void test_file_names(void **state)
{
    (void)state;
    assert_string_equal(ledger_file_state_name(LF_CLAIMED), "claimed");
    assert_string_equal(ledger_file_state_name(LF_PARSED), "parsed");
    assert_string_equal(ledger_file_state_name(LF_DONE), "done");
    assert_string_equal(ledger_file_state_name(LF_REJECTED), "rejected");
    assert_string_equal(ledger_file_state_name(LF_DUPLICATE), "duplicate");
    assert_string_equal(ledger_file_state_name(LF_GREW), "grew");
    assert_string_equal(ledger_file_state_name(0), "?");
    assert_string_equal(ledger_file_state_name(LF_GREW + 1), "?");
    assert_string_equal(ledger_file_state_name(-1), "?");
}

/* test_row_names - every row state is named, the ends are guarded */
static void test_row_names(void **state)
{
    (void)state;
    assert_string_equal(ledger_row_state_name(LR_PENDING), "pending");
    assert_string_equal(ledger_row_state_name(LR_QUEUED), "queued");
    assert_string_equal(ledger_row_state_name(LR_CONFIRMED), "confirmed");
    assert_string_equal(ledger_row_state_name(LR_REJECTED), "rejected");
    assert_string_equal(ledger_row_state_name(0), "?");
    assert_string_equal(ledger_row_state_name(LR_REJECTED + 1), "?");
}

/* test_feed_names - every feed state is named, distinct, the ends are guarded */
static void test_feed_names(void **state)
{
    (void)state;
    static const char *const want[] = {"building",  "ready",  "submitting", "submitted",
                                       "done",      "fatal",  "cancelled",  "invalid",
                                       "ambiguous", "calling"};
    _Static_assert(sizeof want / sizeof want[0] == LFD_LAST, "one name per feed state");
    for (int s = LFD_BUILDING; s <= LFD_LAST; s++)
        assert_string_equal(ledger_feed_state_name(s), want[s - LFD_BUILDING]);
    assert_string_equal(ledger_feed_state_name(0), "?");
    assert_string_equal(ledger_feed_state_name(LFD_LAST + 1), "?");
    assert_string_equal(ledger_feed_state_name(1000), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_names),
        cmocka_unit_test(test_row_names),
        cmocka_unit_test(test_feed_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
