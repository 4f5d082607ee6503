/*
 * watch.h - spool watcher: which job to start when a file appears in a directory.
 *
 * Owns one inotify instance (IN_CLOSE_WRITE | IN_MOVED_TO) over the given
 * directories and a periodic rescan that lists them as a fallback (missed
 * events, directories created late, file systems without inotify). It only
 * reports "directory D has work for job J"; it never opens, claims or moves
 * a file (that is the job's business through the spool module). Names that
 * writers are still working on (".x", "*.tmp", "*.part") are ignored. Error
 * contract: WB_NOMEM; an unwatchable directory is logged and retried on each
 * rescan, never fatal. Never exits.
 */
#ifndef WB_SCHED_WATCH_H
#define WB_SCHED_WATCH_H

#include <stddef.h>

#include "core/wb.h"

struct watch_dir {
    const char *dir; /* e.g. spool/in/dispatch */
    const char *job; /* job to start, e.g. "dispatch" */
};

struct watch;

/* watch_open - watcher over dirs (copied); inotify unavailable -> rescans only */
enum wb_status watch_open(struct watch **out, const struct watch_dir *dirs, size_t n);
/* watch_fd - descriptor to poll for readability, -1 if none */
enum wb_status watch_fd(const struct watch *w);
/* watch_read - drain pending events, calling hit(arg, job) for each relevant file */
enum wb_status watch_read(struct watch *w, void (*hit)(void *arg, const char *job), void *arg);
/* watch_scan - list every directory, calling hit(arg, job) where a complete file waits */
enum wb_status watch_scan(struct watch *w, void (*hit)(void *arg, const char *job), void *arg);
/* watch_close - release everything (NULL is fine) */
void watch_close(struct watch *w);

#endif
