/*
 * lock.h - one writer per spool and per ledger, and no daemon as root unless
 * allowed.
 *
 * Owns the writer lock files (LOCK_NAME in the spool directory, the ledger's
 * path + LEDGER_LOCK_SUFFIX beside it): each an
 * flock(LOCK_EX|LOCK_NB) held for the life of the process, whose content
 * says who holds it ("pid=N start=ISO host=NAME"). Error contract:
 * WB_EXISTS when another process holds the lock (who = "held by pid N since
 * TIME on HOST"), WB_IOERR/WB_NOINPUT for I/O problems, WB_CONFIG from
 * privs_check_root; never exits. Must never unlink the lock file (that would
 * let two processes lock two different files of the same name).
 */
#ifndef WB_SCHED_LOCK_H
#define WB_SCHED_LOCK_H

#include "core/buf.h"
#include "core/wb.h"

#define LOCK_NAME ".lock"
#define LEDGER_LOCK_SUFFIX ".lock"

/* lock_acquire - lock the file at path (e.g. spool/.lock), fd stays open while held */
enum wb_status lock_acquire(const char *path, int *fd, struct buf *who);
/* lock_release - drop the lock (closes fd, leaves the file) */
void lock_release(int *fd);
/* lock_holder - WB_EXISTS with who = "held by pid N since TIME on HOST" while a process holds
 * the lock, WB_NOTFOUND when none does (or there is no lock file); never takes the lock */
enum wb_status lock_holder(const char *path, struct buf *who);
/* privs_check_root - WB_CONFIG with a sentence in err if euid is 0 and not allowed */
enum wb_status privs_check_root(int allow_root, struct buf *err);

#endif
