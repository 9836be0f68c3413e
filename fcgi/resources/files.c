/*
 * files.c: evidence files kept with a case (API.md Part 2).
 *
 *	POST /api/v1/cases/{id}/files?kind=K&name=N	upload: the raw body
 *							(officer, legal)
 *	GET  /api/v1/cases/{id}/files			the case's files
 *	GET  /api/v1/files/{id}				the bytes (Range)
 *	GET  /api/v1/files/{id}/thumbnail		a JPEG, images only
 *	POST /api/v1/files/{id}/withdraw {"reason"}	withdrawn, never gone
 *
 * An upload is streamed: the front line checks the declared size
 * (EP_RAW) and this reads the body a piece (FILE_CHUNK) at a time,
 * judging its type by the first piece (filetype.c: 415), hashing each
 * piece and the whole with SHA-256 and storing each piece as it comes
 * (file_chunk_put, content-addressed: the same bytes are stored once),
 * all in the request's one transaction -- a client or a worker that
 * stops half way leaves nothing.  Memory is one piece, whatever the
 * size.  Once the body is read, the Idempotency-Key is taken (a replay
 * rolls back what was stored meanwhile), the content recorded
 * (file_blob_put), the file row added, and its upload appended to the
 * file's own stream with the case, kind, name and SHA-256.  A photo's
 * EXIF is read from its first piece; its thumbnail is made once, by
 * reading the content back piece by piece (images.c).
 *
 * Names: a file keeps the name its uploader gave, as long as it is one
 * name -- a name with a path separator (/ or \), a control character or
 * an invisible format character, or "." and "..", is refused (422
 * naming `name`), never rewritten behind the user's back.  It is only
 * ever sent back percent-encoded (Content-Disposition's filename*).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "../base/base.h"
#include "../front/front.h"
#include "resources.h"

#define NPIECES		(MAX_UPLOAD / FILE_CHUNK + 1)
#define REASON_CHARS	500
#define SEEN_LEN	96

/* ------------------------------------------------------------------ */
/* Names, dispositions, ranges (pure; tests/unit/test-files.c)        */
/* ------------------------------------------------------------------ */

/* The code point at *p (valid UTF-8), advancing *p past it. */
static unsigned long
next_cp(const unsigned char **p)
{
	const unsigned char	*s = *p;
	unsigned long		 c = s[0];
	int			 n = 0, i;

	if (c >= 0xf0) {
		c &= 0x07;
		n = 3;
	} else if (c >= 0xe0) {
		c &= 0x0f;
		n = 2;
	} else if (c >= 0xc0) {
		c &= 0x1f;
		n = 1;
	}
	for (i = 1; i <= n; i++)
		c = c << 6 | (s[i] & 0x3f);
	*p = s + n + 1;
	return c;
}

/* Whether `c` is an invisible format character (bidi, zero width). */
static int
is_format_cp(unsigned long c)
{
	return c == 0x00ad || c == 0x061c || c == 0x180e ||
	    (c >= 0x200b && c <= 0x200f) || (c >= 0x2028 && c <= 0x202e) ||
	    (c >= 0x2060 && c <= 0x206f) || c == 0xfeff ||
	    (c >= 0xfff9 && c <= 0xfffb);
}

/*
 * Whether `s` may be a file's name: 1 to FILE_NAME_MAX bytes of UTF-8,
 * not blank, not "." or "..", without a path separator, a control or
 * an invisible format character.  Returns NULL, or the message.
 */
const char *
file_name_check(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = strlen(s);
	unsigned long		 c;
	int			 visible = 0;

	if (n == 0)
		return "不能为空";
	if (n > FILE_NAME_MAX)
		return "不能超过255字节";
	if (!utf8_valid(s, n))
		return "不是有效的 UTF-8 文本";
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return "不是有效的文件名";
	while (*p != '\0') {
		c = next_cp(&p);
		if (c == '/' || c == '\\')
			return "不能包含路径分隔符（/ 或 \\）";
		if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f))
			return "不能包含控制字符";
		if (is_format_cp(c))
			return "不能包含不可见的格式字符";
		if (c != ' ' && c != 0x3000)
			visible = 1;
	}
	return visible ? NULL : "不能为空";
}

/*
 * Content-Disposition `disp` ("attachment" or "inline") with the name
 * as RFC 8187 UTF-8 (filename*=UTF-8''...): every byte but RFC 8187's
 * attr-chars percent-encoded.  Returns 0, or -1 when it does not fit in
 * `size` bytes.
 */
int
file_disposition(char *out, size_t size, const char *disp, const char *name)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p;
	size_t			 n;
	int			 k;

	k = snprintf(out, size, "%s; filename*=UTF-8''", disp);
	if (k < 0 || (size_t)k >= size)
		return -1;
	n = (size_t)k;
	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		if (n + 4 > size)
			return -1;
		if (isalnum(*p) || strchr("!#$&+-.^_`|~", *p) != NULL)
			out[n++] = (char)*p;
		else {
			out[n++] = '%';
			out[n++] = hex[*p >> 4];
			out[n++] = hex[*p & 15];
		}
	}
	out[n] = '\0';
	return 0;
}

/* Up to 18 decimal digits at *s into *v, advancing *s; 0, or -1. */
static int
digits(const char **s, long long *v)
{
	int	 n = 0;

	*v = 0;
	while (**s >= '0' && **s <= '9') {
		if (++n > 18)
			return -1;
		*v = *v * 10 + (**s - '0');
		(*s)++;
	}
	return n > 0 ? 0 : -1;
}

/*
 * One Range header (`h`, NULL: none) for a file of `size` bytes (RFC
 * 9110 14.2): RANGE_PART with the first and last byte in *from, *to;
 * RANGE_UNSATISFIABLE when it starts past the end (416); RANGE_NONE
 * when there is none, or one to ignore -- another unit, several ranges,
 * or a malformed one -- and the whole file is sent.
 */
enum range
range_parse(const char *h, long long size, long long *from, long long *to)
{
	long long	 a, b;

	if (h == NULL || strncasecmp(h, "bytes=", 6) != 0 ||
	    strchr(h, ',') != NULL)
		return RANGE_NONE;
	h += 6;
	while (*h == ' ')
		h++;
	if (*h == '-') {
		h++;
		if (digits(&h, &b) == -1 || *h != '\0')
			return RANGE_NONE;
		if (b == 0 || size == 0)
			return RANGE_UNSATISFIABLE;
		*from = b >= size ? 0 : size - b;
		*to = size - 1;
		return RANGE_PART;
	}
	if (digits(&h, &a) == -1 || *h++ != '-')
		return RANGE_NONE;
	if (*h == '\0')
		b = size - 1;
	else if (digits(&h, &b) == -1 || *h != '\0' || b < a)
		return RANGE_NONE;
	if (a >= size)
		return RANGE_UNSATISFIABLE;
	*from = a;
	*to = b >= size ? size - 1 : b;
	return RANGE_PART;
}

/* ------------------------------------------------------------------ */
/* One file as JSON                                                   */
/* ------------------------------------------------------------------ */

#define FILE_COLUMNS \
	"f.id, f.case_id, f.region, f.kind, f.name, f.type, f.size," \
	" encode(f.sha256, 'hex') AS sha256, rfc3339(f.uploaded_at) AS at," \
	" f.uploaded_by AS uploaded_by_id, u.username AS uploaded_by," \
	" u.display_name AS uploaded_by_name, f.exif::text AS exif," \
	" file_has_thumbnail(f.id) AS thumbnail," \
	" rfc3339(f.withdrawn_at) AS withdrawn_at," \
	" w.username AS withdrawn_by, f.withdraw_reason" \
	" FROM files f LEFT JOIN LATERAL user_public(f.uploaded_by) u ON true" \
	" LEFT JOIN LATERAL user_public(f.withdrawn_by) w ON true"

/* Row `i` of a FILE_COLUMNS result as the API shows it (new reference). */
static json_t *
file_row_json(const PGresult *res, int i)
{
	enum wf_file_kind	 k;
	json_t			*o, *exif;
	const char		*id = db_get(res, i, "id");
	char			 href[64];

	k = wf_file_kind_parse(db_get(res, i, "kind"));
	snprintf(href, sizeof(href), "/api/v1/files/%s", id);
	o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s,"
	    " s:s, s:I, s:s, s:b, s:o, s:o, s:o, s:s, s:o}",
	    "id", (json_int_t)strtoll(id, NULL, 10),
	    "case_id", (json_int_t)strtoll(db_get(res, i, "case_id"), NULL, 10),
	    "region", db_get(res, i, "region"),
	    "kind", db_get(res, i, "kind"),
	    "kind_label", k != WF_FK__MAX ? wf_file_kinds[k].label : "",
	    "name", db_get(res, i, "name"),
	    "type", db_get(res, i, "type"),
	    "size", (json_int_t)strtoll(db_get(res, i, "size"), NULL, 10),
	    "sha256", db_get(res, i, "sha256"),
	    "at", db_get(res, i, "at"),
	    "uploaded_by", db_get(res, i, "uploaded_by"),
	    "uploaded_by_id", (json_int_t)strtoll(db_get(res, i,
	    "uploaded_by_id"), NULL, 10),
	    "uploaded_by_name", db_get(res, i, "uploaded_by_name"),
	    "withdrawn", !db_isnull(res, i, "withdrawn_at"),
	    "withdrawn_at", db_json_text(res, i, "withdrawn_at"),
	    "withdrawn_by", db_json_text(res, i, "withdrawn_by"),
	    "withdraw_reason", db_json_text(res, i, "withdraw_reason"),
	    "href", href,
	    "thumbnail", strcmp(db_get(res, i, "thumbnail"), "t") == 0 ?
	    json_sprintf("%s/thumbnail", href) : json_null());
	if (o != NULL && !db_isnull(res, i, "exif") &&
	    (exif = json_loads(db_get(res, i, "exif"), 0, NULL)) != NULL)
		json_object_set_new(o, "exif", exif);
	return o;
}

/*
 * The file `id` as the API shows it (a new reference), or NULL: not
 * visible (r->fault FAULT_NONE) or the database failed (recorded).
 */
static json_t *
file_json(struct req *r, int64_t id)
{
	static struct stmt get = STMT("SELECT " FILE_COLUMNS
	    " WHERE f.id = $1", 1);
	char		 fid[24];
	const char	*p[1];
	PGresult	*res;
	json_t		*o = NULL;

	snprintf(fid, sizeof(fid), "%lld", (long long)id);
	p[0] = fid;
	if ((res = db_exec(r, &get, p)) == NULL)
		return NULL;
	if (PQntuples(res) == 1 && (o = file_row_json(res, 0)) == NULL)
		req_fail(r, "file %s: could not build its JSON", fid);
	PQclear(res);
	return o;
}

/* ------------------------------------------------------------------ */
/* POST /api/v1/cases/{id}/files?kind=&name=                          */
/* ------------------------------------------------------------------ */

/* One upload under way. */
struct upload {
	struct req		*r;
	char			 case_id[24];
	char			 region[7];
	enum wf_file_kind	 kind;
	const char		*name;
	enum ftype		 type;
	char			*buf;		/* one piece */
	EVP_MD_CTX		*whole;
	long long		 size;
	size_t			 npieces;
	unsigned char		 pieces[NPIECES][32];
	json_t			*exif;
	int64_t			 id;		/* the file row's */
};

/*
 * The query: kind (one of the workflow's file kinds) and name, and
 * nothing else.  An unknown or missing kind, or a name that is not one
 * name, is a 422 naming it.  Returns 0, or -1 when a reply was staged.
 */
static int
upload_query(struct upload *u)
{
	struct req	*r = u->r;
	json_t		*errors = NULL;
	const char	*kind, *msg;
	size_t		 i;

	for (i = 0; i < r->nquery; i++)
		if (strcmp(r->query[i].key, "kind") != 0 &&
		    strcmp(r->query[i].key, "name") != 0)
			errors = problem_field(errors, r->query[i].key,
			    "未知的查询参数");
	if ((kind = req_query(r, "kind")) == NULL)
		errors = problem_field(errors, "kind", "必填");
	else if ((u->kind = wf_file_kind_parse(kind)) == WF_FK__MAX)
		errors = problem_field(errors, "kind", "不是已知的文件类别");
	else if ((r->user.roles & R(ENTERPRISE)) &&
	    u->kind != WF_FK_RECTIFICATION_EVIDENCE &&
	    u->kind != WF_FK_SELF_INSPECTION)	/* an enterprise's own */
		errors = problem_field(errors, "kind", "企业只能上传整改证明"
		    "材料（rectification_evidence）或自查报告"
		    "（self_inspection）");
	if ((u->name = req_query(r, "name")) == NULL)
		errors = problem_field(errors, "name", "必填");
	else if ((msg = file_name_check(u->name)) != NULL)
		errors = problem_field(errors, "name", msg);
	if (errors == NULL)
		return 0;
	reply_problem(r, 422, NULL, "the file's kind or name is missing or "
	    "invalid", errors);
	return -1;
}

/*
 * Read the next piece into u->buf: up to FILE_CHUNK bytes, fewer only
 * at the end.  Returns its length (0: the end), or -1 when a reply was
 * staged (the body broke off, or is larger than allowed).
 */
static long
upload_read(struct upload *u)
{
	long	 n;

	if ((n = req_body_read(u->r, u->buf, FILE_CHUNK)) < 0) {
		log_warn("request %s: the upload broke off after %lld bytes",
		    u->r->id, u->r->raw_read);
		reply_problem(u->r, 400, "body-incomplete", "the body ended "
		    "before its end; nothing was stored", NULL);
		return -1;
	}
	if (u->size + n > MAX_UPLOAD) {
		reply_problem(u->r, 413, NULL, "the file is larger than 50 MiB",
		    NULL);
		return -1;
	}
	return n;
}

/*
 * Judge the first piece (`n` bytes): an allowed type that the declared
 * Content-Type does not contradict.  Returns 0, or -1 when a reply was
 * staged (415, or 500 when libmagic failed).
 */
static int
upload_judge(struct upload *u, long n)
{
	char		 seen[SEEN_LEN], detail[200];
	const char	*declared = req_param(u->r, "CONTENT_TYPE");

	switch (filetype_judge(u->buf, (size_t)n, declared, &u->type, seen,
	    sizeof(seen))) {
	case FJ_OK:
		return 0;
	case FJ_REFUSED:
		snprintf(detail, sizeof(detail), "the content is %s, which is "
		    "not a type a case keeps", seen[0] != '\0' ? seen :
		    "of no known type");
		reply_problem(u->r, 415, "file-type-refused", detail,
		    problem_field(NULL, "file", "文件类型不在允许范围内（允许："
		    "JPEG、PNG、PDF、OFD、DOC/DOCX、XLS/XLSX、MP4、纯文本）"));
		return -1;
	case FJ_CONTRADICTED:
		snprintf(detail, sizeof(detail), "the content is %s, not the "
		    "Content-Type it was sent as", seen);
		reply_problem(u->r, 415, "file-type-contradicted", detail,
		    problem_field(NULL, "file", "文件内容与声明的类型不符"));
		return -1;
	case FJ_FAILED:
	case FJ__MAX:
		break;
	}
	req_fail(u->r, "could not judge the file's type");
	reply_db_error(u->r);
	return -1;
}

static struct stmt chunk_put = STMT(
    "SELECT file_chunk_put($1::bytea, $2::bytea)", 2);

/*
 * Send the piece in u->buf (`n` bytes) to be stored, its SHA-256 its
 * key, without waiting: the database stores it while the next is read
 * and hashed (db_send; upload_stream collects the outcome).  Returns 0,
 * or -1 with the failure recorded in the request.
 */
static int
upload_store(struct upload *u, long n)
{
	const char	*p[2];
	int		 len[2], fmt[2] = { 1, 1 };
	unsigned char	*key;

	/* Every piece but the last is whole: MAX_UPLOAD bounds them. */
	if (u->npieces == NPIECES) {
		req_fail(u->r, "an upload of more than %d pieces", NPIECES);
		return -1;
	}
	key = u->pieces[u->npieces];
	if (EVP_Digest(u->buf, (size_t)n, key, NULL, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(u->whole, u->buf, (size_t)n) != 1) {
		req_fail(u->r, "could not hash a piece (sha-256)");
		return -1;
	}
	p[0] = (const char *)key;
	len[0] = 32;
	p[1] = u->buf;
	len[1] = (int)n;
	if (db_send(u->r, &chunk_put, p, len, fmt) == -1)
		return -1;
	u->npieces++;
	u->size += n;
	return 0;
}

/*
 * Store every piece of the body, the first (`n` bytes) in u->buf
 * already: each is sent to the database as soon as it is read and
 * hashed, and the outcomes are read once all are sent.  Returns 0, or
 * -1 when a reply was staged or a failure recorded.
 */
static int
upload_pieces(struct upload *u, long n)
{
	int	 rc = 0;

	if (db_send_open(u->r, &chunk_put) == -1)
		return -1;
	for (;;) {
		if ((rc = upload_store(u, n)) == -1)
			break;
		if (n < FILE_CHUNK || (n = upload_read(u)) == 0)
			break;
		if (n < 0) {
			rc = -1;
			break;
		}
	}
	/* Every piece's outcome, also after a failure (the pipeline ends). */
	if (db_send_close(u->r) == -1 && rc == 0)
		rc = -1;
	return rc;
}

/*
 * Stream the whole body in: judge, hash and store each piece, read the
 * EXIF of a JPEG's first.  Returns 0 with u->size, u->pieces and
 * r->raw_sha256 set, or -1 when a reply was staged or a failure
 * recorded (reply_db_error answers it).
 */
static int
upload_stream(struct upload *u)
{
	long	 n;

	if ((u->whole = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(u->whole, EVP_sha256(), NULL) != 1) {
		req_fail(u->r, "could not hash the file (sha-256)");
		return -1;
	}
	if ((n = upload_read(u)) < 0)
		return -1;
	if (n == 0) {
		reply_problem(u->r, 422, "empty-file", "the file is empty",
		    problem_field(NULL, "file", "文件为空"));
		return -1;
	}
	if (upload_judge(u, n) == -1)
		return -1;
	if (u->type == FT_JPEG)
		u->exif = image_exif(u->buf, (size_t)n);
	if (upload_pieces(u, n) == -1)
		return -1;
	if (u->r->raw_state == RAW_BROKEN) {
		reply_problem(u->r, 400, "body-incomplete", "the body ended "
		    "before its end; nothing was stored", NULL);
		return -1;
	}
	if (EVP_DigestFinal_ex(u->whole, u->r->raw_sha256, NULL) != 1) {
		req_fail(u->r, "could not hash the file (sha-256)");
		return -1;
	}
	u->r->raw_hashed = 1;
	return 0;
}

/* The pieces' keys as "hex,hex,...", malloc'd; NULL when out of memory. */
static char *
pieces_text(const struct upload *u)
{
	char	*s;
	size_t	 i;

	if ((s = malloc(u->npieces * 65 + 1)) == NULL)
		return NULL;
	s[0] = '\0';
	for (i = 0; i < u->npieces; i++) {
		hex_encode(u->pieces[i], 32, s + i * 65);
		s[i * 65 + 64] = i + 1 < u->npieces ? ',' : '\0';
	}
	return s;
}

/*
 * Record the content (new, or the same bytes as an earlier upload) and
 * add the file.  Returns 0 with u->id and *thumb (whether the content
 * has a thumbnail already), or -1 with the failure recorded.
 */
static int
upload_record(struct upload *u, int *thumb)
{
	static struct stmt blob = STMT(
	    "SELECT created, thumbnail FROM file_blob_put($1::bytea, $2, $3, $4,"
	    " ARRAY(SELECT decode(x, 'hex') FROM unnest(string_to_array($5,"
	    " ',')) WITH ORDINALITY k(x, o) ORDER BY o), $6::jsonb)", 6);
	static struct stmt add = STMT(
	    "INSERT INTO files (case_id, kind, name, sha256, uploaded_by)"
	    " VALUES ($1, $2, $3, $4::bytea, $5) RETURNING id", 5);
	char		 sha[LEDGER_HEX], size[24], chunk[16], uid[24];
	char		*keys = NULL, *exif = NULL;
	const char	*p[6];
	PGresult	*res = NULL;
	int		 rc = -1;

	bytea_hex(u->r->raw_sha256, 32, sha);
	snprintf(size, sizeof(size), "%lld", u->size);
	snprintf(chunk, sizeof(chunk), "%d", FILE_CHUNK);
	snprintf(uid, sizeof(uid), "%lld", (long long)u->r->user.id);
	if ((keys = pieces_text(u)) == NULL || (u->exif != NULL &&
	    (exif = json_dumps(u->exif, JSON_COMPACT)) == NULL)) {
		req_fail(u->r, "out of memory for the file's record");
		goto out;
	}
	p[0] = sha;
	p[1] = size;
	p[2] = ftypes[u->type].mime;
	p[3] = chunk;
	p[4] = keys;
	p[5] = exif;
	if ((res = db_exec(u->r, &blob, p)) == NULL)
		goto out;
	*thumb = strcmp(db_get(res, 0, "thumbnail"), "t") == 0;
	PQclear(res);
	p[0] = u->case_id;
	p[1] = wf_file_kinds[u->kind].id;
	p[2] = u->name;
	p[3] = sha;
	p[4] = uid;
	if ((res = db_exec(u->r, &add, p)) == NULL)
		goto out;
	u->id = strtoll(db_get(res, 0, "id"), NULL, 10);
	rc = 0;
out:
	PQclear(res);
	free(keys);
	free(exif);
	return rc;
}

/*
 * The upload as an event of the file's stream: case, kind, name, the
 * content's SHA-256, and "pieces", the SHA-256 of its pieces' keys in
 * order -- what verify compares the stored list with.
 */
static int
upload_event(struct upload *u)
{
	unsigned char	 list[32];
	char		 sha[65], pieces[65];
	json_t		*payload;
	int		 rc;

	hex_encode(u->r->raw_sha256, 32, sha);
	if (EVP_Digest(u->pieces, u->npieces * 32, list, NULL, EVP_sha256(),
	    NULL) != 1) {
		req_fail(u->r, "could not hash the pieces' list (sha-256)");
		return -1;
	}
	hex_encode(list, 32, pieces);
	payload = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:s}",
	    "case", (json_int_t)strtoll(u->case_id, NULL, 10),
	    "kind", wf_file_kinds[u->kind].id, "name", u->name,
	    "sha256", sha, "pieces", pieces, "size", (json_int_t)u->size,
	    "type", ftypes[u->type].mime);
	if (payload == NULL) {
		req_fail(u->r, "could not build the upload's event");
		return -1;
	}
	rc = change_record(u->r, LEDGER_FILE, u->id, u->region, "upload",
	    payload);
	json_decref(payload);
	return rc;
}

/* A content read back in the request's transaction, for thumbnails. */
struct readback {
	struct req	*r;
	char		 id[24];
	PGresult	*res;
};

static int
readback_fetch(void *arg, int n, const char **data, size_t *len)
{
	static struct stmt piece = STMT(
	    "SELECT file_chunk($1, $2) AS data", 2);
	struct readback	*b = arg;
	char		 k[16];
	const char	*p[2];

	PQclear(b->res);
	snprintf(k, sizeof(k), "%d", n);
	p[0] = b->id;
	p[1] = k;
	if ((b->res = db_exec_binary(b->r, &piece, p)) == NULL ||
	    PQntuples(b->res) != 1 || PQgetisnull(b->res, 0, 0))
		return -1;
	*data = PQgetvalue(b->res, 0, 0);
	*len = (size_t)PQgetlength(b->res, 0, 0);
	return 0;
}

/*
 * Make and keep the thumbnail of the file just added, an image.  A
 * thumbnail that cannot be made is logged and the upload goes on
 * without it; a database failure is the request's.  Returns 0, or -1.
 */
static int
upload_thumbnail(struct upload *u)
{
	static struct stmt keep = STMT(
	    "SELECT file_thumbnail_put($1, $2::bytea)", 2);
	struct readback		 b = { u->r, "", NULL };
	struct piece_reader	 pr = { u->size, FILE_CHUNK, readback_fetch,
				    &b };
	unsigned char		*jpeg = NULL;
	size_t			 len = 0;
	const char		*p[2];
	int			 lens[2] = { 0, 0 }, fmt[2] = { 0, 1 };
	int			 rc = 0;
	PGresult		*res;

	snprintf(b.id, sizeof(b.id), "%lld", (long long)u->id);
	if (image_thumbnail(&pr, &jpeg, &len) == -1) {
		PQclear(b.res);
		/* A piece the database would not give is its failure. */
		return u->r->fault != FAULT_NONE ? -1 : 0;
	}
	PQclear(b.res);
	p[0] = b.id;
	p[1] = (const char *)jpeg;
	lens[1] = (int)len;
	if ((res = db_exec_params(u->r, &keep, p, lens, fmt, 0)) == NULL)
		rc = -1;
	PQclear(res);
	free(jpeg);
	return rc;
}

void
file_upload(struct req *r)
{
	static struct stmt the_case = STMT(
	    "SELECT region FROM cases WHERE id = $1"
	    " AND in_scope(region)", 1);
	struct upload	*u;
	const char	*p[1];
	PGresult	*res;
	int		 thumb = 0;

	if ((u = calloc(1, sizeof(*u))) == NULL ||
	    (u->buf = malloc(FILE_CHUNK)) == NULL) {
		free(u);
		req_fail(r, "out of memory for an upload");
		reply_db_error(r);
		return;
	}
	u->r = r;
	snprintf(u->case_id, sizeof(u->case_id), "%lld", (long long)r->ids[0]);
	if (upload_query(u) == -1)
		goto out;
	p[0] = u->case_id;
	if ((res = db_exec(r, &the_case, p)) == NULL) {
		reply_db_error(r);
		goto out;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		reply_problem(r, 404, NULL, "no such case", NULL);
		goto out;
	}
	snprintf(u->region, sizeof(u->region), "%s", db_get(res, 0, "region"));
	PQclear(res);
	if (upload_stream(u) == -1) {
		if (!r->reply.staged)
			reply_db_error(r);
		goto out;
	}
	/* The key, now that the body is known: a replay ends here. */
	if (idem_begin(r, &r->idem) == IDEM_DONE)
		goto out;
	if (upload_record(u, &thumb) == -1 || upload_event(u) == -1 ||
	    (ftypes[u->type].image && !thumb && upload_thumbnail(u) == -1)) {
		reply_db_error(r);
		goto out;
	}
	reply_resource(r, 201, file_json(r, u->id), "file", "/api/v1/files");
out:
	EVP_MD_CTX_free(u->whole);
	json_decref(u->exif);
	free(u->buf);
	free(u);
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/cases/{id}/files                                       */
/* ------------------------------------------------------------------ */

void
file_list(struct req *r)
{
	static struct stmt list = STMT("SELECT " FILE_COLUMNS
	    " WHERE f.case_id = $1 ORDER BY f.id", 1);
	char		 cid[24];
	const char	*p[1];
	PGresult	*res;
	json_t		*items;
	int		 i;

	if (case_visible(r, r->ids[0]) != 1)
		return;
	snprintf(cid, sizeof(cid), "%lld", (long long)r->ids[0]);
	p[0] = cid;
	if ((res = db_exec(r, &list, p)) == NULL) {
		reply_db_error(r);
		return;
	}
	items = json_array();
	for (i = 0; items != NULL && i < PQntuples(res); i++)
		json_array_append_new(items, file_row_json(res, i));
	PQclear(res);
	reply_json(r, 200, json_pack("{s:o}", "items", items));
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/files/{id}                                             */
/* ------------------------------------------------------------------ */

struct get_in {
	int	 inline_;
};

static const struct vfield get_fields[] = {
	{ "inline", VT_BOOL, 0, 0, 0, NULL, NULL,
	    offsetof(struct get_in, inline_) },
};

/*
 * The bytes of file `fid` from `from` to `to` (inclusive), its pieces
 * `chunk` bytes each: one statement for every piece of the range, in
 * the request's snapshot, its rows (a piece each, in order) streamed in
 * libpq's single-row mode -- the server reads and sends the next piece
 * while this one is written out, and only one piece is in memory here.
 * The rows come in generate_series's order (no ORDER BY: a sort would
 * read every piece before the first went out); each row names its
 * piece, and one out of place fails the transfer.  Returns 0, or -1
 * (the reply is aborted: the client sees a short transfer).
 */
static int
send_bytes(struct req *r, const char *fid, long long from, long long to,
    long long chunk)
{
	static struct stmt pieces = STMT(
	    "SELECT n, file_chunk($1, n) AS data"
	    " FROM generate_series($2::integer, $3::integer) n", 3);
	const char	*p[3];
	char		 first[24], last[24];
	PGresult	*res;
	const unsigned char	*k;
	long long	 n, off, len;
	int		 failed, rc = -1;

	snprintf(first, sizeof(first), "%lld", from / chunk);
	snprintf(last, sizeof(last), "%lld", to / chunk);
	p[0] = fid;
	p[1] = first;
	p[2] = last;
	if (db_stream_open(r, &pieces, p) == -1)
		return -1;
	for (n = from / chunk; n * chunk <= to; n++) {
		if ((res = db_stream_next(r, &failed)) == NULL)
			goto out;
		/* Binary: n a big-endian int4, the piece its bytes. */
		k = (const unsigned char *)PQgetvalue(res, 0, 0);
		if (PQgetlength(res, 0, 0) != 4 || ((long long)k[0] << 24 |
		    k[1] << 16 | k[2] << 8 | k[3]) != n ||
		    PQgetisnull(res, 0, 1)) {
			log_error("request %s: file %s has no piece %lld",
			    r->id, fid, n);
			PQclear(res);
			goto out;
		}
		off = n == from / chunk ? from - n * chunk : 0;
		len = PQgetlength(res, 0, 1) - off;
		if (n * chunk + off + len - 1 > to)
			len = to - (n * chunk + off) + 1;
		if (len <= 0 || reply_stream_write(r, PQgetvalue(res, 0, 1) +
		    off, (size_t)len) == -1) {
			PQclear(res);
			goto out;
		}
		PQclear(res);
	}
	/* The end of the rows: nothing more is due. */
	if ((res = db_stream_next(r, &failed)) == NULL && !failed)
		rc = 0;
	PQclear(res);
out:
	db_stream_close(r);
	return rc;
}

void
file_get(struct req *r)
{
	static struct stmt get = STMT(
	    "SELECT f.name, f.type, f.size, f.chunk_size,"
	    " encode(f.sha256, 'hex') AS sha256 FROM files f WHERE f.id = $1",
	    1);
	struct get_in	 in = { 0 };
	char		 fid[24], quoted[80];
	const char	*p[1], *ir;
	PGresult	*res = NULL;
	long long	 size, chunk, from = 0, to;
	enum range	 rg;
	enum ftype	 t;

	if (validate_query(r, get_fields, NITEMS(get_fields), &in, NULL) == -1)
		return;
	snprintf(fid, sizeof(fid), "%lld", (long long)r->ids[0]);
	p[0] = fid;
	if ((res = db_exec(r, &get, p)) == NULL) {
		reply_db_error(r);
		return;
	}
	if (PQntuples(res) != 1) {
		reply_problem(r, 404, NULL, "no such file", NULL);
		goto out;
	}
	size = strtoll(db_get(res, 0, "size"), NULL, 10);
	chunk = strtoll(db_get(res, 0, "chunk_size"), NULL, 10);
	to = size - 1;
	t = filetype_of_mime(db_get(res, 0, "type"));
	snprintf(r->etag, sizeof(r->etag), "%s", db_get(res, 0, "sha256"));
	snprintf(quoted, sizeof(quoted), "\"%s\"", r->etag);
	if (file_disposition(r->disposition, sizeof(r->disposition),
	    in.inline_ && t != FT__MAX && ftypes[t].inline_ok ? "inline" :
	    "attachment", db_get(res, 0, "name")) == -1 || chunk <= 0) {
		req_fail(r, "file %s: its name or layout cannot be sent", fid);
		reply_db_error(r);
		goto out;
	}
	r->accept_ranges = 1;
	/* If-Range: a range only of the very bytes the client holds. */
	rg = (ir = req_param(r, "HTTP_IF_RANGE")) != NULL &&
	    strcmp(ir, quoted) != 0 ? RANGE_NONE :
	    range_parse(req_param(r, "HTTP_RANGE"), size, &from, &to);
	switch (rg) {
	case RANGE_UNSATISFIABLE:
		snprintf(r->content_range, sizeof(r->content_range),
		    "bytes */%lld", size);
		reply_problem(r, 416, NULL, "the range lies outside the file",
		    NULL);
		goto out;
	case RANGE_PART:
		snprintf(r->content_range, sizeof(r->content_range),
		    "bytes %lld-%lld/%lld", from, to, size);
		reply_stream_sized(r, 206, db_get(res, 0, "type"),
		    to - from + 1);
		break;
	case RANGE_NONE:
	case RANGE__MAX:
		reply_stream_sized(r, 200, db_get(res, 0, "type"), size);
		break;
	}
	if (send_bytes(r, fid, from, to, chunk) == -1)
		reply_stream_abort(r);
out:
	PQclear(res);
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/files/{id}/thumbnail                                   */
/* ------------------------------------------------------------------ */

void
file_thumbnail_get(struct req *r)
{
	static struct stmt get = STMT(
	    "SELECT file_thumbnail($1) AS jpeg,"
	    " (SELECT encode(sha256, 'hex') FROM files WHERE id = $1) AS sha256",
	    1);
	char		 fid[24];
	const char	*p[1];
	PGresult	*res;

	snprintf(fid, sizeof(fid), "%lld", (long long)r->ids[0]);
	p[0] = fid;
	if ((res = db_exec_binary(r, &get, p)) == NULL) {
		reply_db_error(r);
		return;
	}
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0))
		reply_problem(r, 404, NULL, PQntuples(res) == 1 &&
		    !PQgetisnull(res, 0, 1) ? "this file has no thumbnail" :
		    "no such file", NULL);
	else {
		snprintf(r->etag, sizeof(r->etag), "%.64s-t",
		    PQgetvalue(res, 0, 1));
		reply_text(r, 200, "image/jpeg", PQgetvalue(res, 0, 0),
		    (size_t)PQgetlength(res, 0, 0));
	}
	PQclear(res);
}

/* ------------------------------------------------------------------ */
/* POST /api/v1/files/{id}/withdraw                                   */
/* ------------------------------------------------------------------ */

struct withdraw_in {
	const char	*reason;
};

static const char *
check_reason(const char *s)
{
	return utf8_chars(s) > REASON_CHARS ? "不能超过500个字" : NULL;
}

static const struct vfield withdraw_fields[] = {
	{ "reason", VT_TEXT, 1, 1, 4 * REASON_CHARS, NULL, check_reason,
	    offsetof(struct withdraw_in, reason) },
};

void
file_withdraw(struct req *r)
{
	static struct stmt withdraw = STMT(
	    "UPDATE files SET withdrawn_at = now(), withdrawn_by = $2,"
	    " withdraw_reason = $3 WHERE id = $1 AND withdrawn_at IS NULL"
	    " RETURNING case_id, region, kind, name,"
	    " encode(sha256, 'hex') AS sha256", 3);
	static struct stmt exists = STMT(
	    "SELECT 1 FROM files WHERE id = $1", 1);
	struct withdraw_in	 in = { NULL };
	char			 fid[24], uid[24];
	const char		*p[3];
	PGresult		*res = NULL;
	json_t			*payload;
	int			 rc;

	if (validate_json(r, r->json, withdraw_fields, NITEMS(withdraw_fields),
	    &in, NULL) == -1)
		return;
	snprintf(fid, sizeof(fid), "%lld", (long long)r->ids[0]);
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	p[0] = fid;
	p[1] = uid;
	p[2] = in.reason;
	if ((res = db_exec(r, &withdraw, p)) == NULL) {
		reply_db_error(r);
		return;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		if ((res = db_exec(r, &exists, p)) == NULL)
			reply_db_error(r);
		else if (PQntuples(res) == 1)
			reply_problem(r, 409, "already-withdrawn", "the file "
			    "was withdrawn already", NULL);
		else
			reply_problem(r, 404, NULL, "no such file", NULL);
		PQclear(res);
		return;
	}
	payload = json_pack("{s:I, s:s, s:s, s:s, s:s}",
	    "case", (json_int_t)strtoll(db_get(res, 0, "case_id"), NULL, 10),
	    "kind", db_get(res, 0, "kind"), "name", db_get(res, 0, "name"),
	    "sha256", db_get(res, 0, "sha256"), "reason", in.reason);
	rc = payload == NULL ? (req_fail(r, "could not build the event"), -1) :
	    change_record(r, LEDGER_FILE, r->ids[0], db_get(res, 0, "region"),
	    "withdraw", payload);
	json_decref(payload);
	PQclear(res);
	if (rc == -1) {
		reply_db_error(r);
		return;
	}
	reply_resource(r, 200, file_json(r, r->ids[0]), "file", NULL);
}
