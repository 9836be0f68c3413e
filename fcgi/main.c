/*
 * main.c: the paicha FastCGI service.
 *
 *	paicha			serve: N worker threads accept on the socket
 *	paicha supervise	bind the socket once, run `paicha` as a child
 *				on it, restart it when it dies, replace it on
 *				SIGHUP without dropping a connection, drain it
 *				on SIGTERM
 *
 * The socket is passed to the child as systemd passes sockets (fd 3,
 * LISTEN_FDS=1, LISTEN_PID), so in production a systemd .socket unit can
 * take the supervisor's place unchanged.  The listening socket outlives
 * every worker: while one restarts, connections wait in its backlog.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "base/base.h"
#include "front/front.h"
#include "ledger/ledger.h"
#include "sched/sched.h"
#include "resources/resources.h"

#define LISTEN_FD	3	/* SD_LISTEN_FDS_START */

atomic_int		 server_stopping;
static atomic_int	 inflight;
static int		 listen_fd = -1;

/* ------------------------------------------------------------------ */
/* The socket                                                         */
/* ------------------------------------------------------------------ */

/* The socket handed to us by a supervisor (or systemd), or -1. */
static int
listen_inherited(void)
{
	const char	*pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");

	if (pid == NULL || fds == NULL || atol(pid) != (long)getpid() ||
	    strcmp(fds, "1") != 0)
		return -1;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	(void)fcntl(LISTEN_FD, F_SETFD, FD_CLOEXEC);
	return LISTEN_FD;
}

/*
 * Bind a Unix socket at `path`, mode 0660, group `group` (when set), and
 * listen.  An old socket at the path is replaced; any other kind of file
 * there is refused.  Returns the fd, or -1 (logged).
 */
static int
listen_open(const char *path, const char *group)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	struct group		*gr = NULL;
	mode_t			 old;
	int			 fd = -1;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_error("socket path too long: %s", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (group != NULL && (gr = getgrnam(group)) == NULL) {
		log_error("no such group: %s", group);
		return -1;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_error("%s exists and is not a socket", path);
			return -1;
		}
		if (unlink(path) == -1) {
			log_error("could not remove old socket %s: %s", path,
			    strerror(errno));
			return -1;
		}
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		log_error("socket: %s", strerror(errno));
		return -1;
	}
	old = umask(0117);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		log_error("could not bind %s: %s", path, strerror(errno));
		goto err;
	}
	umask(old);
	if (gr != NULL && chown(path, (uid_t)-1, gr->gr_gid) == -1) {
		log_error("could not give %s to group %s: %s", path, group,
		    strerror(errno));
		goto err;
	}
	if (chmod(path, 0660) == -1 || listen(fd, 1024) == -1) {
		log_error("could not listen on %s: %s", path, strerror(errno));
		goto err;
	}
	return fd;
err:
	close(fd);
	return -1;
}

/*
 * When root and a user is configured, become that user for good.
 * Returns 0, or -1 (logged) -- the caller must then not serve.
 */
static int
drop_privileges(const char *user)
{
	struct passwd	*pw;

	if (geteuid() != 0)
		return 0;
	if (user == NULL) {
		log_warn("running as root: set PAICHA_USER to drop privileges");
		return 0;
	}
	if ((pw = getpwnam(user)) == NULL) {
		log_error("no such user: %s", user);
		return -1;
	}
	if (initgroups(user, pw->pw_gid) == -1 || setgid(pw->pw_gid) == -1 ||
	    setuid(pw->pw_uid) == -1) {
		log_error("could not become %s: %s", user, strerror(errno));
		return -1;
	}
	if (setuid(0) != -1) {
		log_error("could regain root after dropping it");
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Serving                                                            */
/* ------------------------------------------------------------------ */

static void
request_id(struct req *r, struct worker *w, unsigned long n)
{
	const char	*id = req_param(r, "REQUEST_ID");

	if (id != NULL && *id != '\0' && strlen(id) < sizeof(r->id) &&
	    strspn(id, "0123456789abcdefABCDEF-") == strlen(id)) {
		memcpy(r->id, id, strlen(id) + 1);
		return;
	}
	snprintf(r->id, sizeof(r->id), "%lx-%x-%lx", (long)getpid(),
	    (unsigned)w->index, n);
}

/*
 * A worker thread: take a connection with a request arriving (from the
 * handoff thread), let libfcgi read the request from it -- libfcgi never
 * accepts by itself: its listen socket is -1 --, answer, and give a
 * kept-alive connection back to the handoff thread.
 */
static void *
worker_main(void *arg)
{
	struct worker	*w = arg;
	FCGX_Request	 fr;
	struct req	*r;
	struct timespec	 end;
	unsigned long	 n = 0;
	double		 secs;
	int		 fd;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		log_error("worker %d: out of memory", w->index);
		return NULL;
	}
	FCGX_InitRequest(&fr, -1, 0);
	while ((fd = handoff_take()) != -1) {
		fr.ipcFd = fd;
		fr.keepConnection = 1;	/* so Accept_r does not close it */
		if (FCGX_Accept_r(&fr) < 0) {
			/* Closed by nginx, or garbage: libfcgi closed it. */
			handoff_closed();
			continue;
		}
		atomic_fetch_add(&inflight, 1);
		memset(r, 0, sizeof(*r));
		clock_gettime(CLOCK_MONOTONIC, &r->start);
		r->fcgx = &fr;
		r->w = w;
		request_id(r, w, ++n);
		router_handle(r);
		clock_gettime(CLOCK_MONOTONIC, &end);
		secs = (double)(end.tv_sec - r->start.tv_sec) +
		    (double)(end.tv_nsec - r->start.tv_nsec) / 1e9;
		log_info("request id=%s method=%s route=%s status=%d ms=%.2f",
		    r->id, r->method < METHOD__MAX ?
		    method_names[r->method] : "?", router_label(r),
		    r->status, secs * 1e3);
		metrics_request(r, secs);
		FCGX_Finish_r(&fr);
		atomic_fetch_sub(&inflight, 1);
		if (fr.ipcFd >= 0) {
			fd = fr.ipcFd;
			fr.ipcFd = -1;
			handoff_give(fd);
		} else
			handoff_closed();
	}
	FCGX_Free(&fr, 0);
	db_close(&w->db);
	db_close(&w->spare);
	db_close(&w->beside);
	free(r);
	return NULL;
}

/*
 * Serve until SIGTERM or SIGINT; then drain: accept no more connections
 * (the next worker, on the same socket, does), answer the requests that
 * arrive on those open until nginx has closed them all (handoff.c), and
 * exit -- after cfg.drain_timeout seconds at the latest.
 */
static int
serve(void)
{
	struct worker	*workers = NULL;
	pthread_t	*tids = NULL, handoff;
	struct timespec	 until;
	sigset_t	 set;
	long		 i, started = 0;
	int		 sig, rc = 1;

	if ((listen_fd = listen_inherited()) == -1 &&
	    (listen_fd = listen_open(cfg.socket, cfg.socket_group)) == -1)
		return 1;
	if (drop_privileges(cfg.user) == -1 || router_check() == -1 ||
	    openapi_check() == -1)
		return 1;
	/* As the service user: the key is that user's 0600 file. */
	(void)checkpoint_key_load(cfg.key_file);
	if (FCGX_Init() != 0) {
		log_error("could not initialise libfcgi");
		return 1;
	}
	if (handoff_init(listen_fd) == -1)
		return 1;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	workers = calloc((size_t)cfg.threads, sizeof(*workers));
	tids = calloc((size_t)cfg.threads, sizeof(*tids));
	if (workers == NULL || tids == NULL) {
		log_error("out of memory");
		goto out;
	}
	for (i = 0; i < cfg.threads; i++, started++) {
		workers[i].index = (int)i;
		workers[i].db.url = cfg.database_url;
		workers[i].spare.url = cfg.replica_url;
		if (pthread_create(&tids[i], NULL, worker_main,
		    &workers[i]) != 0) {
			log_error("could not start worker thread %ld", i);
			break;
		}
	}
	if (started == cfg.threads && checkpoint_start() == 0 &&
	    sched_start() == 0 &&
	    pthread_create(&handoff, NULL, handoff_main, NULL) == 0) {
		log_info("serving with %ld threads", cfg.threads);
		do {
			if (sigwait(&set, &sig) != 0)
				sig = SIGTERM;
		} while (sig == SIGHUP);
		log_info("signal %d: draining %d requests in flight", sig,
		    atomic_load(&inflight));
		atomic_store(&server_stopping, 1);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += cfg.drain_timeout;
		handoff_stop();
		if (pthread_timedjoin_np(handoff, NULL, &until) != 0) {
			log_warn("drain timeout: nginx still holds connections,"
			    " %d requests in flight", atomic_load(&inflight));
			_exit(0);
		}
		rc = 0;
	} else {
		handoff_abandon();
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += cfg.drain_timeout;
	}
	for (i = 0; i < started; i++)
		if (pthread_timedjoin_np(tids[i], NULL, &until) != 0) {
			log_warn("drain timeout: %d requests still in flight",
			    atomic_load(&inflight));
			_exit(rc);
		}
	sched_stop();
	checkpoint_stop();
	log_info("stopped");
out:
	free(workers);
	free(tids);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Supervising                                                        */
/* ------------------------------------------------------------------ */

static char	 self_path[4096];
static pid_t	 child = -1;

static void
write_pidfile(const char *path, pid_t pid)
{
	FILE	*f;

	if (path == NULL)
		return;
	if ((f = fopen(path, "w")) == NULL) {
		log_warn("could not write %s: %s", path, strerror(errno));
		return;
	}
	fprintf(f, "%ld\n", (long)pid);
	fclose(f);
}

/* The worker's pid file: beside the supervisor's, or NULL. */
static const char *
worker_pidfile(void)
{
	static char	 buf[4096];
	const char	*p = getenv("PAICHA_PIDFILE");
	const char	*slash;

	if (p == NULL)
		return NULL;
	slash = strrchr(p, '/');
	snprintf(buf, sizeof(buf), "%.*spaicha-worker.pid",
	    slash != NULL ? (int)(slash - p + 1) : 0, p);
	return buf;
}

/*
 * Start a worker on the listening socket: fork, hand it the socket as fd
 * 3 and exec the binary afresh (so a rebuilt binary takes over).
 * Returns its pid, or -1.
 */
static pid_t
spawn(const sigset_t *blocked)
{
	char	 pidbuf[24];
	pid_t	 pid;

	if ((pid = fork()) == -1) {
		log_error("fork: %s", strerror(errno));
		return -1;
	}
	if (pid > 0) {
		write_pidfile(worker_pidfile(), pid);
		return pid;
	}
	sigprocmask(SIG_UNBLOCK, blocked, NULL);
	if (listen_fd != LISTEN_FD) {
		if (dup2(listen_fd, LISTEN_FD) == -1)
			_exit(127);
		close(listen_fd);
	} else
		(void)fcntl(LISTEN_FD, F_SETFD, 0);
	snprintf(pidbuf, sizeof(pidbuf), "%ld", (long)getpid());
	setenv("LISTEN_PID", pidbuf, 1);
	setenv("LISTEN_FDS", "1", 1);
	execl(self_path, "paicha", (char *)NULL);
	log_error("could not exec %s: %s", self_path, strerror(errno));
	_exit(127);
}

/*
 * The supervisor's loop.  Restarts a worker that dies (at most once per
 * second), replaces it on SIGHUP, and on SIGTERM stops it and exits.
 */
static int
supervise(void)
{
	sigset_t	 set;
	siginfo_t	 si;
	struct timespec	 tick = { 0, 100000000 }, last = { 0, 0 }, now;
	const char	*pidfile = getenv("PAICHA_PIDFILE");
	pid_t		 pid, old;
	int		 sig, status, stopping = 0, grace = 0;
	ssize_t		 n;

	if ((n = readlink("/proc/self/exe", self_path,
	    sizeof(self_path) - 1)) <= 0) {
		log_error("could not find my own binary");
		return 1;
	}
	self_path[n] = '\0';
	if ((listen_fd = listen_open(cfg.socket, cfg.socket_group)) == -1)
		return 1;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	write_pidfile(pidfile, getpid());
	if ((child = spawn(&set)) == -1)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &last);
	log_info("supervisor %ld: worker %ld on %s", (long)getpid(),
	    (long)child, cfg.socket);

	for (;;) {
		sig = sigtimedwait(&set, &si, &tick);
		if (sig == SIGHUP && !stopping) {
			old = child;
			if ((child = spawn(&set)) == -1)
				child = old;
			else {
				log_info("replacing worker %ld with %ld",
				    (long)old, (long)child);
				kill(old, SIGTERM);
			}
		} else if ((sig == SIGTERM || sig == SIGINT) && !stopping) {
			stopping = 1;
			log_info("stopping worker %ld", (long)child);
			if (child > 0)
				kill(child, SIGTERM);
		}
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			if (pid != child)
				continue;
			log_warn("worker %ld ended (%s %d)", (long)pid,
			    WIFSIGNALED(status) ? "signal" : "status",
			    WIFSIGNALED(status) ? WTERMSIG(status) :
			    WEXITSTATUS(status));
			child = -1;
		}
		if (stopping) {
			/* Done when no child at all is left (ECHILD). */
			if (child == -1 && waitpid(-1, &status, WNOHANG) == -1)
				break;
			if (++grace == (cfg.drain_timeout + 5) * 10 && child > 0)
				kill(child, SIGKILL);
			continue;
		}
		if (child == -1) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec - last.tv_sec < 1)
				usleep(200000);
			if ((child = spawn(&set)) != -1) {
				clock_gettime(CLOCK_MONOTONIC, &last);
				log_info("restarted worker as %ld", (long)child);
			}
		}
	}
	close(listen_fd);
	unlink(cfg.socket);
	if (pidfile != NULL)
		unlink(pidfile);
	if (worker_pidfile() != NULL)
		unlink(worker_pidfile());
	log_info("supervisor stopped");
	return 0;
}

int
main(int argc, char *argv[])
{
	int	 rc;

	if (config_load(&cfg) == -1)
		return 1;
	/* Before any thread: the scheduler's webhook deliveries use it. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_error("could not initialise libcurl");
		return 1;
	}
	if (argc == 2 && strcmp(argv[1], "supervise") == 0)
		rc = supervise();
	else if (argc == 1)
		rc = serve();
	else {
		fprintf(stderr, "usage: paicha [supervise]\n");
		rc = 2;
	}
	curl_global_cleanup();
	config_free(&cfg);
	return rc;
}
