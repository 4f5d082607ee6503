/*
 * shm.c - anonymous shared pages with a robust process-shared mutex (see
 * shm.h). Never touches the disk, never exits.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "core/shm.h"

/* shm_open_page - see shm.h */
void *shm_open_page(size_t n)
{
    if (n < sizeof(pthread_mutex_t))
        return NULL;
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    memset(p, 0, n);
    pthread_mutexattr_t a;
    int ok = pthread_mutexattr_init(&a) == 0;
    ok = ok && pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED) == 0 &&
         pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST) == 0 &&
         pthread_mutex_init((pthread_mutex_t *)p, &a) == 0;
    pthread_mutexattr_destroy(&a);
    if (!ok) {
        munmap(p, n);
        return NULL;
    }
    return p;
}

/* shm_close_page - see shm.h */
void shm_close_page(void *page, size_t n)
{
    if (!page)
        return;
    pthread_mutex_destroy((pthread_mutex_t *)page);
    explicit_bzero(page, n);
    munmap(page, n);
}

/* shm_lock - see shm.h */
int shm_lock(void *page)
{
    int e = pthread_mutex_lock((pthread_mutex_t *)page);
    if (e == EOWNERDEAD) {
        pthread_mutex_consistent((pthread_mutex_t *)page);
        return 1;
    }
    return e == 0 ? 0 : -1;
}

/* shm_unlock - see shm.h */
void shm_unlock(void *page)
{
    pthread_mutex_unlock((pthread_mutex_t *)page);
}
