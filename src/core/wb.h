/*
 * wb.h - project-wide status codes.
 *
 * Owns the one status enum every module returns (like curl's CURLcode).
 * TEMPFAIL vs PERMFAIL is exactly "retry later" vs "goes to reject/".
 * Never exits; only main maps a status to a sysexits code (wb_exit_now is the one
 * way out of a forked child, for the places that fork).
 */
#ifndef WB_H
#define WB_H

enum wb_status {
    WB_OK = 0,
    WB_TEMPFAIL, /* retry later: timeouts, 429, 5xx, locked ledger */
    WB_PERMFAIL, /* content is wrong: goes to reject/ */
    WB_NOSPACE,  /* ENOSPC / EFBIG / quota */
    WB_CONFIG,   /* configuration, map or layout error */
    WB_NOINPUT,  /* input missing or unreadable */
    WB_NOMEM,    /* allocation failed */
    WB_TOOBIG,   /* a bounded buffer hit its cap */
    WB_IOERR,    /* other I/O error */
    WB_EXISTS,   /* target already exists */
    WB_NOTFOUND, /* no such item */
    WB_BADARG,   /* caller error / invalid argument */
    WB_INTERNAL, /* broken invariant */
    WB_AGAIN,    /* nothing to do now (e.g. file still growing) */
    WB_DENIED,   /* permission denied (EACCES, EPERM, a read-only ledger) */
    WB_STATUS_MAX
};

/* wb_status_str - short name of a status, for logs */
const char *wb_status_str(int st);
/* wb_status_exit - the sysexits code main uses for a status */
int wb_status_exit(int st);
/* wb_errno_status - map an errno value to a status */
enum wb_status wb_errno_status(int err);
/* wb_exit_now - _exit(status) for a forked process; coverage builds (WB_COVERAGE) first write
 * the process's coverage data, which _exit would lose */
_Noreturn void wb_exit_now(int status);

#define WB_EX_OK 0
#define WB_EX_USAGE 64
#define WB_EX_DATAERR 65
#define WB_EX_NOINPUT 66
#define WB_EX_SOFTWARE 70
#define WB_EX_OSERR 71
#define WB_EX_CANTCREAT 73
#define WB_EX_IOERR 74
#define WB_EX_TEMPFAIL 75
#define WB_EX_NOPERM 77
#define WB_EX_CONFIG 78

#define WB_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
