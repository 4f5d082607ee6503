/*
 * shm.h - memory shared with the processes forked afterwards (the daemon's
 * jobs): an anonymous MAP_SHARED page that starts with a robust,
 * process-shared mutex. Owns only the page; never touches the disk, never
 * exits. A holder killed while locked does not block the others: the next
 * locker is told, so it can repair what the dead one may have left half done.
 */
#ifndef WB_CORE_SHM_H
#define WB_CORE_SHM_H

#include <pthread.h>
#include <stddef.h>

/* shm_open_page - n zeroed bytes shared across fork, whose first member is the pthread_mutex_t
 * it initialises; NULL if the system refuses */
void *shm_open_page(size_t n);
/* shm_close_page - destroy the mutex, wipe and unmap (in the process that opened it) */
void shm_close_page(void *page, size_t n);
/* shm_lock - lock the page's mutex; 1 when its previous holder died holding it, 0 otherwise,
 * -1 when it cannot be locked */
int shm_lock(void *page);
/* shm_unlock - release what shm_lock took */
void shm_unlock(void *page);

#endif
