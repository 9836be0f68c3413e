/*
 * xlsx.h: what the reports that come as workbooks share (reports.c):
 * the cell formats and sending a workbook as the reply.  Only the
 * resources that write XLSX include it (it needs libxlsxwriter).
 */
#ifndef PAICHA_XLSX_H
#define PAICHA_XLSX_H

#include <xlsxwriter.h>

struct req;

/* Write the workbook of `arg` at `path`, temporary files in `tmpdir`. */
typedef lxw_error	(*xlsx_writer)(const void *arg, const char *path,
			    const char *tmpdir);

lxw_format	*xlsx_format(lxw_workbook *, int, int, int, int);
void		 xlsx_send(struct req *, const char *, xlsx_writer,
		    const void *);
char		*xlsx_make(struct req *, xlsx_writer, const void *, size_t *);
void		 xlsx_reply(struct req *, const char *, const char *, size_t);

#endif /* PAICHA_XLSX_H */
