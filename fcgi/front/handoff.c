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
 *
 * nginx, never the service, closes a kept-alive connection.  A service
 * that closes an idle one races nginx reusing it: the request nginx has
 * just written is lost, and nginx answers 502 for a POST it may not pass
 * on (seen here: in one graceful-restart test of every four to eight).  So a
 * draining worker (handoff_stop) only stops accepting -- the listening
 * socket is shared, the new worker accepts -- and goes on answering
 * every request that arrives on the connections it holds, until nginx
 * has closed them all: an idle one after the upstream keepalive_timeout,
 * a busy one after keepalive_time (nginx/paicha.conf.in), both well
 * within PAICHA_DRAIN_TIMEOUT, after which main.c gives up and exits.
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
static int		 sfd = -1;		/* eventfd: stop, or the last closed */
static size_t		 maxfd;

/* All below under qlock. */
static pthread_mutex_t	 qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 qcond = PTHREAD_COND_INITIALIZER;
static int		*queue;			/* ring of readable fds */
static size_t		 qhead, qlen;
static size_t		 open_conns;		/* accepted and not yet closed */
static int		 stopping;		/* draining: accept no more */
static int		 drained;		/* the handoff thread has returned */

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
	if ((queue = calloc(maxfd, sizeof(*queue))) == NULL ||
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
		handoff_closed();
		return;
	}
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

/* Whether handoff_stop() was called. */
static int
drain_stopping(void)
{
	int	 s;

	pthread_mutex_lock(&qlock);
	s = stopping;
	pthread_mutex_unlock(&qlock);
	return s;
}

/* Whether the drain is over: stopping, and every connection closed. */
static int
drain_done(void)
{
	int	 done;

	pthread_mutex_lock(&qlock);
	done = stopping && open_conns == 0;
	pthread_mutex_unlock(&qlock);
	return done;
}

/* Accept every connection waiting on the listening socket. */
static void
accept_all(void)
{
	int	 fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		pthread_mutex_lock(&qlock);
		open_conns++;
		pthread_mutex_unlock(&qlock);
		arm(fd, 1);
	}
}

/*
 * The handoff thread: accept new connections, hand readable ones to the
 * workers.  After handoff_stop() it accepts no more but goes on handing
 * over requests on the connections it has, and returns once nginx has
 * closed them all (a closed one is readable too: the worker finds it at
 * its end and closes it).
 */
void *
handoff_main(void *arg)
{
	struct epoll_event	 evs[64];
	uint64_t		 v;
	int			 n, i, fd, listening = 1;

	while (!drain_done()) {
		if ((n = epoll_wait(ep, evs, 64, -1)) == -1) {
			if (errno == EINTR)
				continue;
			log_error("epoll_wait: %s", strerror(errno));
			break;
		}
		for (i = 0; i < n; i++) {
			fd = evs[i].data.fd;
			if (fd == sfd) {
				(void)!read(sfd, &v, sizeof(v));
				if (listening && drain_stopping()) {
					(void)epoll_ctl(ep, EPOLL_CTL_DEL, lfd,
					    NULL);
					listening = 0;
				}
				continue;
			}
			if (fd == lfd) {
				if (listening)
					accept_all();
				continue;
			}
			enqueue(fd);
		}
	}
	pthread_mutex_lock(&qlock);
	drained = 1;
	pthread_cond_broadcast(&qcond);
	pthread_mutex_unlock(&qlock);
	return NULL;
}

/*
 * A connection with a request to read, for a worker: blocks until one
 * is ready.  Returns its fd, or -1 once the service has drained (or
 * never started its handoff thread: handoff_abandon).
 */
int
handoff_take(void)
{
	int	 fd = -1;

	pthread_mutex_lock(&qlock);
	while (qlen == 0 && !drained)
		pthread_cond_wait(&qcond, &qlock);
	if (qlen > 0) {
		fd = queue[qhead];
		qhead = (qhead + 1) % maxfd;
		qlen--;
	}
	pthread_mutex_unlock(&qlock);
	return fd;
}

/*
 * A worker is done with a kept-alive connection: wait for its next
 * request -- draining or not, since only nginx knows whether it will
 * send one.
 */
void
handoff_give(int fd)
{
	arm(fd, 0);
}

/*
 * A connection was closed (by libfcgi, at nginx's end of it, or after
 * an error).  The last one closed while draining ends the drain.
 */
void
handoff_closed(void)
{
	uint64_t	 one = 1;
	int		 last;

	pthread_mutex_lock(&qlock);
	open_conns--;
	last = stopping && open_conns == 0;
	pthread_mutex_unlock(&qlock);
	if (last)
		(void)!write(sfd, &one, sizeof(one));
}

/*
 * Drain: accept no more connections (the next worker, on the same
 * listening socket, does), answer what arrives on those open, and end
 * when nginx has closed them all.
 */
void
handoff_stop(void)
{
	uint64_t	 one = 1;
	size_t		 n;

	pthread_mutex_lock(&qlock);
	stopping = 1;
	n = open_conns;
	pthread_mutex_unlock(&qlock);
	log_info("draining: %zu connections open, answered until nginx "
	    "closes them", n);
	(void)!write(sfd, &one, sizeof(one));
}

/* The handoff thread never ran: the workers return at once. */
void
handoff_abandon(void)
{
	pthread_mutex_lock(&qlock);
	stopping = 1;
	drained = 1;
	pthread_cond_broadcast(&qcond);
	pthread_mutex_unlock(&qlock);
}
