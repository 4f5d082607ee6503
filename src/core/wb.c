/*
 * wb.c - status code names and their sysexits mapping, and the exit of a forked child.
 * Pure table lookups; only wb_exit_now exits, and only when a forked child calls it.
 */
#include <errno.h>
#include <unistd.h>

#include "core/wb.h"

static const char *const names[WB_STATUS_MAX] = {
    "ok",       "tempfail", "permfail", "nospace", "config",
    "noinput",  "nomem",    "toobig",   "ioerr",   "exists",
    "notfound", "badarg",   "internal", "again",   "permission denied",
};

/* wb_status_str - short name of a status, for logs */
const char *wb_status_str(int st)
{
    if (st < 0 || st >= WB_STATUS_MAX)
        return "unknown";
    return names[st];
}

/* wb_status_exit - the sysexits code main uses for a status */
int wb_status_exit(int st)
{
    switch (st) {
    case WB_OK:
        return WB_EX_OK;
    case WB_TEMPFAIL:
    case WB_AGAIN:
    case WB_NOSPACE:
        return WB_EX_TEMPFAIL;
    case WB_PERMFAIL:
    case WB_TOOBIG:
        return WB_EX_DATAERR;
    case WB_CONFIG:
        return WB_EX_CONFIG;
    case WB_NOINPUT:
    case WB_NOTFOUND:
        return WB_EX_NOINPUT;
    case WB_BADARG:
        return WB_EX_USAGE;
    case WB_IOERR:
    case WB_EXISTS:
        return WB_EX_IOERR;
    case WB_DENIED:
        return WB_EX_NOPERM;
    default:
        return WB_EX_SOFTWARE;
    }
}

/* wb_errno_status - map an errno value to a status */
enum wb_status wb_errno_status(int err)
{
    switch (err) {
    case 0:
        return WB_OK;
    case ENOSPC:
    case EFBIG:
    case EDQUOT:
        return WB_NOSPACE;
    case ENOENT:
        return WB_NOTFOUND;
    case EEXIST:
        return WB_EXISTS;
    case EACCES:
    case EPERM:
        return WB_DENIED;
    case ENOMEM:
        return WB_NOMEM;
    case EAGAIN:
    case EINTR:
    case ETIMEDOUT:
        return WB_TEMPFAIL;
    default:
        return WB_IOERR;
    }
}

#ifdef WB_COVERAGE
void __gcov_dump(void);
#endif

/* wb_exit_now - _exit(status), writing coverage data first in coverage builds */
_Noreturn void wb_exit_now(int status)
{
#ifdef WB_COVERAGE
    __gcov_dump();
#endif
    _exit(status);
}
