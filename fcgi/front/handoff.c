/*
 * handoff.c: handing connections to worker threads, without pinning a thread to
 * an idle connection.
 *
 * nginx keeps FastCGI connections open between requests (keepalive), and
 * opens more under load.  A thread that waits on an idle kept-alive
 * connection serves no one: with every thread parked that way, a new
 * connection waits in the backlog until nginx gives up on an idle one
 * (60 s).  So one handoff thread holds every idle connection in epoll,
 * with the listening socket and a stop event; a connection that becomes
 * readable (a request is arriving) goes on a queue, and a worker takes
 * it, reads and answers the request, and gives the connection back.
 *
 * Ownership is simple: a connection is either armed in epoll (idle,
 * the handoff thread's) or on the queue / in a worker (busy).  EPOLLONESHOT
 * makes the hand-over atomic.
 */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/base.h"
#include "front.h"

static int		 ep = -1;		/* epoll instance */
static int		 lfd = -1;		/* the listening socket */
static int		 sfd = -1;		/* eventfd: stop */
static unsigned char	*idle;			/* idle[fd]: armed in epoll */
static size_t		 maxfd;

static pthread_mutex_t	 qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 qcond = PTHREAD_COND_INITIALIZER;
static int		*queue;			/* ring of readable fds */
static size_t		 qhead, qlen;
static int		 stopping;

/*
 * Set up the handoff thread on `listen_fd` (made non-blocking).  Returns 0,
 * or -1 (logged).
 */
int
handoff_init(int listen_fd)
{
	struct epoll_event	 ev;
	struct rlimit		 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur == RLIM_INFINITY)
		rl.rlim_cur = 65536;
	maxfd = (size_t)rl.rlim_cur;
	lfd = listen_fd;
	if ((idle = calloc(maxfd, 1)) == NULL ||
	    (queue = calloc(maxfd, sizeof(*queue))) == NULL ||
	    (ep = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    (sfd = eventfd(0, EFD_CLOEXEC)) == -1 ||
	    fcntl(lfd, F_SETFL, O_NONBLOCK) == -1) {
		log_error("could not set up the handoff thread: %s",
		    strerror(errno));
		return -1;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.fd = lfd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) == -1)
		return -1;
	ev.data.fd = sfd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev) == -1)
		return -1;
	return 0;
}

/* Arm `fd` to wait for its next request (add: a new connection). */
static void
arm(int fd, int add)
{
	struct epoll_event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
	ev.data.fd = fd;
	if ((size_t)fd >= maxfd ||
	    epoll_ctl(ep, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev) == -1) {
		log_warn("could not watch connection %d: %s", fd,
		    strerror(errno));
		close(fd);
		return;
	}
	idle[fd] = 1;
}

static void
enqueue(int fd)
{
	pthread_mutex_lock(&qlock);
	queue[(qhead + qlen) % maxfd] = fd;
	qlen++;
	pthread_cond_signal(&qcond);
	pthread_mutex_unlock(&qlock);
}

/*
 * The handoff thread: accept new connections, hand readable ones to
 * the workers, until handoff_stop().  Then close the idle connections
 * it holds (requests already queued are still served).
 */
void *
handoff_main(void *arg)
{
	struct epoll_event	 evs[64];
	int			 n, i, fd;
	size_t			 k;

	for (;;) {
		if ((n = epoll_wait(ep, evs, 64, -1)) == -1) {
			if (errno == EINTR)
				continue;
			log_error("epoll_wait: %s", strerror(errno));
			break;
		}
		for (i = 0; i < n; i++) {
			fd = evs[i].data.fd;
			if (fd == sfd)
				goto out;
			if (fd == lfd) {
				while ((fd = accept4(lfd, NULL, NULL,
				    SOCK_CLOEXEC)) >= 0)
					arm(fd, 1);
				continue;
			}
			idle[fd] = 0;
			enqueue(fd);
		}
	}
out:
	for (k = 0; k < maxfd; k++)
		if (idle[k]) {
			idle[k] = 0;
			close((int)k);
		}
	return NULL;
}

/*
 * A connection with a request to read, for a worker: blocks until one
 * is ready.  Returns its fd, or -1 when the service is stopping and
 * nothing is left to serve.
 */
int
handoff_take(void)
{
	int	 fd = -1;

	pthread_mutex_lock(&qlock);
	while (qlen == 0 && !stopping)
		pthread_cond_wait(&qcond, &qlock);
	if (qlen > 0) {
		fd = queue[qhead];
		qhead = (qhead + 1) % maxfd;
		qlen--;
	}
	pthread_mutex_unlock(&qlock);
	return fd;
}

/* A worker is done with a kept-alive connection: wait for its next. */
void
handoff_give(int fd)
{
	int	 stop;

	pthread_mutex_lock(&qlock);
	stop = stopping;
	pthread_mutex_unlock(&qlock);
	if (stop)
		close(fd);
	else
		arm(fd, 0);
}

/* Stop taking connections; workers finish what is queued and return. */
void
handoff_stop(void)
{
	uint64_t	 one = 1;

	pthread_mutex_lock(&qlock);
	stopping = 1;
	pthread_cond_broadcast(&qcond);
	pthread_mutex_unlock(&qlock);
	(void)!write(sfd, &one, sizeof(one));
}
