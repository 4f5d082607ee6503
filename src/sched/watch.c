/*
 * watch.c - inotify over spool in/ directories plus a listing fallback.
 *
 * Owns the inotify descriptor and the watch descriptor of each directory.
 * A directory whose watch could not be added (missing, removed) has wd -1
 * and is retried on every watch_scan. Error contract: WB_NOMEM on
 * allocation failure, otherwise WB_OK with problems logged as warnings;
 * never exits. Must never open, read, rename or delete a spool file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "core/log.h"
#include "core/strutil.h"
#include "core/wb.h"
#include "sched/watch.h"

#define WATCH_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_ONLYDIR | IN_DELETE_SELF | IN_MOVE_SELF)

struct watch_ent {
    char *dir;
    char *job;
    int wd;
    int warned;
};

struct watch {
    int fd;
    size_t n;
    struct watch_ent *v;
};

/* eligible - 1 if a name is a file a job should look at (bad names too: the job rejects them) */
static int eligible(const char *name)
{
    return name[0] != '.' && !fs_is_temp_name(name);
}

/* add_watch - (re)add the inotify watch of one directory */
static void add_watch(struct watch *w, struct watch_ent *e)
{
    if (w->fd < 0 || e->wd >= 0)
        return;
    e->wd = inotify_add_watch(w->fd, e->dir, WATCH_MASK);
    if (e->wd < 0 && !e->warned) {
        log_warn("dir=%s event=watch_failed job=%s error=\"%s\" fallback=rescan", e->dir, e->job,
                 strerror(errno));
        e->warned = 1;
    } else if (e->wd >= 0) {
        e->warned = 0;
    }
}

/* watch_open - watcher over dirs (copied) */
enum wb_status watch_open(struct watch **out, const struct watch_dir *dirs, size_t n)
{
    *out = NULL;
    struct watch *w = calloc(1, sizeof *w);
    if (!w)
        return WB_NOMEM;
    w->v = calloc(n ? n : 1, sizeof *w->v);
    if (!w->v) {
        free(w);
        return WB_NOMEM;
    }
    w->fd = -1;
    for (size_t i = 0; i < n; i++) {
        w->v[i].dir = str_dup(dirs[i].dir);
        w->v[i].job = str_dup(dirs[i].job);
        w->v[i].wd = -1;
        w->n = i + 1;
        if (!w->v[i].dir || !w->v[i].job) {
            watch_close(w);
            return WB_NOMEM;
        }
    }
    if (n) {
        w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (w->fd < 0)
            log_warn("event=inotify_unavailable error=\"%s\" fallback=rescan", strerror(errno));
    }
    for (size_t i = 0; i < n; i++)
        add_watch(w, &w->v[i]);
    *out = w;
    return WB_OK;
}

/* watch_fd - descriptor to poll for readability, -1 if none */
enum wb_status watch_fd(const struct watch *w)
{
    return w ? w->fd : -1;
}

/* watch_read - drain pending events, calling hit for each relevant file */
enum wb_status watch_read(struct watch *w, void (*hit)(void *arg, const char *job), void *arg)
{
    if (!w || w->fd < 0)
        return WB_OK;
    char evbuf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        ssize_t len = read(w->fd, evbuf, sizeof evbuf);
        if (len < 0) {
            if (errno == EINTR)
                continue;
            return WB_OK; /* EAGAIN: drained */
        }
        if (len == 0)
            return WB_OK;
        for (char *p = evbuf; p < evbuf + len;) {
            const struct inotify_event *ev = (const struct inotify_event *)(void *)p;
            p += sizeof *ev + ev->len;
            if (ev->mask & IN_Q_OVERFLOW) {
                for (size_t i = 0; i < w->n; i++)
                    hit(arg, w->v[i].job);
                continue;
            }
            for (size_t i = 0; i < w->n; i++) {
                struct watch_ent *e = &w->v[i];
                if (e->wd != ev->wd)
                    continue;
                if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
                    if (ev->mask & IN_MOVE_SELF)
                        inotify_rm_watch(w->fd, e->wd);
                    e->wd = -1; /* re-added by the next rescan */
                    continue;
                }
                if (ev->len && eligible(ev->name) && !(ev->mask & IN_ISDIR)) {
                    log_debug("file=%s dir=%s event=file_seen job=%s", ev->name, e->dir, e->job);
                    hit(arg, e->job);
                }
            }
        }
    }
}

/* dir_has_work - 1 if dir holds at least one complete regular file */
static int dir_has_work(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int found = 0;
    struct dirent *de;
    while (!found && (de = readdir(d)) != NULL) {
        if (!eligible(de->d_name))
            continue;
        if (de->d_type == DT_REG) {
            found = 1;
        } else if (de->d_type == DT_UNKNOWN) {
            struct stat st;
            if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
                found = 1;
        }
    }
    closedir(d);
    return found;
}

/* watch_scan - list every directory, calling hit where a complete file waits */
enum wb_status watch_scan(struct watch *w, void (*hit)(void *arg, const char *job), void *arg)
{
    if (!w)
        return WB_OK;
    for (size_t i = 0; i < w->n; i++) {
        add_watch(w, &w->v[i]);
        if (dir_has_work(w->v[i].dir))
            hit(arg, w->v[i].job);
    }
    return WB_OK;
}

/* watch_close - release everything */
void watch_close(struct watch *w)
{
    if (!w)
        return;
    if (w->fd >= 0)
        close(w->fd);
    for (size_t i = 0; i < w->n; i++) {
        free(w->v[i].dir);
        free(w->v[i].job);
    }
    free(w->v);
    free(w);
}
