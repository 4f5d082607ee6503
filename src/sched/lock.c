/*
 * lock.c - writer locks (flock on spool/.lock and on LEDGER.lock) and the root
 * check.
 *
 * Owns the lock file's content format: "pid=N start=YYYY-MM-DDThh:mm:ssZ
 * host=NAME\n". The lock is the flock, not the file's existence, so a
 * stale file after a crash is harmless: the kernel drops the lock with the
 * process. Error contract: WB_EXISTS (held elsewhere), WB_IOERR and friends
 * from errno, WB_CONFIG for root; never exits. Must never unlink the lock
 * file or wait for a lock (LOCK_NB always).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/wb.h"
#include "sched/lock.h"

/* read_holder - append "held by pid N since T on H" from an open lock file */
static int read_holder(int fd, struct buf *who)
{
    char text[512];
    ssize_t n = pread(fd, text, sizeof text - 1, 0);
    if (n < 0)
        return wb_errno_status(errno);
    text[n] = '\0';
    long pid = 0;
    char start[40] = "", host[256] = "";
    if (sscanf(text, "pid=%ld start=%39s host=%255s", &pid, start, host) < 2 || pid <= 0) {
        if (who)
            buf_appends(who, "held by another process (no owner recorded yet)");
        return WB_OK;
    }
    if (who) {
        buf_appendf(who, "held by pid %ld since %s", pid, start);
        if (host[0])
            buf_appendf(who, " on %s", host);
    }
    return WB_OK;
}

/* lock_acquire - lock the file at path, fd stays open while held */
enum wb_status lock_acquire(const char *path, int *fd, struct buf *who)
{
    *fd = -1;
    int f = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (f < 0)
        return wb_errno_status(errno);
    if (flock(f, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        if (e == EWOULDBLOCK) {
            read_holder(f, who);
            close(f);
            return WB_EXISTS;
        }
        close(f);
        return wb_errno_status(e);
    }
    char ts[32], host[256], text[400];
    clock_format_iso(clock_now(), ts, sizeof ts);
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "unknown");
    host[sizeof host - 1] = '\0';
    int n = snprintf(text, sizeof text, "pid=%ld start=%s host=%s\n", (long)getpid(), ts, host);
    if (n < 0 || (size_t)n >= sizeof text)
        n = (int)strlen(text);
    errno = 0;
    if (ftruncate(f, 0) != 0 || pwrite(f, text, (size_t)n, 0) != n || fsync(f) != 0) {
        int e = errno ? errno : EIO;
        if (e != ENOSPC && e != EDQUOT) {
            close(f);
            return wb_errno_status(e);
        }
        /* a full disk: the flock is the lock, held; only its holder goes unnamed */
    }
    *fd = f;
    return WB_OK;
}

/* lock_release - drop the lock (closes fd, leaves the file) */
void lock_release(int *fd)
{
    if (fd && *fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

/* lock_holder - whether a process holds the lock now, and who, without taking it */
enum wb_status lock_holder(const char *path, struct buf *who)
{
    int f = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (f < 0)
        return errno == ENOENT ? WB_NOTFOUND : wb_errno_status(errno);
    int rc;
    if (flock(f, LOCK_SH | LOCK_NB) == 0) {
        flock(f, LOCK_UN);
        rc = WB_NOTFOUND; /* the file stays behind a holder that is gone */
    } else if (errno == EWOULDBLOCK) {
        read_holder(f, who);
        rc = WB_EXISTS;
    } else {
        rc = wb_errno_status(errno);
    }
    close(f);
    return rc;
}

/* privs_check_root - WB_CONFIG if euid is 0 and not allowed */
enum wb_status privs_check_root(int allow_root, struct buf *err)
{
    if (geteuid() != 0 || allow_root)
        return WB_OK;
    if (err)
        buf_appends(err, "refusing to run as root: run as an unprivileged user (e.g. wmsbridge) "
                         "or set allow_root = yes");
    return WB_CONFIG;
}
