/*
 * test_core_basics.c - unit tests of the core module: bounded buffers,
 * checked parsing, UTF-8 validation, atomic writes, digests and the config
 * table (unknown keys, bad values, missing files reported with file:line).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/conf.h"
#include "core/fsutil.h"
#include "core/shm.h"
#include "core/strutil.h"
#include "core/wb.h"

static void test_buf_cap(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 8);
    assert_int_equal(buf_appends(&b, "12345678"), WB_OK);
    assert_int_equal(buf_appendc(&b, '9'), WB_TOOBIG);
    assert_string_equal(buf_str(&b), "12345678");
    buf_reset(&b);
    assert_int_equal(buf_appendf(&b, "%d-%s", 42, "x"), WB_OK);
    assert_string_equal(buf_str(&b), "42-x");
    assert_int_equal(buf_appendf(&b, "%s", "too long for it"), WB_TOOBIG);
    buf_free(&b);
}

static void test_parse_and_utf8(void **state)
{
    (void)state;
    long v;
    assert_int_equal(str_to_long("42", 0, 100, &v), WB_OK);
    assert_int_equal(v, 42);
    assert_int_equal(str_to_long("42x", 0, 100, &v), WB_BADARG);
    assert_int_equal(str_to_long("", 0, 100, &v), WB_BADARG);
    assert_int_equal(str_to_long(" 4", 0, 100, &v), WB_BADARG);
    assert_int_equal(str_to_long("101", 0, 100, &v), WB_BADARG);
    assert_int_equal(str_to_long("99999999999999999999", 0, 100, &v), WB_BADARG);
    assert_true(str_utf8_valid("caf\xc3\xa9", 5));
    assert_false(str_utf8_valid("caf\xe9", 4));
    assert_false(str_utf8_valid("a\0b", 3));
    assert_false(str_utf8_valid("\xc0\xaf", 2));     /* overlong */
    assert_false(str_utf8_valid("\xed\xa0\x80", 3)); /* surrogate */
    char t[] = "  x y \t";
    assert_string_equal(str_trim(t), "x y");
    assert_true(str_ascii_range("hello, world 1234", 17, 0x20));
    assert_false(str_ascii_range("hello,\tworld 1234", 17, 0x20)); /* TAB below 0x20 */
    assert_true(str_ascii_range("hello,\tworld 1234", 17, 1));
    assert_false(str_ascii_range("caf\xc3\xa9 au lait", 13, 1)); /* high bytes */
    assert_false(str_ascii_range("abcdefgh\x7f\x80", 10, 1));    /* in the overlapping word */
    assert_false(str_ascii_range("a\0b", 3, 1));
    assert_true(str_ascii_range("", 0, 0x20));
    char sh[16];
    assert_string_equal(str_shown("-rf\001\"\\.csv", sh, sizeof sh), "-rf\\x01\\x22\\x5c");
    assert_string_equal(str_shown("caf\xc3\xa9", sh, sizeof sh), "caf\xc3\xa9");
}

/* test_comment_rule - the one comment rule of every file read: '#' first, or with blanks on
 * both sides; any other '#' is data */
static void test_comment_rule(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"# whole line", ""},
        {"   \t# indented", "   \t"},
        {"#", ""},
        {"RM24 | Royal Mail | | Tracked 24  # next day", "RM24 | Royal Mail | | Tracked 24  "},
        {"key = value\t#\tnote", "key = value\t"},
        {"C#1 | Royal Mail | | 1st", "C#1 | Royal Mail | | 1st"},
        {"field order_id = Order #", "field order_id = Order #"},
        {"field x = Order#Ref", "field x = Order#Ref"},
        {"sku #2 seller-2", "sku #2 seller-2"},
        {"a# b", "a# b"},
        {"a # b # c", "a "},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char line[128];
        snprintf(line, sizeof line, "%s", cases[i].in);
        assert_string_equal(str_strip_comment(line), cases[i].out);
    }
    assert_int_equal(str_edit_distance("settle_seconds", "settle_seconds"), 0);
    assert_int_equal(str_edit_distance("setle_seconds", "settle_seconds"), 1);
    assert_int_equal(str_edit_distance("flsuh", "flush"), 1); /* a swap is one edit */
    assert_int_equal(str_edit_distance("", "abc"), 3);
    assert_int_equal(str_edit_distance("kitten", "sitting"), 3);
    static const struct {
        const char *name;
        int x;
    } words[] = {{"flush", 1}, {"limit", 2}, {"lmiit", 3}, {NULL, 0}};
    assert_string_equal(str_nearest("flsuh", words, 4, sizeof words[0]), "flush");
    assert_null(str_nearest("flush", words, 4, sizeof words[0]));  /* itself: no hint */
    assert_null(str_nearest("zzzzzz", words, 4, sizeof words[0])); /* nothing near */
    assert_null(str_nearest("limiit", words, 4, sizeof words[0])); /* a tie: no guess */
}

/* test_shm_owner_death - a shared page survives a forked holder dying while locked */
static void test_shm_owner_death(void **state)
{
    (void)state;
    struct page {
        pthread_mutex_t mu;
        int n;
    } *pg = shm_open_page(sizeof *pg);
    assert_non_null(pg);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        shm_lock(pg);
        pg->n = 42;
        _exit(0); /* dies holding the lock */
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(pg->n, 42); /* the child's write is seen */
    assert_int_equal(shm_lock(pg), 1);
    shm_unlock(pg);
    assert_int_equal(shm_lock(pg), 0);
    shm_unlock(pg);
    shm_close_page(pg, sizeof *pg);
}

static void test_atomic_write(void **state)
{
    (void)state;
    char dir[] = "/tmp/wbcore.XXXXXX";
    assert_non_null(mkdtemp(dir));
    assert_int_equal(fs_write_file(dir, "f.txt", "hello", 5), WB_OK);
    char p[256];
    snprintf(p, sizeof p, "%s/f.txt", dir);
    struct buf b;
    buf_init(&b, 100);
    assert_int_equal(fs_read_file(p, &b), WB_OK);
    assert_string_equal(buf_str(&b), "hello");
    buf_free(&b);
    struct stat sb;
    assert_int_equal(stat(p, &sb), 0);
    mode_t um = umask(0); /* files are FS_FILE_MODE (group-readable) less the umask */
    umask(um);
    assert_int_equal(sb.st_mode & 0777, FS_FILE_MODE & ~um);
    /* aborted writes leave nothing behind */
    struct afile af;
    assert_int_equal(afile_open(&af, dir, "g.txt", 0), WB_OK);
    /* its temp name tells whose it is, so a killed writer's temps can be swept */
    assert_int_equal(afile_temp_pid(af.tmp), (long)getpid());
    assert_int_equal(afile_temp_pid(".g.txt.tmp"), 0);
    assert_int_equal(afile_temp_pid(".g.txt.12x.3.tmp"), 0);
    assert_int_equal(afile_temp_pid("g.txt.12.3.tmp"), 0);
    assert_int_equal(afile_temp_pid(".f.csv.part"), 0);
    assert_int_equal(afile_temp_pid("..12.3.tmp"), 0);       /* no NAME */
    assert_int_equal(afile_temp_pid(".a.b.c.77.0.tmp"), 77); /* dots in NAME */
    afile_write(&af, "x", 1);
    afile_abort(&af);
    snprintf(p, sizeof p, "%s/g.txt", dir);
    assert_int_not_equal(stat(p, &sb), 0);
    assert_int_equal(afile_open(&af, dir, "../escape", 0), WB_BADARG);
    char sum[65];
    assert_int_equal(fs_sha256_buf("abc", 3, sum), WB_OK);
    assert_string_equal(sum, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    snprintf(p, sizeof p, "%s/f.txt", dir);
    assert_int_equal(fs_sha256_file(p, sum), WB_OK);
    assert_string_equal(sum, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    unlink(p);
    rmdir(dir);
}

/* write_conf - write text to dir/name */
static void write_conf(const char *dir, const char *name, const char *text)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_conf_errors(void **state)
{
    (void)state;
    char dir[] = "/tmp/wbconf.XXXXXX";
    assert_non_null(mkdtemp(dir));
    write_conf(dir, "carriers.map", "");
    write_conf(dir, "skus.map", "");
    write_conf(dir, "amazon-carrier-codes.txt", "");
    write_conf(dir, "good.conf",
               "merchant_id = M1\nsettle_seconds = 3 # comment\n"
               "remote.wms.host = 127.0.0.1\nremote.wms.user = u\n"
               "remote.wms.flow = dispatch\nremote.wms.fingerprint = SHA256:x\n");
    write_conf(dir, "bad.conf",
               "merchant_id = M1\nbogus = 1\nsettle_seconds = -5\n"
               "tls_verify = maybe\nskus_map = /nonexistent/skus.map\nnoequals\n"
               "setle_seconds = 3\nremote.wms.hots = h\nremote.wms.fingreprint = x\n"
               "merchant = M2\n");
    char p[256];
    struct wb_config c;
    struct buf errs;
    buf_init(&errs, 65536);
    snprintf(p, sizeof p, "%s/good.conf", dir);
    assert_int_equal(conf_load(&c, p, &errs), WB_OK);
    assert_string_equal(c.merchant_id, "M1");
    assert_int_equal(c.settle_seconds, 3);
    assert_int_equal(c.nremotes, 1);
    assert_int_equal(c.remotes[0].port, 22);
    assert_non_null(conf_find_remote(&c, "wms"));
    struct buf show;
    buf_init(&show, 65536);
    assert_int_equal(conf_show(&c, 1, &show), WB_OK);
    assert_non_null(strstr(buf_str(&show), "settle_seconds = 3"));
    assert_null(strstr(buf_str(&show), "http_timeout"));
    buf_free(&show);
    conf_free(&c);
    snprintf(p, sizeof p, "%s/bad.conf", dir);
    assert_int_equal(conf_load(&c, p, &errs), WB_CONFIG);
    const char *e = buf_str(&errs);
    assert_non_null(strstr(e, "bad.conf:2: unknown parameter 'bogus'"));
    assert_non_null(strstr(e, "bad.conf:3: settle_seconds"));
    assert_non_null(strstr(e, "bad.conf:4: tls_verify"));
    assert_non_null(strstr(e, "skus_map: cannot read file"));
    assert_non_null(strstr(e, "bad.conf:6: expected 'key = value'"));
    assert_non_null(strstr(e, "bad.conf:2: unknown parameter 'bogus'\n"));
    assert_non_null(strstr(e, "bad.conf:7: unknown parameter 'setle_seconds' (did you mean "
                              "'settle_seconds'?)\n"));
    assert_non_null(strstr(e, "bad.conf:8: unknown parameter 'remote.wms.hots' (did you mean "
                              "'remote.wms.host'?)\n"));
    assert_non_null(strstr(e, "bad.conf:9: unknown parameter 'remote.wms.fingreprint' (did you "
                              "mean 'remote.wms.fingerprint'?)\n"));
    assert_non_null(strstr(e, "bad.conf:10: unknown parameter 'merchant'\n"));
    conf_free(&c);
    buf_free(&errs);
    const char *names[] = {"carriers.map", "skus.map", "amazon-carrier-codes.txt", "good.conf",
                           "bad.conf"};
    for (size_t i = 0; i < 5; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_cap),         cmocka_unit_test(test_parse_and_utf8),
        cmocka_unit_test(test_comment_rule),    cmocka_unit_test(test_atomic_write),
        cmocka_unit_test(test_shm_owner_death), cmocka_unit_test(test_conf_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
