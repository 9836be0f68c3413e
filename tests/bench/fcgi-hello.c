/*
 * fcgi-hello: the ceiling of the HTTP layer for ./run bench -- a minimal
 * libfcgi responder behind the same nginx, TLS and keepalive as paicha.
 *
 *	fcgi-hello SOCKET THREADS [GROUP]
 *
 * THREADS threads, each in the accept loop libfcgi documents, answer
 * every request with a fixed small JSON body.  The socket is mode 0660,
 * for GROUP (nginx's) when given.
 */
#include <sys/stat.h>

#include <grp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <fcgiapp.h>

static int	 sock;

static void *
serve(void *arg)
{
	FCGX_Request	 r;

	FCGX_InitRequest(&r, sock, 0);
	while (FCGX_Accept_r(&r) == 0) {
		FCGX_PutS("Status: 200 OK\r\nContent-Type: application/json\r\n"
		    "Content-Length: 12\r\n\r\n{\"ok\":true}\n", r.out);
		FCGX_Finish_r(&r);
	}
	return NULL;
}

int
main(int argc, char *argv[])
{
	struct group	*gr;
	pthread_t	 t;
	int		 i, n;

	if (argc < 3 || (n = atoi(argv[2])) < 1 || FCGX_Init() != 0)
		return 2;
	unlink(argv[1]);
	if ((sock = FCGX_OpenSocket(argv[1], 1024)) < 0)
		return 1;
	if (argc > 3 && (gr = getgrnam(argv[3])) != NULL &&
	    chown(argv[1], (uid_t)-1, gr->gr_gid) == -1)
		return 1;
	if (chmod(argv[1], 0660) == -1)
		return 1;
	for (i = 1; i < n; i++)
		pthread_create(&t, NULL, serve, NULL);
	serve(NULL);
	return 0;
}
